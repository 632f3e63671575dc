"""The table of export formats: the one list the CLI's ``--format`` choices come from."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from neuropose.analysis.export._errors import UnknownFormatError
from neuropose.analysis.export._files import check_target
from neuropose.analysis.export.c3d import write_c3d
from neuropose.analysis.export.nwb import write_nwb
from neuropose.analysis.export.opensim import write_mot, write_trc
from neuropose.analysis.export.tables import write_csv, write_parquet
from neuropose.schema import VideoPredictions

__all__ = [
    "FORMATS",
    "ExportFormat",
    "get_format",
    "write_predictions_json",
    "write_predictions_npz",
]


@dataclass(frozen=True)
class ExportFormat:
    """One export format.

    Attributes
    ----------
    name
        What the user types (``--format nwb``).
    suffix
        File suffix, with the dot.
    writer
        The function that writes it. Its first arguments depend on ``takes``.
    takes
        ``"series"``: ``writer(data: ExportData, path, *, force)``;
        ``"angles"``: ``writer(path, times_s, angles_deg, angle_names, *, force)``;
        ``"predictions"``: ``writer(predictions: VideoPredictions, path, *, force)``.
    extra
        The ``neuropose-analysis`` extra the writer needs, or ``None``.
    module
        The library that extra installs (checked by :attr:`available`), or ``None``.
    description
        One line for help texts.
    """

    name: str
    suffix: str
    writer: Callable[..., Path]
    takes: Literal["series", "angles", "predictions"]
    extra: str | None
    module: str | None
    description: str

    @property
    def available(self) -> bool:
        """True when the library this format needs is importable."""
        return self.module is None or importlib.util.find_spec(self.module) is not None


def write_predictions_json(
    predictions: VideoPredictions, path: Path | str, *, force: bool = False
) -> Path:
    """Save the predictions unchanged as a per-frame JSON document (every field kept).

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``force`` is False.
    """
    return _save_predictions(predictions, path, force, "json")


def write_predictions_npz(
    predictions: VideoPredictions, path: Path | str, *, force: bool = False
) -> Path:
    """Save the predictions unchanged as the compressed ``.npz`` array file (every field kept).

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``force`` is False.
    """
    return _save_predictions(predictions, path, force, "npz")


def _save_predictions(
    predictions: VideoPredictions,
    path: Path | str,
    force: bool,
    file_format: Literal["json", "npz"],
) -> Path:
    from neuropose.schema import io

    target = check_target(path, force)
    io.save_predictions(predictions, target, format=file_format)
    return target


FORMATS: dict[str, ExportFormat] = {
    spec.name: spec
    for spec in (
        ExportFormat(
            "nwb",
            ".nwb",
            write_nwb,
            "series",
            "nwb",
            "ndx_pose",
            "Neurodata Without Borders with ndx-pose (DANDI archives)",
        ),
        ExportFormat(
            "trc",
            ".trc",
            write_trc,
            "series",
            None,
            None,
            "OpenSim marker trajectories (metres, Y up, uniform time)",
        ),
        ExportFormat(
            "mot",
            ".mot",
            write_mot,
            "angles",
            None,
            None,
            "OpenSim motion file of joint angles (degrees, uniform time)",
        ),
        ExportFormat(
            "c3d",
            ".c3d",
            write_c3d,
            "series",
            "c3d",
            "ezc3d",
            "C3D points in millimetres (Vicon, Visual3D, Mokka)",
        ),
        ExportFormat(
            "parquet",
            ".parquet",
            write_parquet,
            "series",
            "parquet",
            "pyarrow",
            "long table, zstd-compressed, with a metadata header (pandas, R, DuckDB)",
        ),
        ExportFormat(
            "csv",
            ".csv",
            write_csv,
            "series",
            None,
            None,
            "long table as comma-separated text",
        ),
        ExportFormat(
            "json",
            ".json",
            write_predictions_json,
            "predictions",
            None,
            None,
            "the predictions file itself, per-frame JSON",
        ),
        ExportFormat(
            "npz",
            ".npz",
            write_predictions_npz,
            "predictions",
            None,
            None,
            "the predictions file itself, compressed arrays",
        ),
    )
}
"""Every export format by name, in the order help texts list them."""


def get_format(name: str) -> ExportFormat:
    """Return the format called ``name`` (case-insensitive).

    Raises
    ------
    UnknownFormatError
        If there is none; the message lists the formats.
    """
    spec = FORMATS.get(name.strip().lower())
    if spec is None:
        raise UnknownFormatError(name, FORMATS)
    return spec
