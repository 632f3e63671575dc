"""Lazy package exports read from the package's type stub (the scientific-Python SPEC 1 layout).

A package's ``__init__.pyi`` lists its public names as ``from <module> import Name as Name``
lines, which is what type checkers and editors read. :func:`attach_stub` parses that stub once at
import time and returns the module ``__getattr__`` (PEP 562) that imports each name on first
use, the ``__dir__`` that lists them, and ``__all__``: one list, with nothing to keep in step.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["attach_stub", "read_stub"]


def read_stub(stub: Path) -> tuple[dict[str, str], list[str]]:
    """Parse a package stub into ``{name: defining module}`` and the sorted public names.

    The stub holds ``from <module> import Name as Name`` lines (lazy exports) and ``Name: type``
    declarations (values the package defines itself or computes on access); docstrings are
    skipped. Anything else is refused, so the stub cannot drift into a shape this parser would
    silently misread.

    Raises
    ------
    ImportError
        On any other statement, a relative import, or an import not written ``Name as Name``;
        the message gives the stub's line.
    """
    tree = ast.parse(stub.read_text(encoding="utf-8"), filename=str(stub))
    exports: dict[str, str] = {}
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if alias.asname != alias.name:
                    msg = f"{stub}:{node.lineno}: write the re-export as '{alias.name} as {alias.name}'"
                    raise ImportError(msg)
                exports[alias.name] = node.module
                names.append(alias.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.append(node.target.id)
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            msg = f"{stub}:{node.lineno}: a package stub holds only 'from M import N as N' and 'N: type' lines"
            raise ImportError(msg)
    return exports, sorted(names)


def attach_stub(
    package: str,
    init_file: str,
    computed: Mapping[str, Callable[[], Any]] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """Build a package's lazy ``__getattr__``, its ``__dir__`` and ``__all__`` from its stub.

    Parameters
    ----------
    package
        The package's ``__name__``.
    init_file
        The package's ``__file__``; the stub is the ``.pyi`` beside it.
    computed
        Names whose value is computed on each access (such as ``__version__``), with the
        function computing it.

    Returns
    -------
    __getattr__, __dir__, __all__
        Assign them in the package's ``__init__.py``. An imported name is cached in the
        package's namespace, so ``__getattr__`` runs once per name.
    """
    exports, public = read_stub(Path(init_file).with_suffix(".pyi"))
    computed = dict(computed or {})

    def lazy_getattr(name: str) -> Any:
        if name in computed:
            return computed[name]()
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def lazy_dir() -> list[str]:
        return sorted({*vars(sys.modules[package]), *public})

    return lazy_getattr, lazy_dir, public
