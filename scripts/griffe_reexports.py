"""Griffe extension for the API docs: ``from m import Name as Name`` marks a public re-export.

That is the typing convention (PEP 484) that neuropose.schema's ``__init__.pyi`` uses for its
lazily loaded names. Griffe otherwise treats every imported name as private, and it cannot read
an ``__all__`` built at import time, so without this the schema page would list nothing.
"""

from __future__ import annotations

import ast
from typing import Any

import griffe


class RedundantAliasesArePublic(griffe.Extension):
    """Make an alias public when it was imported as ``Name as Name``."""

    def on_alias_instance(self, *, node: Any, alias: griffe.Alias, **kwargs: Any) -> None:
        if isinstance(node, ast.ImportFrom | ast.Import) and any(
            name.asname == name.name.rsplit(".", 1)[-1] == alias.name for name in node.names
        ):
            alias.public = True
