"""The package's layout: its layers, module and function sizes, and no import cycle.

An import is an edge from the importing module to the most specific ``planner`` module it
names (``from planner.network import matrix`` is an edge to ``planner.network.matrix``,
``from planner.network import node_times`` one to the package ``planner.network``). Imports
inside functions count: a lazy import that dodges a cycle at load time is still a cycle in
the design. Imports under ``if TYPE_CHECKING:`` count too: a type a module names is a
dependency of it, for the layers and for cycles.

The layers are the package's own words: each subpackage's ``__init__`` docstring ends with a
``May import:`` paragraph naming the other subpackages (and entry points) its modules may
import; ``planner/__init__.py`` names the entry points at the top and what the foundation
modules beside them may import. Every subpackage may import the foundation.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "planner"
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 100
MAX_TOP_MODULES = 16


def _modules(package: Path = PACKAGE) -> dict[str, Path]:
    """Map every module name of a package to its file."""
    out = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, name: str, is_package: bool, known: set[str],
             type_only: bool = False) -> set[str]:
    """Return the package modules one module's code imports.

    ``type_only``: with those under ``if TYPE_CHECKING:``.
    """
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node) and not type_only:
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                found.add(sub if sub in known else module)
        stack.extend(ast.iter_child_nodes(node))
    out = set()
    for target in found:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name:
            out.add(target)
    return out


def _import_graph(package: Path = PACKAGE, type_only: bool = False) -> nx.DiGraph:
    modules = _modules(package)
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for target in _imports(tree, name, path.name == "__init__.py", set(modules),
                               type_only):
            graph.add_edge(name, target)
    return graph


def test_no_module_is_longer_than_the_limit() -> None:
    long = {name: n for name, path in _modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"


def test_no_function_is_longer_than_the_limit() -> None:
    long = {}
    for name, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                if (n := node.end_lineno - start + 1) > MAX_FUNCTION_LINES:
                    long[f"{name}.{node.name}"] = n
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def _cycles(package: Path = PACKAGE) -> list[list[str]]:
    graph = _import_graph(package, type_only=True)
    return sorted(sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1)


def test_no_import_cycle() -> None:
    cycles = _cycles()
    assert not cycles, f"import cycles among: {cycles}"


@pytest.mark.parametrize(("code", "expected"), [
    ("from planner.network import matrix", {"planner.network.matrix"}),
    ("from planner.network import node_times", {"planner.network"}),
    ("from . import graph", {"planner.network.graph"}),
    ("from .graph import x", {"planner.network.graph"}),
    ("import planner.network.graph as g", {"planner.network.graph"}),
    ("def f():\n    from planner import plan", {"planner.plan"}),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from planner import plan", set()),
])
def test_the_import_rule_reads_imports_as_documented(code: str, expected: set[str]) -> None:
    known = {"planner", "planner.plan", "planner.network", "planner.network.graph",
             "planner.network.matrix", "planner.network.quality"}
    assert _imports(ast.parse(code), "planner.network.quality", False, known) == expected


def test_a_cycle_through_a_lazy_or_type_only_import_is_found(tmp_path: Path) -> None:
    # pkg.a imports pkg.b at the top, pkg.b imports pkg.a inside a function, pkg.c imports
    # pkg.a only for type checking (and pkg.b, which imports nothing of c): one cycle, a
    # and b; then b imports c for type checking only: a, b and c
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg import b\n")
    (pkg / "b.py").write_text("def f():\n    from pkg.a import x\n")
    (pkg / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                              "    from pkg import a\nfrom . import b\n")
    assert _cycles(pkg) == [["pkg.a", "pkg.b"]]
    (pkg / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                              "    from pkg import c\n")
    assert _cycles(pkg) == [["pkg.a", "pkg.b", "pkg.c"]]
    (pkg / "b.py").write_text("import os\n")
    assert _cycles(pkg) == []


def _may_import(package: Path) -> set[str]:
    """Return the names in the ``May import:`` paragraph of a package's ``__init__`` docstring."""
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8")))
    assert doc and "\nMay import:" in doc, f"{package}/__init__.py: no 'May import:' paragraph"
    paragraph = doc.split("\nMay import:", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"``(\w+(?:\.\w+)?)``", paragraph))


