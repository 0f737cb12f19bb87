"""The pose stage: a frame in, a :class:`~formcheck.types.Pose` out, with MediaPipe's PoseLandmarker.

This is the only module that talks to MediaPipe. Its results are converted here, once, into our own type:
image landmarks in pixels, world landmarks in metres, visibility and presence; a frame with nobody in it
gives :meth:`Pose.empty` (NaN landmarks), never ``None``.

The pose model ships with formcheck (``models/pose_landmarker_full.task`` in the repository, a copy inside
the installed package); nothing is downloaded. ``model_path`` takes any other pose landmarker bundle.
"""

from __future__ import annotations

import logging
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from formcheck.errors import ModelError
from formcheck.landmarks import NUM_LANDMARKS
from formcheck.types import Frame, Pose

# MediaPipe's C++ side logs through glog/absl; keep its info chatter off the user's terminal.
os.environ.setdefault("GLOG_minloglevel", "2")

log = logging.getLogger(__name__)

MODEL_FILENAME = "pose_landmarker_full.task"
_BUNDLE_MEMBERS = {"pose_detector.tflite", "pose_landmarks_detector.tflite"}

RunningMode = Literal["image", "video"]

#: Below this many pixels on the picture's short side MediaPipe's landmarks degrade. Measured with
#: ``benchmarks/picture_size.py``: six 640x480 sample clips (people seated, standing, on hands and knees, lying)
#: downscaled, their landmarks and each exercise's rep metric compared with full size. Down to 180 px every
#: metric's median stays within 1.6 deg of full size (as at 240-360 px) and the 90th-percentile landmark error
#: within 3.4% of the torso; at 144 px trunk rotation drifts 3.1 deg (median) and landmarks 5%; at 120 px
#: 4.2 deg and 10%; from 96 px reps are miscounted (2 of 6 clips at 128x96, 3 at 107x80; at 96x64 a cat-cow's
#: 4 reps read as 4 partials, a glute bridge's 4 as 1).
MIN_RELIABLE_SHORT_SIDE_PX = 180

#: Pictures larger than this on their long side are scaled down to it before the model sees them (the model
#: itself works on a 224 px square for the detector and a 256 px crop around the person for the landmarks):
#: converting and copying a 1080x1920 or 4K picture costs more than the model. 960 px keeps a person who
#: fills a quarter of a landscape frame's height at 135 px, above what :data:`MIN_RELIABLE_SHORT_SIDE_PX`
#: measured for a whole picture; the landmarks are mapped back to the full-resolution pixels. Pictures no
#: larger (640x480 sample clips, most cameras) go to the model as they are.
MODEL_LONG_SIDE_PX = 960


def model_size_wh(resolution_wh: tuple[int, int]) -> tuple[int, int]:
    """The size the model gets a ``resolution_wh`` picture at: the same aspect, at most
    :data:`MODEL_LONG_SIDE_PX` on the long side."""
    w, h = resolution_wh
    if max(w, h) <= MODEL_LONG_SIDE_PX:
        return w, h
    k = MODEL_LONG_SIDE_PX / max(w, h)
    return max(1, round(w * k)), max(1, round(h * k))


@dataclass(frozen=True)
class ModelInput:
    """A picture converted once for the model: RGB at :func:`model_size_wh`, and the frame it stands for.

    Attributes:
        image_rgb: H x W x 3 uint8 picture in RGB order, at the model's size.
        resolution_wh: the full-resolution frame's size; the pose's pixels are in this frame.
        timestamp_ms: the frame's presentation time in milliseconds.
        index: the frame's position in its source.
        warmup: the model sees this frame only to settle its tracking before the frames that count; its pose
            is not kept (see :func:`formcheck.passes.chunked_landmark_pass`).
    """

    image_rgb: NDArray[np.uint8]
    resolution_wh: tuple[int, int]
    timestamp_ms: int
    index: int
    warmup: bool = False

    @classmethod
    def from_frame(cls, frame: Frame) -> ModelInput:
        """Scales (area average) and converts a BGR frame with OpenCV; a video file's frames are converted
        by FFmpeg instead (:meth:`formcheck.sources.VideoFileSource.model_inputs`)."""
        image = frame.image_bgr
        size_wh = model_size_wh(frame.resolution_wh)
        if size_wh != frame.resolution_wh:
            image = cv2.resize(image, size_wh, interpolation=cv2.INTER_AREA)
        return cls(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), frame.resolution_wh, frame.timestamp_ms, frame.index)


def default_model_path() -> Path:
    """The bundled pose model: inside the installed package, else ``models/`` beside the source tree.

    A wheel carries the model at ``formcheck/_models/``; an editable install or a source checkout finds it in
    the repository's ``models/`` folder. Either way it works from any working directory.
    """
    package_dir = Path(__file__).resolve().parent
    candidates = [package_dir / "_models" / MODEL_FILENAME, package_dir.parent / "models" / MODEL_FILENAME]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return candidates[-1]


def check_model_file(model_path: Path) -> Path:
    """Checks that ``model_path`` looks like a pose landmarker bundle; returns it resolved.

    Raises:
        ModelError: the file is missing, is a folder, or is not a pose landmarker ``.task`` bundle.
    """
    path = Path(model_path).expanduser()
    fix = "pass --model PATH to a pose landmarker .task bundle, or reinstall formcheck to restore the bundled one"
    try:
        exists = path.exists()
    except OSError as exc:  # a name longer than the system allows (errno 36), a folder that cannot be read
        shown = str(path) if len(str(path)) <= 80 else f"{str(path)[:40]}...{str(path)[-20:]}"
        raise ModelError(f"pose model not found: {shown} ({exc.strerror or exc}): {fix}") from None
    if not exists:
        raise ModelError(f"pose model not found: {path}: {fix}")
    if not path.is_file():
        raise ModelError(f"pose model {path} is a folder, not a file: {fix}")
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
            corrupt = bundle.testzip()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelError(f"pose model {path} is corrupt or not a .task bundle ({exc}): {fix}") from None
    if corrupt is not None:
        raise ModelError(f"pose model {path} is corrupt (bad member {corrupt}): {fix}")
    if not _BUNDLE_MEMBERS <= names:
        raise ModelError(
            f"{path} is not a pose landmarker bundle (it holds {sorted(names)}, "
            f"expected {sorted(_BUNDLE_MEMBERS)}): {fix}"
        )
    return path.resolve()


