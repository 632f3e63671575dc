"""What every command shares: global options, lazily loaded settings, exit codes."""

from __future__ import annotations

import importlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import typer

from neuropose.cli._errors import MissingExtraError
from neuropose.schema import NeuroPoseError

if TYPE_CHECKING:
    from neuropose.schema import Settings

__all__ = [
    "EXIT",
    "EXIT_FOR_ERROR",
    "Context",
    "MissingExtraError",
    "emit_json",
    "exit_code_for",
    "require",
]

EXIT = {
    "ok": 0,
    "failure": 1,  # the work ran and something failed (a video, a job, a check)
    "usage": 2,  # unknown command or option, bad option value (typer/click)
    "input": 3,  # a file, setting or model that is missing or invalid
    "missing_package": 4,  # the command's package is not installed
    "interrupted": 130,  # Ctrl-C
}
"""Exit codes of the ``neuropose`` command, documented in docs/cli.md."""

EXIT_FOR_ERROR: dict[type[BaseException], int] = {
    BaseException: EXIT["failure"],  # unforeseen: a bug or an environment fault
    NeuroPoseError: EXIT["input"],  # every deliberate error names the file, value or model
    MissingExtraError: EXIT["missing_package"],
    typer.TyperException: EXIT["usage"],  # typer's parsing errors: unknown option, bad value
    typer.Abort: EXIT["interrupted"],
    KeyboardInterrupt: EXIT["interrupted"],
}
"""The exit code of each error class; an error takes the entry of its nearest class (MRO)."""

_EXTRAS = {
    "neuropose.estimator": "estimator",
    "neuropose.daemon": "daemon",
    "neuropose.analysis": "analysis",
}


def exit_code_for(error: type[BaseException]) -> int:
    """Return the exit code of an error class: the entry of its nearest class in ``EXIT_FOR_ERROR``."""
    return next(EXIT_FOR_ERROR[kind] for kind in error.__mro__ if kind in EXIT_FOR_ERROR)


def require(module: str) -> ModuleType:
    """Import ``module``, or explain which extra of neuropose-cli provides it."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        if error.name and (error.name == module or module.startswith(error.name + ".")):
            extra = _EXTRAS.get(module, "all")
            distribution = module.replace(".", "-")
            msg = (
                f"this command needs {distribution}, which is not installed: "
                f'pip install "neuropose-cli[{extra}]"'
            )
            raise MissingExtraError(msg) from None
        raise


@dataclass
class Context:
    """Global options, and settings loaded on first use (``--help`` never loads them)."""

    config: Path | None = None
    verbosity: int = 0
    _settings: Settings | None = None

    def settings(self, **overrides: Any) -> Settings:
        """Load settings from ``--config``, ``NEUROPOSE_*`` variables and command-line overrides.

        Overrides are named like settings (``data_dir``) or by an inference option's flat name
        (``batch_size``, as :func:`~neuropose.cli._inference_flags.inference_flags` hands them
        over); ``None`` values are ignored.
        """
        from neuropose.schema import Settings

        if self._settings is None or overrides:
            self._settings = Settings.load(self.config, overrides=overrides)
        return self._settings

    def say(self, message: str) -> None:
        """Print a progress or information line on stderr unless ``-q``."""
        if self.verbosity >= 0:
            typer.echo(message, err=True)


def emit_json(data: object) -> None:
    """Print JSON for scripts on stdout (stable keys, documented in docs/cli.md)."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def get(ctx: typer.Context) -> Context:
    """Return the shared context of this invocation."""
    obj = ctx.find_root().obj
    assert isinstance(obj, Context)
    return obj
