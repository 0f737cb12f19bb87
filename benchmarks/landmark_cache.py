"""Per-clip caches of MediaPipe's landmarks, keyed by the video's sha256 and the landmark pass that made them.

The model is the slow part of an analysis; the measuring and counting passes are fast. Caching each clip's
:class:`~formcheck.series.PoseSeries` lets the benchmarks and the regression gates re-run formcheck's own
measuring-and-counting path (:func:`formcheck.passes.measure_and_count`) on every clip in seconds.

A cache is only worth gating on when it holds the landmarks ``formcheck analyze`` gives a user today, so it is
made by analyze's own landmark pass (:func:`formcheck.passes.chunked_landmark_pass`, with the chunk count
:func:`formcheck.passes.landmark_chunks` gives on a :data:`CACHE_CPUS`-CPU machine) and stores that pass's
identity (:func:`formcheck.passes.landmark_pass_identity`: pass version, model sha256, model input size,
chunks, warm-up, MediaPipe version) beside the video's sha256. :func:`stale_reason` compares it with today's
without running the model.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import numpy as np

from formcheck.analyze import file_sha256 as sha256
from formcheck.passes import IDENTITY_BEFORE
from formcheck.series import PoseSeries

#: The caches are made as ``formcheck analyze`` runs its landmark pass on a machine with this many CPUs (the
#: 2-core CI machine the gates run on): a video of 8 s or more then runs in 2 chunks.
CACHE_CPUS = 2
#: Prefix of the stored pass identity's keys in the npz.
PASS_PREFIX = "pass_"


def cache_file(cache_dir: Path, video: Path) -> Path:
    return cache_dir / f"{video.stem}.npz"


def _today(resolution_wh: tuple[int, int], duration_s: float, frames: int) -> dict[str, str | int | float]:
    """Today's landmark pass identity for a video of that size and length (no model run)."""
    from formcheck.passes import landmark_pass_identity
    from formcheck.pose import default_model_path
    from formcheck.sources import SourceInfo

    info = SourceInfo(name="", resolution_wh=resolution_wh, fps=0.0, frame_count=frames, duration_s=duration_s,
                      codec="")
    return landmark_pass_identity(info, default_model_path(), CACHE_CPUS)


def build(video: Path, cache_dir: Path) -> Path:
    """Runs ``formcheck analyze``'s landmark pass over ``video`` (same function, same chunk rule on
    :data:`CACHE_CPUS` CPUs) and stores the series with the video's sha256 and the pass's identity."""
    from formcheck.passes import chunked_landmark_pass, landmark_pass_identity
    from formcheck.pose import PoseEstimator
    from formcheck.sources import VideoFileSource

    with VideoFileSource(video) as source, PoseEstimator() as estimator:
        identity = landmark_pass_identity(source.info, estimator.model_path, CACHE_CPUS)
        series = chunked_landmark_pass(source, estimator, int(identity["chunks"]))
        duration_s = source.info.duration_s
    cache_dir.mkdir(parents=True, exist_ok=True)
    out = cache_file(cache_dir, video)
    series.save_npz(out, video_sha256=sha256(video), source_duration_s=duration_s,
                    **{PASS_PREFIX + k: v for k, v in identity.items()})
    return out


def load(video: Path, cache_dir: Path) -> tuple[PoseSeries, str]:
    """The cached series of ``video`` and the sha256 of the video it was made from."""
    series, extra = PoseSeries.load_npz(cache_file(cache_dir, video))
    return series, str(extra.get("video_sha256", ""))


def stored_facts(path: Path) -> dict[str, object]:
    """The scalars a cache file stores beside the landmarks (video sha256, source duration, pass identity) and
    its ``resolution_wh`` and frame count, read without decompressing the landmarks."""
    with np.load(path) as npz:
        facts: dict[str, object] = {k: npz[k].item() for k in npz.files
                                    if k == "video_sha256" or k == "source_duration_s" or k.startswith(PASS_PREFIX)}
        wh = npz["resolution_wh"]
        facts["resolution_wh"] = (int(wh[0]), int(wh[1]))
        facts["frames"] = int(npz["timestamp_ms"].shape[0])
    return facts


def stale_reason(path: Path, video: Path | None = None, *, ignore: Collection[str] = ()) -> str | None:
    """Why the cache at ``path`` is not what today's ``formcheck analyze`` would see (None: it is).

    With ``video``, the video's sha256 must be the stored one. The stored pass identity must equal today's
    (:func:`formcheck.passes.landmark_pass_identity` for the stored size and length): no model is run, only the
    model file is hashed. ``ignore``: identity keys not compared (the gates ignore ``mediapipe``: see them).
    """
    if not path.is_file():
        return f"{path.name} does not exist"
    facts = stored_facts(path)
    if video is not None and facts.get("video_sha256") != sha256(video):
        return f"{video.name} is not the video {path.name} was made from (its sha256 differs)"
    stored = {k[len(PASS_PREFIX):]: v for k, v in facts.items() if k.startswith(PASS_PREFIX)}
    if not stored or "source_duration_s" not in facts:
        return f"{path.name} was made by an older landmark pass that stored no identity"
    today = _today(facts["resolution_wh"], float(facts["source_duration_s"]), int(facts["frames"]))  # type: ignore[arg-type]
    stored = IDENTITY_BEFORE | stored  # a key added since the cache was made: what the pass did before it
    differ = [f"{k} {stored.get(k, 'missing')} (today {v})" for k, v in today.items()
              if k not in ignore and str(stored.get(k)) != str(v)]
    if differ:
        return f"{path.name} was made by another landmark pass: " + ", ".join(differ)
    return None


def is_fresh(video: Path, cache_dir: Path) -> bool:
    return stale_reason(cache_file(cache_dir, video), video) is None


def ensure(video: Path, cache_dir: Path, *, refresh: bool = False, log=print) -> PoseSeries:  # noqa: ANN001
    """The clip's series, running the landmark pass first when there is no cache or it is stale."""
    reason = "--refresh" if refresh else stale_reason(cache_file(cache_dir, video), video)
    if reason is not None:
        log(f"running MediaPipe on {video.name} ({reason}) ...")
        build(video, cache_dir)
    return load(video, cache_dir)[0]