class PoseEstimator:
    """MediaPipe's PoseLandmarker for one stream of frames.

    In ``"video"`` mode (files and cameras) MediaPipe tracks the person between frames and needs strictly
    increasing integer millisecond timestamps; :meth:`detect` enforces that even when a container's own
    timestamps repeat or start at 0 (a repeated time is moved 1 ms after the previous one).

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        mode: RunningMode = "video",
        segmentation: bool = False,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        self.model_path = check_model_file(model_path if model_path is not None else default_model_path())
        self.mode: RunningMode = mode
        self.segmentation = segmentation
        self._last_timestamp_ms: int | None = None
        self._size_checked = False
        self._landmarker = self._create(min_detection_confidence, min_presence_confidence, min_tracking_confidence)

    def _create(self, detection: float, presence: float, tracking: float):  # noqa: ANN202 (MediaPipe type)
        from mediapipe.tasks.python import vision
        from mediapipe.tasks.python.core.base_options import BaseOptions

        running_mode = vision.RunningMode.VIDEO if self.mode == "video" else vision.RunningMode.IMAGE
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=running_mode,
            num_poses=1,
            min_pose_detection_confidence=detection,
            min_pose_presence_confidence=presence,
            min_tracking_confidence=tracking,
            output_segmentation_masks=self.segmentation,
        )
        try:
            return vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError, OSError) as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelError(
                f"pose model {self.model_path} could not be loaded ({first_line}): pass --model PATH to a "
                "pose landmarker .task bundle, or reinstall formcheck to restore the bundled one"
            ) from None

    def _timestamp(self, timestamp_ms: int) -> int:
        ts = int(timestamp_ms)
        if self._last_timestamp_ms is not None and ts <= self._last_timestamp_ms:
            ts = self._last_timestamp_ms + 1
        self._last_timestamp_ms = ts
        return ts

    def detect(self, frame: Frame) -> Pose:
        """The pose of the person in ``frame`` (an empty pose when there is nobody).

        Warns once, at the first frame, when the picture is too small for reliable landmarks.
        """
        return self.detect_input(ModelInput.from_frame(frame))

    def detect_input(self, item: ModelInput) -> Pose:
        """The pose in a picture already converted for the model, in the full-resolution frame's pixels."""
        import mediapipe as mp

        if not self._size_checked:
            self._size_checked = True
            w, h = item.resolution_wh
            if min(w, h) < MIN_RELIABLE_SHORT_SIDE_PX:
                log.warning("the picture is only %dx%d pixels, too small for reliable landmarks (below %d pixels on "
                            "its short side angles drift and reps can be miscounted): record or export the video at "
                            "a higher resolution (320x240 or more)", w, h, MIN_RELIABLE_SHORT_SIDE_PX)

        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(item.image_rgb))
        if self.mode == "video":
            result = self._landmarker.detect_for_video(image, self._timestamp(item.timestamp_ms))
        else:
            result = self._landmarker.detect(image)
        return pose_from_result(result, item.resolution_wh)

    def close(self) -> None:
        self._landmarker.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pose_from_result(result: object, resolution_wh: tuple[int, int]) -> Pose:
    """Converts a MediaPipe ``PoseLandmarkerResult`` (first person) into a :class:`Pose`.

    Image landmarks come normalised to [0, 1] by the picture's width and height; they are scaled to the pixels
    of the ``resolution_wh`` frame here (the full-resolution frame, whatever size the model saw it at), and
    MediaPipe's relative depth ``z`` (on the same scale as x) by the width. A segmentation mask is scaled to
    that frame too.
    """
    landmarks = getattr(result, "pose_landmarks", None) or []
    if not landmarks:
        return Pose.empty(resolution_wh)
    w, h = resolution_wh
    image_lms = landmarks[0]
    world = (getattr(result, "pose_world_landmarks", None) or [[]])[0]
    if len(image_lms) != NUM_LANDMARKS:
        raise ModelError(
            f"the pose model returned {len(image_lms)} landmarks, formcheck needs {NUM_LANDMARKS}: "
            "use a BlazePose pose landmarker bundle (--model PATH)"
        )
    raw = np.array([[lm.x, lm.y, lm.z, lm.visibility or 0.0, lm.presence or 0.0] for lm in image_lms], dtype=float)
    world_xyz = (
        np.array([[lm.x, lm.y, lm.z] for lm in world], dtype=float)
        if len(world) == NUM_LANDMARKS
        else np.full((NUM_LANDMARKS, 3), np.nan)
    )
    mask = None
    masks = getattr(result, "segmentation_masks", None)
    if masks:
        view = np.asarray(masks[0].numpy_view(), dtype=np.float32)
        mask = view.reshape(view.shape[0], view.shape[1]).copy()
        if mask.shape != (h, w):
            mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)
    return Pose(
        xy_px=raw[:, :2] * np.array([w, h], dtype=float),
        z_px=raw[:, 2] * w,
        world_xyz_m=world_xyz,
        visibility=raw[:, 3],
        presence=raw[:, 4],
        resolution_wh=(w, h),
        segmentation_mask=mask,
    )
