"""Runtime settings, from an explicit TOML file and ``NEUROPOSE_*`` environment variables.

Precedence, lowest to highest: built-in defaults, the TOML file named with ``--config``, then
environment variables. Nothing is ever read from the working directory by surprise.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from neuropose.schema._base import ValueModel
from neuropose.schema._errors import ConfigError

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
    model
        Model variant name (``metrabs_l``) or a path to a SavedModel directory or archive.
    skeleton
        MeTRAbs skeleton whose joints are reported.
    batch_size
        Frames per model call.
    num_aug
        Test-time augmentations per detection (more is slower and smoother).
    detector_threshold
        Person-detector confidence threshold, 0 to 1.
    max_detections
        People kept per frame; -1 keeps all.
    fov_degrees
        Field of view assumed when a video has no calibration, in degrees.
    device
        TensorFlow device (``"/CPU:0"``, ``"/GPU:0"``); empty picks the first GPU, else CPU.
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
    model: str = "metrabs_l"
    skeleton: str = "berkeley_mhad_43"
    batch_size: int = Field(default=8, ge=1, le=1024)
    num_aug: int = Field(default=5, ge=1, le=64)
    detector_threshold: float = Field(default=0.3, ge=0, le=1)
    max_detections: int = Field(default=-1, ge=-1)
    fov_degrees: float = Field(default=55.0, gt=0, lt=180)
    device: str = ""
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
            A TOML file with top-level keys named like the attributes. Relative paths in it are
            taken relative to the file's own directory.
        environ
            Environment to read ``NEUROPOSE_<ATTRIBUTE>`` variables from (default ``os.environ``).
        overrides
            Values that win over everything (command-line options); ``None`` values are ignored.

        Raises
        ------
        ConfigError
            For a missing or malformed file, an unknown key or variable, or a bad value; the
            message names the file or variable.
        """
        environ = os.environ if environ is None else environ
        home = default_data_home(environ)
        values: dict[str, Any] = {"data_dir": home / "jobs", "model_dir": home / "models"}
        origin: dict[str, str] = {}
        if config is not None:
            for key, value in _read_toml(Path(config)).items():
                values[key] = value
                origin[key] = f"{config} key '{key}'"
        for name, value in environ.items():
            if not name.startswith(ENV_PREFIX):
                continue
            key = name.removeprefix(ENV_PREFIX).lower()
            if key not in cls.model_fields:
                raise ConfigError(f"unknown environment variable {name}; {_known_names(env=True)}")
            values[key] = value
            origin[key] = f"environment variable {name}"
        for key, value in (overrides or {}).items():
            if value is not None:
                values[key] = value
                origin[key] = f"option --{key.replace('_', '-')}"
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            first = error.errors()[0]
            key = str(first["loc"][0]) if first["loc"] else "?"
            where = origin.get(key, key)
            raise ConfigError(f"invalid setting from {where}: {first['msg']}") from None


def _known_names(*, env: bool) -> str:
    names = sorted(Settings.model_fields)
    shown = [f"{ENV_PREFIX}{n.upper()}" for n in names] if env else names
    return "known ones are: " + ", ".join(shown)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    except OSError as error:
        raise ConfigError(f"config file {path} cannot be read: {error.strerror}") from None
    unknown = sorted(set(data) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(
            f"config file {path} has unknown key(s) {unknown}; {_known_names(env=False)}"
        )
    for key in ("data_dir", "model_dir"):
        if isinstance(data.get(key), str):
            data[key] = (path.parent / Path(data[key]).expanduser()).resolve()
    return data
