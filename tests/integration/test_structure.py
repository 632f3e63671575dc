"""The architecture's rules, checked on the source instead of left to review.

- No package imports another package's private (``_module``) names.
- Heavy libraries (TensorFlow, OpenCV, SciPy ...) are imported inside the functions that need
  them, never at module level, outside a short allow-list (MNE-Python's
  ``mne/tests/test_import_nesting.py`` is the model).
- Every public package exports exactly its public names, each with a docstring (httpx's
  ``tests/test_exported_members.py`` is the model).
- Every exception class lives in its package's ``_errors.py`` and derives from NeuroPoseError.
- The data directory's file and folder names are spelled only in ``neuropose.schema._layout``.

Each rule is a function returning its violations, run on the real tree and, in
``test_the_guards_fail_on_planted_violations``, on planted bad code.
"""

from __future__ import annotations
import __future__

import ast
import functools
import importlib
import inspect
import itertools
import re
import types
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

import pytest

from neuropose.schema import NeuroPoseError

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("schema", "estimator", "daemon", "analysis", "cli")

HEAVY = frozenset(
    {
        "tensorflow",
        "cv2",
        "scipy",
        "mediapipe",
        "ray",
        "pynwb",
        "ndx_pose",
        "ezc3d",
        "pyarrow",
        "matplotlib",
        "av",
        "numba",
        "fastdtw",
    }
)
"""Libraries that cost seconds or hundreds of MB to import, or are optional extras."""

HEAVY_AT_IMPORT_ALLOWED: dict[str, frozenset[str]] = {
    # The compiled DTW kernels are numba functions by definition; only dtw.py's functions import
    # this module, when a DTW actually runs.
    "neuropose.analysis._dtw_kernel": frozenset({"numba"}),
    # Likewise the compiled text formatter of the CSV export, imported by export._text's functions.
    "neuropose.analysis.export._text_kernel": frozenset({"numba"}),
    # The compiled cleaning kernels (Hampel, PCHIP resampling, zero-phase filter), imported by
    # cleaning.py's functions when a trajectory is cleaned.
    "neuropose.analysis._cleaning_kernels": frozenset({"numba"}),
}
"""Modules allowed to import a heavy library at module level, and which ones."""

LAYOUT_MODULE = "neuropose.schema._layout"
LAYOUT_FILES = ("status.json", "results.json", ".neuropose.lock", ".ingest_")
LAYOUT_FOLDERS = ("in", "out", "failed", "inputs")
_FOLDER_IN_TEXT = re.compile(r"(?<![\w./-])(?:in|out|failed)/")
LAYOUT_LITERALS_ALLOWED = {
    # The status page's URL: an HTTP interface of its own, documented in docs/cli.md.
    ("neuropose.daemon._monitor", "/status.json"),
}
"""(module, literal) pairs that spell a layout name for another reason than a path."""

EXCEPTIONS_OUTSIDE_ERRORS_ALLOWED = {
    # Carries a field name from a pydantic validator to io.validation_error, which turns it into
    # a SchemaValidationError; it never reaches a caller.
    "neuropose.schema._arrays.FieldValueError",
}
"""Exception classes allowed outside an ``_errors.py``, each with the reason."""


@dataclass(frozen=True)
class Source:
    """One source file of a package."""

    module: str
    package: str
    path: Path
    text: str

    @functools.cached_property
    def tree(self) -> ast.Module:
        return ast.parse(self.text, filename=str(self.path))


def _sources() -> list[Source]:
    found = []
    for package in PACKAGES:
        base = ROOT / "packages" / f"neuropose-{package}" / "src" / "neuropose" / package
        for path in sorted(base.rglob("*.py*")):
            if path.suffix not in (".py", ".pyi"):
                continue
            parts = path.relative_to(base.parent.parent).with_suffix("").parts
            module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found.append(Source(module, package, path, path.read_text(encoding="utf-8")))
    return found


