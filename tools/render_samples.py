#!/usr/bin/env python
"""Regenerates the sample videos and their ground truth in ``sample_videos/`` (see its README.md).

Needs the renderer's own virtualenv (``pip install torch==2.13.0``, then ``pip install -e '.[render]'``,
then ``pip install PyOpenGL==3.1.7``) and Debian's ``libosmesa6``. Rendering runs headless on OSMesa.

    python tools/render_samples.py                 # every clip, two at a time
    python tools/render_samples.py --only seated_rotation_front --jobs 1
    python tools/render_samples.py --truth-only    # re-pose and rewrite the truth files, no rendering
    python tools/render_samples.py --recompute-metrics   # only the metrics, from the stored landmarks
    nice -n 19 python tools/render_samples.py --set wide --out /tmp/wide_renders   # the wide evaluation set

The wide evaluation set (``tools/render/wide.py``, issue 11) is not shipped: render it outside the repository,
then cache its landmarks and truth with ``benchmarks/wide_cache.py DIR``.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")

OUT_DIR = REPO / "sample_videos"
log = logging.getLogger("render_samples")


def _check_environment() -> None:
    try:
        import torch  # noqa: F401
        import anny  # noqa: F401
        import OpenGL
        import pyrender  # noqa: F401
    except ImportError as exc:
        sys.exit(f"render_samples: {exc}: install the renderer's venv as sample_videos/README.md says "
                 "(torch==2.13.0 first, then pip install -e '.[render]', then PyOpenGL==3.1.7)")
    if OpenGL.__version__ != "3.1.7":
        sys.exit(f"render_samples: PyOpenGL {OpenGL.__version__} cannot render on OSMesa here: "
                 "pip install PyOpenGL==3.1.7 (pyrender pins an older one)")


def _clip_specs(which: str) -> dict:
    if which == "wide":
        from tools.render.wide import wide_clips

        return {c.spec.name: c.spec for c in wide_clips()}
    from tools.render.clips import CLIPS

    return {c.name: c for c in CLIPS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", dest="clip_set", choices=("samples", "wide"), default="samples",
                        help="the shipped sample clips (default) or the wide evaluation set (needs --out)")
    parser.add_argument("--only", nargs="+", metavar="CLIP", help="render only these clips")
    parser.add_argument("--jobs", type=int, default=2, help="clips rendered at once (default 2: the cores)")
    parser.add_argument("--truth-only", action="store_true", help="re-pose and rewrite the truth files only")
    parser.add_argument("--recompute-metrics", action="store_true",
                        help="rewrite only the metrics of the existing truth files from their stored landmarks")
    parser.add_argument("--out", type=Path, default=None, help=f"output folder (default {OUT_DIR} for the samples)")
    parser.add_argument("--skip-existing", action="store_true", help="skip clips whose video is already there")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.out is None:
        if args.clip_set == "wide":
            parser.error("--set wide needs --out DIR (a folder outside the repository: the wide set is not shipped)")
        args.out = OUT_DIR
    CLIPS_BY_NAME = _clip_specs(args.clip_set)
    unknown = sorted(set(args.only or ()) - set(CLIPS_BY_NAME))
    if unknown:
        parser.error(f"unknown clip(s) {', '.join(unknown)} in the {args.clip_set} set")

    if args.recompute_metrics:
        from tools.render.truth import recompute_metrics

        paths = sorted(args.out.glob("*.truth.json"))
        recompute_metrics(paths)
        log.info("recomputed the metrics of %d truth files", len(paths))
        return 0

    _check_environment()
    names = args.only or list(CLIPS_BY_NAME)
    if args.skip_existing:
        names = [n for n in names if not (args.out / f"{n}.mp4").is_file()]
    if len(names) == 1 or args.jobs <= 1:
        from tools.render.render import build_truth

        for name in names:
            t0 = time.time()
            build_truth(CLIPS_BY_NAME[name], render_video=not args.truth_only, out_dir=args.out)
            log.info("%s done in %.1f s", name, time.time() - t0)
        return 0
    # several clips: one child process per clip, at most --jobs at a time (each uses one core)
    pending = list(names)
    running: list[tuple[str, subprocess.Popen]] = []
    failed = []
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    extra = ["--truth-only"] if args.truth_only else []
    while pending or running:
        while pending and len(running) < args.jobs:
            name = pending.pop(0)
            cmd = [sys.executable, __file__, "--set", args.clip_set, "--only", name, "--jobs", "1",
                   "--out", str(args.out), *extra]
            running.append((name, subprocess.Popen(cmd, env=env)))
        time.sleep(0.5)
        for item in list(running):
            if item[1].poll() is not None:
                running.remove(item)
                if item[1].returncode != 0:
                    failed.append(item[0])
    if failed:
        log.error("failed: %s", ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
