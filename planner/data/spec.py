"""The region spec: which real Finnish data make up a planning region.

A scenario names a region either as ``demo:helsinki`` or with a mapping validated by
:class:`RegionSpec`, e.g.::

    region:
      name: Pääkaupunkiseutu
      municipalities: ["091", Espoo, Kauniainen]
      year: 2025
      ptv:
        - {organisation: kela, name: Kela, business_id: 0246246-0}
      service_points: [own/kela_costs.xlsx]
      osm_pbf: data/uusimaa-latest.osm.pbf
      modes: [drive]

Unknown keys are refused, like in the scenario file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from planner.config import Strict, load_yaml, require_mapping, validation_error
from planner.schema import ORGANISATIONS, NetworkMode


class PlannerFile(Strict):
    """One of the planner's own files (a bare path is accepted too)."""

    path: Path
    crs: str | None = Field(None, description="CRS of a table's coordinates; detected if not "
                                              "given")
    sheet: str | int | None = Field(None, description="worksheet of an XLSX file")
    layer: str | None = Field(None, description="layer of a GeoPackage")

    @model_validator(mode="before")
    @classmethod
    def _bare_path(cls, data: Any) -> Any:
        return {"path": data} if isinstance(data, str | Path) else data


class PtvOrganisation(Strict):
    """An organisation whose service locations are read from the service catalogue (PTV)."""

    organisation: Literal[ORGANISATIONS] = Field(description="the planner's organisation key")  # type: ignore[valid-type]
    name: str | None = Field(None, description="display name (org_name)")
    ptv_id: str | None = Field(None, description="PTV organisation GUID")
    business_id: str | None = Field(None, description="business id (Y-tunnus), e.g. "
                                                       "0246246-0 for Kela")
    kind: str = Field("office", description="kind given to its service locations")

    @model_validator(mode="after")
    def _one_id(self) -> PtvOrganisation:
        if (self.ptv_id is None) == (self.business_id is None):
            raise ValueError("give exactly one of ptv_id and business_id")
        return self


class Sources(Strict):
    """Endpoints, overridable for mirrors and tests."""

    statfin_wfs: str = "https://geo.stat.fi/geoserver/wfs"
    statfin_classifications: str = "https://data.stat.fi/api/classifications/v2"
    ptv_api: str = "https://api.palvelutietovaranto.suomi.fi/api/v11"
    timeout_s: float = Field(60.0, gt=0)


class RegionSpec(Strict):
    """A real planning region built from Finnish open data and the planner's own files."""

    name: str
    municipalities: list[str] = Field(min_length=1, description="3-digit codes or names")
    year: int = Field(2025, ge=2013, le=2100, description="year of the municipal division "
                                                          "and the wellbeing services counties")
    grid_year: int | None = Field(None, ge=2005, le=2100,
                                  description="year of the population grid (default: year - 1,"
                                              " the residents on 31 Dec before the division)")
    ptv: list[PtvOrganisation] = Field(default_factory=list)
    service_points: list[PlannerFile] = Field(default_factory=list)
    sites: list[PlannerFile] = Field(default_factory=list)
    demand: PlannerFile | None = Field(None, description="own demand points instead of the "
                                                         "population grid")
    employment_areas: Path | None = Field(None, description="CSV kunta,tyollisyysalue_nimi; "
                                                            "default the municipality table's")
    municipality_table: Path | None = Field(
        None, description="own municipality table (columns of data/finland/"
                          "municipalities_2025.csv); default the shipped one")
    geography: Literal["table", "classifications"] = Field(
        "table", description="'classifications' reads counties, regions and employment areas "
                             "from Statistics Finland's classification service (cached)")
    osm_pbf: Path | None = Field(None, description="local OSM extract for networks and sites")
    osm_sites: bool = Field(True, description="add OSM libraries, town halls … as host sites")
    network: Literal["osm", "none"] = Field(
        "osm", description="'none' builds no graphs (a straight-line model must stand in)")
    modes: list[NetworkMode] = Field(default_factory=lambda: ["drive"])
    walk_speed_kmh: float = Field(4.5, gt=0)
    sources: Sources = Field(default_factory=Sources)

    @property
    def population_year(self) -> int:
        """Year of the population grid."""
        return self.grid_year if self.grid_year is not None else self.year - 1

    def resolve_paths(self, base: str | Path) -> RegionSpec:
        """Return a copy with relative file paths taken from ``base`` (the YAML's folder)."""
        base = Path(base)

        def fix(p: Path | None) -> Path | None:
            return p if p is None or p.is_absolute() else base / p

        def fix_file(f: PlannerFile | None) -> PlannerFile | None:
            return None if f is None else f.model_copy(update={"path": fix(f.path)})

        return self.model_copy(update={
            "service_points": [fix_file(f) for f in self.service_points],
            "sites": [fix_file(f) for f in self.sites], "demand": fix_file(self.demand),
            "employment_areas": fix(self.employment_areas), "osm_pbf": fix(self.osm_pbf),
            "municipality_table": fix(self.municipality_table),
        })


def parse_region_spec(data: object, source: str = "<region>") -> RegionSpec:
    """Validate a region spec given as plain data.

    Parameters
    ----------
    data : object
        The parsed YAML mapping.
    source : str
        File name for messages.

    Returns
    -------
    RegionSpec

    Raises
    ------
    InputError
        One line naming the file and the key.
    """
    data = require_mapping(data, source, "the region")
    try:
        return RegionSpec.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, RegionSpec, source, section="region") from None


def load_region_spec(path: str | Path) -> RegionSpec:
    """Read a region spec from YAML; relative paths are taken from the file's folder.

    Parameters
    ----------
    path : str or pathlib.Path
        A YAML file holding the spec (or a scenario whose ``region`` key holds it).

    Returns
    -------
    RegionSpec
    """
    path = Path(path)
    data = load_yaml(path, "the region spec")
    if isinstance(data, dict) and isinstance(data.get("region"), dict):
        data = data["region"]
    return parse_region_spec(data, str(path)).resolve_paths(path.parent)
