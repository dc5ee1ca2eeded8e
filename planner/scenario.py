"""The scenario file: region, organisations, access standards, costs and solver limits.

A scenario is a YAML file validated by the pydantic models below. Unknown keys are
refused (a typo must not silently fall back to a default).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from planner.config import Strict, load_yaml, require_mapping, validation_error
from planner.data.spec import RegionSpec, parse_region_spec
from planner.errors import InputError
from planner.schema import TravelMode

AgeRates = dict[Literal["age_0_14", "age_15_64", "age_65_"], float]

class Transit(Strict):
    """Public transport on a GTFS timetable (``travel.mode: transit``)."""

    feed: Path = Field(description="GTFS zip or folder (relative to the scenario file)")
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$",
                      description="service day YYYY-MM-DD (the feed must run on it)")
    start: str = Field("08:00", pattern=r"^\d{1,2}:\d{2}(:\d{2})?$",
                       description="first departure HH:MM")
    window_min: int = Field(60, ge=1, le=1440, description="departures every minute for this "
                            "many minutes from start")
    statistic: str = Field("median", pattern=r"^(median|min|max|p\d{1,2}(\.\d+)?|p100)$",
                           description="over the departures: median, min, max or p<N>")
    max_walk_m: float = Field(1000.0, gt=0, description="farthest walk to and from a stop")
    max_transfer_m: float = Field(500.0, ge=0, description="farthest walk between stops")
    attribution: str | None = Field(
        None, description="the feed's source and licence for the map and the report "
        "(default: the shipped feed's, else the feed's publisher)")


class Travel(Strict):
    """How residents reach service points."""

    mode: TravelMode = "walk"
    cutoff_min: float = Field(30.0, gt=0, description="travel times above this are not computed")
    walk_speed_kmh: float = Field(4.5, gt=0, description="walking speed, also for snap access")
    max_snap_m: float = Field(500.0, gt=0, description="points farther from the network fail")
    model: Literal["network", "straight_line"] = Field(
        "network", description="street network times, or straight lines x circuity / speed "
        "(for regions without a network; used automatically when the region has none)",
    )
    circuity: float = Field(1.3, ge=1, description="straight-line model: route / crow-fly")
    straight_speed_kmh: float | None = Field(
        None, gt=0, description="straight-line model: speed (default: walking speed for "
        "walk, 15 for bike, 50 for drive)",
    )
    straight_access_min: float = Field(
        0.0, ge=0, description="straight-line model: fixed minutes added to every trip "
        "(parking, waiting)",
    )
    unreachable: Literal["error", "unserved"] = Field(
        "error", description="residents with no candidate site within cutoff_min: 'error' "
        "stops the run and names them; 'unserved' prices their visits as unserved "
        "(costs.unserved_eur_per_visit)",
    )
    transit: Transit | None = Field(None, description="the timetable of travel.mode: transit")

    @model_validator(mode="after")
    def _check_transit(self) -> Travel:
        if self.mode == "transit" and self.transit is None:
            raise ValueError("travel.mode 'transit' needs travel.transit: {feed, date}; give "
                             "the GTFS feed and its service day")
        return self


class Organisation(Strict):
    """One organisation's demand and office parameters."""

    name: str
    visit_rates: AgeRates = Field(description="in-person visits per resident per year, by age")
    remote_share: AgeRates = Field(
        default_factory=dict, description="share of visits suited to remote service, by age"
    )
    desks_per_office: int = Field(4, gt=0)
    visits_per_desk_year: float = Field(2500.0, gt=0)
    office_fixed_eur_year: float = Field(
        60000.0, ge=0, description="shared services of one office: reception, security, "
        "cleaning and ICT (the line sharing premises saves part of)"
    )
    premises_eur_m2_year: float = Field(
        300.0, ge=0, description="premises of the organisation's own offices: rent or owner "
        "cost plus upkeep per m2 and year, where the service-point table gives none",
    )
    staff_eur_fte_year: float = Field(
        60000.0, ge=0, description="customer-service staff: salary and overheads per FTE",
    )
    staff_desks_per_fte: float = Field(
        1.0, ge=0, description="desks one FTE needs where it works (below 1 with desk sharing)",
    )
    fte_change: float = Field(
        0.0, description="FTE the plan adds (+) or removes (-) by the scenario's decision "
        "(e.g. productivity of remote service); a closure alone moves staff, never removes "
        "them",
    )
    min_staffed_sites: int = Field(
        1, ge=0, description="offices (own or in shared premises) the organisation keeps "
        "in the region at least; its pop-ups and remote points are run from them",
    )
    low_demand_visits_per_week: float | None = Field(
        None, gt=0, description="offices with fewer visits a week are flagged as candidates "
        "for remote or pop-up service (Kela's rule: 100 customers a week)",
    )
    budget_eur_year: float | None = Field(None, gt=0, description="cap on total annual cost")
    can_popup: bool = True
    can_remote: bool = True


