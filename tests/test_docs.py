"""The documentation's generated pages equal what the code generates (they cannot drift)."""

from __future__ import annotations

import importlib.util
import re
import typing
from pathlib import Path

import pytest
import typer

from planner.cli import app
from planner.scenario import Scenario

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _hooks() -> object:
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("page", ["guide/scenario.md", "reference/cli.md"])
def test_the_committed_generated_page_is_current(page: str) -> None:
    hooks = _hooks()
    expected = getattr(hooks, hooks.PAGES[page])()
    assert (DOCS / page).read_text(encoding="utf-8") == expected, (
        f"docs/{page} is stale: run `mkdocs build` (or docs/hooks.py write_pages) and commit")


def test_the_scenario_reference_names_every_key_with_its_default_and_bounds() -> None:
    text = _hooks().scenario_reference()
    sections = {}
    for part in text.split("\n## ")[1:]:
        name, _, body = part.partition("\n")
        sections[name] = body
    # every top-level key, in its section, and each nested model gets a section
    for key in Scenario.model_fields:
        assert f"| `{key}` |" in sections["Scenario"], key
    travel = sections["Travel"]
    row = next(line for line in travel.splitlines() if line.startswith("| `cutoff_min` |"))
    assert row == ("| `cutoff_min` | number | `30.0` | > 0 | travel times above this are "
                   "not computed |")
    costs = sections["Costs"]
    row = next(line for line in costs.splitlines()
               if line.startswith("| `shared_saving_share` |"))
    assert "| `0.3` | ≥ 0, ≤ 1 |" in row
    assert "Key: `standards[]`." in sections["Standard"]
    assert "Key: `organisations.<key>`." in sections["Organisation"]
    assert "Key: `costs.popup`." in sections["PopupCosts"]
    assert "| `minutes` | number | **required** | > 0 |" in sections["Standard"]
    lang = next(line for line in sections["Scenario"].splitlines() if "`lang`" in line)
    assert "`en` \\| `fi` \\| `sv`" in lang
    assert typing.get_args(Scenario.model_fields["lang"].annotation) == ("en", "fi", "sv")


def test_the_cli_reference_lists_every_command_and_option() -> None:
    text = _hooks().cli_reference()
    group = typer.main.get_command(app)
    for name, command in group.commands.items():
        assert f"\n## planner {name}\n" in text, name
        for param in command.params:
            if param.name != "help":
                assert f"`{param.opts[0]}`" in text, (name, param.opts)
    assert "/work/" not in text and "site-packages" not in text  # no machine's path


def test_the_readme_is_short_and_its_links_resolve() -> None:
    root = DOCS.parent
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    blocks = re.findall(r"^```bash\n(.*?)^```$", readme, flags=re.M | re.S)
    assert "planner demo" in blocks[0] and "-m pytest -q" in blocks[1]  # what .ci/run runs
    links = re.findall(r"\]\(((?:docs/)[^)#]+)", readme)
    assert len(links) > 10
    missing = sorted({link for link in links if not (root / link).is_file()})
    assert not missing, f"README links to missing files: {missing}"
