"""The meeting page's API (planner.meeting): the numbers of ``planner evaluate``, and safety.

A proposal changed by requests (with an undo and a redo) is downloaded as CSV and given to
``planner evaluate``; the KPIs, standards, costs, budgets and cost split the API showed are
the ones ``planner evaluate`` writes. Requests without the token, with a wrong one, for a
file outside the fixed list, with an oversized or malformed body are refused, and the
server keeps serving.
"""

from __future__ import annotations

import dataclasses
import re
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import httpx
import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import planner.cli
from planner import pipeline
from planner._paths import DEMO_SCENARIO
from planner.assess.proposal import read_proposal
from planner.errors import InputError
from planner.meeting.app import MAX_BODY_BYTES, create_app
from planner.meeting.meeting import Meeting
from planner.meeting.optimise import OptimiseJob
from planner.meeting.runner import listen
from planner.model.locks import lock_choices
from planner.problem.build import Problem

TOKEN = "test-token-0123456789"
#: The meeting's changes: Kela moves into the city hall (shared premises with the city) and
#: leaves Kruununhaka; the employment services run a pop-up at Oodi; the county a remote
#: point at Rikhardinkatu (undone, then redone).
CHANGES = (
    {"site_id": "city-kaupungintalo", "organisation": "kela", "mode": "shared"},
    {"site_id": "kela-kruununhaka", "organisation": "kela", "mode": "none"},
    {"site_id": "city-oodi", "organisation": "employment", "mode": "popup",
     "days_per_month": 4},
    {"site_id": "city-rikhardinkatu", "organisation": "county", "mode": "remote"},
)


@pytest.fixture(scope="module")
def meeting() -> Meeting:
    """Return the demo scenario, prepared once."""
    return Meeting.open(DEMO_SCENARIO)


@pytest.fixture()
def client(meeting: Meeting) -> TestClient:
    """Return a client of a fresh meeting page carrying the token as a header."""
    app = create_app(meeting, token=TOKEN)
    return TestClient(app, headers={"X-Planner-Token": TOKEN})


def _frame(rows: list[dict], key: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows).sort_values(key).reset_index(drop=True)


def _text(v: object) -> str:
    """Return a cell as text; missing (NaN, None, empty) alike."""
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)


def _same(api: pd.DataFrame, cli: pd.DataFrame, key: list[str]) -> None:
    """Assert two tables agree on the CLI's columns (numbers to 1e-6 relative)."""
    api, cli = api.sort_values(key).reset_index(drop=True), cli.sort_values(key).reset_index(
        drop=True)
    assert len(api) == len(cli) > 0
    for col in cli.columns:
        a, c = api[col], cli[col]
        if pd.api.types.is_numeric_dtype(c) and not pd.api.types.is_bool_dtype(c):
            np.testing.assert_allclose(a.astype(float), c.astype(float), rtol=1e-6,
                                       atol=0.011, err_msg=col)
        else:
            assert [_text(v) for v in a] == [_text(v) for v in c], col