def _units(package: Path = PACKAGE) -> dict[str, str]:
    """Map every module to its unit: its subpackage, an entry point, or the foundation."""
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8")))
    entries = set(re.findall(r"``(\w+\.\w+)``", doc.split("\nEntry points:", 1)[1]
                             .split("\n\n", 1)[0]))
    units = {}
    for name in _modules(package):
        parts = name.split(".")
        if len(parts) > 1 and (package / parts[1]).is_dir():
            units[name] = ".".join(parts[:2])
        elif name in entries:
            units[name] = name
        else:
            units[name] = parts[0]  # the foundation: the package's own __init__ and modules
    return units


def _layer_breaches(package: Path = PACKAGE) -> list[str]:
    units = _units(package)
    top = package.name
    allowed: dict[str, set[str] | None] = {}
    for unit in set(units.values()):
        sub = package / unit.split(".")[-1]
        allowed[unit] = _may_import(sub) if "." in unit and sub.is_dir() else None
    allowed[top] = _may_import(package)
    breaches = []
    for importer, imported in _import_graph(package, type_only=True).edges:
        if importer == top:
            continue  # the package's __init__: the public API, names re-exported lazily
        source, target = units[importer], units[imported]
        if source == target or target == top or allowed[source] is None:
            continue  # inside a unit, the foundation, or from an entry point
        if target not in allowed[source]:
            breaches.append(f"{importer} imports {imported}")
    return sorted(breaches)


def test_the_subpackages_import_only_what_their_docstrings_allow() -> None:
    breaches = _layer_breaches()
    assert not breaches, f"imports across the layers: {breaches}"


def test_the_layers_are_read_from_the_docstrings(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    for sub in ("low", "high"):
        (pkg / sub).mkdir(parents=True)
    (pkg / "__init__.py").write_text('"""P.\n\nEntry points: ``pkg.cli``.\n\n'
                                     'May import: ``pkg.low``.\n"""\n')
    (pkg / "cli.py").write_text("from pkg.high import a\n")
    (pkg / "base.py").write_text("from pkg.low import b\n")
    (pkg / "low" / "__init__.py").write_text('"""L.\n\nMay import: nothing.\n"""\n')
    (pkg / "low" / "b.py").write_text("from pkg import base\n")
    (pkg / "high" / "__init__.py").write_text('"""H.\n\nMay import: ``pkg.low``.\n"""\n')
    (pkg / "high" / "a.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                       "    from pkg.low import b\n")
    assert _layer_breaches(pkg) == []
    (pkg / "low" / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                      "    from pkg.high import a\n")
    assert _layer_breaches(pkg) == ["pkg.low.b imports pkg.high.a"]
    (pkg / "low" / "b.py").write_text("from pkg import cli\n")
    assert _layer_breaches(pkg) == ["pkg.low.b imports pkg.cli"]


def test_every_subpackage_says_what_it_may_import() -> None:
    for package in sorted(p.parent for p in PACKAGE.glob("*/__init__.py")):
        _may_import(package)


def test_the_layers_the_docstrings_allow_have_no_cycle() -> None:
    # a subpackage may import those its docstring names; none may (through others) import
    # itself, so the layers are in one order (the foundation below them all)
    layers = nx.DiGraph()
    for init in PACKAGE.glob("*/__init__.py"):
        unit = f"{PACKAGE.name}.{init.parent.name}"
        layers.add_edges_from((unit, other) for other in _may_import(init.parent))
    assert nx.is_directed_acyclic_graph(layers), sorted(nx.simple_cycles(layers))


def test_few_modules_at_the_top() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, f"{len(top)} modules at the top of planner/: {top}"
