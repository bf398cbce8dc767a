"""The real OSM Andorra sample (ODbL): every rule holds and the goals are met."""

from pathlib import Path

import geopandas as gpd

from grids.partitioning import partition

from .conftest import check_invariants

DATA = Path(__file__).resolve().parents[3] / "sample_data" / "osm-andorra"


def test_andorra():
    hh = gpd.read_file(DATA / "households.geojson")
    groups = gpd.read_file(DATA / "village_groups.geojson")
    hh["id"] = hh["id"].astype(str)
    groups["id"] = groups["id"].astype(str)
    r = partition(hh, groups)
    f = check_invariants(r, hh, groups.to_crs(groups.estimate_utm_crs()))
    assert (r.assignments["grid_id"] != "").all()
    assert f["in_band"] >= 0.99
    assert f["member_band"] >= 0.95
    assert r.summary["groups_whole"] >= 0.95
