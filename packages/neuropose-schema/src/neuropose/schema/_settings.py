"""Runtime settings, from an explicit TOML file and ``NEUROPOSE_*`` environment variables.

Precedence, lowest to highest: built-in defaults, the TOML file named with ``--config``, then
environment variables, then command-line options. Nothing is ever read from the working
directory by surprise.

Inference options live in :class:`~neuropose.schema.InferenceOptions`, nested as
``Settings.inference``. Every source may name one by its flat name (``batch_size = 4``,
``NEUROPOSE_NUM_AUG=2``, ``--num-poses 3``); the mapping from flat names to the tree is derived
from the options model, never listed here.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from neuropose.schema._base import ValueModel
from neuropose.schema._errors import ConfigError
from neuropose.schema._guards import is_json_object
from neuropose.schema._options import InferenceOptions

__all__ = ["ENV_PREFIX", "Settings", "default_data_home"]

ENV_PREFIX = "NEUROPOSE_"


def default_data_home(environ: Mapping[str, str] | None = None) -> Path:
    """Return ``$XDG_DATA_HOME/neuropose`` (``~/.local/share/neuropose`` when unset)."""
    environ = os.environ if environ is None else environ
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "neuropose"


class Settings(ValueModel):
    """Every knob NeuroPose reads at run time.

    Attributes
    ----------
    data_dir
        Daemon data directory holding ``in/``, ``out/`` and ``failed/``.
    model_dir
        Model cache directory.
    inference
        Options that shape a model run (model, batch size, device, field of view and each
        backend's own); see :class:`~neuropose.schema.InferenceOptions`. Files, variables and
        options set them by flat name (``batch_size``), a file also as an ``[inference]`` table.
    poll_interval_s
        Seconds between scans of ``in/`` when idle.
    settle_time_s
        Seconds a job directory must stay unchanged before it is picked up.
    status_checkpoint_every_frames
        Frames between progress writes to ``status.json``.
    monitor_host, monitor_port
        Address of the status page.
    stale_after_s
        Seconds without an update after which a processing job is flagged stale.
    ingest_max_members
        Most entries a zip may hold.
    ingest_max_total_bytes
        Largest total uncompressed size a zip may declare, in bytes.
    ingest_max_compression_ratio
        Highest uncompressed-to-compressed ratio accepted for a video member.
    """

    data_dir: Path = Field(default_factory=lambda: default_data_home() / "jobs")
    model_dir: Path = Field(default_factory=lambda: default_data_home() / "models")
    inference: InferenceOptions = Field(default_factory=InferenceOptions)
    poll_interval_s: float = Field(default=2.0, gt=0)
    settle_time_s: float = Field(default=5.0, ge=0)
    status_checkpoint_every_frames: int = Field(default=30, ge=1)
    monitor_host: str = "127.0.0.1"
    monitor_port: int = Field(default=8765, ge=0, le=65535)
    stale_after_s: float = Field(default=120.0, gt=0)
    ingest_max_members: int = Field(default=10_000, ge=1)
    ingest_max_total_bytes: int = Field(default=200 * 1024**3, ge=1)
    ingest_max_compression_ratio: float = Field(default=50.0, gt=1)

    @classmethod
    def load(
        cls,
        config: Path | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> Settings:
        """Build settings from defaults, an optional TOML file, the environment and overrides.

        Parameters
        ----------
        config
            A TOML file with top-level keys named like the attributes or like inference options
            (``batch_size = 4``), and optionally an ``[inference]`` table shaped like
            :class:`~neuropose.schema.InferenceOptions` (``[inference.metrabs]``). Relative
            paths in it are taken relative to the file's own directory.
        environ
            Environment to read ``NEUROPOSE_<NAME>`` variables from (default ``os.environ``),
            where ``NAME`` is an attribute or an inference option's flat name.
        overrides
            Values that win over everything (command-line options), by attribute or flat
            inference option name; ``None`` values are ignored.

        Raises
        ------
        ConfigError
            For a missing or malformed file, an unknown key or variable, a value set twice in
            one file, or a bad value; the message names the file key, variable or option.
        """
        environ = os.environ if environ is None else environ
        home = default_data_home(environ)
        values: dict[str, Any] = {"data_dir": home / "jobs", "model_dir": home / "models"}
        # Inference options by dotted path in the tree ("metrabs.num_aug"), nested at the end.
        options: dict[str, Any] = {}
        origin: dict[str, str] = {}
        if config is not None:
            for key, (path, value) in _read_toml(Path(config)).items():
                _assign(values, options, path, value)
                origin[path] = f"{config} key '{key}'"
        for variable, value in environ.items():
            if not variable.startswith(ENV_PREFIX):
                continue
            path = _flat_names().get(variable.removeprefix(ENV_PREFIX).lower())
            if path is None:
                raise ConfigError(f"unknown environment variable {variable}; {_known(env=True)}")
            _assign(values, options, path, value)
            origin[path] = f"environment variable {variable}"
        for key, value in (overrides or {}).items():
            path = _flat_names().get(key)
            if path is None:
                raise ConfigError(f"unknown setting override {key!r}; {_known(env=False)}")
            if value is not None:
                _assign(values, options, path, value)
                origin[path] = f"option --{key.replace('_', '-')}"
        values["inference"] = _nest(options)
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            first = error.errors()[0]
            location = [str(part) for part in first["loc"]]
            where = next(
                (
                    origin[".".join(location[:end])]
                    for end in range(len(location), 0, -1)
                    if ".".join(location[:end]) in origin
                ),
                ".".join(location) or "?",
            )
            raise ConfigError(f"invalid setting from {where}: {first['msg']}") from None


_INFERENCE = "inference"


@cache
def _flat_names() -> dict[str, str]:
    """Every name a file key, variable or override may use, to its dotted path in Settings."""
    names = {name: name for name in Settings.model_fields if name != _INFERENCE}
    for leaf in InferenceOptions.leaves():
        if leaf.name in names:
            msg = f"inference option {leaf.name!r} has the name of a setting; rename one of them"
            raise TypeError(msg)
        names[leaf.name] = f"{_INFERENCE}.{leaf.path}"
    return names


def _known(*, env: bool) -> str:
    names = sorted(_flat_names())
    shown = [f"{ENV_PREFIX}{n.upper()}" for n in names] if env else names
    return "known ones are: " + ", ".join(shown)


def _assign(values: dict[str, Any], options: dict[str, Any], path: str, value: Any) -> None:
    if path.startswith(_INFERENCE + "."):
        options[path.removeprefix(_INFERENCE + ".")] = value
    else:
        values[path] = value


def _nest(options: Mapping[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path, value in options.items():
        *parents, last = path.split(".")
        branch = tree
        for part in parents:
            branch = branch.setdefault(part, {})
        branch[last] = value
    return tree


def _table_keys(table: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """Flatten a file's ``[inference]`` table into dotted keys (``inference.metrabs.num_aug``)."""
    flat: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}"
        if is_json_object(value):
            flat.update(_table_keys(value, dotted))
        else:
            flat[dotted] = value
    return flat


