"""Shares of a shared site that add up to its cost to the cent, in every output.

The three-party site of ``test_sharing`` costs 154 000.00 EUR a year. Its equal split
is 51 333.33... each: rounded one by one the shares add up to 153 999.99; by the largest
remainder one party (the first, all remainders being equal) pays 51 333.34 and the sum
is 154 000.00. Every key's shares, the agreements' payments, the workbook and the map's
agreement table must add up the same way.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import Result

from planner.costing import sharing
from planner.costing.cents import largest_remainder
from planner.maps.proposal import split_tables
from tests.costing.test_sharing import three_party_site

SITE_COST_CENTS = 15_400_000


def _cents(values: pd.Series | list[float]) -> list[int]:
    out = [round(float(v) * 100) for v in values]
    assert all(math.isclose(float(v) * 100, c, rel_tol=1e-12, abs_tol=1e-6)
               for v, c in zip(values, out, strict=True))  # whole cents
    return out


def test_a_third_each_adds_up() -> None:
    third = 100 / 3
    assert largest_remainder({"a": third, "b": third, "c": third}) == {
        "a": 33.34, "b": 33.33, "c": 33.33}
    # the largest remainder gets the cent: .666 before .5 before .333
    assert largest_remainder({"x": 1.005, "y": 2.00666, "z": 0.98834}, 4.0) == {
        "x": 1.0, "y": 2.01, "z": 0.99}
    assert largest_remainder({"host": 150.004, "tenant": -50.001}) == {
        "host": 150.0, "tenant": -50.0}
    assert largest_remainder({}) == {}


@given(st.lists(st.floats(-1e9, 1e9), min_size=1, max_size=8))
def test_rounded_shares_add_up_and_stay_within_a_cent(values: list[float]) -> None:
    shares = {f"p{i}": v for i, v in enumerate(values)}
    got = largest_remainder(shares)
    assert sum(_cents(list(got.values()))) == round(sum(values) * 100)
    assert all(abs(got[k] - v) < 0.01 + 1e-6 for k, v in shares.items())


def test_every_key_adds_up_to_the_site_cost_to_the_cent() -> None:
    p, dec, _ = three_party_site()
    split = sharing.cost_sharing(dec, p)
    for method, g in split.groupby("method"):
        assert sum(_cents(g["share_eur"])) == SITE_COST_CENTS, method
    equal = split[split["method"] == "equal"]["share_eur"].tolist()
    assert equal == [51333.34, 51333.33, 51333.33]


@pytest.mark.parametrize("key", sharing.SPLIT_METHODS)
def test_the_agreements_pay_the_site_cost_to_the_cent(key: str) -> None:
    p, dec, _ = three_party_site()
    p.scenario = p.scenario.model_copy(update={"sharing": p.scenario.sharing.model_copy(
        update={"key": key})})
    agree = sharing.agreements(dec, p)
    assert sum(_cents(agree["net_eur"])) == SITE_COST_CENTS
    assert sum(_cents(agree["share_eur"])) == SITE_COST_CENTS
    # the host's income is the fees it receives, cent for cent
    assert sum(_cents(agree["fee_eur"])) == sum(_cents(agree["income_eur"]))
    # the map's agreement table shows the same cents
    html = split_tables(sharing.cost_sharing(dec, p), {}, agree)["H"]
    for net in agree["net_eur"]:
        assert f"{net:,.2f}\u00a0€" in html


@pytest.mark.slow
def test_the_demo_outputs_add_up(demo_run: tuple[Result, Path]) -> None:
    """Every key of every shared site adds up to one cost, in the CSV and the workbook."""
    result, out = demo_run
    assert result.exit_code == 0, result.output
    csv = pd.read_csv(out / "report_cost_sharing.csv")
    sheet = pd.read_excel(out / "report.xlsx", sheet_name="Cost sharing")
    assert len(csv) > 0
    for table in (csv, sheet):
        share = next(c for c in table.columns if "share" in str(c).lower())
        site = table.columns[0]
        method = next(c for c in table.columns if str(c).lower() in ("method", "key"))
        for _, g in table.groupby(site):
            sums = {sum(_cents(h[share])) for _, h in g.groupby(method)}
            assert len(sums) == 1, g
