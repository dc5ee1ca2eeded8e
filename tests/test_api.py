"""The public API of ``import planner``: every name resolves, is documented and lazy."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import planner


def test_every_public_name_resolves_and_is_documented() -> None:
    assert {"run", "evaluate_proposal", "load_scenario", "Plan", "Region",
            "demo_scenario"} <= set(planner.__all__)
    for name in planner.__all__:
        value = getattr(planner, name)
        if name == "__version__":
            continue
        assert inspect.getdoc(value), f"planner.{name} has no docstring"
        assert f":func:`{name}`" in planner.__doc__ or f":class:`{name}`" in planner.__doc__, (
            f"planner.{name} is not described in the package docstring")
    assert planner.run is planner.pipeline.run
    assert planner.Plan is planner.plan.Plan


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'runn'"):
        _ = planner.runn


def test_import_planner_loads_no_heavy_module() -> None:
    code = ("import sys, planner; "
            "print(sorted(m for m in ('planner.pipeline', 'geopandas', 'ortools', 'pandas') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_the_demo_scenario_and_its_files_are_shipped() -> None:
    sc = planner.demo_scenario()
    assert sc.region == "demo:inner-helsinki"
    assert list(sc.organisations) == ["kela", "municipality", "county", "employment"]
    proposal = planner.demo_path("proposal.csv")
    assert proposal.read_text(encoding="utf-8").splitlines()[0] == (
        "site_id,organisation,mode,days_per_month")
    assert "planner" in proposal.parts and "resources" in proposal.parts
    with pytest.raises(ValueError, match=r"the demo has no file 'x\.csv'"):
        planner.demo_path("x.csv")
