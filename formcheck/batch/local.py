"""A batch on this machine: every video analysed by :func:`formcheck.api.analyze` into its own folder, in this
process (``jobs=1``) or in ``jobs`` spawned worker processes; ``batch.csv`` rewritten as each video finishes.

Each worker imports MediaPipe and reads the model once (its initializer); every video still gets a fresh
landmarker, since MediaPipe's video mode carries tracking state from frame to frame and a reused one would
make a video's landmarks depend on the video analysed before it.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import hashlib
import json
import logging
import multiprocessing
import signal
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from formcheck.batch.index import INDEX_NAME, BatchIndex, BatchResult, BatchRow
from formcheck.errors import ConfigError, FormcheckError
from formcheck.interrupt import ctrl_c_raises
from formcheck.options import AnalysisOptions
from formcheck.progress import ProgressBar

log = logging.getLogger(__name__)

#: Extensions of the files a folder is searched for (case-insensitive).
VIDEO_EXTENSIONS = frozenset({".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv", ".3gp"})
SUMMARY_NAME = "summary.json"
#: Where a batch runs: ``local`` (this machine: in this process or a process pool), ``ray`` (Ray tasks on a
#: cluster or a local Ray: :mod:`formcheck.batch.ray_backend`, the optional extra ``formcheck[ray]``).
BACKENDS = ("local", "ray")


def find_videos(inputs: Iterable[str | Path]) -> list[Path]:
    """Files as given (whatever their extension); folders searched, recursively, for video files by extension.
    Each video once, in the order given (a folder's in sorted order)."""
    found: list[Path] = []
    seen: set[Path] = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            candidates = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_EXTENSIONS)
            if not candidates:
                log.warning("no video files (%s) in the folder %s", ", ".join(sorted(VIDEO_EXTENSIONS)), path)
        else:
            candidates = [path]
        for p in candidates:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                found.append(p)
    return found


def output_names(videos: Sequence[Path]) -> list[str]:
    """One folder name per video: its stem, or the stem plus 8 hex digits of the resolved path's SHA-1 when
    two videos of the batch share a stem (``clip-1a2b3c4d``), so that no two can collide."""
    counts: dict[str, int] = {}
    for v in videos:
        counts[v.stem.lower()] = counts.get(v.stem.lower(), 0) + 1
    names = []
    for v in videos:
        if counts[v.stem.lower()] > 1:
            digest = hashlib.sha1(str(v.resolve()).encode("utf-8")).hexdigest()[:8]
            names.append(f"{v.stem}-{digest}")
        else:
            names.append(v.stem)
    return names


