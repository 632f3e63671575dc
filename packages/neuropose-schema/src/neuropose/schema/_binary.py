"""The compact predictions file: a NumPy ``.npz`` archive with a JSON header.

Layout (every member is an ordinary ``.npy`` array, read with ``np.load(path)``):

``header``
    uint8 bytes of a UTF-8 JSON object: the predictions header (metadata, skeleton, camera,
    provenance, units, schema_version), ``"format": "neuropose-predictions"``, and ``"arrays"``,
    which maps each array name to its ``dtype``, ``shape`` and ``encoding``.
one member per array (``times_s``, ``poses3d`` ...)
    The arrays of :class:`~neuropose.schema.VideoPredictions`, named as in ``PREDICTION_ARRAYS``;
    an optional array that is absent has no member. The encodings:

    ``"raw"``
        The member is the array itself.
    ``"byteplanes"``
        The member is a ``(itemsize, n)`` uint8 array: the array's bytes in Fortran
        (time-fastest) order, split into one row per byte of each value. Smooth trajectories
        then deflate to about 60 % of their size::

            planes = archive["poses3d"]
            info = header["arrays"]["poses3d"]
            array = planes.T.copy().view(info["dtype"]).reshape(info["shape"], order="F")

    ``"projection_residual"``
        The array (float32 ``(..., 2)`` pixels) is the pinhole projection of the array named by
        ``info["projection_of"]`` (float32 ``(..., 3)`` camera-frame points) through the
        header's ``camera``, corrected by the member: a small signed integer array of the same
        shape holding, per value, the difference of the float32 bit patterns (stored minus
        projected, modulo 2**32). MeTRAbs' 2D pose is its 3D pose projected, so the member is
        almost all zeros and the 2D pose costs almost nothing to store, without loss. The
        projection is computed in float32, one IEEE operation at a time in this exact order,
        and every NaN takes the bit pattern ``0x7FC00000``, so it is bit-identical on every
        platform::

            fx, fy, cx, cy = (np.float32(camera[k]) for k in ("fx", "fy", "cx", "cy"))
            x, y, z = poses3d[..., 0], poses3d[..., 1], poses3d[..., 2]
            projected = np.stack([x / z * fx + cx, y / z * fy + cy], axis=-1)
            bits = projected.view(np.uint32)
            bits[np.isnan(projected)] = 0x7FC00000
            bits += archive["poses2d"].astype(np.int32).view(np.uint32)
            poses2d = bits.view(np.float32)

The writer uses the residual only when at most 1 % of its values need more than 16 bits and no
value is subnormal (where flush-to-zero settings could differ between machines); otherwise it
stores byte planes.
"""

from __future__ import annotations

import io
import json
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO, Literal

import numpy as np
import numpy.lib.format as npy_format

from neuropose.schema._errors import CorruptFileError, SchemaValidationError
from neuropose.schema._guards import is_json_object

__all__ = ["ENCODINGS", "FORMAT_NAME", "STORED_SUFFIX", "read_npz", "write_npz"]

FORMAT_NAME = "neuropose-predictions"
Encoding = Literal["raw", "byteplanes", "byteplanes_split", "projection_residual"]
ENCODINGS: tuple[Encoding, ...] = ("raw", "byteplanes", "byteplanes_split", "projection_residual")
"""Every member encoding a reader must know; files name theirs in ``arrays.<name>.encoding``."""
STORED_SUFFIX = ".stored"
"""Suffix of the member holding the uncompressed planes of a ``byteplanes_split`` array."""

# Which array is stored as the projection of which: the 2D pose of the 3D pose.
_PROJECTIONS = {"poses2d": "poses3d"}
_CANONICAL_NAN = np.uint32(0x7FC00000)
_FLOAT32_TINY = float(np.finfo(np.float32).tiny)
_RESIDUAL_DTYPES = (np.dtype(np.int8), np.dtype(np.int16))
_INT16 = np.iinfo(np.int16)
_WIDE_RESIDUALS_ALLOWED = 0.01
# A plane is deflated when a sample of it shrinks below half: the low bytes of a jittery float
# are noise that deflate cannot shrink, and inflating what barely shrinks costs load time.
_SAMPLE_BYTES = 1 << 18
_DEFLATE_WORTH_IT = 0.5


