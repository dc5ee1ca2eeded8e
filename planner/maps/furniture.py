"""The page's furniture: title, legend, attribution footer and the side-by-side labels.

Each is an HTML box fixed on the page (``markup.BOX``), its text escaped. The title is
also the page's (the browser tab's) title, and the page carries the map's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import folium
from folium.plugins import DualMap

from planner import i18n
from planner.i18n import gettext as _
from planner.maps.markup import BOX, esc
from planner.maps.symbols import (
    CLOSED_ICON,
    CLOSED_MARKER_COLOUR,
    MARKER_HEX,
    MODE_ICONS,
    MODE_LABELS,
    MODE_MARKER_COLOURS,
    MODE_ORDER,
    org_colour,
    org_label,
)

__all__ = ["add_footer", "add_legend", "add_side_label", "add_title"]


def add_title(m: folium.Map | DualMap, title: str) -> None:
    """Draw the map's one title, also the page's title, and set the page's language."""
    root = m.get_root()
    root.title = esc(title)
    root.planner_lang = i18n.current()
    m.get_root().html.add_child(folium.Element(
        f'<div class="planner-map-title" style="{BOX}top:10px;left:56px;max-width:30%;'
        f'font-size:15px;font-weight:bold;">{esc(title)}</div>'
    ))


def add_legend(m: folium.Map | DualMap, names: dict[str, str], orgs: Iterable[str]) -> None:
    """Draw the legend: today's organisations by colour and the proposal's modes by icon."""
    org_items = "".join(
        f'<div><span style="display:inline-block;width:11px;height:11px;border-radius:50%;'
        f'background:{org_colour(o)};margin-right:6px;"></span>{esc(org_label(o, names))}'
        f"</div>"
        for o in orgs
    )
    modes = [(mode, MODE_ICONS[mode], MODE_MARKER_COLOURS[mode]) for mode in MODE_ORDER]
    modes.append(("closed", CLOSED_ICON, CLOSED_MARKER_COLOUR))
    mode_items = "".join(
        f'<div><span style="display:inline-block;width:18px;text-align:center;color:#fff;'
        f'background:{MARKER_HEX[colour]};border-radius:3px;margin-right:6px;">'
        f'<i class="fa fa-{esc(icon)}"></i></span>{esc(_(MODE_LABELS[mode]))}</div>'
        for mode, icon, colour in modes
    )
    orgs_word = esc(_("Organisations (today)"))
    dashed_word = esc(_("dashed outline: illustrative data"))
    proposal_word = esc(_("Proposal"))
    m.get_root().html.add_child(folium.Element(
        f'<div class="planner-map-legend" style="{BOX}bottom:30px;right:10px;">'
        f"<b>{orgs_word}</b>{org_items}"
        f'<div style="color:#555">{dashed_word}</div>'
        f'<b style="display:block;margin-top:4px">{proposal_word}</b>{mode_items}</div>'
    ))


def add_footer(m: folium.Map, lines: Sequence[str]) -> None:
    """Draw the attribution footer, a line each (no lines: no footer)."""
    if not lines:
        return
    text = "<br>".join(esc(line) for line in lines)
    m.get_root().html.add_child(folium.Element(
        f'<div class="planner-map-footer" style="{BOX}bottom:56px;left:10px;max-width:45%;'
        f'font-size:11px;color:#333;">{text}</div>'
    ))


def add_side_label(dual: DualMap, label: str, left: str) -> None:
    """Draw the label of one side of a side-by-side map, ``left`` from the page's edge."""
    dual.get_root().html.add_child(folium.Element(
        f'<div class="planner-side-label" style="{BOX}top:60px;left:{left};'
        f'font-weight:bold;">{esc(label)}</div>'))
