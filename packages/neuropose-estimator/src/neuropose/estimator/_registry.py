"""The published MeTRAbs model variants."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_MODEL", "MODEL_VARIANTS", "ModelVariant"]

_BASE_URL = "https://omnomnom.vision.rwth-aachen.de/data/metrabs"


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


MODEL_VARIANTS: dict[str, ModelVariant] = {
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
DEFAULT_MODEL = "metrabs_l"