# ------------------------------------------------------------------------------ projection
def _project(
    points: np.ndarray, camera: dict[str, Any], *, check: bool = False
) -> tuple[np.ndarray, bool]:
    """Project ``(..., 3)`` float32 points through the pinhole ``camera``, as float32 bit patterns.

    Every step is one IEEE float32 operation (divide, scale, shift: no fused multiply-add, no
    wider intermediate), so every machine computes the same bits.

    Returns
    -------
    bits, exact
        ``(..., 2)`` uint32 bit patterns of the projected pixels (Fortran order, NaN
        canonical), and, when ``check``, whether no input, intermediate or output is subnormal,
        where a machine flushing subnormals to zero would compute other bits (the writer
        checks; a reader need not).
    """
    x, y, z = (np.asarray(points[..., k], np.float32) for k in range(3))
    fx, fy, cx, cy = (np.float32(camera[key]) for key in ("fx", "fy", "cx", "cy"))
    out = np.empty((*points.shape[:-1], 2), np.float32, order="F")
    exact = True
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        for axis, (numerator, focal, centre) in enumerate(((x, fx, cx), (y, fy, cy))):
            ratio = numerator / z
            scaled = ratio * focal
            np.add(scaled, centre, out=out[..., axis])
            if check:
                exact = exact and not any(
                    bool(np.any((np.abs(step) < _FLOAT32_TINY) & (step != 0)))
                    for step in (numerator, z, ratio, scaled, out[..., axis])
                )
    bits = out.view(np.uint32)
    bits[np.isnan(out)] = _CANONICAL_NAN
    return bits, exact


def _residual(array: np.ndarray, source: np.ndarray, camera: dict[str, Any]) -> np.ndarray | None:
    """Return the smallest integer residual of ``array`` against projected ``source``, or None."""
    if source.ndim != array.ndim or source.shape[:-1] != array.shape[:-1]:
        return None
    if array.shape[-1] != 2 or source.shape[-1] != 3 or array.dtype != np.float32:
        return None
    projected, exact = _project(source, camera, check=True)
    if not exact:
        return None
    stored = np.asfortranarray(array).view(np.uint32)
    difference = (stored - projected).view(np.int32)
    if not difference.size:
        return difference.astype(np.int8, order="F")
    low, high = int(difference.min()), int(difference.max())
    for dtype in _RESIDUAL_DTYPES:
        limits = np.iinfo(dtype)
        if limits.min <= low and high <= limits.max:
            return difference.astype(dtype, order="F")
    # A few wide values (a NaN with another sign or payload, a sign change at 0 px) cost little
    # as int32 among zeros; many mean the 2D pose is not this projection at all.
    wide = np.count_nonzero((difference < _INT16.min) | (difference > _INT16.max))
    return difference if wide <= difference.size * _WIDE_RESIDUALS_ALLOWED else None


# ------------------------------------------------------------------------------ byte planes
def _to_planes(array: np.ndarray) -> np.ndarray:
    itemsize = array.dtype.itemsize
    values = np.asfortranarray(array).T.reshape(-1).view(np.uint8).reshape(-1, itemsize)
    planes = np.empty((itemsize, values.shape[0]), np.uint8)
    # One strided copy per byte position is several times faster than a general transpose.
    for byte in range(itemsize):
        planes[byte] = values[:, byte]
    return planes


def _from_planes(
    planes: dict[int, np.ndarray], dtype: np.dtype[Any], shape: tuple[int, ...]
) -> np.ndarray:
    count = int(np.prod(shape, dtype=np.int64))
    values = np.empty((count, dtype.itemsize), np.uint8)
    for byte, plane in planes.items():
        values[:, byte] = plane
    values.flags.writeable = False
    return values.view(dtype).reshape(shape, order="F")


def _worth_deflating(plane: np.ndarray) -> bool:
    """Tell whether a byte plane deflates to less than half its size (judged on a sample).

    Inflating a plane that barely compresses costs more load time than the bytes it saves:
    the low bytes of a jittery float are noise.
    """
    sample = plane[:_SAMPLE_BYTES].tobytes()
    return len(zlib.compress(sample, 1)) < len(sample) * _DEFLATE_WORTH_IT


# ---------------------------------------------------------------------------------- decoding
def _check_member(
    member: np.ndarray | None, dtype: Any, shape: tuple[int, ...], what: str, where: _Where
) -> np.ndarray:
    if member is None:
        raise SchemaValidationError(
            where.path, where.name, f"{what} member missing from the archive"
        )
    if member.dtype != np.dtype(dtype) or member.shape != shape:
        found = f"{member.dtype} {member.shape}"
        raise SchemaValidationError(
            where.path, where.name, f"{what} should be {np.dtype(dtype)} {shape}, found {found}"
        )
    return member