class Standard(Strict):
    """An equal-access standard: share of residents within a time of in-person service."""

    organisation: str = Field("all", description="an organisation key, or 'all'")
    area: Literal["all", "municipality", "county", "employment_area"] = "all"
    minutes: float = Field(gt=0)
    share: float = Field(gt=0, description="required share of residents, 0..1")
    min_popup_days: int = Field(
        2, ge=0, description="pop-ups with fewer days per month do not count as in-person"
    )
    maximise_worst: bool = Field(
        False, description="equity: first raise the worst area's share as far as it goes, "
        "then minimise cost without lowering it",
    )

    @field_validator("share")
    @classmethod
    def _share_at_most_one(cls, v: float) -> float:
        if v > 1:
            raise ValueError(f"share {v:g} is above 100 %; give a share between 0 and 1 "
                             f"(e.g. 0.8 for 80 %)")
        return v


class PopupCosts(Strict):
    """Pop-up service: its levels (sessions a month), session costs and capacity."""

    days_per_month: list[int] = Field(
        default_factory=lambda: [2, 4, 8], description="pop-up levels: sessions a month")
    eur_per_session: float = Field(
        150.0, ge=0, description="equipment and set-up of one session (a host office's "
        "desk-days are charged under the site's agreement, planner.sharing); the session's "
        "staff time is in the staff line (the staff work there instead of at their office)",
    )
    visits_per_day: float = Field(25.0, gt=0, description="visits one session serves")
    desks: int = Field(1, ge=0, description="host desks a pop-up occupies on its days")
    staff_travel_eur_per_hour: float = Field(
        0.0, ge=0, description="staff travel to a session, priced as a round trip from the "
        "organisation's nearest staffed site (the tours, which chain sessions, report the "
        "actual travel)",
    )

    @model_validator(mode="after")
    def _days(self) -> PopupCosts:
        if any(d <= 0 or d > 22 for d in self.days_per_month):
            raise ValueError("days_per_month values must be between 1 and 22")
        return self


class RemoteCosts(Strict):
    """A remote service point (video link): its annual cost and capacity."""

    eur_per_year: float = Field(6000.0, ge=0, description="video point, host fee, support")
    visits_per_year: float = Field(3000.0, gt=0)


class Costs(Strict):
    """Cost parameters shared by all organisations."""

    value_of_time_eur_per_hour: float = Field(12.0, ge=0, description="residents' travel time")
    desk_m2: float = Field(12.0, gt=0, description="floor area per desk incl. customer space")
    fitout_amortisation_years: float = Field(10.0, gt=0)
    closing_eur: float = Field(50000.0, ge=0, description="one-off cost of closing an office "
                               "(moving staff and equipment)")
    early_termination_years: float | None = Field(
        None, ge=0, description="an office whose lease runs past horizon_end may close at a "
        "termination cost of this many years of its premises cost (one-off); unset: it "
        "cannot close",
    )
    shared_saving_share: float = Field(
        0.3, ge=0, le=1, description="share of an office's fixed cost saved in shared premises"
    )
    unserved_eur_per_visit: float = Field(
        250.0, gt=0,
        description="cost of a visit no option in the region can take (served elsewhere, "
                    "by phone or not at all); set it above the cost of serving a visit",
    )
    popup: PopupCosts = Field(default_factory=PopupCosts)
    remote: RemoteCosts = Field(default_factory=RemoteCosts)


class Demand(Strict):
    """How modelled visits are held against the visits the offices record."""

    calibrate: Literal["off", "rates"] = Field(
        "off", description="'rates': each organisation's visit rates are scaled so that "
        "today's network, visits sent to the nearest office, receives the visits its "
        "offices record (annual_visits); 'off': rates as given",
    )
    tolerance: float = Field(
        0.25, gt=0, description="a run warns when modelled and recorded visits of an "
        "organisation differ by more than this share",
    )


class Hosts(Strict):
    """Which sites may host other organisations."""

    suggestions: bool = Field(
        False, description="also offer sites of non-partners (ministries, private clinics, "
        "universities) whose host_agreement is to_verify; off: only partners' premises and "
        "sites whose host has agreed",
    )


class Sharing(Strict):
    """How shared premises' costs are split (``planner.sharing``).

    The key the agreements use, and the floor-area model behind the cost-price key.
    """

    key: Literal["floor_area", "desk_days", "visits", "equal", "shapley", "nucleolus"] = Field(
        "floor_area", description="the agreed key: fees follow it (floor_area: the "
        "cost-price principle, own floor area plus common space and shared services by use)")
    common_space_share: float = Field(
        0.2, ge=0, lt=1, description="share of a host office's floor area that is common "
        "space (reception, waiting, meeting rooms), split by desk-days")
    working_days_per_year: float = Field(
        230.0, gt=0, description="days an office is staffed: its desk-days are desks x these")
    fitout_paid_by: Literal["tenant", "host"] = Field(
        "tenant", description="who pays a new tenant's fit-out (Seinäjoki: Kela renovates, "
        "so 'tenant'; 'host' moves it to the host's budget)")


