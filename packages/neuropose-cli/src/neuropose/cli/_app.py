"""The ``neuropose`` command: global options, command registration and error handling."""

from __future__ import annotations

import sys
import traceback
from importlib.metadata import distributions
from pathlib import Path
from typing import Annotated

import typer

from neuropose.cli._context import EXIT, Context, exit_code_for
from neuropose.cli._terminal import (
    configure_logging,
    native_output_hidden,
    quiet_native_libraries,
    settings_restored,
)
from neuropose.schema import NeuroPoseError

__all__ = ["app", "main"]

app = typer.Typer(
    name="neuropose",
    help="Turn clinical videos into validated 3D pose time series, and analyse them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
"""The ``neuropose`` Typer application; :func:`main` runs it and maps errors to exit codes."""


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
    # Native libraries' start-up chatter drowns our one-line messages; -v brings it back.
    quiet_native_libraries(verbosity)
    configure_logging(verbosity)


def _register() -> None:
    # Registration imports only typer-level modules: each command imports its package itself.
    from neuropose.cli import (
        _analysis_commands,
        _batch,
        _daemon_commands,
        _doctor,
        _estimator_commands,
        _export_command,
        _measure_commands,
        _people_commands,
        _report_commands,
    )

    _estimator_commands.register(app)
    _daemon_commands.register(app)
    _analysis_commands.register(app)
    _measure_commands.register(app)
    _people_commands.register(app)
    _export_command.register(app)
    _doctor.register(app)
    _batch.register(app)
    _report_commands.register(app)


_register()


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code.

    A command's own ``typer.Exit`` sets the code; any error takes its code from
    ``EXIT_FOR_ERROR`` (the entry of its nearest class), documented in docs/cli.md.
    """
    arguments = sys.argv[1:] if argv is None else argv
    verbose = any(
        a in ("-v", "--verbose") or (a.startswith("-v") and set(a[1:]) == {"v"}) for a in arguments
    )
    command = typer.main.get_command(app)
    # Native libraries write to descriptor 2 directly; unless -v it goes nowhere for the run.
    with native_output_hidden(not verbose), settings_restored():
        try:
            result = command.main(args=arguments, prog_name="neuropose", standalone_mode=False)
        except typer.Exit as done:
            return done.exit_code
        except (KeyboardInterrupt, Exception) as error:
            code = exit_code_for(type(error))
            _report(error, code, verbose)
            return code
    return result if isinstance(result, int) else EXIT["ok"]


def _report(error: BaseException, code: int, verbose: bool) -> None:
    """Print one line on stderr for ``error`` (and its traceback with ``-v``)."""
    if code == EXIT["interrupted"]:
        typer.echo("interrupted", err=True)
        return
    show = getattr(error, "show", None)
    if isinstance(error, typer.TyperException) and callable(show):
        # Usage errors print themselves, with the command's usage line.
        show()
        return
    if verbose:
        traceback.print_exception(error)
    if isinstance(error, NeuroPoseError):
        typer.echo(f"error: {error}", err=True)
    else:
        typer.echo(
            f"error: unexpected {type(error).__name__}: {error} (run with -v for the traceback)",
            err=True,
        )
