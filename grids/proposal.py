"""Reading a partition run's proposal for its page: member areas outside their village's
member band (households per member area, Village.member_min..member_max), which the
partitioner may leave behind (an incremental run keeps households where they were)."""

from __future__ import annotations

from collections import defaultdict

from grids import selectors
from grids.partitioning import BAND_IN, band_state, member_grid
from households.models import Household


def member_areas_out_of_band(run) -> list[dict]:
    """Each member area of the proposal with fewer or more households than its village's
    member band, as {area, grid, households, band, state, lon, lat} (lon/lat: the mean of
    its households), fewest households first."""
    proposal = run.proposal or {}
    village_of = {
        f["id"]: f["properties"].get("village", "")
        for f in proposal.get("grids", {}).get("features", [])
    }
    households = defaultdict(list)
    for h, _grid, member in proposal.get("assignments", []):
        if member:
            households[member].append(h)
    bands = {
        v.code: (v.member_min, v.member_max)
        for v in selectors.villages_in_scope(run.scope, run.scope_code)
    }
    out = []
    for area, hs in households.items():
        grid = member_grid(area)
        band = bands.get(village_of.get(grid) or grid[:12])
        state = band_state(len(hs), band) if band else BAND_IN
        if state == BAND_IN:
            continue
        out.append(
            {
                "area": area,
                "grid": grid,
                "households": len(hs),
                "band": band,
                "state": state,
                "ids": hs,
            }
        )
    where = dict(
        Household.objects.filter(pk__in=[h for a in out for h in a["ids"]]).values_list(
            "pk", "location"
        )
    )
    for a in out:
        points = [where[h] for h in a.pop("ids") if h in where]
        a["lon"] = sum(p.x for p in points) / len(points) if points else None
        a["lat"] = sum(p.y for p in points) / len(points) if points else None
    return sorted(out, key=lambda a: (a["households"], a["area"]))


def out_of_band_geojson(areas: list[dict]) -> dict:
    """The member areas out of band as points, for the proposal map."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": a["area"],
                "geometry": {"type": "Point", "coordinates": [a["lon"], a["lat"]]},
                "properties": {k: a[k] for k in ("area", "grid", "households", "band", "state")},
            }
            for a in areas
            if a["lon"] is not None
        ],
    }
