"""Compare two output folders of ``planner demo`` (or ``run``): byte for byte.

Use it around a change that must not change behaviour (a refactoring)::

    planner demo --out /tmp/before      # on the old commit
    planner demo --out /tmp/after       # on the new one
    python benchmarks/compare_outputs.py /tmp/before /tmp/after

Every file must be byte-identical, except the run's wall-clock seconds: ``report_run.csv``
is compared without its ``seconds`` row and ``report.xlsx`` cell by cell without it (a
workbook holds that row, so its bytes differ between any two runs). Prints one line per
differing or missing file and a total; exits 1 when any file differs.
"""

from __future__ import annotations

import argparse
import filecmp
import sys
from pathlib import Path

import openpyxl

#: Row labels of the run's seconds in the Run sheet (English, Finnish, Swedish).
SECONDS = ("seconds", "sekuntia", "sekunder")


def _sheets(path: Path) -> dict[str, list[tuple]]:
    """Return every sheet's rows as values, without the run's seconds."""
    book = openpyxl.load_workbook(path)
    return {ws.title: [row for row in ws.iter_rows(values_only=True)
                       if not (row and row[0] in SECONDS)] for ws in book.worksheets}


def _lines(path: Path) -> list[str]:
    """Return a CSV file's lines without the run's seconds."""
    return [line for line in path.read_text(encoding="utf-8").splitlines()
            if not line.startswith(SECONDS)]


def same(a: Path, b: Path) -> bool:
    """Tell whether two output files agree (byte for byte but for the run's seconds)."""
    if filecmp.cmp(a, b, shallow=False):
        return True
    if a.name == "report_run.csv":
        return _lines(a) == _lines(b)
    if a.suffix == ".xlsx":
        return _sheets(a) == _sheets(b)
    return False


def main(argv: list[str] | None = None) -> int:
    """Compare the folders given on the command line; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    names = sorted({p.name for p in args.before.iterdir()}
                   | {p.name for p in args.after.iterdir()})
    bad = 0
    for name in names:
        a, b = args.before / name, args.after / name
        if not (a.exists() and b.exists()):
            print(f"missing  {name}")
            bad += 1
        elif not same(a, b):
            print(f"differs  {name}")
            bad += 1
    print(f"{len(names)} files, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