@pytest.mark.slow
def test_changed_proposal_gives_the_numbers_of_planner_evaluate(
        client: TestClient, meeting: Meeting, tmp_path: Path) -> None:
    start = client.get("/api/state").json()
    assert not start["can_undo"]
    assert {(c["site_id"], c["organisation"]) for c in start["choices"]} == meeting.existing()
    for change in CHANGES:
        r = client.post("/api/change", json=change)
        assert r.status_code == 200, r.text
    assert client.post("/api/undo").json()["can_redo"]
    state = client.post("/api/redo").json()
    assert not state["can_redo"] and state["version"] == 6
    choices = {(c["site_id"], c["organisation"]): (c["mode"], c["days_per_month"], c["locked"])
               for c in state["choices"]}
    assert choices[("city-kaupungintalo", "kela")] == ("shared", 0, True)
    assert choices[("kela-kruununhaka", "kela")] == ("closed", 0, True)
    assert choices[("kela-kamppi", "kela")] == ("office", 0, False)
    ans = state["answers"]
    # the city hall is shared by Kela and the city: its split by every key
    split = pd.DataFrame(ans["split"])
    assert set(split["site_id"]) == {"city-kaupungintalo"}
    assert {"floor_area", "shapley", "nucleolus"} <= set(split["method"])
    for _method, g in split.groupby("method"):  # every key splits the same site cost
        assert g["share_eur"].sum() == pytest.approx(
            split[split["method"] == "shapley"]["share_eur"].sum(), abs=0.05)

    csv = tmp_path / "proposal.csv"
    csv.write_bytes(client.get("/download/proposal.csv").content)
    today = meeting.today.to_file(tmp_path / "today.gpkg")
    out = tmp_path / "out"
    result = CliRunner().invoke(planner.cli.app, [
        "evaluate", str(DEMO_SCENARIO), str(csv), "--optimised", str(today), "--out",
        str(out)])
    assert result.exit_code == 0, result.output
    _same(pd.DataFrame(ans["kpis"]), pd.read_csv(out / "proposal_kpis.csv"), ["organisation"])
    _same(pd.DataFrame(ans["standards"]), pd.read_csv(out / "proposal_standards.csv",
                                                      dtype={"group": str}),
          ["organisation", "minutes", "group"])
    _same(pd.DataFrame(ans["costs"]), pd.read_csv(out / "report_costs.csv"), ["organisation"])
    _same(pd.DataFrame(ans["budgets"]), pd.read_csv(out / "report_budgets.csv"),
          ["organisation"])
    cli_split = pd.read_csv(out / "report_cost_sharing.csv").drop(columns=["site_name",
                                                                          "note"])
    _same(split, cli_split.fillna(""), ["site_id", "method", "organisation"])
    # the proposal's annual cost by line adds up to its cost per organisation
    lines = pd.DataFrame(ans["cost_lines"]).set_index("organisation")
    kpis = pd.DataFrame(ans["kpis"]).set_index("organisation")
    np.testing.assert_allclose(lines["annual_cost_eur"], kpis.loc[lines.index, "cost_after_eur"])
    assert ans["totals"]["proposal"] == pytest.approx(
        float(pd.read_excel(out / "report.xlsx", sheet_name="Run").set_index("key")
              .loc["total_cost_plan_eur", "value"]))


def test_undo_redo_and_reload(client: TestClient) -> None:
    first = client.get("/api/state").json()
    client.post("/api/change", json=CHANGES[0])
    changed = client.get("/api/state").json()  # a reload finds the change
    assert changed["version"] == 1 and changed["can_undo"]
    assert changed["answers"]["split"]
    back = client.post("/api/undo").json()
    assert back["choices"] == first["choices"] and back["answers"] == first["answers"]
    again = client.post("/api/redo").json()
    assert again["choices"] == changed["choices"]
    assert client.post("/api/reset").json()["choices"] == first["choices"]


def test_page_and_token(meeting: Meeting) -> None:
    app = create_app(meeting, token=TOKEN)
    bare = TestClient(app)
    assert bare.get("/").status_code == 401
    assert bare.get("/api/state").status_code == 401
    assert bare.get("/?token=wrong").status_code == 403
    assert bare.get("/api/state", headers={"X-Planner-Token": "x" * len(TOKEN)}).status_code \
        == 403
    r = bare.get(f"/?token={TOKEN}")
    assert r.status_code == 200 and "leaflet.js" in r.text
    # the cookie the page got carries the token from now on
    assert bare.get("/api/meta").status_code == 200
    assert bare.get("/static/leaflet.js").status_code == 200


@pytest.mark.parametrize("path", [
    "/static/..%2F..%2F_paths.py", "/static/%2e%2e%2fapp.py", "/static/app.py",
    "/static/../serve/app.py", "/download/..%2Fscenario.yaml", "/etc/passwd",
    "/static/leaflet.js%00.py"])
