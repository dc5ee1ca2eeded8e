"""The printed tables fit an 80-column terminal: no cut cell, every number whole."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from rich.console import Console

from planner import i18n
from planner.outputs.printed import kpi_table, pair, parts_table

WIDTH = 80


def _render(table: object) -> str:
    console = Console(file=io.StringIO(), width=WIDTH, color_system=None, force_terminal=False)
    console.print(table)
    return console.file.getvalue()


def _comparison() -> pd.DataFrame:
    """Return the widest KPIs a run prints: national costs, 100 % shares, many sites."""
    rows = {}
    for org in ("kela", "municipality", "county", "employment", "all"):
        rows[org] = {"standard": "" if org == "all" else "30 min",
                     "within_before": 0.913, "within_after": 1.0,
                     "cost_before_eur": 381_412_345.0, "cost_after_eur": 362_612_345.0,
                     "mean_min_before": 123.45, "mean_min_after": 99.94,
                     "offices": 812, "shared": 143, "popup": 260, "remote": 75}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.loc["kela", "within_before"] = float("nan")  # unknown today: printed as "-"
    return out


def _fits(text: str) -> None:
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) <= WIDTH, text


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_the_kpi_table_fits_80_columns_with_every_number_whole(lang: str) -> None:
    with i18n.language(lang):
        text = _render(kpi_table(_comparison()))
        numbers = [i18n.fmt_number(381_412.345), "→ " + i18n.fmt_number(362_612.345),
                   i18n.fmt_percent(0.913), "→ " + i18n.fmt_percent(1.0),
                   i18n.fmt_number(123.45, 1), "→ " + i18n.fmt_number(99.94, 1),
                   "812/143/260/75", "30 min"]
        names = [i18n.term(o) for o in ("kela", "county", "employment")]
    _fits(text)
    for value in numbers:
        assert value in text, (value, text)
    for name in names:  # a name wraps at spaces, never mid-word here
        for word in name.split():
            assert word in text, (word, text)
    kela = next(line for line in text.splitlines() if line.startswith(names[0]))
    assert "-" in kela.split(), kela  # kela's share today is unknown


def test_a_name_without_spaces_folds_rather_than_cuts() -> None:
    table = _comparison().rename(index={"kela": "x" * 60})
    text = _render(kpi_table(table))
    _fits(text)
    assert "".join(line.split()[0] for line in text.splitlines()
                   if line.startswith("x")) == "x" * 60


@pytest.mark.parametrize("lang", ["en", "fi", "sv"])
def test_the_parts_table_fits_80_columns(lang: str) -> None:
    parts = [{"area": "Pohjois-Pohjanmaan hyvinvointialue", "demand_points": 12_345,
              "sites": 3_855, "seconds": 230.4, "status": "time_limit",
              "objective": 128_412_345.6, "bound": 127_712_345.6, "gap": 0.0345}]
    with i18n.language(lang):
        text = _render(parts_table(parts))
        numbers = [i18n.fmt_number(12_345), i18n.fmt_number(3_855),
                   i18n.fmt_number(128_412_345.6), i18n.fmt_number(127_712_345.6),
                   i18n.fmt_percent(0.0345, 2)]
        headings = [i18n.gettext(word) for word in ("cells", "sites", "objective", "bound")]
    _fits(text)
    for heading in headings:  # stacked in pairs, each in the language
        assert heading in text, (heading, text)
    for value in numbers:
        assert value in text, (value, text)


def test_pair_stacks_before_over_after() -> None:
    assert pair(1.0, 2.0, lambda x: f"{x:.1f}") == "1.0\n→ 2.0"
    assert pair(float("nan"), float("nan"), str) == ""