class _Where:
    """The file and array a decoding problem is about."""

    def __init__(self, path: Path | None, name: str) -> None:
        self.path = path
        self.name = name


def _decode(
    members: dict[str, np.ndarray],
    info: dict[str, Any],
    where: _Where,
    decoded: dict[str, np.ndarray],
    camera: Any,
) -> np.ndarray:
    name = where.name
    dtype = np.dtype(info["dtype"])
    shape = tuple(int(n) for n in info["shape"])
    count = int(np.prod(shape, dtype=np.int64))
    encoding = info["encoding"]
    member = members.get(name)
    if encoding == "raw":
        array = _check_member(member, dtype, shape, "the array", where)
    elif encoding == "byteplanes":
        planes = _check_member(member, np.uint8, (dtype.itemsize, count), "byte planes", where)
        array = _from_planes(dict(enumerate(planes)), dtype, shape)
    elif encoding == "byteplanes_split":
        stored = [int(k) for k in info["stored_planes"]]
        deflated = [k for k in range(dtype.itemsize) if k not in stored]
        kept = _check_member(
            members.get(f"{name}{STORED_SUFFIX}"),
            np.uint8,
            (len(stored), count),
            "stored planes",
            where,
        )
        packed = _check_member(member, np.uint8, (len(deflated), count), "deflated planes", where)
        array = _from_planes(
            {**dict(zip(stored, kept, strict=True)), **dict(zip(deflated, packed, strict=True))},
            dtype,
            shape,
        )
    elif encoding == "projection_residual":
        source = decoded.get(str(info.get("projection_of")))
        if source is None or not is_json_object(camera):
            raise SchemaValidationError(
                where.path,
                name,
                f"is a projection of {info.get('projection_of')!r}, which is missing",
            )
        if (
            member is None
            or member.dtype.kind != "i"
            or member.shape != shape
            or dtype != np.float32
        ):
            found = "nothing" if member is None else f"{member.dtype} {member.shape}"
            raise SchemaValidationError(
                where.path,
                name,
                f"residual should be integers {shape} of a float32 array, found {found}",
            )
        if source.shape[:-1] != shape[:-1] or source.shape[-1:] != (3,) or shape[-1:] != (2,):
            raise SchemaValidationError(
                where.path, name, f"shape {shape} is not the projection of {source.shape}"
            )
        bits, _ = _project(source, camera)
        bits += member.astype(np.int32).view(np.uint32)
        _freeze(bits)
        array = bits.view(np.float32)
    else:
        known = ", ".join(ENCODINGS)
        raise SchemaValidationError(
            where.path,
            name,
            f"unknown encoding {encoding!r} (known: {known}); upgrade neuropose-schema",
        )
    array.flags.writeable = False
    return array


def _freeze(array: np.ndarray) -> None:
    """Make ``array`` and every array it views read-only, so validation keeps it without a copy."""
    current: object = array
    while isinstance(current, np.ndarray):
        current.flags.writeable = False
        current = current.base


def _read_member(data: bytes) -> np.ndarray:
    """Parse one ``.npy`` member without copying its data (the array views ``data``)."""
    stream = io.BytesIO(data)
    major, _ = npy_format.read_magic(stream)
    read_header = (
        npy_format.read_array_header_1_0 if major == 1 else npy_format.read_array_header_2_0
    )
    shape, fortran_order, dtype = read_header(stream)
    if dtype.hasobject:
        raise ValueError("holds Python objects, which a predictions file never does")
    count = int(np.prod(shape, dtype=np.int64))
    flat = np.frombuffer(data, dtype=dtype, count=count, offset=stream.tell())
    return flat.reshape(shape, order="F" if fortran_order else "C")


