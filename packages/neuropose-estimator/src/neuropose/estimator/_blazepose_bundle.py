"""The MediaPipe PoseLandmarker bundle (``.task``): checking one, and writing one from raw models.

A bundle is an uncompressed zip of two TFLite models, ``pose_detector.tflite`` (finds people,
224 x 224 input) and ``pose_landmarks_detector.tflite`` (33 landmarks per person, 256 x 256
input). Each carries TFLite metadata saying how to normalise its input image; MediaPipe Tasks
refuses a float model without it. MediaPipe maps the stored members straight from the file, so
they must stay uncompressed.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

from neuropose.estimator._errors import CorruptBundleError, NotAPoseModelError
from neuropose.estimator._mediapipe import import_mediapipe, import_metadata_writers

__all__ = [
    "BUNDLE_MEMBERS",
    "DETECTOR_MEMBER",
    "LANDMARKER_MEMBER",
    "check_bundle",
    "check_pose_models",
    "write_bundle",
]

DETECTOR_MEMBER = "pose_detector.tflite"
LANDMARKER_MEMBER = "pose_landmarks_detector.tflite"
BUNDLE_MEMBERS = (DETECTOR_MEMBER, LANDMARKER_MEMBER)

# Bytes 4-8 of every TFLite flatbuffer.
_TFLITE_IDENTIFIER = b"TFL3"
# A fixed timestamp makes the same models always give the same bundle bytes (and hash).
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class _Normalisation:
    """How a model wants its RGB input scaled: ``(pixel - mean) / std``."""

    mean: float
    std: float


# The detector takes pixels in [-1, 1], the landmark model in [0, 1] (MediaPipe's pose graphs).
_NORMALISATION = {
    DETECTOR_MEMBER: _Normalisation(127.5, 127.5),
    LANDMARKER_MEMBER: _Normalisation(0.0, 255.0),
}

# Input shapes and the outputs MediaPipe's pose graphs read (39 = 33 landmarks + 6 auxiliary
# points; 2254 = the detector's anchors). A model with other shapes is not a BlazePose model.
_EXPECTED_INPUT = {DETECTOR_MEMBER: (1, 224, 224, 3), LANDMARKER_MEMBER: (1, 256, 256, 3)}
_EXPECTED_OUTPUTS = {
    DETECTOR_MEMBER: {(1, 2254, 12), (1, 2254, 1)},
    LANDMARKER_MEMBER: {(1, 195), (1, 117), (1, 1)},
}
_ROLE = {DETECTOR_MEMBER: "pose detector", LANDMARKER_MEMBER: "pose landmark model"}


def _read_members(path: Path) -> dict[str, bytes]:
    """Return the two models of a bundle, checking only the container."""
    if path.suffix == ".tflite":
        msg = (
            f"{path} is a single TFLite model; BlazePose needs a MediaPipe Tasks bundle (.task) "
            f"holding {DETECTOR_MEMBER} and {LANDMARKER_MEMBER}: use `neuropose model download "
            "blazepose-full` or import a pose_landmarker_*.task"
        )
        raise NotAPoseModelError(msg)
    try:
        with zipfile.ZipFile(path) as bundle:
            infos = {info.filename: info for info in bundle.infolist()}
            missing = [m for m in BUNDLE_MEMBERS if m not in infos]
            if missing:
                found = ", ".join(sorted(infos)) or "nothing"
                msg = (
                    f"{path} is a zip but not a pose landmarker bundle: it lacks "
                    f"{', '.join(missing)} (it holds {found}); import a pose_landmarker_*.task"
                )
                raise NotAPoseModelError(msg)
            compressed = [m for m in BUNDLE_MEMBERS if infos[m].compress_type != zipfile.ZIP_STORED]
            if compressed:
                msg = (
                    f"{path} stores {', '.join(compressed)} compressed; MediaPipe needs them "
                    "stored as they are: re-create the bundle without compression"
                )
                raise CorruptBundleError(msg)
            members = {m: bundle.read(m) for m in BUNDLE_MEMBERS}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as error:
        if isinstance(error, FileNotFoundError):
            raise CorruptBundleError(f"{path} does not exist") from None
        msg = (
            f"{path} is not a readable MediaPipe Tasks bundle ({error}); download or copy it again"
        )
        raise CorruptBundleError(msg) from None
    for name, data in members.items():
        if data[4:8] != _TFLITE_IDENTIFIER:
            msg = f"{name} inside {path} is not a TFLite model; download or copy the bundle again"
            raise CorruptBundleError(msg)
    return members


def check_bundle(path: Path) -> None:
    """Check that ``path`` is a pose landmarker bundle, without loading MediaPipe.

    Raises
    ------
    CorruptBundleError
        If it is not a readable zip, a member is compressed, or a member is not TFLite.
    NotAPoseModelError
        If it is a lone ``.tflite`` or a zip without the two pose models.
    """
    _read_members(Path(path))


def _tensor_shapes(data: bytes, where: str) -> tuple[tuple[int, ...], list[tuple[int, ...]]]:
    """Return the input shape and output shapes of a TFLite model's first subgraph."""
    import_mediapipe()
    from mediapipe.tasks.metadata import schema_py_generated as schema

    try:
        model = schema.Model.GetRootAsModel(data, 0)
        graph = model.Subgraphs(0)
        if graph is None or graph.InputsLength() != 1:
            raise NotAPoseModelError(f"{where} does not take a single image input")

        def shape(index: int) -> tuple[int, ...]:
            tensor = graph.Tensors(index)
            # The generated reader returns 0, not an empty array, for a tensor without a shape.
            raw = tensor.ShapeAsNumpy() if tensor else 0
            return () if isinstance(raw, int) else tuple(int(v) for v in raw)

        inputs = shape(graph.Inputs(0))
        outputs = [shape(graph.Outputs(i)) for i in range(graph.OutputsLength())]
    except NotAPoseModelError:
        raise
    except Exception as error:  # a damaged flatbuffer fails in many ways inside the parser
        msg = f"{where} is a damaged TFLite model ({type(error).__name__}); fetch it again"
        raise CorruptBundleError(msg) from None
    return inputs, outputs