def complete_summary(out_dir: Path) -> dict[str, Any] | None:
    """The summary of a complete earlier run in ``out_dir`` (not interrupted, not cut short), else None."""
    try:
        summary = json.loads((out_dir / SUMMARY_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(summary, dict) or summary.get("interrupted") or (summary.get("source") or {}).get("truncated"):
        return None
    return summary


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if isinstance(exc, FormcheckError) else f"{type(exc).__name__}: {text}"


def analyze_one(video: Path, out_dir: Path, options: AnalysisOptions) -> tuple[str, dict[str, Any] | None, str]:
    """Analyses one video; returns ``(status, summary, error)``. Never raises for a bad video."""
    from formcheck.api import analyze_with

    try:
        result = analyze_with(video, options, out=out_dir)
    except FormcheckError as exc:
        return "failed", None, _one_line(exc)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # a bug or an unforeseen library error: this video's row, not the batch's end
        log.debug("analysing %s failed", video, exc_info=True)
        return "failed", None, _one_line(exc)
    summary = result.summary
    if summary.get("interrupted"):
        return "interrupted", summary, "interrupted: the frames so far are saved; run again to redo it"
    if (summary.get("source") or {}).get("truncated"):
        return "truncated", summary, str(summary["source"].get("problem") or "the video is cut short")
    return "done", summary, ""


_STOP: Any = None  # in a worker: the batch's stop event (set by the parent on Ctrl-C)


def _pool_task(video: Path, out_dir: Path, options: AnalysisOptions) -> tuple[str, dict[str, Any] | None, str]:
    """A worker's task: nothing once the batch is stopping (a video queued before Ctrl-C is not started)."""
    if _STOP is not None and _STOP.is_set():
        return "pending", None, ""
    return analyze_one(video, out_dir, options)


def _worker_init(model: Path | None, stop: Any) -> None:
    """In each worker: Ctrl-C is the parent's to handle (an analysis in progress still stops cleanly on it, as
    its own signal handler replaces this one); MediaPipe imported and the model read once."""
    global _STOP
    _STOP = stop
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        import mediapipe  # noqa: F401

        from formcheck import pose

        Path(model if model is not None else pose.default_model_path()).read_bytes()  # read once per worker
    except Exception:  # a model problem is reported per video, with its message
        log.debug("worker start-up: the model could not be preloaded", exc_info=True)


def run_batch(
    inputs: Iterable[str | Path],
    *,
    out: Path,
    options: AnalysisOptions,
    jobs: int | None = None,
    backend: str = "local",
    ray_address: str | None = None,
    progress: bool = False,
) -> BatchResult:
    """See :func:`formcheck.api.analyze_many`."""
    from formcheck.api import AnalysisResult, _resolve_exercise

    if jobs is not None and jobs < 1:
        raise ConfigError(f"--jobs must be 1 or more, got {jobs}")
    if backend not in BACKENDS:
        raise ConfigError(f"unknown batch backend {backend!r}: choose one of {', '.join(BACKENDS)}")
    if ray_address is not None and backend != "ray":
        raise ConfigError("--ray-address is for --backend ray: add --backend ray, or leave the address out")
    if backend == "ray":
        from formcheck.batch.ray_backend import import_ray

        import_ray()  # without the extra: one line saying how to install it, before anything is written
    videos = find_videos(inputs)
    if not videos:
        raise ConfigError("no videos to analyse: give video files or folders holding them")
    _resolve_exercise(options.exercise, options.exercise_files)  # a bad exercise name stops it before it starts
    out = Path(out)
    index = BatchIndex(out / INDEX_NAME)
    dirs = [out / name for name in output_names(videos)]
    todo: list[int] = []
    for i, (video, out_dir) in enumerate(zip(videos, dirs)):
        summary = None if options.force else complete_summary(out_dir)
        if summary is not None:
            index.set(BatchRow.from_summary(video, out_dir, "skipped", summary))
        else:
            index.set(BatchRow(video, out_dir))
            todo.append(i)
    if options.chunks is None and (backend == "ray" or (jobs is not None and jobs > 1 and len(todo) > 1)):
        options = replace(options, chunks=1)  # the videos at once fill the CPUs: each read in one landmark pass
    with ctrl_c_raises(), _connected(backend, ray_address, needed=bool(todo)):  # Ray reached before anything is written
        out.mkdir(parents=True, exist_ok=True)
        index.write()
        bar = ProgressBar(len(videos), label="batch", enabled=progress, unit="videos")
        done = len(videos) - len(todo)
        bar.update(done)
        interrupted = False

        def finish(i: int, status: str, summary: dict[str, Any] | None, error: str) -> None:
            nonlocal done, interrupted
            if status == "pending":  # not started: the batch was stopping
                return
            row = (BatchRow.from_summary(videos[i], dirs[i], status, summary, error) if summary is not None
                   else BatchRow(videos[i], dirs[i], status, error=error))
            index.set(row)
            index.write()
            done += 1
            bar.update(done)
            if status == "interrupted":
                interrupted = True

        try:
            if backend == "ray" and todo:
                from formcheck.batch.ray_backend import run_ray

                interrupted = run_ray(todo, videos, dirs, options, jobs, finish) or interrupted
            elif jobs is None or jobs == 1 or len(todo) <= 1:
                for i in todo:
                    finish(i, *analyze_one(videos[i], dirs[i], options))
                    if interrupted:
                        break
            else:
                interrupted = _run_pool(todo, videos, dirs, options, jobs, finish) or interrupted
        except KeyboardInterrupt:
            interrupted = True
        finally:
            bar.close()
            index.write()
    rows = tuple(index.rows.values())
    results = tuple(AnalysisResult.from_folder(r.video, r.output) for r in rows
                    if r.status in ("done", "skipped", "truncated"))
    return BatchResult(out_dir=out, rows=rows, results=results, interrupted=interrupted)


def _connected(backend: str, ray_address: str | None, *, needed: bool) -> contextlib.AbstractContextManager[Any]:
    """Ray connected (or started) for the batch when it runs on Ray and has videos to analyse; else nothing."""
    if backend != "ray" or not needed:
        return contextlib.nullcontext()
    from formcheck.batch.ray_backend import ray_session

    return ray_session(ray_address)


def _run_pool(todo: list[int], videos: list[Path], dirs: list[Path], options: AnalysisOptions, jobs: int,
              finish: Any) -> bool:
    """Runs the videos in ``jobs`` spawned processes; returns True when Ctrl-C stopped the batch."""
    context = multiprocessing.get_context("spawn")
    stop = context.Event()
    pool = cf.ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=context,
                                  initializer=_worker_init, initargs=(options.model, stop))
    futures = {pool.submit(_pool_task, videos[i], dirs[i], options): i for i in todo}
    interrupted = False
    try:
        for future in cf.as_completed(futures):
            i = futures[future]
            try:
                finish(i, *future.result())
            except cf.process.BrokenProcessPool as exc:
                finish(i, "failed", None, f"the worker process ended unexpectedly ({exc})")
    except KeyboardInterrupt:
        interrupted = True
        stop.set()
        log.debug("batch: stopping")
        for future in futures:
            future.cancel()
        # the workers stop their videos at the frame in hand and write them as interrupted: record those
        for future, i in futures.items():
            if future.cancelled():
                continue
            try:
                finish(i, *future.result())
            except (cf.CancelledError, cf.process.BrokenProcessPool):
                pass
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return interrupted
