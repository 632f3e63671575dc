"""The compact predictions file: a NumPy ``.npz`` archive with a JSON header.

Layout (every member is an ordinary ``.npy`` array, read with ``np.load(path)``):

``header``
    uint8 bytes of a UTF-8 JSON object: the predictions header (metadata, skeleton, camera,
    provenance, units, schema_version), ``"format": "neuropose-predictions"``, and ``"arrays"``,
    which maps each array name to its ``dtype``, ``shape`` and ``encoding``.
one member per array (``times_s``, ``poses3d`` ...)
    The arrays of :class:`~neuropose.schema.VideoPredictions`, named as in ``PREDICTION_ARRAYS``;
    an optional array that is absent has no member. With encoding ``"raw"`` the member
    is the array itself. With ``"byteplanes"`` the member is a ``(itemsize, n)`` uint8 array: the
    array's bytes in Fortran (time-fastest) order, split into one row per byte of each value.
    That layout lets zlib squeeze smooth trajectories to about 60 % of their size. To decode it
    with NumPy alone::

        planes = archive["poses3d"]
        info = header["arrays"]["poses3d"]
        array = planes.T.copy().view(info["dtype"]).reshape(info["shape"], order="F")
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO, Literal

import numpy as np

from neuropose.schema._errors import CorruptFileError, SchemaValidationError

__all__ = ["FORMAT_NAME", "read_npz", "write_npz"]

FORMAT_NAME = "neuropose-predictions"
Encoding = Literal["raw", "byteplanes"]


def _encode(array: np.ndarray, encoding: Encoding) -> np.ndarray:
    if encoding == "raw":
        return np.ascontiguousarray(array)
    itemsize = array.dtype.itemsize
    values = np.asfortranarray(array).T.reshape(-1).view(np.uint8).reshape(-1, itemsize)
    planes = np.empty((itemsize, values.shape[0]), np.uint8)
    # One strided copy per byte position is several times faster than a general transpose.
    for byte in range(itemsize):
        planes[byte] = values[:, byte]
    return planes


def _decode(member: np.ndarray, info: dict[str, Any], name: str, path: Path | None) -> np.ndarray:
    dtype = np.dtype(info["dtype"])
    shape = tuple(int(n) for n in info["shape"])
    count = int(np.prod(shape, dtype=np.int64))
    if info["encoding"] == "raw":
        if member.dtype != dtype or member.shape != shape:
            found = f"{member.dtype} {member.shape}"
            raise SchemaValidationError(path, name, f"expected {dtype} {shape}, found {found}")
        member.flags.writeable = False
        return member
    if info["encoding"] != "byteplanes":
        raise SchemaValidationError(path, name, f"unknown encoding {info['encoding']!r}")
    if member.dtype != np.uint8 or member.shape != (dtype.itemsize, count):
        expected = f"uint8 ({dtype.itemsize}, {count})"
        found = f"{member.dtype} {member.shape}"
        raise SchemaValidationError(path, name, f"byte planes should be {expected}, found {found}")
    values = np.empty((count, dtype.itemsize), np.uint8)
    for byte in range(dtype.itemsize):
        values[:, byte] = member[byte]
    values.flags.writeable = False
    return values.view(dtype).reshape(shape, order="F")


def write_npz(
    handle: BinaryIO,
    header: dict[str, Any],
    arrays: dict[str, np.ndarray | None],
    *,
    compress: bool,
) -> None:
    """Write the archive to an open binary file.

    Parameters
    ----------
    handle
        Destination file object.
    header
        JSON-ready predictions header.
    arrays
        The arrays by name; ``None`` values are left out.
    compress
        Deflate members and store float arrays as byte planes (small file); otherwise store
        raw arrays uncompressed (largest file, fastest to read and write).
    """
    encoding: Encoding = "byteplanes" if compress else "raw"
    members: dict[str, np.ndarray] = {}
    described: dict[str, dict[str, Any]] = {}
    for name, array in arrays.items():
        if array is None:
            continue
        chosen: Encoding = encoding if array.dtype.kind == "f" and array.ndim > 1 else "raw"
        members[name] = _encode(array, chosen)
        described[name] = {
            "dtype": array.dtype.str,
            "shape": list(array.shape),
            "encoding": chosen,
        }
    document = {**header, "format": FORMAT_NAME, "arrays": described}
    members["header"] = np.frombuffer(json.dumps(document).encode("utf-8"), dtype=np.uint8)
    save = np.savez_compressed if compress else np.savez
    # Member names never collide with savez's own keyword (allow_pickle): they are fixed above.
    save(handle, **members)  # pyright: ignore[reportArgumentType]


def read_npz(data: bytes, path: Path | None) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read an archive written by :func:`write_npz`.

    Returns
    -------
    header, arrays
        The header (without the ``format`` and ``arrays`` keys) and every array the header
        describes, decoded. Which arrays a valid file must hold, and their dtypes, is checked
        by the caller after migration, since an older file may hold other arrays.

    Raises
    ------
    CorruptFileError
        If the bytes are not a readable archive (truncated, bad checksum, missing header).
    SchemaValidationError
        If a member is missing or has the wrong dtype or shape.
    """
    try:
        archive = np.load(io.BytesIO(data), allow_pickle=False)
        with archive:
            members = {name: archive[name] for name in archive.files}
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError) as error:
        raise CorruptFileError(
            path,
            f"is not a readable predictions archive ({error}); it may be truncated, "
            "re-export it from the original results",
        ) from error
    header_bytes = members.pop("header", None)
    if header_bytes is None:
        raise CorruptFileError(path, "has no 'header' member; it is not a NeuroPose .npz file")
    try:
        header = json.loads(header_bytes.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CorruptFileError(path, f"has an unreadable header ({error})") from error
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise CorruptFileError(path, f"header does not declare format '{FORMAT_NAME}'")
    described = header.pop("arrays", None)
    header.pop("format")
    if not isinstance(described, dict):
        raise SchemaValidationError(path, "arrays", "header lacks the description of its arrays")
    arrays: dict[str, np.ndarray] = {}
    for name, info in described.items():
        if name in header:
            raise SchemaValidationError(path, name, "names both an array and a header field")
        member = members.get(name)
        if member is None:
            raise SchemaValidationError(
                path, name, "listed in the header but missing from the archive"
            )
        try:
            arrays[name] = _decode(member, info, name, path)
        except (KeyError, TypeError, ValueError) as error:
            raise SchemaValidationError(path, name, f"cannot be decoded ({error})") from error
    return header, arrays
