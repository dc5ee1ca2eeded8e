"""The classic location models against known optima and brute force."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.errors import InputError
from planner.locate import lscp, mclp, p_center, p_median, read_orlib_pmed

# Beasley's OR-Library instances, shipped in the repository (benchmarks/data/orlib/README.md)
ORLIB = Path(__file__).resolve().parents[2] / "benchmarks" / "data" / "orlib"
KNOWN = {"pmed1": 5819, "pmed5": 1355, "pmed10": 1255, "pmed20": 1789}


# --------------------------------------------------------------------------- OR-Library


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(KNOWN))
def test_orlib_known_optimum(name: str) -> None:
    path = ORLIB / f"{name}.txt"
    inst = read_orlib_pmed(path)
    sol = p_median(inst.cost, inst.p)
    assert sol.status == "optimal"
    assert sol.objective == KNOWN[name]
    assert sol.bound == KNOWN[name] and sol.gap == 0.0
    assert sol.open_sites.size == inst.p
    # the assignment is each node's nearest open median and sums to the objective
    d = inst.cost[:, sol.open_sites].min(axis=1)
    assert np.array_equal(inst.cost[np.arange(inst.cost.shape[0]), sol.assignment], d)
    assert d.sum() == KNOWN[name]


def test_orlib_reader_last_edge_wins(tmp_path: Path) -> None:
    # 4 nodes, edge 1-2 listed twice (last says 5), 2-3 = 1, 3-4 = 2, 1-4 = 10
    f = tmp_path / "tiny.txt"
    f.write_text(" 4 5 2\n 1 2 1\n 2 3 1\n 3 4 2\n 1 4 10\n 2 1 5\n")
    inst = read_orlib_pmed(f)
    assert inst.p == 2 and inst.n_edges == 5 and inst.name == "tiny"
    expected = np.array(
        [[0, 5, 6, 8], [5, 0, 1, 3], [6, 1, 0, 2], [8, 3, 2, 0]], dtype=float
    )
    assert np.array_equal(inst.cost, expected)


def test_orlib_reader_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("3 1 x\n")
    with pytest.raises(InputError, match=r"bad\.txt: not an OR-Library"):
        read_orlib_pmed(bad)
    split = tmp_path / "split.txt"
    split.write_text("4 2 1\n1 2 3\n3 4 1\n")
    with pytest.raises(InputError, match="not connected"):
        read_orlib_pmed(split)


def test_time_limit_returns_best_found_with_gap() -> None:
    inst = read_orlib_pmed(ORLIB / "pmed20.txt")
    sol = p_median(inst.cost, inst.p, time_limit=0.01)
    assert sol.status == "time_limit"
    assert sol.objective >= KNOWN["pmed20"]
    assert sol.open_sites.size == inst.p


# --------------------------------------------------------------------------- brute force


def _subsets(m: int, size: int | None, fixed: tuple[int, ...]):
    sizes = range(m + 1) if size is None else [size]
    for k in sizes:
        for s in itertools.combinations(range(m), k):
            if set(fixed) <= set(s):
                yield s


def _assignments(c, s, w, cap, radius=None, optional=False):
    """Every single-source assignment of clients to sites in s (-1 = none) within capacity."""
    n = c.shape[0]
    choices = []
    for i in range(n):
        ok = [j for j in s if np.isfinite(c[i, j]) and (radius is None or c[i, j] <= radius)]
        choices.append([*ok, -1] if optional or not ok else ok)
    for a in itertools.product(*choices):
        load = np.zeros(c.shape[1])
        for i, j in enumerate(a):
            if j >= 0:
                load[j] += w[i]
        if cap is None or np.all(load <= cap + 1e-9):
            yield a


def bf_p_median(c, p, w, fixed, cap):
    reach = np.isfinite(c).any(axis=1)
    best = None
    for s in _subsets(c.shape[1], p, fixed):
        if cap is None:
            d = c[:, list(s)].min(axis=1)
            if np.any(~np.isfinite(d[reach])):
                continue
            val = float(np.sum(w[reach] * d[reach]))
        else:
            vals = [
                sum(w[i] * c[i, j] for i, j in enumerate(a) if j >= 0)
                for a in _assignments(c, s, w, cap)
                if all(j >= 0 for i, j in enumerate(a) if reach[i])
            ]
            if not vals:
                continue
            val = min(vals)
        best = val if best is None else min(best, val)
    return best


def bf_p_center(c, p, w, fixed):
    reach = np.isfinite(c).any(axis=1)
    best = None
    for s in _subsets(c.shape[1], p, fixed):
        d = c[:, list(s)].min(axis=1)
        if np.any(~np.isfinite(d[reach])):
            continue
        val = float(np.max(w[reach] * d[reach])) if reach.any() else 0.0
        best = val if best is None else min(best, val)
    return best


def bf_mclp(c, r, p, w, fixed, cap):
    best = 0.0
    for s in _subsets(c.shape[1], p, fixed):
        if cap is None:
            val = float(np.sum(w[(c[:, list(s)] <= r).any(axis=1)]))
        else:
            val = max(
                sum(w[i] for i, j in enumerate(a) if j >= 0)
                for a in _assignments(c, s, w, cap, radius=r, optional=True)
            )
        best = max(best, val)
    return best


def bf_lscp(c, r, fixed):
    coverable = (c <= r).any(axis=1)
    for s in _subsets(c.shape[1], None, fixed):
        if np.all((c[:, list(s)] <= r).any(axis=1)[coverable]):
            return len(s)
    raise AssertionError("unreachable")


@st.composite
def instances(draw, max_n: int = 5, max_m: int = 4):
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, max_m))
    cells = draw(st.lists(st.one_of(st.integers(0, 9), st.none()), min_size=n * m, max_size=n * m))
    c = np.array([np.inf if v is None else float(v) for v in cells]).reshape(n, m)
    w = np.array(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n)), dtype=float)
    p = draw(st.integers(1, m))
    fixed = tuple(sorted(draw(st.sets(st.integers(0, m - 1), max_size=p))))
    return c, w, p, fixed


def _check_common(sol, c, p, fixed, cap=None, w=None):
    opened = set(sol.open_sites.tolist())
    assert set(fixed) <= opened
    if p is not None:
        assert len(opened) == p
    for i, j in enumerate(sol.assignment):
        assert j == -1 or (j in opened and np.isfinite(c[i, j]))
    reach = np.isfinite(c).any(axis=1)
    assert set(sol.unreachable.tolist()) >= set(np.flatnonzero(~reach).tolist())
    assert np.all(sol.assignment[~reach] == -1)
    if cap is not None:
        load = np.bincount(sol.assignment[sol.assignment >= 0],
                           weights=w[sol.assignment >= 0], minlength=c.shape[1])
        assert np.all(load <= cap + 1e-9)


def _matches(sol, expected) -> bool:
    """Check status and objective against brute force; False when both say infeasible."""
    if expected is None:
        assert sol.status == "infeasible" and sol.message
        return False
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(expected, abs=1e-6)
    return True


HYP = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@HYP
@given(instances())
def test_p_median_matches_brute_force(inst) -> None:
    c, w, p, fixed = inst
    expected = bf_p_median(c, p, w, fixed, None)
    sol = p_median(c, p, w, fixed=fixed)
    if not _matches(sol, expected):
        return
    _check_common(sol, c, p, fixed)
    served = sol.assignment >= 0
    got = np.sum(w[served] * c[served, sol.assignment[served]])
    assert got == pytest.approx(sol.objective)


@HYP
@given(instances(max_n=4, max_m=3), st.lists(st.integers(0, 8), min_size=3, max_size=3))
def test_capacitated_p_median_matches_brute_force(inst, caps) -> None:
    c, w, p, fixed = inst
    cap = np.array(caps[: c.shape[1]], dtype=float)
    expected = bf_p_median(c, p, w, fixed, cap)
    sol = p_median(c, p, w, fixed=fixed, capacity=cap)
    if _matches(sol, expected):
        _check_common(sol, c, p, fixed, cap, w)


@HYP
@given(instances())
def test_p_center_matches_brute_force(inst) -> None:
    c, w, p, fixed = inst
    expected = bf_p_center(c, p, w, fixed)
    sol = p_center(c, p, w, fixed=fixed)
    if _matches(sol, expected):
        _check_common(sol, c, p, fixed)


@HYP
@given(instances(), st.integers(0, 9))
def test_mclp_matches_brute_force(inst, radius) -> None:
    c, w, p, fixed = inst
    sol = mclp(c, radius, p, w, fixed=fixed)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(bf_mclp(c, radius, p, w, fixed, None))
    _check_common(sol, c, p, fixed)
    covered = sol.assignment >= 0
    assert np.all(c[covered, sol.assignment[covered]] <= radius)
    assert sol.objective == pytest.approx(w[covered].sum())


@HYP
@given(
    instances(max_n=4, max_m=3),
    st.integers(0, 9),
    st.lists(st.integers(0, 8), min_size=3, max_size=3),
)
def test_capacitated_mclp_matches_brute_force(inst, radius, caps) -> None:
    c, w, p, fixed = inst
    cap = np.array(caps[: c.shape[1]], dtype=float)
    sol = mclp(c, radius, p, w, fixed=fixed, capacity=cap)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(bf_mclp(c, radius, p, w, fixed, cap))
    _check_common(sol, c, p, fixed, cap, w)


@HYP
@given(instances(), st.integers(0, 9))
def test_lscp_matches_brute_force(inst, radius) -> None:
    c, _, _, fixed = inst
    sol = lscp(c, radius, fixed=fixed)
    assert sol.status == "optimal"
    assert sol.objective == bf_lscp(c, radius, fixed)
    _check_common(sol, c, None, fixed)
    coverable = (c <= radius).any(axis=1)
    assert np.array_equal(np.sort(sol.unreachable), np.flatnonzero(~coverable))
    assert np.all(sol.assignment[coverable] >= 0)


# --------------------------------------------------------------------------- hand-checked


def test_hand_solved_p_median_with_fixed_site_and_capacity() -> None:
    # clients 0,1 near site 0; client 2 near site 1; site 2 is far from everyone.
    c = np.array([[1.0, 8.0, 9.0], [2.0, 7.0, 9.0], [6.0, 1.0, 9.0]])
    w = np.array([3.0, 2.0, 4.0])
    assert p_median(c, 1, w).objective == 3 * 1 + 2 * 2 + 4 * 6  # site 0 alone: 31
    two = p_median(c, 2, w)
    assert two.open_sites.tolist() == [0, 1] and two.objective == 3 + 4 + 4
    fixed = p_median(c, 2, w, fixed=[2])
    assert fixed.open_sites.tolist() == [0, 2] and fixed.objective == 31
    # site 0 takes at most 4 units: client 0 (3) stays, client 1 (2) must go to site 1
    capped = p_median(c, 2, w, capacity=[4.0, 10.0, 10.0])
    assert capped.assignment.tolist() == [0, 1, 1] and capped.objective == 3 + 14 + 4


def test_unreachable_clients_reported_and_sparse_equals_dense() -> None:
    dense = np.array([[1.0, np.inf], [np.inf, np.inf], [4.0, 2.0], [0.0, 3.0]])
    r, c = np.nonzero(np.isfinite(dense))
    sparse = sp.csr_matrix((dense[r, c], (r, c)), shape=dense.shape)  # keeps the 0 at (3,0)
    a, b = p_median(dense, 1), p_median(sparse, 1)
    assert a.unreachable.tolist() == [1] and a.assignment[1] == -1
    assert a.open_sites.tolist() == b.open_sites.tolist() == [0]
    assert a.objective == b.objective == 1 + 4 + 0


def test_infeasible_reach_is_explained() -> None:
    # three clients each reaching only their own site: p = 2 cannot serve all
    c = np.full((3, 3), np.inf)
    np.fill_diagonal(c, 1.0)
    sol = p_median(c, 2)
    assert sol.status == "infeasible"
    assert "needs at least 3 sites but p = 2" in sol.message
    assert p_center(c, 2).status == "infeasible"


@pytest.mark.slow
def test_same_seed_same_solution() -> None:
    rng = np.random.default_rng(7)
    c = rng.integers(1, 50, size=(60, 25)).astype(float)
    first = p_median(c, 6, seed=3)
    again = p_median(c, 6, seed=3)
    assert first.open_sites.tolist() == again.open_sites.tolist()
    assert first.assignment.tolist() == again.assignment.tolist()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"p": 0}, "p = 0 must lie between 1 and the number of sites"),
        ({"p": 3}, "p = 3 must lie between"),
        ({"p": 1, "fixed": [0, 1]}, "2 fixed sites do not fit in p = 1"),
        ({"p": 1, "weights": [1.0]}, "weights has 1 entries but the cost matrix has 2"),
        ({"p": 1, "fixed": [5]}, "fixed site indices must lie in 0..1"),
        ({"p": 1, "capacity": -1.0}, "capacity must be >= 0"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        p_median(np.ones((2, 2)), **kwargs)


def test_negative_cost_rejected() -> None:
    with pytest.raises(ValueError, match=r"cost\[0, 1\] = -1.0 is negative"):
        p_median(np.array([[0.0, -1.0]]), 1)
