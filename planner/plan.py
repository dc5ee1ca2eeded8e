"""The ``Plan``: plain data describing a service network, optimised or made by a user.

A plan holds no solver objects, so a plan read from a file is evaluated, drawn and
reported exactly like one the optimiser produced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio

from planner._io import atomic_write, fixed_gpkg_date
from planner.errors import InputError
from planner.schema import CRS, DECISION_MODES

#: Columns of ``Plan.decisions``; one row per (site, organisation) that is open or closed.
DECISION_COLUMNS = (
    "site_id", "site_name", "host_org", "host_agreement", "organisation", "mode",
    "days_per_month", "action", "annual_cost_eur", "visits", "staff_fte",
    "premises_eur", "services_eur", "staff_eur", "staff_travel_eur", "sessions_eur",
    "remote_eur", "fitout_eur", "closing_eur",
)
#: The cost lines among ``DECISION_COLUMNS`` (``annual_cost_eur`` is their sum).
COST_LINE_COLUMNS = DECISION_COLUMNS[-8:]
#: Columns of ``Plan.assignment``; one row per (demand point, organisation, site, channel).
ASSIGNMENT_COLUMNS = ("demand_id", "organisation", "site_id", "channel", "visits", "minutes")
ACTIONS = ("keep", "open", "close")
#: Meta keys kept in memory but not written to files: they differ from run to run, and the
#: same scenario and seed must give byte-identical plan files.
RUN_ONLY_META = ("seconds", "parts", "stages")


@dataclass
class Plan:
    """A service network: what is where, who goes where, and how it scores.

    Attributes
    ----------
    name : str
        Plan name (e.g. ``"optimised"``, ``"current"``, or the user's label).
    decisions : geopandas.GeoDataFrame
        One row per site and organisation (columns ``DECISION_COLUMNS``, point geometry in
        EPSG:3067). ``mode`` is ``office`` (stand-alone), ``shared`` (an office in premises that
        two or more organisations use in person), ``popup`` (``days_per_month`` > 0),
        ``remote`` (video point) or ``closed`` (an existing office that closes). ``action`` is
        ``keep`` (an existing office stays), ``open`` or ``close``. ``annual_cost_eur`` is
        the sum of the cost lines (``COST_LINE_COLUMNS``: premises, shared services, staff,
        staff travel, pop-up sessions, remote points, fit-out, closing); ``staff_fte`` the
        staff working there; ``host_agreement`` the host's (yes, to_verify, no).
    assignment : pandas.DataFrame
        Where each demand point's visits go (``ASSIGNMENT_COLUMNS``); ``channel`` is
        ``in_person``, ``remote`` or ``unserved`` (``site_id`` empty then).
    kpis : pandas.DataFrame
        Indicators per organisation (index), filled by ``planner.assess.kpis``.
    meta : dict
        Provenance and solver report: ``status``, ``objective``, ``bound``, ``gap``,
        ``seconds``, ``scenario``, ``seed``, ``source``.
    """

    name: str
    decisions: gpd.GeoDataFrame
    assignment: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(ASSIGNMENT_COLUMNS))
    )
    kpis: pd.DataFrame = field(default_factory=pd.DataFrame)
    meta: dict[str, Any] = field(default_factory=dict)

    def open_decisions(self) -> gpd.GeoDataFrame:
        """Return the decisions that offer service (every mode but ``closed``)."""
        return self.decisions[self.decisions["mode"] != "closed"]

    def sites_per_mode(self) -> dict[str, int]:
        """Count the distinct sites per mode (a shared site counts once under ``shared``)."""
        d = self.open_decisions()
        return {m: int(d.loc[d["mode"] == m, "site_id"].nunique()) for m in DECISION_MODES[:-1]}

    # ------------------------------------------------------------------ I/O
    def to_file(self, path: str | Path) -> Path:
        """Write the plan to a GeoPackage (``.gpkg``) or GeoJSON (``.geojson``) file.

        The file is written whole or not at all (a temporary file is renamed into place).

        Parameters
        ----------
        path : str or pathlib.Path
            Output file; the suffix selects the format.

        Returns
        -------
        pathlib.Path
            The written path.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".gpkg", ".geojson", ".json"):
            raise InputError(f"{path}: unknown plan format {suffix!r}; use .gpkg or .geojson")
        if suffix == ".gpkg":
            return atomic_write(path, self._write_gpkg)
        text = self._to_geojson_text()
        return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))

    def _file_meta(self) -> dict[str, Any]:
        return {k: v for k, v in self.meta.items() if k not in RUN_ONLY_META}

    def _write_gpkg(self, path: Path) -> None:
        with fixed_gpkg_date():
            self._write_gpkg_layers(path)

    def _write_gpkg_layers(self, path: Path) -> None:
        dec = self.decisions.to_crs(CRS)
        pyogrio.write_dataframe(dec, path, layer="decisions", driver="GPKG")
        pyogrio.write_dataframe(self.assignment.reset_index(drop=True), path,
                                layer="assignment", driver="GPKG")
        if len(self.kpis):
            pyogrio.write_dataframe(self.kpis.reset_index(names="organisation"), path,
                                    layer="kpis", driver="GPKG")
        file_meta = self._file_meta()
        meta = pd.DataFrame({"key": ["plan_name", *file_meta],
                             "value": [json.dumps(self.name)]
                             + [json.dumps(v) for v in file_meta.values()]})
        pyogrio.write_dataframe(meta, path, layer="meta", driver="GPKG")

    def _to_geojson_text(self) -> str:
        dec = self.decisions.to_crs("EPSG:4326")
        fc = json.loads(dec.to_json(drop_id=True))
        fc["name"] = self.name
        fc["planner"] = {
            "meta": self._file_meta(),
            "assignment": json.loads(self.assignment.to_json(orient="records")),
            "kpis": json.loads(self.kpis.reset_index(names="organisation").to_json(
                orient="records")) if len(self.kpis) else [],
        }
        return json.dumps(fc, ensure_ascii=False, indent=1, sort_keys=False)

    @classmethod
    def from_file(cls, path: str | Path) -> Plan:
        """Read a plan written by ``to_file`` (GeoPackage or GeoJSON).

        A GeoJSON made by hand needs only point features with ``site_id``,
        ``organisation`` and ``mode``; missing optional columns get defaults.
        """
        path = Path(path)
        if not path.exists():
            raise InputError(f"{path}: no such plan file; check the path")
        if path.suffix.lower() == ".gpkg":
            layers = {name for name, _ in pyogrio.list_layers(path)}
            if "decisions" not in layers:
                raise InputError(f"{path}: no 'decisions' layer; is this a planner plan?")
            dec = pyogrio.read_dataframe(path, layer="decisions")
            asg = (pyogrio.read_dataframe(path, layer="assignment", read_geometry=False)
                   if "assignment" in layers else pd.DataFrame(columns=list(ASSIGNMENT_COLUMNS)))
            kpis = (pyogrio.read_dataframe(path, layer="kpis", read_geometry=False)
                    .set_index("organisation") if "kpis" in layers else pd.DataFrame())
            meta_df = (pyogrio.read_dataframe(path, layer="meta", read_geometry=False)
                       if "meta" in layers else pd.DataFrame(columns=["key", "value"]))
            meta = {k: json.loads(v) for k, v in zip(meta_df["key"], meta_df["value"],
                                                       strict=True)}
            name = meta.pop("plan_name", path.stem)
        else:
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError as exc:
                raise InputError(f"{path}: malformed JSON at line {exc.lineno}: "
                                 f"{exc.msg}") from None
            dec = gpd.GeoDataFrame.from_features(doc.get("features", []), crs="EPSG:4326")
            extra = doc.get("planner", {})
            meta = dict(extra.get("meta", {}))
            asg = pd.DataFrame(extra.get("assignment", []), columns=list(ASSIGNMENT_COLUMNS))
            k = extra.get("kpis", [])
            kpis = pd.DataFrame(k).set_index("organisation") if k else pd.DataFrame()
            name = doc.get("name", path.stem)
        return cls(name=name, decisions=normalise_decisions(dec, str(path)), assignment=asg,
                   kpis=kpis, meta=meta)


