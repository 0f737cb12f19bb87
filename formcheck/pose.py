"""The pose stage: a frame in, a :class:`~formcheck.types.Pose` out, with MediaPipe's PoseLandmarker.

This is the only module that talks to MediaPipe. Its results are converted here, once, into our own type:
image landmarks in pixels, world landmarks in metres, visibility and presence; a frame with nobody in it
gives :meth:`Pose.empty` (NaN landmarks), never ``None``.

The pose model ships with formcheck (``models/pose_landmarker_full.task`` in the repository, a copy inside
the installed package); nothing is downloaded. ``model_path`` takes any other pose landmarker bundle.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
import zipfile
from collections.abc import Callable
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

    In ``"video"`` mode without segmentation the model is called directly on the calling thread
    (:func:`direct_video_call`; ``direct_calls=False`` goes through MediaPipe's public API instead: the same
    landmarks, more thread hand-overs). One thread at a time may call :meth:`detect`.

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
        direct_calls: bool = True,
    ) -> None:
        self.model_path = check_model_file(model_path if model_path is not None else default_model_path())
        self.mode: RunningMode = mode
        self.segmentation = segmentation
        self._last_timestamp_ms: int | None = None
        self._size_checked = False
        self._landmarker = self._create(min_detection_confidence, min_presence_confidence, min_tracking_confidence)
        self._call_lock = threading.Lock()  # the direct calls and close(): MediaPipe's own dispatch serialised them
        direct = direct_calls and not segmentation and mode == "video"
        self._direct = direct_video_call(self._landmarker) if direct else None

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
        if self._direct is not None:
            with self._call_lock:
                image_lms, world = self._direct(image, self._timestamp(item.timestamp_ms))
            return pose_from_arrays(image_lms, world, item.resolution_wh)
        if self.mode == "video":
            result = self._landmarker.detect_for_video(image, self._timestamp(item.timestamp_ms))
        else:
            result = self._landmarker.detect(image)
        return pose_from_result(result, item.resolution_wh)

    def close(self) -> None:
        with self._call_lock:
            self._landmarker.close()

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: The fields of MediaPipe's C landmark structs that formcheck reads, in the order of :func:`pose_from_arrays`'s
#: columns (``visibility`` and ``presence`` count only where their ``has_`` flag is set).
_LANDMARK_FIELDS = ("x", "y", "z", "has_visibility", "visibility", "has_presence", "presence")
#: A detect-for-video call straight into MediaPipe's C library: ``(image, timestamp_ms)`` -> the first person's
#: image landmarks (N x 5: x, y, z, visibility, presence; None when nobody was found) and world landmarks
#: (M x 3, or None).
DirectCall = Callable[[object, int], tuple["NDArray[np.float64] | None", "NDArray[np.float64] | None"]]


def _landmark_dtype(struct: type) -> np.dtype:
    """The numpy layout of a MediaPipe C landmark struct, from the ctypes struct's own field offsets."""
    formats = {"x": "<f4", "y": "<f4", "z": "<f4", "has_visibility": "u1", "visibility": "<f4",
               "has_presence": "u1", "presence": "<f4"}
    return np.dtype({"names": list(formats), "formats": list(formats.values()),
                     "offsets": [getattr(struct, name).offset for name in formats],
                     "itemsize": ctypes.sizeof(struct)})


def _read_landmarks(landmarks_c: object, dtype: np.dtype) -> NDArray[np.float64]:
    """One person's landmarks from a C ``Mp*LandmarksC`` (pointer and count) as an N x 5 array: x, y, z,
    visibility and presence (0 where MediaPipe has none)."""
    count = int(landmarks_c.landmarks_count)  # type: ignore[attr-defined]
    address = ctypes.cast(landmarks_c.landmarks, ctypes.c_void_p).value  # type: ignore[attr-defined]
    if not count or not address:
        return np.zeros((0, 5))
    rows = np.frombuffer((ctypes.c_char * (count * dtype.itemsize)).from_address(address), dtype=dtype)
    return np.column_stack([rows["x"], rows["y"], rows["z"],
                            np.where(rows["has_visibility"] != 0, rows["visibility"], 0.0),
                            np.where(rows["has_presence"] != 0, rows["presence"], 0.0)]).astype(float)


#: MediaPipe releases whose C structs and functions :func:`direct_video_call` was checked against
#: (``tests/test_pose_direct.py``: every array equal to the public API's). Another release (pyproject allows any
#: 1.x from 1.2) goes through the public API: a C signature changed under ctypes could crash, not just fail.
DIRECT_CALLS_TESTED = ("1.2.",)


def _direct_calls_tested() -> bool:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("mediapipe").startswith(DIRECT_CALLS_TESTED)
    except PackageNotFoundError:
        return False


