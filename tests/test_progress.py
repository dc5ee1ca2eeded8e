"""Progress that says something.

The solve's updates (planner.progress) and the command's progress lines (planner.outputs.console).
"""

from __future__ import annotations

import io
import itertools
import math

import pytest
from rich.console import Console

from planner import i18n, progress
from planner.cli import map_title
from planner.model import colocation
from planner.outputs.console import StageProgress, solve_text
from tests.model.test_model import toy_problem


def _engine(p, engine: str):
    solver = p.scenario.solver.model_copy(update={"engine": engine})
    p.scenario = p.scenario.model_copy(update={"solver": solver})
    return p


@pytest.mark.parametrize("engine", ["highs", "scip"])
def test_solve_reports_better_plans_and_bounds(engine: str) -> None:
    p = _engine(toy_problem(), engine)
    updates: list[progress.SolveUpdate] = []
    with progress.listen(updates.append):
        plan = colocation.solved_plan(p)
    first, last = updates[0], updates[-1]
    assert (first.objective, first.bound) == (math.inf, -math.inf)  # the solve starts
    assert first.limit_s == 30.0 and math.isnan(first.gap)
    # by hand (test_model): B alone, 72 000 EUR/year, proven optimal
    assert last.objective == pytest.approx(72000.0)
    assert last.bound == pytest.approx(72000.0) and last.gap == pytest.approx(0.0, abs=1e-9)
    assert plan.meta["objective"] == pytest.approx(last.objective)
    for a, b in itertools.pairwise(updates):  # they only improve
        assert b.objective <= a.objective and b.bound >= a.bound
        assert b.elapsed_s >= a.elapsed_s
        assert b.bound <= b.objective + 1e-6
    # the starting plan (today's office A kept, or better) came before the optimum
    assert any(u.objective > 72000.0 + 1 for u in updates[1:-1]) or len(updates) == 2


def test_no_listener_no_updates() -> None:
    with progress.solving(10.0):
        assert not progress.watching()
        progress.found(5.0, 1.0)  # nobody listens: nothing is kept for a later listener
    got: list[progress.SolveUpdate] = []
    with progress.listen(got.append), progress.solving(10.0):
        assert progress.watching()
        progress.found(4.0, 1.0)
    # the later solve's start (nothing found yet) and its own find, not the 5.0 before
    assert [(u.objective, u.bound) for u in got] == [(float("inf"), float("-inf")), (4.0, 1.0)]


def test_solve_text_in_finnish_and_english() -> None:
    u = progress.SolveUpdate(12.3, 90.0, objective=2437024.4, bound=2435410.0)
    # gap (2 437 024.4 - 2 435 410) / 2 437 024.4 = 0.0662 % -> 0.07 %
    assert u.gap == pytest.approx(1614.4 / 2437024.4)
    assert solve_text(u) == "best 2,437,024 EUR/year, bound 2,435,410, gap 0.07%"
    nb = "\u00a0"
    with i18n.language("fi"):
        assert solve_text(u) == (f"paras 2{nb}437{nb}024 EUR/v, raja 2{nb}435{nb}410, "
                                 f"ero 0,07{nb}%")
    assert solve_text(progress.SolveUpdate(1.0, 90.0, bound=10.0)) == "bound 10"
    assert solve_text(progress.SolveUpdate(1.0, 90.0)) == ""


def test_stage_lines_on_a_terminal_and_quiet_elsewhere() -> None:
    def run(terminal: bool) -> str:
        buf = io.StringIO()
        console = Console(file=buf, force_terminal=terminal, width=120, color_system=None)
        with StageProgress(console) as bar, progress.solving(90.0):
            bar.stage("Computing travel times")
            bar.stage("Optimising")
            progress.found(2437024.4, 2435410.0)
        return buf.getvalue()

    text = run(True)
    assert "Computing travel times" in text
    assert "Optimising: best 2,437,024 EUR/year, bound 2,435,410, gap 0.07%" in text
    assert "✓" in text and "0:00:00" in text  # each stage ends with its elapsed time
    assert "s of 90 s" in text  # the solve: its seconds of the limit
    assert run(False) == ""  # a file or a pipe: nothing


def test_one_map_title() -> None:
    assert (map_title("Central Helsinki (demo)", "Central Helsinki shared service network "
                      "(demo)") == "Central Helsinki shared service network (demo)")
    assert map_title("Kainuu", "National network") == "Kainuu: National network"
    assert map_title("Kainuu", "Kainuu plan", "proposal") == "Kainuu plan (proposal)"
