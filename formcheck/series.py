"""A whole recording's poses: the landmark series that the measuring and counting passes read.

A recorded video is known whole, so ``formcheck analyze`` runs the model once over every frame (the
expensive pass) into a :class:`PoseSeries`, then measures and counts with the whole series in view. The
same series is what the benchmarks cache per clip (``benchmarks/landmarks/``, ``benchmarks/real_landmarks/``),
so the gates run exactly the code ``analyze`` runs.

Memory: float32 arrays, about 1 KB a frame (an hour at 30 fps is about 110 MB); no pictures are kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from formcheck.landmarks import NUM_LANDMARKS
from formcheck.types import Pose

_FIELDS = ("xy_px", "z_px", "world_xyz_m", "visibility", "presence")
_SHAPES = {"xy_px": (NUM_LANDMARKS, 2), "z_px": (NUM_LANDMARKS,), "world_xyz_m": (NUM_LANDMARKS, 3),
           "visibility": (NUM_LANDMARKS,), "presence": (NUM_LANDMARKS,)}


@dataclass
class PoseSeries:
    """Every frame's pose and timestamp, in time order; grows with :meth:`append`.

    Attributes:
        resolution_wh: picture size the landmarks are in, in pixels.
        frame_indices: each frame's index in the source.
    """

    resolution_wh: tuple[int, int]
    _chunks: dict[str, list[NDArray[np.float32]]] = field(default_factory=lambda: {k: [] for k in _FIELDS})
    timestamps_ms: list[int] = field(default_factory=list)
    frame_indices: list[int] = field(default_factory=list)
    _arrays: dict[str, NDArray[np.float32]] | None = field(default=None, repr=False)

    def append(self, pose: Pose, timestamp_ms: int, frame_index: int | None = None) -> None:
        """Adds one frame's pose (float32, so a long recording stays small).

        Timestamps are kept strictly increasing: a container that repeats one (some start with two frames
        at 0 ms) gets the next millisecond, so counting never sees time stand still or go back.
        """
        for k in _FIELDS:
            self._chunks[k].append(np.asarray(getattr(pose, k), dtype=np.float32))
        t = int(timestamp_ms)
        if self.timestamps_ms and t <= self.timestamps_ms[-1]:
            t = self.timestamps_ms[-1] + 1
        self.timestamps_ms.append(t)
        self.frame_indices.append(len(self.frame_indices) if frame_index is None else int(frame_index))
        self._arrays = None

    def extend(self, other: PoseSeries, *, index_offset: int = 0) -> None:
        """Adds ``other``'s frames after these (their frame indices moved by ``index_offset``), timestamps kept
        strictly increasing as :meth:`append` keeps them."""
        for k in _FIELDS:
            self._chunks[k].extend(other._chunks[k])
        for t, i in zip(other.timestamps_ms, other.frame_indices, strict=True):
            if self.timestamps_ms and t <= self.timestamps_ms[-1]:
                t = self.timestamps_ms[-1] + 1
            self.timestamps_ms.append(t)
            self.frame_indices.append(i + index_offset)
        self._arrays = None

    def __len__(self) -> int:
        return len(self.timestamps_ms)

    def arrays(self) -> dict[str, NDArray[np.float32]]:
        """The series as stacked arrays: ``xy_px`` (N, 33, 2), ``z_px`` (N, 33), ... (cached)."""
        if self._arrays is None:
            self._arrays = {k: (np.stack(v) if v else np.zeros((0, *_SHAPES[k]), np.float32))
                            for k, v in self._chunks.items()}
        return self._arrays

    def pose(self, i: int) -> Pose:
        """Frame ``i``'s pose, in float64 as geometry expects."""
        a = self.arrays()
        return Pose(xy_px=a["xy_px"][i].astype(float), z_px=a["z_px"][i].astype(float),
                    world_xyz_m=a["world_xyz_m"][i].astype(float), visibility=a["visibility"][i].astype(float),
                    presence=a["presence"][i].astype(float), resolution_wh=self.resolution_wh)

    def poses(self) -> Iterator[tuple[Pose, int]]:
        """Each frame's pose with its timestamp, in order."""
        for i, t in enumerate(self.timestamps_ms):
            yield self.pose(i), t

    # ----------------------------------------------------------------------------------- files
    def save_npz(self, path: Path, **extra: object) -> None:
        """Writes the series (compressed) with ``extra`` scalars (e.g. the video's sha256)."""
        a = self.arrays()
        np.savez_compressed(path, **a, timestamp_ms=np.asarray(self.timestamps_ms, dtype=np.int64),
                            frame_index=np.asarray(self.frame_indices, dtype=np.int64),
                            resolution_wh=np.asarray(self.resolution_wh),
                            **{k: np.asarray(v) for k, v in extra.items()})

    @classmethod
    def load_npz(cls, path: Path) -> tuple[PoseSeries, dict[str, object]]:
        """Reads a series written by :meth:`save_npz`; returns it and the extra scalars."""
        with np.load(path) as npz:
            d = {k: npz[k] for k in npz.files}  # each member decompressed once
        wh = tuple(int(v) for v in d.pop("resolution_wh"))
        series = cls(resolution_wh=(wh[0], wh[1]))
        ts = d.pop("timestamp_ms")
        idx = d.pop("frame_index", np.arange(len(ts)))
        series._arrays = {k: d.pop(k).astype(np.float32) for k in _FIELDS}
        series._chunks = {k: list(series._arrays[k]) for k in _FIELDS}
        series.timestamps_ms = [int(t) for t in np.maximum.accumulate(ts + np.arange(len(ts))) - np.arange(len(ts))]
        for i in range(1, len(series.timestamps_ms)):  # strictly increasing, as append keeps them
            if series.timestamps_ms[i] <= series.timestamps_ms[i - 1]:
                series.timestamps_ms[i] = series.timestamps_ms[i - 1] + 1
        series.frame_indices = [int(i) for i in idx]
        extra = {k: (v.item() if v.shape == () else v) for k, v in d.items()}
        return series, extra
