"""Sound in the live coach: what is said (:mod:`.events`), when (:mod:`.scheduler`), where it plays
(:mod:`.engines`: the speakers in a worker process, the sound log), wired as an observer of the live session
(:mod:`.coach`: :class:`~formcheck.sound.coach.SoundCoach`); :mod:`.cli` holds the shared command-line options.
The rules per kind of message are data: ``sound.toml``.

Nothing is imported here, so the command line's options load without numpy or audio libraries.
"""
