"""OR-Library p-median: planner.locate against spopt + PuLP/CBC, same matrix, same process.

A second table compares the p-center, MCLP and LSCP on the instances up to 200 nodes.

Usage::

    pip install -e ".[bench]"
    python benchmarks/bench_pmedian.py [--dir benchmarks/data/orlib] [--repeat 1]

For every ``pmedN.txt`` found, both solvers get the same distance matrix (read once with
``planner.locate.read_orlib_pmed``); times include building the model. Prints a Markdown
table and the median speed ratio. Exits 1 when either solver misses the known optimum
(``optima.csv`` beside the instances) or the two disagree.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from planner.locate import lscp, mclp, p_center, p_median, read_orlib_pmed

DEFAULT_DIR = Path(__file__).resolve().parent / "data" / "orlib"


def solve_spopt(cost: np.ndarray, p: int) -> tuple[float, float]:
    """Return the objective and seconds of spopt's PMedian solved with CBC through PuLP."""
    try:
        import pulp
        from spopt.locate import PMedian
    except ImportError:
        sys.exit("spopt and pulp are needed for the baseline: pip install -e '.[bench]'")
    t0 = time.perf_counter()
    model = PMedian.from_cost_matrix(cost, np.ones(cost.shape[0]), p_facilities=p)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    seconds = time.perf_counter() - t0
    return float(pulp.value(model.problem.objective)), seconds


def other_models(cost: np.ndarray, p: int) -> list[tuple[str, float, float, float, float]]:
    """p-center, MCLP and LSCP, ours and spopt's: (model, ours, ours s, spopt, spopt s).

    The coverage radius is a quarter of the median distance, a stated rule.
    """
    import pulp
    from spopt.locate import LSCP, MCLP, PCenter

    n = cost.shape[0]
    radius = float(np.median(cost)) / 4
    cbc = pulp.PULP_CBC_CMD(msg=False)
    rows = []
    cases = [
        ("p-center", lambda: p_center(cost, p),
         lambda: PCenter.from_cost_matrix(cost, p_facilities=p)),
        (f"MCLP r={radius:g}", lambda: mclp(cost, radius, p),
         lambda: MCLP.from_cost_matrix(cost, np.ones(n), service_radius=radius, p_facilities=p)),
        (f"LSCP r={radius:g}", lambda: lscp(cost, radius),
         lambda: LSCP.from_cost_matrix(cost, service_radius=radius)),
    ]
    for name, ours_fn, theirs_fn in cases:
        sol = ours_fn()
        t0 = time.perf_counter()
        model = theirs_fn()
        model.solve(cbc)
        rows.append((name, sol.objective, sol.seconds, float(pulp.value(model.problem.objective)),
                     time.perf_counter() - t0))
    return rows


def main(argv: list[str] | None = None) -> int:
    """Run the OR-Library p-median benchmark (and the coverage models) and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder with pmedN.txt")
    ap.add_argument("--repeat", type=int, default=1, help="runs per solver; the fastest counts")
    ap.add_argument("--others-max-n", type=int, default=200,
                    help="also compare p-center, MCLP and LSCP on instances up to this size")
    args = ap.parse_args(argv)
    files = sorted(args.dir.glob("pmed*.txt"), key=lambda f: int(f.stem[4:]))
    if not files:
        print(f"no pmed*.txt in {args.dir}", file=sys.stderr)
        return 1
    optima: dict[str, float] = {}
    if (args.dir / "optima.csv").exists():
        with open(args.dir / "optima.csv", newline="") as fh:
            optima = {r["instance"]: float(r["optimum"]) for r in csv.DictReader(fh)}
    head = ("instance", "n", "p", "optimum", "ours", "gap", "ours s", "spopt+CBC",
            "spopt s", "speed-up")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    ratios, bad = [], []
    for f in files:
        inst = read_orlib_pmed(f)
        runs = [p_median(inst.cost, inst.p) for _ in range(args.repeat)]
        ours = min(runs, key=lambda s: s.seconds)
        theirs = [solve_spopt(inst.cost, inst.p) for _ in range(args.repeat)]
        their_obj, their_s = min(theirs, key=lambda r: r[1])
        known = optima.get(inst.name, float("nan"))
        ratio = their_s / ours.seconds
        ratios.append(ratio)
        print(f"| {inst.name} | {inst.cost.shape[0]} | {inst.p} | {known:g} | {ours.objective:g}"
              f" | {ours.gap:.2%} | {ours.seconds:.3f} | {their_obj:g} | {their_s:.3f}"
              f" | {ratio:.1f}x |", flush=True)
        if ours.status != "optimal" or abs(ours.objective - their_obj) > 1e-6 * known:
            bad.append(f"{inst.name}: ours {ours.objective:g} ({ours.status}), spopt {their_obj:g}")
        if np.isfinite(known) and abs(ours.objective - known) > 1e-6 * known:
            bad.append(f"{inst.name}: ours {ours.objective:g} misses the known optimum {known:g}")
    print(f"\nmedian speed-up over spopt+CBC: {statistics.median(ratios):.1f}x "
          f"(min {min(ratios):.1f}x, max {max(ratios):.1f}x)")
    small = [f for f in files if read_orlib_pmed(f).cost.shape[0] <= args.others_max_n]
    if small:
        print("\n| instance | model | ours | ours s | spopt+CBC | spopt s | speed-up |")
        print("|" + "---|" * 7)
    for f in small:
        inst = read_orlib_pmed(f)
        for name, ours_obj, ours_s, their_obj, their_s in other_models(inst.cost, inst.p):
            print(f"| {inst.name} | {name} | {ours_obj:g} | {ours_s:.3f} | {their_obj:g}"
                  f" | {their_s:.3f} | {their_s / ours_s:.1f}x |", flush=True)
            if abs(ours_obj - their_obj) > 1e-6 * max(1.0, abs(their_obj)):
                bad.append(f"{inst.name} {name}: ours {ours_obj:g}, spopt {their_obj:g}")
    for line in bad:
        print("DISAGREEMENT " + line, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
