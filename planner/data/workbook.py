"""A workbook the planner wrote, read back as a proposal, in any of its languages.

``report.xlsx`` holds the plan's decisions on its ``Decisions`` sheet (``Päätökset`` in
Finnish, ``Beslut`` in Swedish), with the headers and the glossary codes in the language it
was written in (:mod:`planner.data.labels`). A planner edits the decisions in Excel and brings
the workbook back: :func:`decisions_sheet` finds the sheet and :func:`to_keys` turns its
headers and codes back into the proposal's own (``site_id``, ``organisation``, ``mode``,
``days_per_month``; ``kela``, ``office``...), whichever of the three languages it is in.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import openpyxl
import pandas as pd

from planner.data.labels import column_label, sheet_label
from planner.i18n import LANGUAGES, language, term
from planner.schema import DECISION_MODES, ORGANISATIONS

__all__ = ["decisions_sheet", "to_keys"]

#: The proposal's columns, whose headers are translated back.
_COLUMNS = ("site_id", "organisation", "mode", "days_per_month")


@cache
def _labels() -> tuple[frozenset[str], dict[str, str], dict[str, str], dict[str, str]]:
    """Return the Decisions sheet's names, and header, organisation and mode labels -> key.

    In every language; labels compared case-insensitively (lower case).
    """
    sheets: set[str] = set()
    heads: dict[str, str] = {}
    orgs: dict[str, str] = {}
    modes: dict[str, str] = {}
    for lang in LANGUAGES:
        with language(lang):
            sheets.add(sheet_label("Decisions").lower())
            heads.update({column_label(c).lower(): c for c in _COLUMNS})
            orgs.update({term(o).lower(): o for o in ORGANISATIONS})
            modes.update({term(m).lower(): m for m in DECISION_MODES})
    return frozenset(sheets), heads, orgs, modes


def decisions_sheet(path: str | Path) -> str | None:
    """Return the name of a workbook's decisions sheet, or None when it has none.

    A workbook of one sheet is that sheet (None: read the first); a workbook of several
    is looked up by the ``Decisions`` sheet's name in English, Finnish or Swedish.
    """
    try:
        wb = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # the table reader names an unreadable workbook
        return None
    try:
        names = list(wb.sheetnames)
    finally:
        wb.close()
    if len(names) < 2:
        return None
    sheets = _labels()[0]
    return next((n for n in names if n.strip().lower() in sheets), None)


def to_keys(df: pd.DataFrame) -> pd.DataFrame:
    """Return a proposal table with its translated headers and codes as the keys.

    Headers ``Toimipaikan tunnus`` / ``site_id`` alike become ``site_id``; organisation
    and mode labels (``Kela``, ``yhteispalvelupiste``) become their codes. Other columns and
    values are left as they are.
    """
    _sheets, heads, orgs, modes = _labels()
    out = df.rename(columns={c: heads[str(c).strip().lower()] for c in df.columns
                             if str(c).strip().lower() in heads
                             and heads[str(c).strip().lower()] not in df.columns})
    for col, codes in (("organisation", orgs), ("mode", modes)):
        if col in out.columns:
            out[col] = [codes.get(v.strip().lower(), v) if isinstance(v, str) else v
                        for v in out[col]]
    return out
