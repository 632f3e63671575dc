"""The type checker's settings and every suppression of it, checked on the source.

- Schema and analysis are checked in pyright's strict mode (the contracts and the numbers that
  end up in papers); the rest of the tree in standard mode.
- mypy-style ``type: ignore`` comments are switched off (pyright would read them as blanket
  suppressions); a suppression is ``# pyright: ignore[rule]  # reason``: it names the rules
  and says why on the same line. One that no longer hides an error fails pyright itself
  (``reportUnnecessaryTypeIgnoreComment``).
- No file turns checking down with a ``# pyright: basic`` style comment.

``uv run pyright`` (tests/integration/test_quality.py) enforces the settings; these tests keep the
settings and the comments from drifting.
"""

from __future__ import annotations

import io
import re
import subprocess
import tokenize
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
STRICT = ("packages/neuropose-schema/src", "packages/neuropose-analysis/src")
CHECKED = ("packages", "tests", "scripts", "typings")

_SUPPRESSION = re.compile(r"#\s*pyright:\s*ignore\b(?P<rules>\[[^\]]*\])?(?P<rest>.*)")
_REASON = re.compile(r"^\s+#\s*\S.{4,}")
_FILE_LEVEL = re.compile(r"#\s*pyright:\s*(?!ignore\b)\w")
_MYPY_IGNORE = re.compile(r"#\s*type:\s*ignore\b")


def suppression_problems(name: str, text: str) -> list[str]:
    """Comments in ``text`` that suppress type errors without naming the rule and the reason."""
    problems = []
    tokens = tokenize.generate_tokens(io.StringIO(text).readline)
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        where = f"{name}:{token.start[0]}"
        comment = token.string
        if _MYPY_IGNORE.search(comment):
            problems.append(f"{where}: mypy-style type: ignore (pyright ignores it; name the rule)")
        elif _FILE_LEVEL.search(comment):
            problems.append(f"{where}: turns type checking down for the file")
        elif match := _SUPPRESSION.search(comment):
            if not match["rules"] or match["rules"] == "[]":
                problems.append(f"{where}: pyright: ignore without [rule]")
            elif not _REASON.match(match["rest"]):
                problems.append(f"{where}: pyright: ignore{match['rules']} without a reason")
    return problems


def _python_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *CHECKED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode == 0:
        names = [ROOT / name for name in listed.stdout.split()]
    else:  # not a git checkout (an exported tree): every file below the checked folders
        names = [path for folder in CHECKED for path in (ROOT / folder).rglob("*")]
    return [path for path in names if path.suffix in (".py", ".pyi") and path.is_file()]


def _pyright_settings() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["tool"]["pyright"]


def test_schema_and_analysis_are_checked_strictly():
    settings = _pyright_settings()
    assert settings["typeCheckingMode"] == "standard"
    assert sorted(settings.get("strict", [])) == sorted(STRICT)
    assert settings["enableTypeIgnoreComments"] is False
    assert settings["reportUnnecessaryTypeIgnoreComment"] == "error"
    assert set(settings["include"]) >= {"packages", "tests", "scripts"}


def test_every_suppression_names_its_rule_and_reason():
    files = _python_files()
    assert len(files) > 100, "the tree was not found"
    problems = [
        problem
        for path in files
        for problem in suppression_problems(str(path.relative_to(ROOT)), path.read_text())
    ]
    assert problems == [], "\n".join(problems)


PLANTED = """\
value = compute()  # type: ignore
other = compute()  # type: ignore[arg-type]
third = compute()  # pyright: ignore
fourth = compute()  # pyright: ignore[reportArgumentType]
fifth = compute()  # pyright: ignore[reportArgumentType]  # the library's stub is wrong here
text = "# type: ignore inside a string is not a comment"
# pyright: basic
"""


def test_the_suppression_guard_fails_on_planted_comments():
    assert suppression_problems("planted.py", PLANTED) == [
        "planted.py:1: mypy-style type: ignore (pyright ignores it; name the rule)",
        "planted.py:2: mypy-style type: ignore (pyright ignores it; name the rule)",
        "planted.py:3: pyright: ignore without [rule]",
        "planted.py:4: pyright: ignore[reportArgumentType] without a reason",
        "planted.py:7: turns type checking down for the file",
    ]
