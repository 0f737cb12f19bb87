"""The committed pose model and sample clip.

The model matches the sha256 in models/README.md, holds the right members, and finds the person in the
public-domain astronaut portrait (tests/data/) and in every frame of the clip made from it
(sample_videos/astronaut_clip.mp4, by tools/make_astronaut_clip.py). Tests marked ``model`` run real
MediaPipe inference; the others read bytes only.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "pose_landmarker_full.task"
MODEL_README = ROOT / "models" / "README.md"
ASTRONAUT = Path(__file__).resolve().parent / "data" / "astronaut.png"
CLIP = ROOT / "sample_videos" / "astronaut_clip.mp4"
MEMBERS = {"pose_detector.tflite", "pose_landmarks_detector.tflite"}

LEFT_SHOULDER, RIGHT_SHOULDER, LEFT_HIP, RIGHT_HIP = 11, 12, 23, 24


def readme_sha256() -> str:
    """Return the hex digest on the single ``sha256: <64 hex>`` line of models/README.md."""
    found = re.findall(r"^sha256: ([0-9a-f]{64})$", MODEL_README.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert len(found) == 1, f"models/README.md needs exactly one 'sha256: <64 hex>' line, found {len(found)}"
    return found[0]


def file_sha256(path: Path) -> str:
    """Return the hex sha256 of the file at ``path``."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def test_model_matches_the_sha256_in_the_readme() -> None:
    assert file_sha256(MODEL) == readme_sha256(), (
        "models/pose_landmarker_full.task and the 'sha256:' line of models/README.md disagree: "
        "update both together (python models/build_pose_model.py prints the new sha256)"
    )


def test_model_size_matches_the_readme() -> None:
    sizes = re.findall(r"^size: (\d+) bytes$", MODEL_README.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert sizes == [str(MODEL.stat().st_size)]


def test_model_is_a_stored_zip_with_exactly_the_two_models() -> None:
    with zipfile.ZipFile(MODEL) as zf:
        infos = zf.infolist()
        assert {info.filename for info in infos} == MEMBERS
        assert len(infos) == len(MEMBERS)
        assert all(info.compress_type == zipfile.ZIP_STORED for info in infos)
        assert zf.testzip() is None
        for info in infos:
            # TFLite flatbuffers carry the file identifier "TFL3" at bytes 4-8.
            assert zf.read(info.filename)[4:8] == b"TFL3", info.filename


@pytest.mark.model
def test_model_finds_the_astronaut_in_image_mode() -> None:
    from mediapipe import Image
    from mediapipe.tasks.python import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

    options = PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(MODEL)), running_mode=RunningMode.IMAGE, num_poses=1
    )
    with PoseLandmarker.create_from_options(options) as landmarker:
        result = landmarker.detect(Image.create_from_file(str(ASTRONAUT)))

    assert len(result.pose_landmarks) == 1
    landmarks = result.pose_landmarks[0]
    assert len(landmarks) == 33
    assert len(result.pose_world_landmarks[0]) == 33

    for index in (LEFT_SHOULDER, RIGHT_SHOULDER):
        shoulder = landmarks[index]
        assert 0.0 < shoulder.x < 1.0 and 0.0 < shoulder.y < 1.0, (index, shoulder)
        assert shoulder.visibility > 0.9, (index, shoulder)
    # The portrait is cut off at the waist: the hips sit on the bottom edge (measured y 0.98 and 1.04),
    # so they are checked to lie across the picture, below the shoulders, and at most a little past the edge.
    shoulder_y = max(landmarks[LEFT_SHOULDER].y, landmarks[RIGHT_SHOULDER].y)
    for index in (LEFT_HIP, RIGHT_HIP):
        hip = landmarks[index]
        assert 0.0 < hip.x < 1.0, (index, hip)
        assert shoulder_y < hip.y < 1.1, (index, hip)
    # The person's left shoulder is on the image's right (she faces the camera).
    assert landmarks[LEFT_SHOULDER].x > landmarks[RIGHT_SHOULDER].x


def test_clip_is_small_h264_640x480_10fps_3s() -> None:
    import av

    assert CLIP.stat().st_size < 1_000_000
    with av.open(str(CLIP)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.codec_context.width, stream.codec_context.height) == (640, 480)
        assert stream.codec_context.pix_fmt == "yuv420p"
        assert stream.average_rate == 10
        assert sum(1 for _ in container.decode(stream)) == 30


@pytest.mark.model
def test_model_finds_a_person_in_every_frame_of_the_clip() -> None:
    import av
    import numpy as np
    from mediapipe import Image, ImageFormat
    from mediapipe.tasks.python import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

    options = PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(MODEL)), running_mode=RunningMode.VIDEO
    )
    counts = []
    with PoseLandmarker.create_from_options(options) as landmarker, av.open(str(CLIP)) as container:
        for index, frame in enumerate(container.decode(video=0)):
            rgb = np.ascontiguousarray(frame.to_ndarray(format="rgb24"))
            result = landmarker.detect_for_video(Image(image_format=ImageFormat.SRGB, data=rgb), index * 100)
            counts.append(len(result.pose_landmarks))
    assert counts == [1] * 30