def normalise_decisions(dec: gpd.GeoDataFrame, source: str) -> gpd.GeoDataFrame:
    """Check a decisions table and fill optional columns with defaults.

    Parameters
    ----------
    dec : geopandas.GeoDataFrame
        Decisions with at least ``site_id``, ``organisation`` and ``mode``.
    source : str
        Name of the input in messages.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``DECISION_COLUMNS`` and geometry, in EPSG:3067.
    """
    for col in ("site_id", "organisation", "mode"):
        if col not in dec.columns:
            raise InputError(f"{source}: decisions lack column {col!r}; add it")
    bad = dec.loc[~dec["mode"].isin(DECISION_MODES), "mode"]
    if len(bad):
        raise InputError(f"{source}: mode {bad.iloc[0]!r} is not one of "
                         f"{', '.join(DECISION_MODES)}; fix the row")
    dec = dec.copy()
    defaults: dict[str, Any] = {"site_name": "", "host_org": "", "host_agreement": "",
                                "days_per_month": 0, "action": "open", "annual_cost_eur": 0.0,
                                "visits": 0.0, "staff_fte": 0.0,
                                **dict.fromkeys(COST_LINE_COLUMNS, 0.0)}
    for col, val in defaults.items():
        if col not in dec.columns:
            dec[col] = val
    dec["site_id"] = dec["site_id"].astype(str)
    dec["days_per_month"] = dec["days_per_month"].fillna(0).astype(int)
    if dec.crs is None:
        raise InputError(f"{source}: decisions have no CRS; give EPSG:4326 or EPSG:3067")
    dec = dec.to_crs(CRS)
    cols = [*DECISION_COLUMNS, "geometry"]
    return gpd.GeoDataFrame(dec[cols], geometry="geometry", crs=CRS).reset_index(drop=True)
