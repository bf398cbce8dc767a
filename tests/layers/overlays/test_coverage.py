"""Coverage shares, households outside every view, the best sites and service reach on the
hand-built 外镇 (conftest: H1..H4 at 115.901/.903/.905/.907 E, 26.205 N: 0.002° of longitude, ~200 m apart).

    H1 ---- H2 ---- H3 ---- H4          (one grid, one village, one township)
        C1 →                            C1 at 115.902 looking east, 90°, 150 m: sees H2
                     ← C2               C2 at 115.906 looking west, 60°, 120 m: sees H3

So 2 of 4 households are covered at every level; H1 and H4 are not.
"""

import pytest
from django.conf import settings
from django.test import override_settings

from households.access import Scope
from households.models import Household, Role
from households.scoping import COUNTY, GRID, TOWNSHIP, VILLAGE
from layers.overlays.coverage import (
    UnknownCoverageLevel,
    coverage_shares,
    grids_uncovered,
    households_uncovered,
)
from layers.overlays.selectors import best_sites, service_reach
from layers.overlays.services import CameraInput, ServicePointInput, camera_save, service_point_save

COUNTY_SCOPE = Scope(COUNTY, role=Role.ADMIN)


def cameras():
    camera_save(scope=COUNTY_SCOPE, data=CameraInput("C1", 115.902, 26.205, 90, 90, 150))
    camera_save(scope=COUNTY_SCOPE, data=CameraInput("C2", 115.906, 26.205, 270, 60, 120))


@pytest.mark.parametrize("level", [TOWNSHIP, VILLAGE, GRID])
def test_shares_are_two_of_four_at_every_level(small, level):
    cameras()
    rows = coverage_shares(level, COUNTY_SCOPE)
    mine = {TOWNSHIP: small["township"], VILLAGE: small["village"], GRID: small["grid"]}[level]
    row = rows.get(pk=mine.pk)
    assert (row.households, row.covered, row.share) == (4, 2, 0.5)


def test_uncovered_households_and_grids(small):
    assert grids_uncovered(COUNTY_SCOPE).filter(pk=small["grid"].pk).exists()
    cameras()
    uncovered = households_uncovered(COUNTY_SCOPE).values_list("external_id", flat=True)
    assert sorted(uncovered) == ["H9000001", "H9000004"]
    assert not grids_uncovered(COUNTY_SCOPE).filter(pk=small["grid"].pk).exists()


def test_shares_follow_the_scope_and_refuse_unknown_levels(small):
    cameras()
    other = Scope(TOWNSHIP, township_id=small["next"].pk, township_code="x", role=Role.TOWNSHIP)
    assert list(coverage_shares(TOWNSHIP, other).values_list("pk", flat=True)) == [small["next"].pk]
    assert coverage_shares(TOWNSHIP, other).get().share is None  # no households: no share
    with pytest.raises(UnknownCoverageLevel):
        coverage_shares("member", COUNTY_SCOPE)


@override_settings(OVERLAY_NEW_CAMERA_RANGE_M=120)
def test_best_sites_pick_the_service_points_that_see_the_uncovered(small):
    """Uncovered: H1 and H4 (~600 m apart). Candidates: the village centre (115.905, 26.205
    for the square: H3 is there, covered; H2 and H4 are 100-200 m off) and two service
    points, at H1 and at H4. With a 120 m view, S1 sees H1 only, S4 H4 only; the centre
    sees nothing uncovered (H4 is ~200 m from it). Best 2: both service points; best 3:
    the same (the centre adds nothing)."""
    cameras()
    h = {x.external_id: x.location for x in Household.objects.all()}
    for ref, key in (("S1", "H9000001"), ("S4", "H9000004")):
        service_point_save(
            scope=COUNTY_SCOPE,
            data=ServicePointInput(ref, "police", h[key].x, h[key].y, ref),
        )
    result = best_sites(small["township"], 3)
    labels = [result.candidates[s].label for s in result.siting.sites]
    assert labels == ["S1", "S4"]
    assert result.uncovered == 2
    assert len(result.siting.covered) == 2


