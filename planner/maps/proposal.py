"""Layers of the proposal: its sites by strongest service mode, the closed offices, popups.

A site is drawn once, in the layer of its strongest mode (shared premises, office, pop-up,
remote point; ``symbols.MODE_ORDER``), with one popup for all organisations there: the
site's name, its host and the host's agreement, and a row per organisation in legend order
(mode, days per month, action, annual cost, visits). A shared site's popup adds its
agreement and cost split (:func:`split_tables`): the agreed key and term and, per party,
its role, floor area, desk-days, what it pays, its fee to the host and its Shapley and
nucleolus shares with whether the agreed split is in the core.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from planner import i18n
from planner.i18n import gettext as _
from planner.i18n import term
from planner.maps.elements import add_points, latlon
from planner.maps.markup import (
    DASH,
    column,
    esc,
    eur_or_dash,
    fmt_cents,
    fmt_int,
    is_missing,
    table,
)
from planner.maps.symbols import (
    CLOSED_ICON,
    CLOSED_LAYER,
    CLOSED_MARKER_COLOUR,
    MODE_ICONS,
    MODE_LABELS,
    MODE_LAYERS,
    MODE_MARKER_COLOURS,
    MODE_ORDER,
    org_label,
    org_sort_key,
)
from planner.plan import Plan
from planner.region import Region

__all__ = ["add_proposal", "host_agreements", "site_popups", "split_tables"]


def _fair_shares(split: pd.DataFrame | None
                 ) -> tuple[dict[tuple[str, str, str], float], dict[tuple[str, str], bool]]:
    """Return the Shapley and nucleolus shares and the core checks of a cost split.

    Shares by (site, method, organisation); core checks by (site, ``method:organisation``).
    """
    fair: dict[tuple[str, str, str], float] = {}
    core: dict[tuple[str, str], bool] = {}
    if split is not None and len(split):
        g = split[split["method"].isin(["shapley", "nucleolus"])]
        for sid, method, org, share in zip(g["site_id"].astype(str), g["method"],
                                           g["organisation"].astype(str), g["share_eur"],
                                           strict=True):
            fair[(sid, method, org)] = float(share)
        for sid, method, org, ok in zip(split["site_id"].astype(str), split["method"],
                                        split["organisation"].astype(str), split["in_core"],
                                        strict=True):
            core[(sid, f"{method}:{org}")] = bool(ok)
    return fair, core


def split_tables(split: pd.DataFrame | None, names: dict[str, str],
                 agreement: pd.DataFrame | None = None) -> dict[str, str]:
    """Return each shared site's agreement and cost split as popup HTML, by ``site_id``.

    The agreed key and term, and per party its role, floor area, desk-days, what it pays
    under the agreed key, its fee to the host (the host's income), and its Shapley and
    nucleolus shares with whether the agreed split is in the core. One pass over each
    table (rows in their order); sites without either are absent.

    Parameters
    ----------
    split : pandas.DataFrame, optional
        ``planner.costing.sharing.cost_sharing`` of the plan.
    names : dict of str to str
        Display name per organisation code.
    agreement : pandas.DataFrame, optional
        ``planner.costing.sharing.agreements`` of the plan; none: no tables.

    Returns
    -------
    dict of str to str
        HTML per ``site_id``.
    """
    fair, core = _fair_shares(split)
    if agreement is None or agreement.empty:
        return {}
    rows: dict[str, list[list[str]]] = {}
    head: dict[str, str] = {}
    for r in agreement.itertuples():
        sid, org = str(r.site_id), str(r.organisation)
        head.setdefault(sid, _("key {key}, term to {end}").format(
            key=term(r.key), end=i18n.fmt_date(r.term_end)))
        # to the cent: the shares add up to the site's cost (planner.cents)
        pay = (fmt_cents(r.fee_eur) if r.role not in ("host", "lessor")
               else _("receives {amount}").format(amount=fmt_cents(r.income_eur)))
        rows.setdefault(sid, []).append([
            esc(org_label(org, names)), esc(term(r.role)), esc(fmt_int(r.own_m2)),
            esc(fmt_int(r.desk_days)), esc(fmt_cents(r.net_eur)), esc(pay),
            esc(fmt_cents(fair[(sid, "shapley", org)]) if (sid, "shapley", org) in fair
                else DASH),
            esc(fmt_cents(fair[(sid, "nucleolus", org)]) if (sid, "nucleolus", org) in fair
                else DASH),
            esc({True: term("yes"), False: term("no")}.get(
                core.get((sid, f"{r.key}:{org}")), DASH))])
    header = [_("Organisation"), _("Role"), "m²", _("Desk-days"), _("Pays"), _("Fee to host"),
              "Shapley", _("Nucleolus"), _("In core")]
    agreement_word = esc(_("Agreement"))
    return {sid: f"<br><b>{agreement_word}</b> ({esc(head[sid])})"
            + table(header, r)
            for sid, r in rows.items()}


def _first_text(values: Iterable[Any]) -> str | None:
    """Return the first of ``values`` that is neither missing nor empty, as text."""
    return next((str(v) for v in values if not is_missing(v) and str(v)), None)


def host_agreements(region: Region) -> dict[str, str]:
    """Return each site's ``host_agreement`` by ``site_id`` (empty when the sites have none)."""
    sites = region.sites
    if sites is None or not {"site_id", "host_agreement"} <= set(sites.columns):
        return {}
    return dict(zip(sites["site_id"].astype(str), sites["host_agreement"].astype(str),
                    strict=True))


def _host_label(host: str, agreement: str | None, names: dict[str, str]) -> str:
    """Return ``"City of Helsinki (agreement: yes)"``; the name alone without an agreement."""
    label = org_label(host, names)
    if not agreement:
        return label
    return _("{host} (agreement: {agreement})").format(host=label, agreement=term(agreement))


def site_popups(dec: gpd.GeoDataFrame, names: dict[str, str],
                split: pd.DataFrame | None = None,
                agreements: dict[str, str] | None = None,
                agreement: pd.DataFrame | None = None) -> pd.DataFrame:
    """Return the popup HTML of every site of some decisions (one row per site).

    Parameters
    ----------
    dec : geopandas.GeoDataFrame
        Decisions (``Plan.decisions``), one row per site and organisation.
    names : dict of str to str
        Display name per organisation code (``symbols.org_names``).
    split : pandas.DataFrame, optional
        ``planner.costing.sharing.cost_sharing`` of the plan (with ``agreement``).
    agreements : dict of str to str, optional
        ``site_id`` -> host agreement (:func:`host_agreements`), shown after the host; a
        ``host_agreement`` column of ``dec`` takes precedence.
    agreement : pandas.DataFrame, optional
        ``planner.costing.sharing.agreements`` of the plan: a shared site's popup then shows its
        agreement and cost split (:func:`split_tables`).

    Returns
    -------
    pandas.DataFrame
        One row per site, sorted by ``site_id`` (as text): ``site_id``, ``site_name``,
        ``popup`` (name, host and its agreement, and a row per organisation in legend
        order, with the cost split of shared premises), ``modes`` (set of the site's
        modes), ``lat`` and ``lon`` of the site's first row.
    """
    cols = ["site_id", "site_name", "popup", "modes", "lat", "lon"]
    if not len(dec):
        return pd.DataFrame(columns=cols)
    splits = split_tables(split, names, agreement)
    rank = {o: i for i, o in enumerate(sorted({str(o) for o in dec["organisation"]},
                                              key=org_sort_key))}
    dec = dec.assign(_sid=dec["site_id"].astype(str).to_numpy(),
                     _rank=[rank[str(o)] for o in dec["organisation"]])
    dec = dec.sort_values(["_sid", "_rank"], kind="stable")
    days = pd.to_numeric(pd.Series(column(dec, "days_per_month", np.nan), dtype=object),
                         errors="coerce").fillna(0.0).tolist()
    cells = [[esc(org_label(o, names)), esc(term(mode)),
              esc(fmt_int(d) if d > 0 else DASH), esc(term(action)), esc(eur_or_dash(cost)),
              esc(fmt_int(visits))]
             for o, mode, d, action, cost, visits in zip(  # lists: fast to iterate
                 column(dec, "organisation"), column(dec, "mode"), days,
                 column(dec, "action"), column(dec, "annual_cost_eur", None),
                 column(dec, "visits", None), strict=True)]
    header = [_("Organisation"), _("Mode"), _("Days/month"), _("Action"), _("Annual cost"),
              _("Visits")]
    sids = dec["_sid"].to_numpy()
    starts = np.flatnonzero(np.r_[True, sids[1:] != sids[:-1]])
    ends = np.r_[starts[1:], len(sids)]
    site_names, hosts = dec["site_name"].tolist(), dec["host_org"].tolist()
    agreed = column(dec, "host_agreement", None)
    modes = dec["mode"].astype(str).tolist()
    out = []
    host_word = esc(_("Host"))
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        sid = sids[a]
        name = _first_text(site_names[a:b]) or sid
        host = _first_text(hosts[a:b]) or ""
        agreement = _first_text(agreed[a:b]) or (agreements or {}).get(str(sid))
        body = (f"<b>{esc(name)}</b><br>{host_word}: "
                f"{esc(_host_label(host, agreement, names))}<br>"
                + table(header, cells[a:b]) + splits.get(sid, ""))
        out.append((sid, name, body, set(modes[a:b])))
    where = latlon(dec.geometry.iloc[starts])
    return pd.DataFrame([(*o, lat, lon) for o, (lat, lon) in zip(out, where, strict=True)],
                        columns=cols)


def add_proposal(m: folium.Map, plan: Plan, names: dict[str, str],
                 split: pd.DataFrame | None = None,
                 agreements: dict[str, str] | None = None,
                 agreement: pd.DataFrame | None = None) -> None:
    """Draw the plan's sites: a shown layer per mode (strongest first) and the closed offices.

    Parameters as in :func:`site_popups`; ``plan.decisions`` are the decisions drawn.
    """
    dec = plan.decisions
    sites = site_popups(dec[dec["mode"] != "closed"], names, split, agreements, agreement)
    strongest = np.array([next((mode for mode in MODE_ORDER if mode in modes), "office")
                          for modes in sites["modes"]], dtype=object)
    for mode in MODE_ORDER:
        group = folium.FeatureGroup(name=_(MODE_LAYERS[mode]), show=True)
        _add_markers(group, sites[strongest == mode], _(MODE_LABELS[mode]),
                     MODE_MARKER_COLOURS[mode], MODE_ICONS[mode])
        group.add_to(m)

    group = folium.FeatureGroup(name=_(CLOSED_LAYER), show=True)
    _add_markers(group, site_popups(dec[dec["mode"] == "closed"], names,
                                    agreements=agreements), _("closes"),
                 CLOSED_MARKER_COLOUR, CLOSED_ICON)
    group.add_to(m)


def _add_markers(group: folium.FeatureGroup, sites: pd.DataFrame, label: str,
                 colour: str, icon: str) -> None:
    """Draw sites (:func:`site_popups`) as markers of one icon.

    Each has its popup and the tooltip "name (label)" (see ``elements.add_points``).
    """
    def marker(loc: list[float] | None) -> folium.Marker:
        return folium.Marker(location=loc, icon=folium.Icon(
            color=colour, icon=icon, prefix="fa", icon_color="white"))

    add_points(group, list(zip(sites["lat"], sites["lon"], strict=True)),
               sites["popup"].tolist(),
               [esc(f"{name} ({label})") for name in sites["site_name"]], marker,
               max_width=480)
