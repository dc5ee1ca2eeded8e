"""A workbook the planner wrote, in Finnish, Swedish or English, read back as a proposal."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from planner import i18n, pipeline
from planner._paths import DEMO_SCENARIO
from planner.assess.proposal import proposal_plan, read_proposal
from planner.data.labels import localise_tables
from planner.errors import InputError
from planner.outputs import report
from planner.region import Region
from planner.scenario import load_scenario

#: The demo proposal (Kela into Oodi, the county's remote point there) plus a shared site
#: (the employment services in the city hall) and a pop-up, so that every mode is written.
EXTRA = pd.DataFrame([("city-kaupungintalo", "employment", "office", 0),
                      ("city-rikhardinkatu", "municipality", "popup", 4)],
                     columns=["site_id", "organisation", "mode", "days_per_month"])
KEY = ["site_id", "organisation", "mode", "days_per_month", "action"]
#: What the Decisions sheet's header starts with, by language (so the test reads what a
#: planner in that language sees, not the English keys).
HEADERS = {"en": "site_id", "fi": "kohteen tunnus", "sv": "ställets id"}
SHEETS = {"en": "Decisions", "fi": "Päätökset", "sv": "Beslut"}


@pytest.fixture(scope="module")
def proposal(demo_region: Region) -> pipeline.Run:
    """Return the run of the proposal against today's network on the demo."""
    sc = load_scenario(DEMO_SCENARIO)
    region, problem, today, visits = pipeline.run_inputs(sc, demo_region)
    table = pd.concat([read_proposal(DEMO_SCENARIO.parent / "proposal.csv"), EXTRA],
                      ignore_index=True)
    plan = proposal_plan(table, problem)
    return pipeline.run_of(sc, region, problem, today, plan, visits)


def _decisions(plan: object) -> pd.DataFrame:
    d = plan.decisions[KEY].copy()  # type: ignore[attr-defined]
    d["mode"] = d["mode"].replace({"shared": "office"})  # shared premises: offices at a site
    return d.sort_values(KEY[:2]).reset_index(drop=True)


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_written_workbook_reads_back_as_the_same_proposal(proposal: pipeline.Run, lang: str,
                                                          tmp_path: Path) -> None:
    problem, plan = proposal.problem, proposal.plan
    assert set(plan.decisions["mode"]) == {"office", "popup", "remote", "closed"}
    with i18n.language(lang):
        tables = report.report_tables(proposal)
        path = report.write_excel(localise_tables(tables), tmp_path / "report.xlsx")
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames[0] != SHEETS[lang] or lang == "en"  # not simply the first sheet
    assert wb[SHEETS[lang]]["A1"].value == HEADERS[lang]
    wb.close()
    table = read_proposal(path)
    back = proposal_plan(table, problem)
    pd.testing.assert_frame_equal(_decisions(back), _decisions(plan))
    assert back.decisions["annual_cost_eur"].sum() == pytest.approx(
        plan.decisions["annual_cost_eur"].sum())


def test_workbook_without_a_decisions_sheet_names_what_it_found(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"a": [1]}).to_excel(xl, sheet_name="One", index=False)
        pd.DataFrame({"b": [2]}).to_excel(xl, sheet_name="Two", index=False)
    with pytest.raises(InputError, match="lacks column 'site_id'; found a"):
        read_proposal(path)