SOURCES = _sources()


def _source(module: str, text: str, package: str | None = None) -> Source:
    """A planted source file, for showing that a guard fails."""
    return Source(module, package or module.split(".")[1], Path(f"<{module}>"), text)


# --------------------------------------------------------------------------- private imports
def _private_target(name: str, own_package: str) -> bool:
    """Tell whether dotted ``name`` reaches into another neuropose package's private part."""
    parts = name.split(".")
    if len(parts) < 3 or parts[0] != "neuropose" or parts[1] == own_package:
        return False
    return any(
        p.startswith("_") and not (p.startswith("__") and p.endswith("__")) for p in parts[2:]
    )


def private_imports(source: Source) -> list[str]:
    """Imports (anywhere in the file) of another package's private module or name."""
    problems = []
    for node in ast.walk(source.tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            targets = [f"{node.module}.{alias.name}" for alias in node.names]
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.fullmatch(r"neuropose(\.\w+)+", node.value)
        ):
            targets = [node.value]  # importlib.import_module("neuropose.x._y") and the like
        problems += [
            f"{source.module}:{getattr(node, 'lineno', 0)}: imports {target}"
            for target in targets
            if _private_target(target, source.package)
        ]
    return problems


def test_no_package_imports_another_packages_private_names():
    problems = [problem for source in SOURCES for problem in private_imports(source)]
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------- heavy imports at load
def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _run_at_import(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements that run when the module is imported (function bodies do not)."""
    for node in body:
        yield node
        if isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                yield from _run_at_import(node.body)
            yield from _run_at_import(node.orelse)
        elif isinstance(node, ast.Try | ast.TryStar):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _run_at_import(block)
            for handler in node.handlers:
                yield from _run_at_import(handler.body)
        elif isinstance(node, ast.With | ast.For | ast.While | ast.ClassDef):
            yield from _run_at_import(node.body)


def heavy_imports_at_load(source: Source, allowed: frozenset[str] | None = None) -> list[str]:
    """Module-level imports of a heavy library that the allow-list (or ``allowed``) does not grant."""
    if allowed is None:
        allowed = HEAVY_AT_IMPORT_ALLOWED.get(source.module, frozenset())
    problems = []
    for node in _run_at_import(source.tree.body):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            if top in HEAVY and top not in allowed:
                problems.append(
                    f"{source.module}:{node.lineno}: imports {name} at module level; "
                    "import it inside the function that needs it"
                )
    return problems


def test_heavy_libraries_are_imported_inside_functions():
    problems = [
        problem
        for source in SOURCES
        if source.path.suffix == ".py"
        for problem in heavy_imports_at_load(source)
    ]
    assert not problems, "\n".join(problems)


def _heavy_names(problems: list[str]) -> list[str]:
    return [line.split(" imports ")[1].split(" ")[0] for line in problems]


def test_the_allow_list_names_real_modules_that_still_need_it():
    by_module = {source.module: source for source in SOURCES}
    for module, libraries in HEAVY_AT_IMPORT_ALLOWED.items():
        assert module in by_module, f"{module} no longer exists: drop it from the allow-list"
        found = _heavy_names(heavy_imports_at_load(by_module[module], allowed=frozenset()))
        unused = libraries - {name.split(".")[0] for name in found}
        assert not unused, f"{module} no longer imports {unused} at module level"


# ----------------------------------------------------------------------- exported members
def attribute_docstrings(trees: list[ast.Module]) -> set[str]:
    """Names assigned at module level and followed by a string literal (an attribute docstring)."""
    documented = set()
    for tree in trees:
        body = tree.body
        for node, following in itertools.pairwise(body):
            documented_by_next = (
                isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
                and following.value.value.strip()
            )
            if not documented_by_next:
                continue
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                documented.add(node.target.id)
            elif isinstance(node, ast.Assign):
                documented |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return documented


@functools.cache
def documented_constants() -> frozenset[str]:
    """Every documented constant of the packages (a re-exported constant is documented where defined)."""
    return frozenset(attribute_docstrings([source.tree for source in SOURCES]))


def _public_modules() -> list[str]:
    """Every package and every public (no underscore) module inside one."""
    return [
        source.module
        for source in SOURCES
        if source.path.suffix == ".py"
        and not any(part.startswith("_") for part in source.module.split(".")[2:])
        and source.path.stem != "__main__"
    ]


def _has_docstring(name: str, value: object, documented: frozenset[str]) -> bool:
    if isinstance(value, type | types.FunctionType | types.ModuleType):
        # A class's own docstring only: inspect.getdoc would borrow its base's.
        own = value.__dict__.get("__doc__") if isinstance(value, type) else value.__doc__
        return bool(own and own.strip())
    # Constants and aliases: their __doc__ is their type's, so look for an attribute docstring.
    return name in documented


def export_problems(
    module: types.ModuleType, documented: frozenset[str] | None = None
) -> list[str]:
    """Names in ``__all__`` that are missing or undocumented, and public names left out of it.

    A package's whole namespace must be in ``__all__`` (what ``from neuropose.x import ...``
    offers is what is documented). A public submodule's namespace also holds its imports, so
    there only the functions and classes it defines itself must be exported or private.
    """
    documented = documented_constants() if documented is None else documented
    exported = getattr(module, "__all__", None)
    if exported is None:
        return [f"{module.__name__} has no __all__"]
    problems = []
    for name in exported:
        if not hasattr(module, name):
            problems.append(f"{module.__name__}.{name} is in __all__ but does not exist")
        elif not _has_docstring(name, getattr(module, name), documented):
            problems.append(f"{module.__name__}.{name} has no docstring")
    is_package = hasattr(module, "__path__")
    for name, value in vars(module).items():
        if name.startswith("_") or name in exported:
            continue
        if isinstance(value, __future__._Feature):
            continue  # from __future__ import annotations
        if isinstance(value, types.ModuleType) and value.__name__.startswith(module.__name__ + "."):
            continue  # a public submodule is documented as a module, by its own __all__
        defined_here = (
            inspect.isfunction(value) or inspect.isclass(value)
        ) and value.__module__ == module.__name__
        if is_package or defined_here:
            problems.append(f"{module.__name__}.{name} is public but not in __all__")
    return problems


@pytest.mark.parametrize("name", _public_modules())
def test_exported_members(name):
    problems = export_problems(importlib.import_module(name))
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------------------- errors
def _all_modules() -> Iterator[types.ModuleType]:
    for source in SOURCES:
        if source.path.suffix == ".py" and source.path.stem != "__main__":
            yield importlib.import_module(source.module)


def error_placement_problems(modules: list[types.ModuleType]) -> list[str]:
    """Exception classes defined outside an ``_errors.py``, or not derived from NeuroPoseError."""
    problems = []
    for module in modules:
        for name, value in vars(module).items():
            if not (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
            ):
                continue
            qualified = f"{module.__name__}.{name}"
            if not module.__name__.endswith("._errors"):
                if qualified not in EXCEPTIONS_OUTSIDE_ERRORS_ALLOWED:
                    problems.append(f"{qualified} is an exception outside the package's _errors.py")
            elif not issubclass(value, NeuroPoseError):
                problems.append(f"{qualified} does not derive from NeuroPoseError")
    return problems


def test_every_error_lives_in_errors_and_derives_from_neuropose_error():
    problems = error_placement_problems(list(_all_modules()))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("package", [p for p in PACKAGES if p != "cli"])
def test_every_library_error_is_exported(package):
    # The CLI is an application: its errors are reported as exit codes, not imported by anyone.
    errors = importlib.import_module(f"neuropose.{package}._errors")
    exported = set(importlib.import_module(f"neuropose.{package}").__all__)
    assert set(errors.__all__) <= exported, set(errors.__all__) - exported


# ------------------------------------------------------------------------ layout names
def _documentation_constants(tree: ast.Module) -> set[int]:
    """ids of string constants that document: docstrings and ``help=`` texts."""
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            ids.add(id(node.value))
        elif isinstance(node, ast.keyword) and node.arg == "help":
            ids |= {id(inner) for inner in ast.walk(node.value)}
    return ids


def _names_a_folder(node: ast.expr) -> TypeGuard[ast.Constant]:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.split("/")[0] in LAYOUT_FOLDERS
    )


def layout_spellings(source: Source) -> list[str]:
    """Code (not docstrings or help texts) that spells a data-directory name itself."""
    if source.module == LAYOUT_MODULE or source.path.suffix == ".pyi":
        return []
    tree = source.tree
    documentation = _documentation_constants(tree)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            spelled = [side for side in (node.left, node.right) if _names_a_folder(side)]
            problems += [
                f"{source.module}:{node.lineno}: builds a path with {side.value!r}"
                for side in spelled
            ]
        elif isinstance(node, ast.Call):
            callee = node.func.attr if isinstance(node.func, ast.Attribute) else None
            callee = callee or (node.func.id if isinstance(node.func, ast.Name) else None)
            if callee in {"Path", "PurePath", "PurePosixPath", "joinpath", "with_name"}:
                problems += [
                    f"{source.module}:{node.lineno}: builds a path with {arg.value!r}"
                    for arg in node.args
                    if _names_a_folder(arg)
                ]
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in documentation
            and (source.module, node.value) not in LAYOUT_LITERALS_ALLOWED
        ):
            spelled = [name for name in LAYOUT_FILES if name in node.value]
            if folder := _FOLDER_IN_TEXT.search(node.value):
                spelled.append(folder.group(0))
            problems += [
                f"{source.module}:{node.lineno}: spells {name!r} in {node.value!r}"
                for name in spelled
            ]
    return sorted(problems, key=lambda line: (int(line.split(":")[1]), line))


def test_the_data_directory_layout_is_spelled_only_in_its_module():
    problems = [problem for source in SOURCES for problem in layout_spellings(source)]
    assert not problems, (
        "use neuropose.schema.DataDirectory instead of spelling these names:\n"
        + "\n".join(problems)
    )


# ----------------------------------------------------------- the guards can fail at all
PLANTED_PRIVATE = """
from neuropose.schema._atomic import atomic_write
def f():
    from neuropose.estimator._runtime import metal_status
    import neuropose.daemon._lock
    importlib.import_module("neuropose.analysis._errors")
