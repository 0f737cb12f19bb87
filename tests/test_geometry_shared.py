"""geometry's cheap forms for one pose give the very numbers of the straightforward ones (bit for bit).

compute_metrics shares midpoints and lines between metrics (``_Body``), replaces ``np.cross``,
``np.linalg.norm`` and ``np.clip`` by the same arithmetic without their dispatch, and metric_visibility /
parts_out_of_frame gather their landmarks once. Here each is compared with numpy's own function or with the
rule written out plainly, on real-looking poses and on awkward values (NaN, infinities, zeros, -0.0).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from builders import synthetic_pose_arrays
from formcheck import geometry
from formcheck.landmarks import NUM_LANDMARKS

RNG = np.random.default_rng(12)


def _awkward(shape: tuple[int, ...]) -> np.ndarray:
    values = RNG.normal(size=shape) * 10.0 ** RNG.integers(-3, 4, size=shape)
    flat = values.reshape(-1)
    picks = RNG.choice(flat.size, size=flat.size // 5, replace=False)
    flat[picks] = RNG.choice([np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0], size=picks.size)
    return values


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """The same numbers bit for bit (so -0.0 is not 0.0); a NaN matches any NaN (numpy's loops on one number
    and on many may give NaNs of another sign)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    return bool((nan_a == nan_b).all()) and a[~nan_a].tobytes() == b[~nan_b].tobytes()


def test_cross_norm_and_clip_are_numpys_numbers() -> None:
    a, b = _awkward((500, 3)), _awkward((500, 3))
    with np.errstate(all="ignore"):
        assert _same_bits(geometry._cross(a, b), np.cross(a, b))
        assert _same_bits(geometry._cross(a, geometry.UP), np.cross(a, geometry.UP))
        assert _same_bits(geometry._cross(a[7], b[9]), np.cross(a[7], b[9]))
        assert _same_bits(geometry._norm(a), np.linalg.norm(a, axis=-1))
        assert _same_bits(geometry._norm(a[:, :2]), np.linalg.norm(a[:, :2], axis=-1))
        cos = _awkward((1000,)) / 50.0
        assert _same_bits(geometry._clip_unit(cos), np.clip(cos, -1.0, 1.0))
        assert _same_bits(geometry._clip_unit(cos[3]), np.clip(cos[3], -1.0, 1.0))


def _poses(n: int) -> tuple[np.ndarray, np.ndarray]:
    xy, xyz = zip(*(synthetic_pose_arrays(rotation_deg=float(r), extension_deg=float(e), facing_deg=float(f))
                    for r, e, f in zip(RNG.uniform(-60, 60, n), RNG.uniform(-30, 30, n), RNG.uniform(-180, 180, n))))
    xy, xyz = np.array(xy) + RNG.normal(size=(n, NUM_LANDMARKS, 2)), np.array(xyz) + RNG.normal(size=(n, NUM_LANDMARKS, 3)) * 0.02
    xy[::7, 11] = np.nan  # a shoulder not placed
    xyz[::9] = np.nan  # no person
    xy[::11, 23:25] = xy[::11, 11:13]  # hips on the shoulders: zero-length trunk
    return xy, xyz


def test_a_metric_in_compute_metrics_is_the_metric_alone_and_frame_by_frame() -> None:
    xy, xyz = _poses(60)
    together = geometry.compute_metrics(xy, xyz)
    with np.errstate(all="ignore"):
        for spec in geometry.METRICS:
            assert _same_bits(together[spec.name], np.asarray(spec.compute(xy, xyz), dtype=float)), spec.name
    for i in (0, 7, 9, 11, 30):
        one = geometry.compute_metrics(xy[i], xyz[i])
        for name, values in together.items():
            assert _same_bits(one[name], values[i]), (name, i)


def test_a_swapped_in_compute_is_the_one_used() -> None:
    """A benchmark may put a candidate in a spec's place (benchmarks/scapular_front.py): it must run."""
    xy, xyz = _poses(5)
    shipped = geometry.METRICS
    geometry.METRICS = tuple(dataclasses.replace(s, compute=lambda a, b: np.full(len(a), 7.0))
                             if s.name == "trunk_rotation_deg" else s for s in shipped)
    try:
        assert (geometry.compute_metrics(xy, xyz)["trunk_rotation_deg"] == 7.0).all()
    finally:
        geometry.METRICS = shipped
    assert not (geometry.compute_metrics(xy, xyz)["trunk_rotation_deg"] == 7.0).any()


def _visibility_rule(vis: np.ndarray) -> dict[str, np.ndarray]:
    """metric_visibility's rule written out per metric."""
    out = {}
    for spec in geometry.METRICS:
        if spec.views == ("side",):
            pairs = geometry._paired(spec.landmarks)
            out[spec.name] = np.stack([vis[..., g].max(axis=-1) for g in pairs], axis=-1).min(axis=-1)
        else:
            out[spec.name] = vis[..., [int(i) for i in spec.landmarks]].min(axis=-1)
    return out


@pytest.mark.parametrize("shape", [(NUM_LANDMARKS,), (40, NUM_LANDMARKS), (3, 5, NUM_LANDMARKS)])
def test_metric_visibility_is_its_rule(shape: tuple[int, ...]) -> None:
    vis = RNG.uniform(size=shape)
    vis.reshape(-1)[::13] = np.nan
    got, want = geometry.metric_visibility(vis), _visibility_rule(vis)
    assert got.keys() == want.keys()
    for name in want:
        assert _same_bits(got[name], want[name]), name


def test_parts_out_of_frame_is_its_rule() -> None:
    xy, _ = _poses(200)
    xy *= RNG.uniform(0.5, 2.0, size=(200, 1, 1))  # some poses reach past the picture's edges
    wh = (640, 480)
    for pose in xy:
        want = []
        for part, landmarks in geometry.BODY_PARTS.items():
            pts = pose[[int(i) for i in landmarks]]
            if np.isfinite(pts).all() and ((pts < 0).any() or (pts[:, 0] >= wh[0]).any() or (pts[:, 1] >= wh[1]).any()):
                want.append(part)
        assert geometry.parts_out_of_frame(pose, wh) == tuple(want)
