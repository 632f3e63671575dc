"""The ``neuropose`` command: global options, command registration and error handling."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from importlib.metadata import distributions
from pathlib import Path
from typing import Annotated

import typer

from neuropose.cli._context import EXIT, Context, MissingExtraError

__all__ = ["app", "main"]

app = typer.Typer(
    name="neuropose",
    help="Turn clinical videos into validated 3D pose time series, and analyse them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _versions() -> dict[str, str]:
    found = {}
    for dist in distributions():
        name = dist.metadata["Name"] or ""
        if name.lower().replace("_", "-").startswith("neuropose-"):
            found[name] = dist.version
    return dict(sorted(found.items()))


def _print_version(value: bool) -> None:
    if value:
        for name, installed in _versions().items():
            typer.echo(f"{name} {installed}")
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option("--config", help="TOML settings file (never discovered implicitly)."),
    ] = None,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More detail; -v shows tracebacks.")
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors and results.")] = False,
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Versions of the installed neuropose packages.",
        ),
    ] = False,
) -> None:
    """Turn clinical videos into 3D poses; settings: --config, then NEUROPOSE_* variables, then options."""
    verbosity = -1 if quiet else verbose
    ctx.obj = Context(config=config, verbosity=verbosity)
    # TensorFlow's C++ start-up chatter drowns our one-line messages; -v brings it back.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "0" if verbosity > 0 else "2")
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(
        level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def _register() -> None:
    # Registration imports only typer-level modules: each command imports its package itself.
    from neuropose.cli import _analysis_commands, _daemon_commands, _doctor, _estimator_commands

    _estimator_commands.register(app)
    _daemon_commands.register(app)
    _analysis_commands.register(app)
    _doctor.register(app)


_register()


def _is_input_error(error: BaseException) -> bool:
    from neuropose.schema import NeuroPoseError

    return isinstance(error, NeuroPoseError)


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (see ``EXIT``)."""
    arguments = sys.argv[1:] if argv is None else argv
    verbose = any(
        a in ("-v", "--verbose") or (a.startswith("-v") and set(a[1:]) == {"v"}) for a in arguments
    )
    command = typer.main.get_command(app)
    try:
        result = command.main(args=arguments, prog_name="neuropose", standalone_mode=False)
    except typer.Exit as done:
        return done.exit_code
    except typer.TyperException as error:
        # Usage errors (unknown option, bad value) carry exit code 2 and print themselves.
        show = getattr(error, "show", None)
        if callable(show):
            show()
        else:
            typer.echo(f"error: {error}", err=True)
        return error.exit_code
    except (KeyboardInterrupt, typer.Abort):
        typer.echo("interrupted", err=True)
        return EXIT["interrupted"]
    except MissingExtraError as error:
        typer.echo(f"error: {error}", err=True)
        return EXIT["missing_package"]
    except Exception as error:
        if verbose:
            traceback.print_exc()
        if _is_input_error(error):
            typer.echo(f"error: {error}", err=True)
            return EXIT["input"]
        typer.echo(
            f"error: unexpected {type(error).__name__}: {error} (run with -v for the traceback)",
            err=True,
        )
        return EXIT["failure"]
    return result if isinstance(result, int) else EXIT["ok"]