def direct_video_call(landmarker: object) -> DirectCall | None:
    """``detect_for_video`` without MediaPipe's dispatch thread, or None when this MediaPipe has no C library
    to call (then its public ``detect_for_video`` is used).

    MediaPipe's ctypes API (0.10.30 and later) runs each C call of a task on a dispatch thread of its own (a
    one-thread executor): the caller submits the call, the dispatch thread wakes, calls, sets the result, and
    the caller wakes. That is three takes of the GIL and two thread wake-ups a call, two calls a frame (detect,
    free the result), where calling the C function on the calling thread takes the GIL once. Beside other
    Python threads (the live coach's main thread measuring and drawing) each take can wait up to the switch
    interval. The calls are still serialised: :class:`PoseEstimator` holds a lock around them and ``close``.
    The landmarks are read from the C result with numpy instead of one Python object per landmark; they are
    the same numbers (float32 from the same call).
    """
    if not _direct_calls_tested():
        return None
    try:
        from mediapipe.tasks.python.components.containers import landmark_c
        from mediapipe.tasks.python.core.mediapipe_c_utils import handle_status
        from mediapipe.tasks.python.vision.pose_landmarker import MpPoseLandmarkerResultC

        lib = landmarker._lib._lib  # type: ignore[attr-defined]  # the ctypes.CDLL behind the SerialDispatcher
        detect, free_result, free_error = (lib.MpPoseLandmarkerDetectForVideo, lib.MpPoseLandmarkerCloseResult,
                                           lib.MpErrorFree)
        handle = landmarker._handle  # type: ignore[attr-defined]
        image_dtype = _landmark_dtype(landmark_c.MpNormalizedLandmarkC)
        world_dtype = _landmark_dtype(landmark_c.MpLandmarkC)
    except (AttributeError, ImportError, TypeError):
        return None

    def call(image: object, timestamp_ms: int) -> tuple[NDArray[np.float64] | None, NDArray[np.float64] | None]:
        result = MpPoseLandmarkerResultC()
        error = ctypes.c_char_p()
        picture = image._image_ptr  # type: ignore[attr-defined]
        status = detect(handle, picture, None, timestamp_ms, ctypes.byref(result), ctypes.byref(error))
        try:
            handle_status(status, error)
        finally:
            if error.value is not None:
                free_error(error)
        try:
            image_lms = (_read_landmarks(result.pose_landmarks[0], image_dtype)
                         if result.pose_landmarks_count else None)
            world = (_read_landmarks(result.pose_world_landmarks[0], world_dtype)[:, :3]
                     if result.pose_world_landmarks_count else None)
        finally:
            free_result(ctypes.byref(result))
        return image_lms, world

    return call


def pose_from_arrays(image_lms: NDArray[np.float64] | None, world_xyz: NDArray[np.float64] | None,
                     resolution_wh: tuple[int, int], mask: NDArray[np.float32] | None = None) -> Pose:
    """A :class:`Pose` from the first person's landmarks: ``image_lms`` N x 5 (x and y normalised to [0, 1] by
    the picture's width and height, z on x's scale, visibility, presence; None: nobody), ``world_xyz`` N x 3 in
    metres (None or not N rows: NaN). x, y are scaled to the ``resolution_wh`` frame's pixels, z by its width.

    Raises:
        ModelError: the model gave another number of landmarks than BlazePose's 33.
    """
    if image_lms is None or not len(image_lms):
        return Pose.empty(resolution_wh)
    if len(image_lms) != NUM_LANDMARKS:
        raise ModelError(
            f"the pose model returned {len(image_lms)} landmarks, formcheck needs {NUM_LANDMARKS}: "
            "use a BlazePose pose landmarker bundle (--model PATH)"
        )
    w, h = resolution_wh
    if world_xyz is None or len(world_xyz) != NUM_LANDMARKS:
        world_xyz = np.full((NUM_LANDMARKS, 3), np.nan)
    if mask is not None and mask.shape != (h, w):
        mask = cv2.resize(mask, (w, h), interpolation=cv2.INTER_LINEAR)
    return Pose(
        xy_px=image_lms[:, :2] * np.array([w, h], dtype=float),
        z_px=image_lms[:, 2] * w,
        world_xyz_m=world_xyz,
        visibility=image_lms[:, 3],
        presence=image_lms[:, 4],
        resolution_wh=(w, h),
        segmentation_mask=mask,
    )


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
    image_lms = np.array([[lm.x, lm.y, lm.z, lm.visibility or 0.0, lm.presence or 0.0] for lm in landmarks[0]],
                         dtype=float)
    world = (getattr(result, "pose_world_landmarks", None) or [[]])[0]
    world_xyz = np.array([[lm.x, lm.y, lm.z] for lm in world], dtype=float) if world else None
    mask = None
    masks = getattr(result, "segmentation_masks", None)
    if masks:
        view = np.asarray(masks[0].numpy_view(), dtype=np.float32)
        mask = view.reshape(view.shape[0], view.shape[1]).copy()
    return pose_from_arrays(image_lms, world_xyz, resolution_wh, mask)