def _read_toml(path: Path) -> dict[str, tuple[str, Any]]:
    """Read a settings file: each key as written, to its dotted path in Settings and its value."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"config file {path} cannot be read: {error.strerror}") from None
    table = data.pop(_INFERENCE, {})
    if not is_json_object(table):
        raise ConfigError(f"config file {path} key '{_INFERENCE}' must be a table ([inference])")
    keys = {**data, **_table_keys(table, _INFERENCE)}
    tree_paths = set(_flat_names().values())
    unknown = sorted(key for key in keys if key not in _flat_names() and key not in tree_paths)
    if unknown:
        raise ConfigError(
            f"config file {path} has unknown key(s) {unknown}; {_known(env=False)} (an "
            "[inference] table takes the same options by their place, e.g. [inference.metrabs])"
        )
    found: dict[str, tuple[str, Any]] = {}
    by_path: dict[str, str] = {}
    for key, value in keys.items():
        dotted = _flat_names().get(key, key)
        if dotted in by_path:
            msg = f"config file {path} sets '{by_path[dotted]}' and '{key}', the same setting; keep one"
            raise ConfigError(msg)
        by_path[dotted] = key
        if key in ("data_dir", "model_dir") and isinstance(value, str):
            found[key] = (dotted, (path.parent / Path(value).expanduser()).resolve())
        else:
            found[key] = (dotted, value)
    return found