@override_settings(
    OVERLAY_SERVICE_REACH_KM={
        "party_centre": 0.45,
        "legal_adviser": 5,
        "mediation": 2,
        "police": 3,
        "elderly": 1,
    }
)
def test_service_reach_counts_households_farther_than_the_setting(small):
    """A party centre at H1; 0.45 km reach: H1 (0 m), H2 (~200 m), H3 (~400 m) are within,
    H4 (~600 m) is not. No other kind has a point: all 4 are far."""
    h1 = Household.objects.get(external_id="H9000001").location
    service_point_save(
        scope=COUNTY_SCOPE, data=ServicePointInput("P1", "party_centre", h1.x, h1.y, "中心")
    )
    row = service_reach(COUNTY_SCOPE, small["township"], settings.OVERLAY_SERVICE_REACH_KM).get()
    assert row.households == 4
    assert row.far_party_centre == 1
    assert (row.far_legal_adviser, row.far_mediation, row.far_police, row.far_elderly) == (4,) * 4


@override_settings(OVERLAY_NEW_CAMERA_RANGE_M=120)
def test_road_junctions_of_an_uploaded_layer_are_candidates(small, tmp_path):
    """Three roads meet at J (115.907, 26.205: H4); two more meet end to end at K (a bend,
    not a junction); a lone point feature P lies near H1. Candidates from the layer: J and
    P (K is not a junction); best 2 sites: J (sees H4) and P (sees H1)."""
    import json

    from layers.overlays.layers import LayerStyle, overlay_layer_upload
    from layers.overlays.selectors import JUNCTION, candidate_sites

    cameras()
    j, k, p = [115.907, 26.205], [115.903, 26.208], [115.9012, 26.2051]
    lines = [
        [j, [115.907, 26.209]],
        [j, [115.909, 26.205]],
        [[115.907, 26.201], j],
        [[115.901, 26.208], k],
        [k, [115.903, 26.209]],
    ]
    features = [
        {"type": "Feature", "properties": {}, "geometry": {"type": "LineString", "coordinates": c}}
        for c in lines
    ]
    features.append(
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": p}}
    )
    path = tmp_path / "roads.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    layer = overlay_layer_upload(
        scope=COUNTY_SCOPE,
        user=None,
        name="路网",
        path=path,
        style=LayerStyle("#333333", 2, False),
        level="county",
        area_code="",
    )
    found = [c for c in candidate_sites(small["township"], layer) if c.kind == JUNCTION]
    assert sorted((round(c.lon, 4), round(c.lat, 4)) for c in found) == [
        (115.9012, 26.2051),
        (115.907, 26.205),
    ]
    result = best_sites(small["township"], 2, layer)
    chosen = [result.candidates[s] for s in result.siting.sites]
    assert {c.kind for c in chosen} == {JUNCTION}
    assert len(result.siting.covered) == 2


@pytest.mark.parametrize(
    "level, code", [(COUNTY, None), (TOWNSHIP, "township"), (VILLAGE, "village")]
)
def test_the_county_dashboard_has_the_camera_column(small, level, code):
    """The dashboard's camera column reads the same shares, at the units of every place."""
    from layers.coverage.indicators import indicator_get
    from layers.coverage.selectors import Context, figures, place_parse

    cameras()
    place = place_parse(COUNTY_SCOPE, level, small[code].code if code else None)
    rows, total = figures(Context(COUNTY_SCOPE, place))
    share = indicator_get("camera_share")
    unit = {COUNTY: "township", TOWNSHIP: "village", VILLAGE: "grid"}[level]
    row = next(r for r in rows if r["code"] == small[unit].code)
    assert share.value(row["raw"]) == 0.5 and share.shown(row["raw"]) == "50.0%"
    assert total["camera_covered"] == 2
