"""Execute every notebook in notebooks/ top to bottom; any error fails the test.

Each notebook ends with an assertion cell that checks the claims of its text, so a
notebook that runs but says something false fails too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
#: Seconds per cell (the slowest cell solves the model) and per notebook.
CELL_TIMEOUT_S = 180
NOTEBOOK_TIMEOUT_S = 180


def _notebooks() -> list[Path]:
    return sorted(NOTEBOOKS.glob("*.ipynb"))


def test_notebooks_exist_and_hold_no_outputs():
    books = _notebooks()
    assert [p.name for p in books] == ["01_quickstart.ipynb", "02_evaluate_a_proposal.ipynb",
                                       "03_scenarios.ipynb"]
    for path in books:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [], f"{path.name}: outputs committed"
                assert cell.execution_count is None, f"{path.name}: execution count committed"
        assert nb.cells[-1].cell_type == "code" and "assert" in nb.cells[-1].source


@pytest.mark.slow
@pytest.mark.parametrize("path", _notebooks(), ids=lambda p: p.stem)
def test_notebook_runs(path: Path):
    import time

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    start = time.monotonic()
    client.execute()  # raises CellExecutionError on any error, with the cell and traceback
    seconds = time.monotonic() - start
    assert seconds < NOTEBOOK_TIMEOUT_S, f"{path.name} took {seconds:.0f} s"
    assert "all checks passed" in "".join(
        o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")


def _imported_modules(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_notebooks_import_no_private_module():
    for path in _notebooks():
        nb = nbformat.read(path, as_version=4)
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        private = sorted(m for m in _imported_modules(code)
                         if any(part.startswith("_") for part in m.split(".")))
        assert not private, f"{path.name} imports private names: {private}"
        assert "_paths" not in code
    # the rule itself: a private module is found, a public one is not
    assert _imported_modules("from planner import _paths, maps") == {"planner._paths",
                                                                     "planner.maps"}