from neuropose.cli._context import EXIT  # its own package: fine
from neuropose.schema import __version__, io  # a dunder and a public module: fine
"""

PLANTED_HEAVY = """
import os
import scipy.signal
from tensorflow import keras
if TYPE_CHECKING:
    import cv2  # for annotations only: fine
else:
    import ray
try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
class Plot:
    import av
    def draw(self):
        import pyarrow  # inside a function: fine
def run():
    import numba  # inside a function: fine
"""

PLANTED_LAYOUT = '''
"""The docstring may say out/status.json and in/."""
def f(root, layout):
    """So may this one: results.json."""
    status = root / "out" / "status.json"
    lock = Path(".neuropose.lock")
    staging = root / f".ingest_{token}"
    inputs = layout.outbox.joinpath("inputs/x")
    message = f"move it from failed/ back to in/"
    option = typer.Option(help="jobs in in/, status in out/status.json")
    route = "/status.json"
    return status.value == "failed" and request["out"]  # not paths: fine
'''

PLANTED_EXPORTS = '''
"""A planted package."""
from __future__ import annotations
import os
from pathlib import Path
DOCUMENTED = 3
"""An attribute docstring."""
UNDOCUMENTED = 4
class Thing:
    """A documented class."""
class Bare:
    pass
def helper():
    """Public but forgotten in __all__."""
__all__ = ["DOCUMENTED", "UNDOCUMENTED", "Bare", "Missing", "Thing"]
'''


def test_the_private_import_guard_fails_on_planted_imports():
    private = private_imports(_source("neuropose.cli._planted", PLANTED_PRIVATE))
    assert [line.split(": ")[1] for line in private] == [
        "imports neuropose.schema._atomic.atomic_write",
        "imports neuropose.estimator._runtime.metal_status",
        "imports neuropose.daemon._lock",
        "imports neuropose.analysis._errors",
    ]


def test_the_heavy_import_guard_fails_on_planted_imports():
    heavy = heavy_imports_at_load(_source("neuropose.analysis._planted", PLANTED_HEAVY))
    assert _heavy_names(heavy) == ["scipy.signal", "tensorflow", "ray", "matplotlib.pyplot", "av"]
    kernel = _source("neuropose.analysis._dtw_kernel", "import numba\nimport scipy\n")
    assert _heavy_names(heavy_imports_at_load(kernel)) == ["scipy"]  # numba only, there only


def test_the_layout_guard_fails_on_planted_spellings():
    layout = layout_spellings(_source("neuropose.daemon._planted", PLANTED_LAYOUT))
    spelled = [line.split(":", 1)[1] for line in layout]
    assert spelled == [
        "5: builds a path with 'out'",
        "5: spells 'status.json' in 'status.json'",
        "6: spells '.neuropose.lock' in '.neuropose.lock'",
        "7: spells '.ingest_' in '.ingest_'",
        "8: builds a path with 'inputs/x'",
        "9: spells 'failed/' in 'move it from failed/ back to in/'",
        "11: spells 'status.json' in '/status.json'",
    ], "\n".join(layout)
    monitor = _source("neuropose.daemon._monitor", 'route = "/status.json"\n')
    assert layout_spellings(monitor) == []  # the allowed route, and only there
    assert layout_spellings(_source(LAYOUT_MODULE, PLANTED_LAYOUT)) == []


@pytest.mark.parametrize("is_package", [True, False])
def test_the_export_guard_fails_on_a_planted_module(is_package):
    namespace: dict[str, object] = {"__name__": "neuropose.planted"}
    exec(compile(PLANTED_EXPORTS, "<planted>", "exec"), namespace)
    planted = types.ModuleType("neuropose.planted")
    planted.__dict__.update({k: v for k, v in namespace.items() if k != "__builtins__"})
    if is_package:
        planted.__path__ = []
    documented = frozenset(attribute_docstrings([ast.parse(PLANTED_EXPORTS)]))
    expected = [
        "neuropose.planted.UNDOCUMENTED has no docstring",
        "neuropose.planted.Bare has no docstring",
        "neuropose.planted.Missing is in __all__ but does not exist",
        *(["neuropose.planted.os is public but not in __all__"] if is_package else []),
        *(["neuropose.planted.Path is public but not in __all__"] if is_package else []),
        "neuropose.planted.helper is public but not in __all__",
    ]
    assert sorted(export_problems(planted, documented)) == sorted(expected)


def test_the_error_guard_fails_on_planted_errors():
    outside = types.ModuleType("neuropose.analysis.planted")
    outside.__dict__["PlantedError"] = type(
        "PlantedError", (NeuroPoseError,), {"__module__": outside.__name__}
    )
    wrong_root = types.ModuleType("neuropose.analysis._errors")
    wrong_root.__dict__["WrongRootError"] = type(
        "WrongRootError", (ValueError,), {"__module__": wrong_root.__name__}
    )
    assert error_placement_problems([outside, wrong_root]) == [
        "neuropose.analysis.planted.PlantedError is an exception outside the package's _errors.py",
        "neuropose.analysis._errors.WrongRootError does not derive from NeuroPoseError",
    ]
