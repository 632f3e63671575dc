"""The ``neuropose`` command line.

Commands import the package they need (estimator, daemon, analysis) only when they run, so
``neuropose --help`` is instant and a missing package is named with the extra that installs it.
"""

from neuropose.cli._app import app
from neuropose.cli._app import main as _main

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point: run and exit with the command's code."""
    import sys

    sys.exit(_main())
