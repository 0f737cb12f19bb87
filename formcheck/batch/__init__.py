"""Many videos at once: :mod:`formcheck.batch.local` (a process pool on this machine) writes one output folder
per video and the index ``batch.csv`` (:mod:`formcheck.batch.index`)."""
