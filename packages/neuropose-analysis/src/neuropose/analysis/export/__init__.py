"""Exports that other tools read: NWB, OpenSim TRC/MOT, C3D, Parquet and CSV.

Build an :class:`ExportData` once with :func:`export_data` (per-identity series, header facts),
then hand it to any writer. Formats and the libraries they need:

========  =================================  ===============================
format    writer                             extra (``neuropose-analysis[…]``)
========  =================================  ===============================
nwb       :func:`write_nwb`                  ``nwb`` (pynwb, ndx-pose)
trc       :func:`write_trc`                  none
mot       :func:`write_mot`                  none
c3d       :func:`write_c3d`                  ``c3d`` (ezc3d)
parquet   :func:`write_parquet`              ``parquet`` (pyarrow)
csv       :func:`write_csv`                  none
========  =================================  ===============================

:data:`FORMATS` lists them (plus ``json`` and ``npz``, the predictions file itself) for the
command line. Writers import their library when called, never refuse silently (a missing
library raises :class:`MissingExtraError` naming the extra) and never replace an existing file
unless ``force=True``.
"""

from neuropose.analysis.export._data import (
    FLAG_BITS,
    MISSING_FLAG,
    ExportData,
    PersonSeries,
    export_data,
)
from neuropose.analysis.export._errors import (
    ExportError,
    ExportValueError,
    MissingExtraError,
    OutputExistsError,
    UnknownFormatError,
    UnknownIdentityError,
)
from neuropose.analysis.export._formats import (
    FORMATS,
    ExportFormat,
    get_format,
    write_predictions_json,
    write_predictions_npz,
)
from neuropose.analysis.export._resample import to_uniform, uniform_rate
from neuropose.analysis.export.c3d import c3d_labels, write_c3d
from neuropose.analysis.export.nwb import write_nwb
from neuropose.analysis.export.opensim import CAMERA_TO_OPENSIM, marker_names, write_mot, write_trc
from neuropose.analysis.export.tables import (
    LONG_COLUMNS,
    PARQUET_METADATA_KEY,
    LongTable,
    long_table,
    write_csv,
    write_parquet,
)

__all__ = [
    "CAMERA_TO_OPENSIM",
    "FLAG_BITS",
    "FORMATS",
    "LONG_COLUMNS",
    "MISSING_FLAG",
    "PARQUET_METADATA_KEY",
    "ExportData",
    "ExportError",
    "ExportFormat",
    "ExportValueError",
    "LongTable",
    "MissingExtraError",
    "OutputExistsError",
    "PersonSeries",
    "UnknownFormatError",
    "UnknownIdentityError",
    "c3d_labels",
    "export_data",
    "get_format",
    "long_table",
    "marker_names",
    "to_uniform",
    "uniform_rate",
    "write_c3d",
    "write_csv",
    "write_mot",
    "write_nwb",
    "write_parquet",
    "write_predictions_json",
    "write_predictions_npz",
    "write_trc",
]