def check_pose_models(path: Path) -> None:
    """Check that a bundle's two models have BlazePose's inputs and outputs.

    MediaPipe aborts the whole process on some malformed graphs instead of raising, so the
    tensors are checked here first.

    Raises
    ------
    CorruptBundleError, NotAPoseModelError
        As :func:`check_bundle`, or when a model's tensors are not those of BlazePose.
    BackendUnavailableError
        If mediapipe is not installed.
    """
    path = Path(path)
    for name, data in _read_members(path).items():
        where = f"{name} inside {path}"
        inputs, outputs = _tensor_shapes(data, where)
        expected_in = _EXPECTED_INPUT[name]
        missing_out = _EXPECTED_OUTPUTS[name] - set(outputs)
        if inputs != expected_in or missing_out:
            msg = (
                f"{where} is not a BlazePose {_ROLE[name]}: it takes {list(inputs)} and gives "
                f"{[list(o) for o in outputs]}, where BlazePose takes {list(expected_in)} and "
                f"gives {sorted(list(o) for o in _EXPECTED_OUTPUTS[name])}"
            )
            raise NotAPoseModelError(msg)


def _with_metadata(name: str, model: bytes) -> bytes:
    """Return ``model`` with TFLite metadata describing its RGB image input."""
    metadata_writer, writer_utils, _ = import_metadata_writers()
    norm = _NORMALISATION[name]
    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(name.removesuffix(".tflite"), f"BlazePose {_ROLE[name]}")
    writer.add_image_input(norm_mean=[norm.mean], norm_std=[norm.std])
    # One entry per output, named as in the model (without them the writer gives every output
    # the first output's name).
    for output in writer_utils.get_output_tensor_names(bytearray(model)):
        writer.add_feature_output(name=output)
    with_metadata, _json = writer.populate()
    return bytes(with_metadata)


def write_bundle(detector: bytes, landmarker: bytes, destination: Path) -> Path:
    """Write a pose landmarker bundle from the two raw BlazePose models.

    The same two models always give the same bytes (fixed member order and timestamps).

    Parameters
    ----------
    detector
        ``pose_detection.tflite`` (224 x 224 input), with or without metadata.
    landmarker
        A ``pose_landmark_{lite,full,heavy}.tflite`` (256 x 256 input).
    destination
        The ``.task`` file to create.

    Returns
    -------
    Path
        ``destination``.

    Raises
    ------
    BackendUnavailableError
        If mediapipe is not installed.
    """
    _, _, bundle_utils = import_metadata_writers()
    members = {
        DETECTOR_MEMBER: _with_metadata(DETECTOR_MEMBER, detector),
        LANDMARKER_MEMBER: _with_metadata(LANDMARKER_MEMBER, landmarker),
    }
    # mediapipe's aligned zip pads each stored member to a 4-byte boundary so it can be mapped.
    with bundle_utils.AlignZipFile(destination, mode="w", alignment=4) as bundle:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix on every OS, or the header (and hash) would differ
            bundle.writestr(info, data)
    return destination
