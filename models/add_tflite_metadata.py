"""Add image-input TFLite metadata to one raw MediaPipe pose model.

This helper is run by ``build_pose_model.py`` with the python of a throw-away
virtual environment that has ``mediapipe==0.10.21`` installed: the metadata
writer it uses does not import in current mediapipe (1.x). It is not part of
the formcheck package and is not meant to be imported by it.

Usage::

    python add_tflite_metadata.py SRC DST --name NAME --mean M --std S --outputs N

The MediaPipe Tasks API needs this metadata to know how to turn an image into
the model's float32 input tensor (``(pixel - mean) / std``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Parse the command line of this helper."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path, help="raw .tflite model")
    parser.add_argument("dst", type=Path, help="where to write the model with metadata")
    parser.add_argument("--name", required=True, help="model name stored in the metadata")
    parser.add_argument("--description", default="", help="model description stored in the metadata")
    parser.add_argument("--mean", type=float, required=True, help="image normalisation mean")
    parser.add_argument("--std", type=float, required=True, help="image normalisation std")
    parser.add_argument("--outputs", type=int, required=True, help="expected number of output tensors")
    return parser.parse_args(argv)


def add_metadata(
    model: bytes, name: str, description: str, mean: float, std: float, expected_outputs: int
) -> bytes:
    """Return ``model`` with general info, one image input and plain feature outputs.

    Raises ``ValueError`` if the model does not have exactly one input and
    ``expected_outputs`` outputs, so a different model is not silently mislabelled.
    """
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer, writer_utils

    inputs = writer_utils.get_input_tensor_types(model)
    outputs = writer_utils.get_output_tensor_types(model)
    if len(inputs) != 1 or len(outputs) != expected_outputs:
        raise ValueError(
            f"{name}: expected 1 input and {expected_outputs} outputs, "
            f"found {len(inputs)} inputs and {len(outputs)} outputs"
        )
    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(name, description or None)
    writer.add_image_input([mean], [std])
    for _ in outputs:
        writer.add_feature_output()
    tflite, _json = writer.populate()
    return bytes(tflite)


def main(argv: list[str] | None = None) -> int:
    """Read SRC, add the metadata, write DST; return a process exit code."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        model = args.src.read_bytes()
        result = add_metadata(model, args.name, args.description, args.mean, args.std, args.outputs)
    except Exception as exc:  # noqa: BLE001 - reported as one line to the parent script
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    args.dst.write_bytes(result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
