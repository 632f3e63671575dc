"""One table from error class to exit code: every public error has one, and docs/cli.md agrees."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

import pytest
import typer

from neuropose.cli._app import main
from neuropose.cli._context import EXIT, EXIT_FOR_ERROR, exit_code_for
from neuropose.cli._errors import MissingExtraError
from neuropose.schema import NeuroPoseError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("schema", "estimator", "daemon", "analysis", "cli")


def _public_errors() -> list[type[BaseException]]:
    """Every exception class a package exports, or declares in its ``_errors.__all__``."""
    found: dict[str, type[BaseException]] = {}
    for package in PACKAGES:
        for module in (f"neuropose.{package}", f"neuropose.{package}._errors"):
            namespace = importlib.import_module(module)
            for name in namespace.__all__:
                value = getattr(namespace, name)
                if inspect.isclass(value) and issubclass(value, BaseException):
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return sorted(found.values(), key=lambda kind: kind.__name__)


PUBLIC_ERRORS = _public_errors()


def test_the_walk_finds_every_packages_errors():
    modules = {kind.__module__.split(".")[1] for kind in PUBLIC_ERRORS}
    assert modules == set(PACKAGES)
    assert len(PUBLIC_ERRORS) > 30


@pytest.mark.parametrize("error", PUBLIC_ERRORS, ids=lambda kind: kind.__name__)
def test_every_public_error_is_a_neuropose_error_with_a_deliberate_code(error):
    assert issubclass(error, NeuroPoseError)
    code = exit_code_for(error)
    assert code in EXIT.values()
    # "failure" is what an unforeseen exception gets; a deliberate error must not land there.
    assert code != EXIT_FOR_ERROR[BaseException], f"{error.__name__} has no code of its own"


def test_the_nearest_class_wins():
    class BothError(MissingExtraError, KeyError):
        pass

    assert exit_code_for(MissingExtraError) == EXIT["missing_package"]
    assert exit_code_for(BothError) == EXIT["missing_package"]
    assert exit_code_for(NeuroPoseError) == EXIT["input"]
    assert exit_code_for(KeyError) == EXIT["failure"]
    assert exit_code_for(KeyboardInterrupt) == EXIT["interrupted"]
    assert exit_code_for(typer.BadParameter) == EXIT["usage"]


def test_every_table_code_is_a_documented_exit_code():
    assert set(EXIT_FOR_ERROR.values()) <= set(EXIT.values())


def _documented_codes() -> dict[str, int]:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    section = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|\s*(\d+)\s*\|\s*`(\w+)`\s*\|", section, flags=re.MULTILINE)
    return {name: int(code) for code, name in rows}


def test_docs_exit_code_table_matches_exit():
    assert _documented_codes() == EXIT


@pytest.mark.parametrize(
    ("raised", "expected", "printed"),
    [
        (NeuroPoseError("clip.mp4: does not exist"), "input", "error: clip.mp4: does not exist"),
        (MissingExtraError('pip install "neuropose-cli[daemon]"'), "missing_package", "error: pip"),
        (KeyboardInterrupt(), "interrupted", "interrupted"),
        (ZeroDivisionError("boom"), "failure", "error: unexpected ZeroDivisionError: boom"),
    ],
)
def test_main_uses_the_table(monkeypatch, capsys, raised, expected, printed):
    monkeypatch.setattr(typer.main, "get_command", lambda app: _Raising(raised))
    assert main(["status"]) == EXIT[expected]
    assert capsys.readouterr().err.startswith(printed)


class _Raising:
    """A stand-in for the click command that raises a chosen error when run."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def main(self, **kwargs: object) -> object:
        raise self.error
