"""One band rule everywhere: a grid's household count is under / in / over its village's
band (lo, hi), both ends inside. The rule is :func:`grids.partitioning.band_state`; the
SQL of the grids layer (map, tiles), the page's script (gis/static/gis/band.js, run in
node) and the band the page reads from the server must all agree with it."""

import json
import subprocess
from pathlib import Path

import pytest
from django.db.models import IntegerField, Value

from grids.partitioning import BAND_IN, BAND_OVER, BAND_UNDER, band_state
from grids.selectors import band_case, grids_layer
from households.models import Village
from households.scoping import Area
from tests.grids.test_editor_helpers import (  # noqa: F401 - fixtures
    API,
    staff_fixture,
    village_fixture,
)

ROOT = Path(__file__).resolve().parents[2]
# (households, band, state): both ends of the band are inside it
TABLE = [
    (39, (40, 60), BAND_UNDER),
    (40, (40, 60), BAND_IN),
    (50, (40, 60), BAND_IN),
    (60, (40, 60), BAND_IN),
    (61, (40, 60), BAND_OVER),
    (0, (1, 3), BAND_UNDER),
    (5, (5, 5), BAND_IN),
    (6, (5, 5), BAND_OVER),
]
IDS = [f"{n}-in-{lo}..{hi}" for n, (lo, hi), _ in TABLE]


@pytest.mark.parametrize("n, band, state", TABLE, ids=IDS)
def test_the_python_rule(n, band, state):
    assert band_state(n, band) == state


def test_the_page_script_is_the_python_rule():
    cases = [(n, band) for band in [(40, 60), (5, 5), (1, 3), (45, 55)] for n in range(-1, 70)]
    script = (
        "const fs = require('fs'); globalThis.window = {};"
        f"eval(fs.readFileSync({json.dumps(str(ROOT / 'gis/static/gis/band.js'))}, 'utf8'));"
        f"const cases = {json.dumps(cases)};"
        "console.log(JSON.stringify(cases.map(([n, b]) => window.gridBand.state(n, b))));"
    )
    out = subprocess.run(["node", "-e", script], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [band_state(n, band) for n, band in cases]


@pytest.mark.django_db
@pytest.mark.parametrize("n, band, state", TABLE, ids=IDS)
def test_the_sql_rule_is_the_python_rule(n, band, state, village):
    Village.objects.filter(pk=village.pk).update(
        grid_min=band[0], grid_target=band[0], grid_max=band[1]
    )
    row = (
        Village.objects.filter(pk=village.pk)
        .annotate(n=Value(n, output_field=IntegerField()))
        .annotate(band=band_case("n", "grid_min", "grid_max"))
        .get()
    )
    assert row.band == state == band_state(n, band)


@pytest.mark.django_db
def test_the_grids_layer_uses_the_rule(village):
    """The village's band set so that its grids fall under, on both ends of, and over it."""
    counts = sorted({g.household_count for g in grids_layer(Area.of_township(village.township))})
    assert len(counts) >= 3, counts
    lo, hi = counts[1], counts[-2]
    Village.objects.filter(pk=village.pk).update(grid_min=lo, grid_target=lo, grid_max=hi)
    grids = list(grids_layer(Area.of_township(village.township)).filter(village=village))
    assert {g.band for g in grids} == {BAND_UNDER, BAND_IN, BAND_OVER}
    assert {lo, hi} <= {g.household_count for g in grids if g.band == BAND_IN}
    for g in grids:
        assert g.band == band_state(g.household_count, (lo, hi)), g.code


@pytest.mark.django_db
def test_the_page_reads_the_band_from_the_server(staff, village):
    Village.objects.filter(pk=village.pk).update(grid_min=33, grid_target=40, grid_max=47)
    data = staff.get(f"{API}/draft.json").json()
    assert data["band"] == [33, 47]