class Solver(Strict):
    """The MIP solver: limits, engine, and how a large problem is cut down or split."""

    time_limit_s: float = Field(60.0, gt=0)
    relative_gap: float = Field(1e-4, ge=0)
    seed: int = 0
    max_demand_points: int | None = Field(
        None, gt=0, description="above this many demand points, aggregate them to a grid "
        "(within each area); the output states the cell size and the largest move",
    )
    assign_nearest: int | None = Field(
        None, gt=0, description="sparse cut-off: a point's visits for an organisation may go "
        "only to its K nearest sites where that organisation has an option and its K "
        "nearest current offices; an access standard counts the point's 2K nearest eligible "
        "sites and the current offices within its minutes (conservative: what the model "
        "calls covered is covered)",
    )
    decompose: Literal["none", "county", "municipality", "employment_area"] = Field(
        "none", description="solve each area's part separately (its residents, its sites): "
        "standards hold in every part, budgets are shared out by Lagrangian prices",
    )
    workers: int = Field(1, gt=0, description="processes solving the parts at once")
    engine: Literal["scip", "highs"] = Field(
        "scip", description="the MIP solver: SCIP (through OR-Tools) or HiGHS (highspy); "
        "HiGHS solves the relaxation of large parts much faster (see the README's national "
        "benchmark)",
    )


class Scenario(Strict):
    """A complete planning scenario."""

    name: str
    region: str | RegionSpec = Field(
        "demo:helsinki", description="'demo:helsinki' (the embedded region) or a region "
        "built from Finnish open data and the planner's own files (see planner.data.spec)",
    )
    travel: Travel = Field(default_factory=Travel)
    organisations: dict[str, Organisation]
    standards: list[Standard] = Field(default_factory=list)
    costs: Costs = Field(default_factory=Costs)
    demand: Demand = Field(default_factory=Demand)
    hosts: Hosts = Field(default_factory=Hosts)
    sharing: Sharing = Field(default_factory=Sharing)
    solver: Solver = Field(default_factory=Solver)
    horizon_end: str = Field("2030-12-31", description="leases ending after this cannot close")
    lang: Literal["en", "fi", "sv"] = Field(
        "en", description="language of the maps, the workbook and the printed tables "
        "(English, Finnish, Swedish); the command's --lang overrides it")

    @model_validator(mode="after")
    def _check_refs(self) -> Scenario:
        for i, s in enumerate(self.standards):
            if s.organisation != "all" and s.organisation not in self.organisations:
                raise ValueError(
                    f"standards[{i}].organisation {s.organisation!r} is not one of "
                    f"{sorted(self.organisations)}; use one of them or 'all'"
                )
        return self


def parse_scenario(data: object, source: str = "<scenario>",
                   base: str | Path | None = None) -> Scenario:
    """Validate a scenario given as plain data.

    Parameters
    ----------
    data : object
        The parsed YAML document.
    source : str
        File name used in error messages.
    base : str or pathlib.Path, optional
        Folder that relative file paths of a region spec are read from (the scenario
        file's folder); without it they stay as given.

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        One line naming the file, the key and what to do.
    """
    data = require_mapping(data, source, "the scenario", "; write it as 'key: value' lines "
                           "(name, region, organisations, ...)")
    if isinstance(data.get("region"), dict):  # its own one-line errors name region.<key>
        data = {**data, "region": parse_region_spec(data["region"], source)}
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, Scenario, source) from None
    if base is not None and isinstance(scenario.region, RegionSpec):
        scenario = scenario.model_copy(
            update={"region": scenario.region.resolve_paths(Path(base))})
    tr = scenario.travel.transit
    if base is not None and tr is not None:
        feed = tr.feed if tr.feed.is_absolute() else Path(base) / tr.feed
        if not feed.exists():
            raise InputError(f"{source}: travel.transit.feed {tr.feed} not found (read from "
                             f"{Path(base)}); give a GTFS zip or folder relative to the "
                             "scenario file")
        travel = scenario.travel.model_copy(
            update={"transit": tr.model_copy(update={"feed": feed})})
        scenario = scenario.model_copy(update={"travel": travel})
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file.

    Parameters
    ----------
    path : str or pathlib.Path
        The YAML file.

    Returns
    -------
    Scenario
    """
    path = Path(path)
    return parse_scenario(load_yaml(path, "the scenario"), str(path), path.parent)
