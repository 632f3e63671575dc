"""The docs' generated parts are kept in step with the code: option tables and the CLI reference.

Each generated block sits between ``<!-- BEGIN generated: NAME -->`` and ``<!-- END generated:
NAME -->`` markers: the inference options (from :class:`~neuropose.schema.InferenceOptions`) and
the reference of every command, argument and option of ``neuropose`` (from the typer app).
After changing either, rewrite them with ``uv run python tests/integration/test_options_docs.py``.
The hand-written command table of docs/cli.md is checked the other way: every option it names
exists on its command.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption

from neuropose.cli import app
from neuropose.schema import InferenceOptions, OptionLeaf
from neuropose.schema._settings import ENV_PREFIX

ROOT = Path(__file__).resolve().parents[2]


def _code(value: object) -> str:
    return f'`"{value}"`' if value == "" else f"`{value}`"


def _table(leaf: OptionLeaf) -> str:
    parent = leaf.path.rpartition(".")[0]
    return f"`[inference.{parent}]`" if parent else "`[inference]`"


def options_table() -> str:
    """Every inference option: where it is set, its default, its bounds and its meaning."""
    rows = [
        "| key | `[inference]` table | environment variable | flag | default | allowed | meaning |",
        "|---|---|---|---|---|---|---|",
    ]
    for leaf in InferenceOptions.leaves():
        bounds = leaf.bounds()
        rows.append(
            f"| `{leaf.name}` | {_table(leaf)} | `{ENV_PREFIX}{leaf.name.upper()}` "
            f"| `{leaf.flag}` | {_code(leaf.default)} | {f'`{bounds}`' if bounds else 'any'} "
            f"| {leaf.description} |"
        )
    return "\n".join(rows)


def flags_list() -> str:
    """The inference flags that process, watch and benchmark take."""
    flags = ", ".join(f"`{leaf.flag}`" for leaf in InferenceOptions.leaves())
    return (
        "`process`, `watch` and `benchmark` take one flag per inference option, each overriding "
        "the option of the same name from `--config` and `NEUROPOSE_*` variables (meanings, "
        f"defaults and bounds: [Configuration](configuration.md#inference-options)): {flags}."
    )


# typer vendors its own click: its classes are reached through typer.core.
def _commands(
    group: TyperGroup, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], Any]]:
    for name in sorted(group.commands):
        command = group.commands[name]
        if command.hidden:
            continue
        if isinstance(command, TyperGroup):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _parameter_rows(params: list[Any], skip: set[str]) -> list[str]:
    rows = []
    for param in params:
        if isinstance(param, TyperArgument):
            label = f"`{(param.name or '').upper()}{'...' if param.nargs == -1 else ''}`"
        elif param.opts[0] in skip:
            continue
        else:
            label = ", ".join(f"`{name}`" for name in (*param.opts, *param.secondary_opts))
        meaning = _cell(getattr(param, "help", None) or "")
        flag = isinstance(param, TyperOption) and (param.is_flag or param.count)
        if param.required:
            meaning += " Required."
        elif not flag and param.default not in (None, ()) and "Default" not in meaning:
            meaning += f" Default `{param.default}`."
        rows.append(f"| {label} | {meaning.strip()} |")
    return rows


def command_options(command: Any) -> set[str]:
    """Every option spelling of ``command`` (``--output``, ``-o`` ...)."""
    return {
        name
        for param in command.params
        if isinstance(param, TyperOption)
        for name in (*param.opts, *param.secondary_opts)
    }


def cli_reference() -> str:
    """Every command of the ``neuropose`` app with its arguments and options."""
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    inference = {leaf.flag for leaf in InferenceOptions.leaves()}
    header = ["| argument or option | meaning |", "|---|---|"]
    lines = ["Generated from the command line itself. Global options, before the command:", ""]
    lines += [*header, *_parameter_rows(group.params, set()), ""]
    for path, command in _commands(group):
        lines += [f"### `neuropose {' '.join(path)}`", ""]
        lines += [_cell(command.get_short_help_str(limit=1000)), ""]
        takes_inference_flags = inference <= command_options(command)
        rows = _parameter_rows(command.params, inference if takes_inference_flags else set())
        if rows:
            lines += [*header, *rows, ""]
        if takes_inference_flags:
            lines += ["And every inference flag (listed above).", ""]
    return "\n".join(lines).rstrip()


GENERATED: dict[tuple[str, str], Callable[[], str]] = {
    ("docs/configuration.md", "inference-options"): options_table,
    ("docs/cli.md", "inference-flags"): flags_list,
    ("docs/cli.md", "reference"): cli_reference,
}


def _block(name: str) -> re.Pattern[str]:
    return re.compile(
        rf"(<!-- BEGIN generated: {name} -->)(.*?)(<!-- END generated: {name} -->)", re.S
    )


def test_generated_blocks_match_the_options_model():
    for (document, name), render in GENERATED.items():
        text = (ROOT / document).read_text(encoding="utf-8")
        found = _block(name).search(text)
        assert found, f"{document} lacks the generated block {name!r}"
        assert found.group(2) == f"\n{render()}\n", (
            f"{document} block {name!r} is stale; run "
            "`uv run python tests/integration/test_options_docs.py`"
        )


def test_every_option_is_documented_with_its_key_variable_and_flag():
    configuration = (ROOT / "docs/configuration.md").read_text(encoding="utf-8")
    cli = (ROOT / "docs/cli.md").read_text(encoding="utf-8")
    for leaf in InferenceOptions.leaves():
        assert f"| `{leaf.name}` |" in configuration, leaf.name
        assert f"`{ENV_PREFIX}{leaf.name.upper()}`" in configuration, leaf.name
        assert f"`{leaf.flag}`" in cli, leaf.flag


def _documented_commands() -> list[tuple[str, set[str]]]:
    """The hand-written command table of docs/cli.md: each row's commands and the options it names."""
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    table = text.split("## Commands", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in table.splitlines():
        found = re.match(r"^\| `([^`]+)` \|", line)
        if not found:
            continue
        cell = found.group(1)
        named = set(re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", cell))
        rows.append((cell, named))
    return rows


def test_every_option_the_command_table_names_exists():
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    rows = _documented_commands()
    assert len(rows) >= 10
    for cell, named in rows:
        # "model list / download NAME / import PATH [--name N]": a group's subcommands.
        words = cell.split()
        command = group.commands.get(words[0])
        assert command is not None, f"docs/cli.md documents an unknown command: {cell}"
        if isinstance(command, TyperGroup):
            subcommands = [part.split()[0] for part in cell[len(words[0]) :].split("/")]
            options = set().union(*(command_options(command.commands[s]) for s in subcommands))
        else:
            options = command_options(command)
        assert named <= options, (
            f"docs/cli.md `{cell}` names {sorted(named - options)}, which do not exist"
        )


def test_every_option_of_every_command_is_in_the_reference():
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    inference = {leaf.flag for leaf in InferenceOptions.leaves()}
    for path, command in _commands(group):
        section = text.split(f"### `neuropose {' '.join(path)}`", 1)
        assert len(section) == 2, f"docs/cli.md has no reference for {' '.join(path)}"
        body = section[1].split("\n### ", 1)[0]
        for option in command_options(command):
            documented = f"`{option}`" in body or (
                option in inference and "every inference flag" in body
            )
            assert documented, f"`neuropose {' '.join(path)} {option}` is not documented"


def _rewrite() -> None:
    for (document, name), render in GENERATED.items():
        path = ROOT / document
        text = path.read_text(encoding="utf-8")
        block = render()
        updated = _block(name).sub(
            lambda m, block=block: f"{m.group(1)}\n{block}\n{m.group(3)}", text
        )
        if updated == text and not _block(name).search(text):
            sys.exit(f"{document}: add the markers of block {name!r} first")
        path.write_text(updated, encoding="utf-8")
        print(f"{document}: {name} {'rewritten' if updated != text else 'already current'}")


if __name__ == "__main__":
    _rewrite()
