"""How organisations and service modes look on the maps: colours, icons and labels.

Today's offices are circles in their organisation's colour (:data:`ORG_COLOURS`); the
proposal's sites are Leaflet.awesome-markers in a colour per service mode with a Font Awesome
icon (:data:`MODE_ICONS`), each site drawn once, in the layer of its strongest mode
(:data:`MODE_ORDER`). An organisation is named by the region's ``org_name`` where it gives
one, else by a default label in the language in effect.
"""

from __future__ import annotations

from typing import Any

from planner.i18n import N_
from planner.i18n import gettext as _
from planner.maps.markup import DASH, is_missing
from planner.region import Region

__all__ = ["CLOSED_ICON", "CLOSED_LAYER", "CLOSED_MARKER_COLOUR", "MARKER_HEX", "MODE_ICONS",
           "MODE_LABELS", "MODE_LAYERS", "MODE_MARKER_COLOURS", "MODE_ORDER", "ORG_COLOURS",
           "org_colour", "org_label", "org_names", "org_sort_key", "organisations"]

#: Colour of each organisation's markers and legend entry.
ORG_COLOURS: dict[str, str] = {
    "kela": "#1f5fbf",
    "municipality": "#2ca02c",
    "county": "#d62728",
    "employment": "#ff7f0e",
    "other": "#9467bd",
}
#: Font Awesome icon name (``prefix="fa"``) of each proposed service mode.
MODE_ICONS: dict[str, str] = {
    "office": "building",
    "shared": "users",
    "popup": "calendar",
    "remote": "laptop",
}

# Labels used when the region gives no ``org_name`` for an organisation.
_ORG_LABELS = {
    "kela": N_("Kela"),
    "municipality": N_("Municipality"),
    "county": N_("Wellbeing services county"),
    "employment": N_("Employment services"),
    "other": N_("Other"),
}
#: Strongest mode first: a site is drawn once, in the layer of its strongest mode.
MODE_ORDER = ("shared", "office", "popup", "remote")
#: Layer name of each mode (English; translated where drawn).
MODE_LAYERS = {
    "shared": N_("Proposed: shared premises"),
    "office": N_("Proposed: offices"),
    "popup": N_("Proposed: pop-up"),
    "remote": N_("Proposed: remote service"),
}
#: Legend and tooltip label of each mode (English; translated where drawn).
MODE_LABELS = {
    "shared": N_("Shared premises"),
    "office": N_("Office"),
    "popup": N_("Pop-up"),
    "remote": N_("Remote service point"),
    "closed": N_("Closed office"),
}
#: Leaflet.awesome-markers colours (a fixed palette) of the proposal's markers.
MODE_MARKER_COLOURS = {
    "shared": "purple",
    "office": "darkblue",
    "popup": "orange",
    "remote": "cadetblue",
}
#: The hex colour of each awesome-markers colour, for the legend.
MARKER_HEX = {"purple": "#d252b9", "darkblue": "#0067a3", "orange": "#f69730",
              "cadetblue": "#436978", "gray": "#575757"}
CLOSED_ICON = "ban"
#: Layer name of the closed offices (English; translated where drawn).
CLOSED_LAYER = N_("Closed offices")
CLOSED_MARKER_COLOUR = "gray"


def org_names(region: Region) -> dict[str, str]:
    """Return the display name per organisation code: the region's ``org_name`` or a label."""
    names = {o: _(label) for o, label in _ORG_LABELS.items()}
    sp = region.service_points
    if sp is None or not len(sp) or "org_name" not in sp.columns:
        return names
    seen: set[str] = set()
    for org, name in zip(sp["organisation"].astype(str), sp["org_name"], strict=True):
        if org in seen or is_missing(name) or not str(name).strip():
            continue
        names[org] = str(name)
        seen.add(org)
    return names


def org_colour(org: Any) -> str:
    """Return the colour of an organisation (that of ``other`` for an unknown one)."""
    return ORG_COLOURS.get(str(org), ORG_COLOURS["other"])


def org_sort_key(org: str) -> tuple[int, str]:
    """Return the key sorting organisations in legend order (unknown ones last, by code)."""
    keys = list(ORG_COLOURS)
    return (keys.index(org) if org in keys else len(keys), org)


def org_label(org: Any, names: dict[str, str]) -> str:
    """Return the display name of an organisation code (an en dash when there is none)."""
    if is_missing(org) or str(org) == "":
        return DASH
    return names.get(str(org), str(org))


def organisations(region: Region) -> list[str]:
    """Return the organisations of the legend: the known ones and the region's, in order."""
    orgs = set(ORG_COLOURS)
    if region.service_points is not None and len(region.service_points):
        orgs |= {str(o) for o in region.service_points["organisation"]}
    return sorted(orgs, key=org_sort_key)
