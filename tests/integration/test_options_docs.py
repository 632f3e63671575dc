"""The docs' inference-option tables are generated from the options model and kept in step.

Each generated block sits between ``<!-- BEGIN generated: NAME -->`` and ``<!-- END generated:
NAME -->`` markers. After changing :class:`~neuropose.schema.InferenceOptions`, rewrite them with
``uv run python tests/integration/test_options_docs.py``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

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


GENERATED: dict[tuple[str, str], Callable[[], str]] = {
    ("docs/configuration.md", "inference-options"): options_table,
    ("docs/cli.md", "inference-flags"): flags_list,
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
