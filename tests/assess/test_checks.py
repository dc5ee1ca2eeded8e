"""A proposal checked against the optimiser's rules.

On the hand-made instances of ``test_colocation`` (kela's office A, the county's B,
libraries C and D of the city with 4 spare desks each; an office takes 2 desks and serves 1
000 visits a desk a year).
"""

from __future__ import annotations

import pandas as pd
import pytest

from planner.assess import checks, kpis
from planner.assess.proposal import proposal_plan
from tests.model.test_colocation import instance


def _proposal(p, rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["site_id", "organisation", "mode", "days_per_month"])


def _rules(plan, p) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in checks.plan_checks(plan, p).itertuples():
        out.setdefault(r.rule, []).append(r.message)
    return out


def test_todays_network_keeps_every_rule() -> None:
    p = instance({"p0": {"A": 5, "B": 5, "C": 5, "D": 5}}, {"p0": 100})
    assert checks.plan_checks(kpis.current_plan(p), p).empty


def test_closing_a_lease_past_the_horizon() -> None:
    p = instance({"p0": {"A": 5, "B": 5, "C": 5, "D": 5}}, {"p0": 100})
    p.existing.loc[0, "lease_end"] = "2040-06-30"  # kela's A, horizon 2030-12-31
    plan = proposal_plan(_proposal(p, [("C", "kela", "office", 0)]), p)
    assert _rules(plan, p)["lease"] == [
        "closes A, leased to 2040-06-30, past the horizon 2030-12-31; keep it, or allow "
        "ending leases early (costs.early_termination_years)"]
    # allowed at a price: 2 years of A's premises (58 000) over 10 years = 11 600 a year
    costs = p.scenario.costs.model_copy(update={"early_termination_years": 2.0})
    p.scenario = p.scenario.model_copy(update={"costs": costs})
    found = checks.plan_checks(plan, p)
    assert list(found["rule"]) == ["lease_cost"] and list(found["severity"]) == ["note"]
    assert "11,600 EUR/year" in found["message"].iloc[0]


def test_overfilling_a_host_and_an_unagreed_host() -> None:
    p = instance({"p0": {"A": 5, "B": 5, "C": 5, "D": 5}}, {"p0": 100})
    both = _proposal(p, [("C", "kela", "office", 0), ("C", "county", "office", 0)])
    assert "host_desks" not in _rules(proposal_plan(both, p), p)  # 2 + 2 desks of 4
    p.sites.loc[2, "spare_desks"] = 3
    found = checks.plan_checks(proposal_plan(both, p), p)
    row = found[found["rule"] == "host_desks"].iloc[0]
    assert row["organisation"] == "county and kela" and row["site_id"] == "C"
    assert row["message"] == ("takes 4 desks of the host's 3 spare at Library C; move an "
                              "organisation or use fewer desks")
    p.sites["host_agreement"] = ["yes", "yes", "no", "yes"]
    assert _rules(proposal_plan(both, p), p)["host"] == [
        "Library C is not a partner's premises nor agreed (host city, agreement no); agree "
        "it with the host first"]


def test_capacity_and_a_staffed_base() -> None:
    # 5 000 residents, one visit each to kela: its office A (its own 3 desks x 1 000 =
    # 3 000 a year, as the model counts a kept office; not desks_per_office, 2) takes them
    # all as the nearest option
    p = instance({"p0": {"A": 1, "B": 5, "C": 5, "D": 5}}, {"p0": 5000})
    assert int(p.existing.set_index("point_id").at["A", "desks"]) == 3
    today = kpis.current_plan(p)
    assert _rules(today, p)["capacity"][0] == (
        "office at Kela A receives 5,000 visits a year; it can serve 3,000")
    # kela with a pop-up only: no staffed office to run it from
    plan = proposal_plan(_proposal(p, [("C", "kela", "popup", 2)]), p)
    rules = _rules(plan, p)
    assert rules["base"] == ["kela has pop-ups or remote points but no staffed office to "
                             "run them from; keep an office"]
    # the pop-up serves 2 days x 12 x 25 = 600 visits of the 5 000
    assert "popup at Library C receives 5,000 visits a year; it can serve 600" in \
        rules["capacity"]


def test_standards_status_new_or_already_broken() -> None:
    # p1 (20 residents) has no office within 10 min today: the standard (everyone within
    # 10 min) is already broken; closing kela's A breaks it for p0 too, which is new for
    # nothing (already broken), while the county's stays met
    p = instance({"p0": {"A": 2, "B": 2, "C": 40, "D": 20},
                  "p1": {"A": 40, "B": 2, "C": 2, "D": 20}}, {"p0": 100, "p1": 20})
    today = kpis.standards_report(kpis.current_plan(p), p)
    plan = proposal_plan(_proposal(p, [("C", "kela", "office", 0)]), p)
    status = checks.standards_status(today, kpis.standards_report(plan, p))
    by = status.set_index("organisation")
    assert by.at["kela", "status"] == "already broken today"
    assert by.at["county", "status"] == "met"
    # the county closes B for D (20 min from both): new
    plan = proposal_plan(_proposal(p, [("D", "county", "office", 0)]), p)
    status = checks.standards_status(today, kpis.standards_report(plan, p))
    assert status.set_index("organisation").at["county", "status"] == "new"


def test_access_changes_by_area_and_age() -> None:
    # p0 in municipality M1, p1 in M2 (all residents aged 15-64): kela moving from A to C
    # loses p0's 100 and gains p1's 20
    p = instance({"p0": {"A": 2, "B": 2, "C": 40, "D": 20},
                  "p1": {"A": 40, "B": 2, "C": 2, "D": 20}}, {"p0": 100, "p1": 20},
                 municipality={"p0": "M1", "p1": "M2"})
    plan = proposal_plan(_proposal(p, [("C", "kela", "office", 0)]), p)
    ch = kpis.access_changes_by_area(kpis.current_plan(p), plan, p)
    assert set(ch["organisation"]) == {"kela"}
    mun = ch[(ch["level"] == "municipality") & (ch["age_group"] == "15_64")].set_index("area")
    assert mun.loc["M1", ["residents_gaining", "residents_losing"]].tolist() == [0.0, 100.0]
    assert mun.loc["M2", ["residents_gaining", "residents_losing"]].tolist() == [20.0, 0.0]
    whole = ch[(ch["level"] == "all") & (ch["age_group"] == "all")].iloc[0]
    assert whole["net_change"] == pytest.approx(-80.0)
    assert ch[ch["age_group"] == "0_14"].empty  # nobody of that age lives there
