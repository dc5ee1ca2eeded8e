"""Property tests: no number that is not a number, or of absurd size, passes the scenario.

Every number of a random valid scenario (:func:`test_properties_inputs.scenarios`, with
unicode names) is in turn replaced by NaN, an infinity or a huge value. The scenario must
then be refused with one line naming the file and the key; and whatever random numbers a
scenario holds, a scenario that is accepted holds only finite numbers of plausible size
(:data:`planner.data.tables.LARGEST`), so none reaches the model. The scenario goes through
its YAML file (``.nan``, ``.inf``, unicode names written as the user would).
"""

from __future__ import annotations

import copy
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.data.tables import LARGEST
from planner.errors import InputError
from planner.scenario import load_scenario, parse_scenario
from tests.test_properties_inputs import scenarios

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

#: Values no scenario may hold: NaN, the infinities, floats and integers beyond LARGEST.
POISON = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.floats(min_value=LARGEST * 1.001, max_value=1e308),
    st.floats(min_value=-1e308, max_value=-LARGEST * 1.001),
    st.integers(min_value=int(LARGEST) + 1, max_value=10**40),
)


def _numbers(node: object, path: tuple = ()) -> Iterator[tuple[tuple, object]]:
    """Yield (path, value) of every number (not a bool) in a document."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _numbers(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _numbers(v, (*path, i))
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield path, node


def _set(doc: dict, path: tuple, value: object) -> None:
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def _load(doc: dict) -> object:
    """Write ``doc`` as a YAML file (unicode as is) and load it as the user's file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "prop.yaml"
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        return load_scenario(path)


@SETTINGS
@given(scenarios(), st.data())
def test_a_poisoned_number_is_refused_naming_its_key(doc: dict, data: st.DataObject) -> None:
    leaves = list(_numbers(doc))
    path, _ = data.draw(st.sampled_from(leaves))
    poison = data.draw(POISON)
    bad = copy.deepcopy(doc)
    _set(bad, path, poison)
    with pytest.raises(InputError) as info:
        _load(bad)
    msg = str(info.value)
    assert "\n" not in msg and "prop.yaml: " in msg
    # the key is named: the number's own path, or the list or mapping that holds it
    container = ".".join(str(p) for p in path[:-1])
    assert container in msg, (path, msg)


@SETTINGS
@given(scenarios(), st.data())
def test_an_accepted_scenario_holds_only_plausible_numbers(doc: dict,
                                                           data: st.DataObject) -> None:
    """Poison any number of numbers with any values: accepted means all are plausible."""
    leaves = list(_numbers(doc))
    chosen = data.draw(st.lists(st.sampled_from(leaves), max_size=4))
    bad = copy.deepcopy(doc)
    for path, _ in chosen:
        _set(bad, path, data.draw(st.one_of(POISON, st.floats(), st.integers())))
    try:
        sc = parse_scenario(bad, "prop.yaml")
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    for path, value in _numbers(sc.model_dump(mode="python")):
        assert math.isfinite(value) and abs(value) <= LARGEST, (path, value)


#: Names in any script, emoji included; not control characters or line breaks (U+0085,
#: U+2028), which YAML itself folds into spaces.
NAMES = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1,
                max_size=40)


@SETTINGS
@given(scenarios(), NAMES, NAMES)
def test_unicode_names_pass_through_the_file(doc: dict, name: str, org_name: str) -> None:
    doc = {**doc, "name": name}
    first = next(iter(doc["organisations"]))
    doc["organisations"][first]["name"] = org_name
    sc = _load(doc)
    assert sc.name == name and sc.organisations[first].name == org_name
