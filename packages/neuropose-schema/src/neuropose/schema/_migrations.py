"""Upgrading files written by older versions of the schema.

A migration takes the raw JSON data of one ``schema_version`` of a file kind and returns the
data of the next version. Loading applies them in a chain until the current version is reached.

The migrations shipped with the schema live in the modules of ``_BUILTIN_MODULES`` (one per file
kind, ``_migrations_<kind>.py``); they are imported before the registry is first used, so no
model module has to import them and they may import the models without a cycle.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from neuropose.schema._errors import SchemaValidationError, UnsupportedSchemaVersionError

__all__ = ["Migration", "migrate", "register_migration"]

Migration = Callable[[dict[str, Any]], dict[str, Any]]

_REGISTRY: dict[tuple[str, int], Migration] = {}

_BUILTIN_MODULES = (
    "neuropose.schema._migrations_predictions",
    "neuropose.schema._migrations_segmentation",
)


def _load_builtin() -> None:
    # Importing a module that is already (or being) imported is a dictionary lookup, and a
    # module registering its migrations while it loads finds itself in sys.modules.
    for module in _BUILTIN_MODULES:
        importlib.import_module(module)


def register_migration(kind: str, from_version: int) -> Callable[[Migration], Migration]:
    """Register a function that upgrades ``kind`` data from ``from_version`` to the next.

    Examples
    --------
    >>> @register_migration("status_file", 1)  # doctest: +SKIP
    ... def _add_daemon_host(data):
    ...     return {**data, "daemon_host": None, "schema_version": 2}
    """
    # Built-in migrations first, so a clash with one is reported here, at the caller's line.
    _load_builtin()

    def decorate(function: Migration) -> Migration:
        key = (kind, from_version)
        if key in _REGISTRY:
            raise ValueError(f"a migration of {kind} from version {from_version} already exists")
        _REGISTRY[key] = function
        return function

    return decorate


def migrate(data: dict[str, Any], *, kind: str, current: int, path: Path | None) -> dict[str, Any]:
    """Bring ``data`` to ``current`` version, or explain why it cannot be.

    Raises
    ------
    SchemaValidationError
        If ``schema_version`` is missing or not an integer.
    UnsupportedSchemaVersionError
        If the version is newer than ``current`` or no migration chain reaches it.
    """
    _load_builtin()
    version = data.get("schema_version")
    if version is None:
        raise SchemaValidationError(path, "schema_version", "missing; every NeuroPose file has one")
    if isinstance(version, bool) or not isinstance(version, int):
        raise SchemaValidationError(path, "schema_version", f"must be an integer, got {version!r}")
    if version > current or version < 1:
        raise UnsupportedSchemaVersionError(path, kind, version, current)
    while version < current:
        step = _REGISTRY.get((kind, version))
        if step is None:
            raise UnsupportedSchemaVersionError(path, kind, version, current)
        data = step(dict(data))
        if data.get("schema_version") != version + 1:
            msg = f"the migration of {kind} from version {version} did not produce {version + 1}"
            raise RuntimeError(msg)
        version += 1
    return data
