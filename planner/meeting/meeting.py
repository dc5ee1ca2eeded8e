"""One meeting's numbers: the scenario prepared once, a proposal's answers per change.

:meth:`Meeting.open` builds the region, the travel times and the model input once
(:func:`planner.pipeline.region_and_problem`) and evaluates today's network; each change of the
proposal is then answered by :func:`planner.pipeline.assess_proposal`, the code path of
``planner evaluate``, and the tables ``planner evaluate`` writes into its workbook (costs
by mode and line, budgets after the fees, the cost split of every shared site by every key,
Shapley value and nucleolus included). The answers of a proposal are kept, so undo, redo
and a second look cost nothing.

The downloads are the files of ``planner evaluate``: the proposal as CSV (which
``planner evaluate`` reads back), the workbook and the map.
"""

from __future__ import annotations

import json
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from planner import i18n, pipeline
from planner.assess import kpis
from planner.assess.proposal import read_proposal
from planner.costing import sharing
from planner.meeting.state import PROPOSAL_COLUMNS, Key, ProposalState, Snapshot, snapshot
from planner.outputs import files as outputs
from planner.outputs import report
from planner.plan import COST_LINE_COLUMNS, Plan
from planner.problem.build import Problem
from planner.region import Region
from planner.scenario import Scenario, load_scenario

__all__ = ["Latest", "Meeting", "records"]

