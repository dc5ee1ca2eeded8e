"""HTML of the maps' popups, tooltips and boxes: escaping, number formats, tables and CSS.

Every piece of text that comes from data (names, organisations, attribution) goes through
:func:`esc` before it reaches the page, so a site called ``<script>...`` shows as text.
folium puts popup and tooltip HTML inside JavaScript template literals, and branca parses
what folium renders as a Jinja template again; :func:`esc` neutralises both as well.

Numbers are formatted in the language in effect (``planner.i18n``); a missing value is an
en dash. Popup tables are of class ``planner-table``, styled once per page
(:data:`TABLE_CSS`, :func:`add_table_style`) rather than on every cell.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

import folium
import pandas as pd
from folium.plugins import DualMap

from planner import i18n

__all__ = ["BOX", "DASH", "TABLE_CSS", "add_table_style", "column", "esc", "eur_or_dash",
           "fmt_cents", "fmt_int", "fmt_minutes", "is_missing", "table"]

DASH = "\u2013"  # en dash
_ESCAPES = str.maketrans({"\\": "&#92;", "`": "&#96;", "$": "&#36;", "{": "&#123;",
                          "}": "&#125;"})
_SPECIAL = re.compile(r"[&<>\"'\\`${}]")
#: Style of the popups' tables (:func:`table`), as each cell carried it before.
TABLE_CSS = (".planner-table{border-collapse:collapse;font-size:12px}"
             ".planner-table th{text-align:left;padding:1px 6px}"
             ".planner-table td{padding:1px 6px;white-space:nowrap}")
#: Style of the boxes fixed on the page (title, legend, footer, colour scales).
BOX = ("position:fixed;z-index:1000;background:rgba(255,255,255,0.92);"
       "border:1px solid #888;border-radius:4px;padding:6px 10px;box-sizing:border-box;"
       "font:12px/1.4 Arial,Helvetica,sans-serif;box-shadow:0 1px 4px rgba(0,0,0,0.3);"
       "overflow-wrap:anywhere;")


def esc(value: Any) -> str:
    """Return ``value`` HTML-escaped, with JavaScript template-literal and Jinja syntax too.

    folium puts popup and tooltip HTML inside JavaScript template literals (backticks), so
    besides ``<>&"'`` the backtick, ``$`` and backslash are replaced by character references;
    and branca parses what folium renders as a Jinja template again, so the braces are too
    (a name such as ``{{ ... }}`` would otherwise be evaluated when the map is written).

    Parameters
    ----------
    value : object
        Any value; None and NaN give ``""``.

    Returns
    -------
    str
        The text, safe to place in the page.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value)
    if not _SPECIAL.search(text):  # most names and numbers: nothing to replace
        return text
    return html.escape(text, quote=True).translate(_ESCAPES)


def is_missing(value: Any) -> bool:
    """Return whether ``value`` is a missing value (None, NaN, NaT, ``pd.NA``)."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def fmt_int(value: Any) -> str:
    """Format a whole number: ``123456.4`` -> ``"123,456"`` (Finnish ``"123 456"``).

    A missing value gives an en dash.
    """
    return DASH if is_missing(value) else i18n.fmt_number(value)


def eur_or_dash(value: Any) -> str:
    """Format euros: ``123456`` -> ``"123,456 €"`` (Finnish ``"123 456 €"``).

    A missing value gives an en dash.
    """
    return DASH if is_missing(value) else i18n.fmt_eur(value)


def fmt_cents(value: Any) -> str:
    """Format euros to the cent: ``1234.5`` -> ``"1,234.50 €"`` (Finnish ``"1 234,50 €"``).

    For shares of a site's cost, which add up to it to the cent. A missing value gives an
    en dash.
    """
    return DASH if is_missing(value) else f"{i18n.fmt_number(value, 2)}\u00a0€"


def fmt_minutes(value: Any) -> str:
    """Format minutes: ``12.345`` -> ``"12.3 min"`` (Finnish ``"12,3 min"``).

    A missing value gives an en dash.
    """
    return DASH if is_missing(value) else f"{i18n.fmt_number(value, 1)} min"


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Return an HTML table of class ``planner-table`` (styled once per page: ``TABLE_CSS``).

    Parameters
    ----------
    header : sequence of str
        The column headings.
    rows : iterable of sequence of str
        The cells, already escaped.

    Returns
    -------
    str
        The table's HTML.
    """
    th = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr><td>" + "</td><td>".join(row) + "</td></tr>" for row in rows)
    return f'<table class="planner-table"><tr>{th}</tr>{body}</table>'


def add_table_style(m: folium.Map | DualMap) -> None:
    """Add the popups' table style once to the page's header instead of on every cell."""
    m.get_root().header.add_child(folium.Element(f"<style>{TABLE_CSS}</style>"),
                                  name="planner_table_style")


def column(df: pd.DataFrame, col: str, default: Any = "") -> list:
    """Return a column's values as a list; ``default`` for every row without such a column."""
    return df[col].tolist() if col in df.columns else [default] * len(df)
