"""The tables the commands print, sized for an 80-column terminal.

No cell is ever cut (rich's ``…``): a KPI cell stacks today over the plan (``91 %`` over
``→ 99 %``), a part's row stacks its cells over its sites and its objective over its
bound, long names wrap at spaces, and every column folds rather than cuts what still does
not fit. The abbreviated headings are explained by the legend the command prints
(:func:`kpi_legend`). Headings, names and numbers are in the language in effect.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
from rich import box
from rich.table import Table

from planner import i18n
from planner.i18n import gettext as _
from planner.i18n import term


def _nan(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def pair(before: float, after: float, fmt: Callable[[float], str]) -> str:
    r"""Return ``before`` over ``→ after`` (two lines) formatted by ``fmt``, or blank.

    Examples
    --------
    >>> pair(0.5, float("nan"), str)
    '0.5\n→ -'
    """
    if _nan(before) and _nan(after):
        return ""
    b = "-" if _nan(before) else fmt(before)
    a = "-" if _nan(after) else fmt(after)
    return f"{b}\n→ {a}"


def _longest_word(names: list[str], cap: int = 22) -> int:
    """Return the width that keeps every word of ``names`` whole (at most ``cap``)."""
    return min(cap, max((len(w) for name in names for w in name.split()), default=1))


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_edge=False,
                 pad_edge=False, padding=(0, 1), collapse_padding=True)


def kpi_table(comparison: pd.DataFrame, title: str | None = None) -> Table:
    """Return a table of the before/after KPIs: each cell today over ``→`` the plan.

    Parameters
    ----------
    comparison : pandas.DataFrame
        :meth:`planner.pipeline.Run.comparison` (or an evaluation's): one row per
        organisation and ``all``.
    title : str, optional
        Default ``Today → optimised plan``.

    Returns
    -------
    rich.table.Table
        Six columns that fit 80 characters for any organisation name and any cost up to
        a thousand million euros a year.
    """
    t = _table(title if title is not None else _("Today → optimised plan"))
    names = [term(org) for org in comparison.index]
    t.add_column(_("organisation"), overflow="fold", min_width=_longest_word(names))
    for col in (_("std"), _("within std"), _("kEUR/year"), _("mean min"), _("o/s/p/r")):
        t.add_column(col, justify="right", overflow="fold")
    for name, (_org, r) in zip(names, comparison.iterrows(), strict=True):
        t.add_row(name, str(r["standard"]),
                  pair(r["within_before"], r["within_after"], i18n.fmt_percent),
                  pair(r["cost_before_eur"] / 1000, r["cost_after_eur"] / 1000,
                       i18n.fmt_number),
                  pair(r["mean_min_before"], r["mean_min_after"],
                       lambda x: i18n.fmt_number(x, 1)),
                  f"{int(r['offices'])}/{int(r['shared'])}/{int(r['popup'])}/"
                  f"{int(r['remote'])}")
    return t


def kpi_legend() -> str:
    """Return the legend of the KPI table's abbreviated headings."""
    return _("within std: share of residents within the access standard; o/s/p/r: "
             "sites with offices, shared premises, pop-ups, remote points")


def parts_table(parts: list[dict]) -> Table:
    """Return the table of a decomposed solve: a row per part, stacked to fit 80 columns.

    Parameters
    ----------
    parts : list of dict
        ``plan.meta["parts"]``: ``area``, ``demand_points``, ``sites``, ``seconds``,
        ``status``, ``objective``, ``bound``, ``gap`` of each part.

    Returns
    -------
    rich.table.Table
        Columns part, cells over sites, seconds, status, objective over bound, gap.
    """
    t = _table(_("Parts"))
    t.add_column(_("part"), overflow="fold",
                 min_width=_longest_word([str(r["area"]) for r in parts]))
    # stacked headings: each word its own message (Babel does not read calls in f-strings)
    cells, sites, objective, bound = _("cells"), _("sites"), _("objective"), _("bound")
    t.add_column(f"{cells}\n{sites}", justify="right", overflow="fold")
    t.add_column(_("seconds"), justify="right", overflow="fold")
    t.add_column(_("status"), overflow="fold")
    t.add_column(f"{objective}\n{bound}", justify="right", overflow="fold")
    t.add_column(_("gap"), justify="right", overflow="fold")
    num = i18n.fmt_number
    for r in parts:
        t.add_row(str(r["area"]), f"{num(r['demand_points'])}\n{num(r['sites'])}",
                  num(r["seconds"]), term(r["status"]),
                  f"{num(r['objective'])}\n{num(r['bound'])}", i18n.fmt_percent(r["gap"], 2))
    return t