#: Answers kept per meeting (a proposal's answers are computed once).
CACHE_SIZE = 128


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Return a table as JSON-ready records (NaN as None, numpy values as Python's)."""
    return json.loads(df.to_json(orient="records", double_precision=10))


@dataclass
class Meeting:
    """A scenario prepared for a meeting: the problem, today's network, where it starts.

    Attributes
    ----------
    scenario : Scenario
    region : Region
    problem : Problem
    today : Plan
        Today's network with its KPIs.
    visits : pandas.DataFrame
        Recorded and modelled visits of today's offices (the run's visits table).
    today_standards : pandas.DataFrame
        Every standard per area today (``planner.assess.kpis.standards_report``).
    start : Snapshot
        Today's network, or the plan the meeting was opened with.
    name : str
        The proposal's name in the downloads.
    """

    scenario: Scenario
    region: Region
    problem: Problem
    today: Plan
    visits: pd.DataFrame
    today_standards: pd.DataFrame
    start: Snapshot
    name: str = "proposal"
    _cache: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _cache_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, scenario: str | Path, plan: str | Path | None = None) -> Meeting:
        """Prepare a scenario for the meeting page; start from ``plan`` or today's network.

        Parameters
        ----------
        scenario : str or pathlib.Path
            Scenario YAML.
        plan : str or pathlib.Path, optional
            A saved plan (``plan.gpkg``) or a proposal table (CSV, a workbook the planner
            wrote in any language...): the meeting starts from it.
        """
        sc = load_scenario(scenario)
        mine = start_table(Path(plan)) if plan is not None else None  # read before the work
        region, problem, today, visits = pipeline.run_inputs(sc)
        today.kpis = kpis.plan_kpis(today, problem)
        existing = existing_keys(problem)
        table = today_table(problem)
        if mine is not None:
            pipeline.assess_proposal(problem, today, mine, source=str(plan))  # checks it
            # organisations the plan does not name keep today's network (as evaluate reads)
            kept = table[~table["organisation"].isin(set(mine["organisation"]))]
            table = pd.concat([mine, kept], ignore_index=True)
        return cls(scenario=sc, region=region, problem=problem, today=today, visits=visits,
                   today_standards=kpis.standards_report(today, problem),
                   start=snapshot(table, existing),
                   name=Path(plan).stem if plan is not None else "proposal")

    def existing(self) -> set[Key]:
        """Return today's offices as (site_id, organisation) pairs."""
        return existing_keys(self.problem)

    # ------------------------------------------------------------------ answers
    def assess(self, snap: Snapshot) -> pipeline.Assessment:
        """Return the proposal's assessment, as ``planner evaluate`` makes it."""
        return pipeline.assess_proposal(self.problem, self.today, snap.table(),
                                        name=self.name, source="the page",
                                        today_standards=self.today_standards)

    def answers(self, snap: Snapshot) -> dict[str, Any]:
        """Return everything the page shows of a proposal (kept for the next time)."""
        key = snap.choices
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        out = self._answers(snap)
        with self._cache_lock:
            self._cache[key] = out
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return out

    def _answers(self, snap: Snapshot) -> dict[str, Any]:
        a = self.assess(snap)
        plan, today, problem = a.plan, self.today, self.problem
        # the decisions as a plain table: the sharing tables walk it row by row
        decisions = pd.DataFrame(plan.decisions.drop(columns="geometry"))
        splits = sharing.cost_sharing(decisions, problem)
        agreement = sharing.agreements(decisions, problem, splits)
        lines = list(COST_LINE_COLUMNS)
        by_line = (decisions.groupby("organisation")[[*lines, "annual_cost_eur"]].sum()
                   .reindex(problem.orgs).fillna(0.0).reset_index(names="organisation"))
        overall, per_org = kpis.travel_minutes(plan.assignment)
        ids = problem.demand["demand_id"].astype(str)
        minutes = {"all": [overall.get(d) for d in ids]}
        for org, g in per_org.groupby("organisation"):
            m = g.set_index("demand_id")["minutes"]
            minutes[str(org)] = [None if pd.isna(v) else float(v)
                                 for v in m.reindex(ids).to_numpy()]
        return {
            "kpis": records(pipeline.compare(today, plan).reset_index()),
            "standards": records(a.standards),
            "checks": records(a.checks),
            "costs": records(report.cost_table(plan, today)),
            "cost_lines": records(by_line),
            "budgets": records(sharing.budgets(decisions, today.decisions, agreement)),
            "split": records(splits),
            "decisions": records(decisions),
            "totals": {"today": kpis.total_cost(today, problem),
                       "proposal": kpis.total_cost(plan, problem)},
            "minutes": minutes,
        }

    # ------------------------------------------------------------------ the page's map
    def meta(self) -> dict[str, Any]:
        """Return what the page draws once: sites, today's offices, residents, names."""
        sc, p = self.scenario, self.problem
        sites = p.sites.to_crs("EPSG:4326")
        today: dict[str, dict[str, str]] = {}
        for e in p.existing.itertuples():
            today.setdefault(str(p.sites["site_id"].iloc[int(e.site)]), {})[str(e.org)] = "office"
        dem = p.demand.to_crs("EPSG:4326").geometry.representative_point()
        levels = sorted({int(d) for d in sc.costs.popup.days_per_month})
        return {
            "scenario": sc.name, "region": self.region.name, "sharing_key": sc.sharing.key,
            "organisations": [{"key": o, "name": sc.organisations[o].name} for o in p.orgs],
            "popup_days": levels,
            "sites": [{"site_id": str(r.site_id), "name": str(r.name), "kind": str(r.kind),
                       "host_org": str(r.host_org), "lat": round(r.geometry.y, 6),
                       "lon": round(r.geometry.x, 6), "today": today.get(str(r.site_id), {})}
                      for r in sites.itertuples()],
            "demand": [{"demand_id": str(d), "lat": round(g.y, 6), "lon": round(g.x, 6),
                        "population": round(float(pop), 1)}
                       for d, g, pop in zip(p.demand["demand_id"], dem,
                                            p.demand["population"], strict=True)],
        }

    # ------------------------------------------------------------------ downloads
    def proposal_csv(self, snap: Snapshot) -> bytes:
        """Return the proposal as the CSV ``planner evaluate`` reads back."""
        return snap.table().to_csv(index=False, lineterminator="\n").encode("utf-8")

    def report_file(self, snap: Snapshot, what: str, lang: str) -> bytes:
        """Return ``planner evaluate``'s workbook (``xlsx``) or map (``map``) of a proposal.

        Written as ``planner evaluate`` writes them (the proposal's outputs against today's
        network, in ``lang``) into a temporary folder, read and removed.
        """
        a = self.assess(snap)
        with i18n.language(lang), tempfile.TemporaryDirectory(prefix="planner-serve-") as tmp:
            written = outputs.write_outputs(
                tmp, outputs.Outputs(plan=a.plan, kpis=pipeline.compare(self.today, a.plan),
                                     standards=a.standards, access=a.access),
                outputs.PROPOSAL, outputs.ReportInputs(
                    pipeline.run_of(self.scenario, self.region, self.problem, self.today,
                                    a.plan, self.visits),
                    title=f"{self.region.name} · {self.scenario.name} · {self.name}",
                    extra=dict(zip(outputs.EVALUATION_SHEETS, (a.checks, a.access_by_area),
                                   strict=True))))
            return Path(written["xlsx" if what == "xlsx" else "map"]).read_bytes()