def test_no_file_outside_the_fixed_list(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404
    assert "import" not in r.text and "error" in r.json()
    assert client.get("/api/meta").status_code == 200  # still serving


@pytest.mark.parametrize(("body", "status"), [
    (b"x" * (MAX_BODY_BYTES + 1), 413),
    (b"{not json", 422),
    (b'{"site_id": "city-oodi", "organisation": "kela", "mode": "rm -rf"}', 422),
    (b'{"site_id": "city-oodi", "organisation": "kela", "mode": "office", "path": "/etc"}',
     422),
    (b'{"site_id": "../../etc/passwd", "organisation": "kela", "mode": "office"}', 400),
    (b'{"site_id": "city-oodi", "organisation": "kela", "mode": "popup", '
     b'"days_per_month": 40}', 422),
    (b'[1, 2, 3]', 422),
])
def test_bad_bodies_are_refused_in_one_line(client: TestClient, body: bytes,
                                            status: int) -> None:
    before = client.get("/api/state").json()["version"]
    r = client.post("/api/change", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    message = r.json()["error"]
    assert "\n" not in message and "Traceback" not in message
    after = client.get("/api/state")
    assert after.status_code == 200 and after.json()["version"] == before


def test_texts_in_three_languages(client: TestClient) -> None:
    en, fi, sv = (client.get(f"/api/texts?lang={x}").json() for x in ("en", "fi", "sv"))
    assert en.keys() == fi.keys() == sv.keys()
    assert en["undo"] == "Undo" and fi["undo"] != "Undo" and sv["undo"] != "Undo"
    assert fi["term.shared"] == "yhteispalvelupiste"
    assert client.get("/api/texts?lang=de").status_code == 422


def _short(meeting: Meeting, seconds: float) -> Problem:
    """Return the meeting's problem with a short solver time limit and a loose gap."""
    sc = meeting.scenario
    quick = sc.model_copy(update={"solver": sc.solver.model_copy(
        update={"time_limit_s": seconds, "relative_gap": 0.2})})
    return dataclasses.replace(meeting.problem, scenario=quick)


#: Locked choices: Kela in Oodi (new) and out of Kamppi, a county pop-up of 4 days at
#: Rikhardinkatu (new), no employment office in the city hall (its options barred).
LOCKS = pd.DataFrame([("city-oodi", "kela", "office", 0), ("kela-kamppi", "kela", "closed", 0),
                      ("city-rikhardinkatu", "county", "popup", 4),
                      ("city-kaupungintalo", "employment", "closed", 0)],
                     columns=["site_id", "organisation", "mode", "days_per_month"])


@pytest.mark.slow
def test_optimise_the_rest_keeps_the_locked_choices(meeting: Meeting) -> None:
    job = OptimiseJob()
    got: list = []
    assert job.start(_short(meeting, 20.0), LOCKS, got.append)
    assert not job.start(meeting.problem, LOCKS, got.append)  # one at a time
    deadline = time.monotonic() + 120
    while job.status()["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.5)
    status = job.status()
    assert status["state"] == "done", status
    assert status["objective"] is not None and status["bound"] is not None
    rows = {(s, o): (m, d) for s, o, m, d in got[0]}
    assert rows[("city-oodi", "kela")] == ("office", 0) or rows[("city-oodi", "kela")][0] \
        == "shared"
    assert rows[("kela-kamppi", "kela")][0] == "closed"
    assert rows[("city-rikhardinkatu", "county")] == ("popup", 4)
    assert ("city-kaupungintalo", "employment") not in rows
    # the unlocked choices are the optimiser's: some differ from the locks' neighbours
    assert len(rows) > len(LOCKS)


def test_locks_the_model_cannot_offer_are_refused(meeting: Meeting) -> None:
    bad = pd.DataFrame([("city-oodi", "county", "popup", 3)], columns=LOCKS.columns)
    with pytest.raises(InputError, match=r"not an option of the scenario \(pop-ups of \[2, 4, 8\]"):
        lock_choices(meeting.problem, bad)
    lease = pd.DataFrame([("hel-terveysasema", "county", "closed", 0)], columns=LOCKS.columns)
    with pytest.raises(InputError, match="lease runs past the horizon"):
        lock_choices(meeting.problem, lease)


def test_optimise_can_be_cancelled_and_the_server_keeps_serving(client: TestClient) -> None:
    r = client.post("/api/optimise", json={})
    assert r.status_code == 200 and r.json()["state"] == "running"
    assert client.post("/api/optimise", json={}).status_code == 409
    assert client.get("/api/optimise").json()["state"] == "running"
    assert client.post("/api/optimise/cancel", json={}).json()["state"] == "cancelled"
    assert client.get("/api/state").status_code == 200
    assert client.get("/api/state").json()["version"] == 0  # the proposal is untouched


def test_host_running_a_popup_at_its_own_office_site(client: TestClient) -> None:
    """A hand plan may turn the host's office into a pop-up: the site hosts no one then.

    (The cost split failed on it: a host office with no host among its parties.)
    """
    for org in ("employment", "municipality"):
        r = client.post("/api/change", json={"site_id": "tyo-keskusta", "organisation": org,
                                             "mode": "popup", "days_per_month": 8})
        assert r.status_code == 200, r.text
    split = r.json()["answers"]["split"]
    assert "tyo-keskusta" not in {s["site_id"] for s in split}


@pytest.mark.slow
def test_downloads_read_back(client: TestClient, meeting: Meeting, tmp_path: Path) -> None:
    """The Finnish workbook the page downloads is a proposal: the page's own choices."""
    for change in CHANGES:
        client.post("/api/change", json=change)
    state = client.get("/api/state").json()
    xlsx = tmp_path / "report.xlsx"
    xlsx.write_bytes(client.get("/download/report.xlsx?lang=fi").content)
    back = read_proposal(xlsx)
    got = {(r.site_id, r.organisation): (r.mode.replace("shared", "office"),
                                         int(r.days_per_month))
           for r in back.itertuples() if r.mode != "closed"}
    want = {(c["site_id"], c["organisation"]): (c["mode"].replace("shared", "office"),
                                                c["days_per_month"])
            for c in state["choices"] if c["mode"] != "closed"}
    assert got == want
    page = client.get("/download/proposal.html?lang=sv")
    assert page.status_code == 200 and "leaflet" in page.text.lower()
    assert client.get("/download/report.xlsx?lang=xx").status_code == 422


@pytest.mark.slow
def test_planner_serve_prints_the_address_and_guards_it(tmp_path: Path) -> None:
    """The acceptance: ``planner serve SCENARIO --port N --no-browser`` prints the address."""
    with socket.socket() as s:  # a free port
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "planner.cli", "serve", str(DEMO_SCENARIO),
                             "--port", str(port), "--no-browser"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        url = None
        for line in proc.stdout:  # type: ignore[union-attr]
            found = re.search(rf"http://127\.0\.0\.1:{port}/\?token=[\w-]+", line)
            if found:
                url = found.group(0)
                break
        assert url, "no address printed"
        assert len(url.split("token=")[1]) >= 32
        page = httpx.get(url, timeout=30)
        assert page.status_code == 200 and "meeting.js" in page.text
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=30).status_code == 401
        assert httpx.get(f"http://127.0.0.1:{port}/?token=nope", timeout=30).status_code == 403
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_other_host_is_served_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="not only on this computer"):
        sock = listen("0.0.0.0", 0)
    sock.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        listen("127.0.0.1", 0).close()


def test_a_meeting_starts_from_a_proposal_as_evaluate_reads_it(meeting: Meeting) -> None:
    """Organisations the proposal does not name keep today's offices (not closed)."""
    path = DEMO_SCENARIO.parent / "proposal.csv"
    from_plan = Meeting.open(DEMO_SCENARIO, path)
    start = dict(from_plan.start.choices)
    assert start[("city-kaupungintalo", "municipality")] == ("office", 0)  # not named: kept
    assert start[("kela-kamppi", "kela")] == ("closed", 0)  # named, not listed: closed
    assert start[("city-oodi", "kela")] == ("office", 0)
    want = pipeline.assess_proposal(meeting.problem, meeting.today, read_proposal(path))
    got = from_plan.assess(from_plan.start)
    pd.testing.assert_frame_equal(got.plan.kpis, want.plan.kpis)
