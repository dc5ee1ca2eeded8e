"""PTV service locations against recorded v11 pages served locally.

Page 1 holds the shared sample ServiceLocation (Helsinki, northing "6672064.123", easting
"385817.456", Mon-Fri 9-16) and an EChannel; page 2 holds an Espoo location entered by hand
(6675200.25 / 374500.5, Mon-Thu 9-15 and Fri 9-12) and one whose geocoding failed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.data import ptv
from planner.data.cache import Fetcher, SourceError
from planner.errors import InputError
from planner.schema import SERVICE_POINT_COLUMNS
from tests.data.test_cache import DATA, FakeFinland, fake_server  # noqa: F401  (the fake fixture)

ORG = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


def _api(fake: FakeFinland) -> str:
    return f"{fake.base}/api/v11"


def test_all_pages_read_and_only_service_locations_kept(fake: FakeFinland,
                                                        tmp_path: Path) -> None:
    pts, notes = ptv.service_locations(ORG, organisation="kela", org_name="Kela",
                                       fetcher=Fetcher(tmp_path), url=_api(fake))
    assert [q["page"] for _, q in fake.requests] == ["1", "2"]
    assert all(q["organizationId"] == ORG for _, q in fake.requests)
    assert list(pts["point_id"]) == ["ptv-11111111-2222-3333-4444-555555555555",
                                     "ptv-22222222-3333-4444-5555-666666666666"]
    assert set(SERVICE_POINT_COLUMNS) <= set(pts.columns)
    hel, esp = pts.iloc[0], pts.iloc[1]
    assert (hel.geometry.x, hel.geometry.y) == (385817.456, 6672064.123)
    assert (esp.geometry.x, esp.geometry.y) == (374500.5, 6675200.25)
    assert hel["name"] == "Kela, Esimerkkilän palvelupiste"
    assert hel["address"] == "Esimerkkikatu 1" and hel["postal_code"] == "00100"
    assert hel["post_office"] == "HELSINKI" and hel["municipality_code"] == "091"
    assert hel["opening_hours"] == "Mon-Fri 09:00-16:00"
    assert esp["opening_hours"] == "Mon-Thu 09:00-15:00; Fri 09:00-12:00"
    assert esp["coordinate_state"] == "EnteredByUser"
    assert set(pts["organisation"]) == {"kela"} and set(pts["org_name"]) == {"Kela"}
    assert set(pts["ptv_organization_id"]) == {ORG} and set(pts["source"]) == {"ptv"}
    assert "desks" in hel["assumed"] and hel["desks"] == ptv.ASSUMED["desks"]
    assert pts.crs.to_epsg() == 3067
    assert notes == ["PTV: 1 service location(s) left out for lack of trusted coordinates: "
                     "Kela, Kauniaisten asiointipiste (coordinateState Failed)"]


def test_by_business_id_and_swedish_names(fake: FakeFinland, tmp_path: Path) -> None:
    pts, _ = ptv.service_locations(business_id=ptv.KELA_BUSINESS_ID, organisation="kela",
                                   language="sv", fetcher=Fetcher(tmp_path), url=_api(fake))
    assert fake.requests[0][1] == {"code": "0246246-0", "page": "1"}
    assert list(pts["name"]) == ["FPA, Exempelby servicestället", "FPA, Esbo servicestället"]


def test_wgs84_coordinates_are_converted() -> None:
    channel = json.loads((DATA / f"ptv_org_{ORG}_page1.json").read_text())["itemList"][0]
    street = channel["addresses"][0]["streetAddress"]
    street.update(latitude="60.1699", longitude="24.9384")
    pt = ptv.address_point(street)
    assert pt.x == pytest.approx(385_800, abs=1000) and pt.y == pytest.approx(6_672_000,
                                                                               abs=1000)


def test_bad_pages_and_arguments(fake: FakeFinland, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"organizationId=nobody&page=1: HTTP 404"):
        ptv.channels("nobody", fetcher=Fetcher(tmp_path), url=_api(fake))
    with pytest.raises(SourceError, match=r"expected a page with itemList"):
        ptv.channels(ORG, fetcher=Fetcher(tmp_path), url=f"{fake.base}/list")
    with pytest.raises(InputError, match="organisation 'Kela' is not one of"):
        ptv.service_locations(ORG, organisation="Kela", url=_api(fake))
    with pytest.raises(InputError, match="give an organisation's PTV id or business id"):
        ptv.channels()