def existing_keys(problem: Problem) -> set[Key]:
    """Return today's offices of a problem as (site_id, organisation) pairs."""
    ids = problem.sites["site_id"].astype(str).to_numpy()
    return {(str(ids[int(e.site)]), str(e.org)) for e in problem.existing.itertuples()}


def today_table(problem: Problem) -> pd.DataFrame:
    """Return today's network as a proposal table (every office kept)."""
    rows = [(s, o, "office", 0) for s, o in sorted(existing_keys(problem))]
    return pd.DataFrame(rows, columns=list(PROPOSAL_COLUMNS))


def start_table(path: Path) -> pd.DataFrame:
    """Return a saved plan (``.gpkg``) or a proposal file as a proposal table."""
    gpkg = path.suffix.lower() == ".gpkg"
    dec = Plan.from_file(path).decisions if gpkg else read_proposal(path)
    days = pd.to_numeric(dec["days_per_month"], errors="coerce").fillna(0).astype(int)
    return pd.DataFrame({"site_id": dec["site_id"].astype(str),
                         "organisation": dec["organisation"].astype(str),
                         "mode": dec["mode"].astype(str), "days_per_month": days.to_numpy()})


@dataclass
class Latest:
    """The answers of the newest proposal, computed once for every request waiting on them.

    When many requests change the proposal at once (a meeting with several screens, the
    load benchmark), each needs answers at least as new as its own change: one request
    computes those of the newest state while the others wait, and all get them. So the work
    is one evaluation at a time, however many requests wait (the answers a request gets are
    of its own change or a later one, never an older one), and one JSON encoding.
    """

    meeting: Meeting
    state: ProposalState
    _done: tuple | None = None
    _running: bool = False
    _cond: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def view(self) -> tuple[bytes, float]:
        """Return the newest state and its answers as the page's JSON (encoded once).

        With the seconds its answers took (the ``Server-Timing`` of the response).
        """
        wanted = self.state.view()[1]
        with self._cond:
            while not (self._done is not None and self._done[0] >= wanted):
                if not self._running:
                    self._running = True
                    break
                self._cond.wait()
            else:
                return self._done[1], self._done[2]
        done = None
        t0 = time.perf_counter()
        try:
            snap, version, can_undo, can_redo = self.state.view()
            body = {"version": version, "can_undo": can_undo, "can_redo": can_redo,
                    "choices": [{"site_id": s, "organisation": o, "mode": m,
                                 "days_per_month": d, "locked": (s, o) in snap.locked}
                                for (s, o), (m, d) in snap.choices],
                    "answers": self.meeting.answers(snap)}
            done = (version, json.dumps(body, allow_nan=False, separators=(",", ":"))
                    .encode("utf-8"), time.perf_counter() - t0)
        finally:
            with self._cond:
                self._running = False
                if done is not None:
                    self._done = done
                self._cond.notify_all()
        return done[1], done[2]