# ---------------------------------------------------------------------------------- writing
def _encode(
    name: str,
    array: np.ndarray,
    arrays: dict[str, np.ndarray | None],
    camera: object,
    *,
    compress: bool,
    project: bool,
    split: bool,
) -> tuple[dict[str, Any], dict[str, tuple[np.ndarray, bool]]]:
    """Choose an array's encoding: its header entry and its members (with whether to deflate)."""
    info: dict[str, Any] = {"dtype": array.dtype.str, "shape": list(array.shape)}
    if not compress:
        return info | {"encoding": "raw"}, {name: (np.ascontiguousarray(array), False)}
    source = arrays.get(_PROJECTIONS.get(name, ""))
    if project and source is not None and is_json_object(camera):
        residual = _residual(array, source, camera)
        if residual is not None:
            described = {"encoding": "projection_residual", "projection_of": _PROJECTIONS[name]}
            return info | described, {name: (residual, True)}
    if array.dtype.kind != "f" or array.ndim < 2:
        return info | {"encoding": "raw"}, {name: (np.ascontiguousarray(array), True)}
    planes = _to_planes(array)
    stored = [k for k, plane in enumerate(planes) if split and not _worth_deflating(plane)]
    if not stored:
        return info | {"encoding": "byteplanes"}, {name: (planes, True)}
    deflated = [k for k in range(len(planes)) if k not in stored]
    if not deflated:  # nothing compresses: the array itself, uncompressed, is as small
        return info | {"encoding": "raw"}, {name: (np.ascontiguousarray(array), False)}
    members = {name: (planes[deflated], True), f"{name}{STORED_SUFFIX}": (planes[stored], False)}
    return info | {"encoding": "byteplanes_split", "stored_planes": stored}, members


def write_npz(
    handle: BinaryIO,
    header: dict[str, Any],
    arrays: dict[str, np.ndarray | None],
    *,
    compress: bool,
    project: bool = True,
    split: bool = True,
) -> None:
    """Write the archive to an open binary file.

    Parameters
    ----------
    handle
        Destination file object (seekable).
    header
        JSON-ready predictions header.
    arrays
        The arrays by name; ``None`` values are left out.
    compress
        Store float arrays as byte planes (deflating the planes that compress well), the 2D
        pose as its residual against the projected 3D pose, and deflate the rest (small file);
        otherwise store raw arrays uncompressed (largest file, fastest to write).
    project, split
        With ``compress``: try the projection residual for the 2D pose, and store the planes
        that deflate cannot shrink uncompressed. False for both writes the layout of files
        from before these encodings existed (for benchmarks and tests).
    """
    members: dict[str, tuple[np.ndarray, bool]] = {}
    described: dict[str, dict[str, Any]] = {}
    for name, array in arrays.items():
        if array is None:
            continue
        info, own = _encode(
            name,
            array,
            arrays,
            header.get("camera"),
            compress=compress,
            project=project,
            split=split,
        )
        described[name] = info
        members |= own
    document = {**header, "format": FORMAT_NAME, "arrays": described}
    header_bytes = np.frombuffer(json.dumps(document).encode("utf-8"), dtype=np.uint8)
    members["header"] = (header_bytes, compress)
    # What np.savez does, with the compression chosen per member.
    with zipfile.ZipFile(handle, "w", allowZip64=True) as archive:
        for name, (member, deflate) in members.items():
            entry = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
            with archive.open(entry, "w", force_zip64=True) as target:
                npy_format.write_array(target, member, allow_pickle=False)


# ---------------------------------------------------------------------------------- reading
def read_npz(data: bytes, path: Path | None) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read an archive written by :func:`write_npz` (any version of it).

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
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            # read() checks each member's CRC, so a flipped bit is an error, not a value.
            members = {
                info.filename.removesuffix(".npy"): _read_member(archive.read(info))
                for info in archive.infolist()
            }
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
    if not is_json_object(header) or header.get("format") != FORMAT_NAME:
        raise CorruptFileError(path, f"header does not declare format '{FORMAT_NAME}'")
    described = header.pop("arrays", None)
    header.pop("format")
    if not is_json_object(described):
        raise SchemaValidationError(path, "arrays", "header lacks the description of its arrays")
    arrays: dict[str, np.ndarray] = {}
    # Projections last: they are computed from arrays decoded before them.
    order = sorted(
        described,
        key=lambda n: (
            is_json_object(described[n]) and described[n].get("encoding") == "projection_residual"
        ),
    )
    for name in order:
        if name in header:
            raise SchemaValidationError(path, name, "names both an array and a header field")
        if name not in members:
            raise SchemaValidationError(
                path, name, "listed in the header but missing from the archive"
            )
        try:
            arrays[name] = _decode(
                members, described[name], _Where(path, name), arrays, header.get("camera")
            )
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise SchemaValidationError(path, name, f"cannot be decoded ({error})") from error
    return header, {name: arrays[name] for name in described}
