"""The OGC API and the REST API with real clients on a live server, authenticated by a personal
API token: GDAL's OAPIF driver (ogrinfo, ogr2ogr) and schemathesis on the OpenAPI schema."""

import os
import subprocess

import pyogrio
import pytest

from grids.models import Grid
from households.models import Household
from layers.api.tokens import token_issue

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def field(transactional_db):
    """The field world, committed: the live server's threads read it."""
    from tests.layers.factories import field_world

    return field_world()


def key_for(field, role) -> str:
    _token, key = token_issue(user=field.users[role], name=f"test {role}", issued_by=None)
    return key


def gdal(*args, key: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "GDAL_HTTP_HEADERS": f"Authorization: Token {key}"}
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)


def test_ogrinfo_lists_the_collections_and_reads_every_feature_page_by_page(live_server, field):
    key = key_for(field, "township")
    url = f"OAPIF:{live_server.url}/ogc/"
    listed = gdal("ogrinfo", "-ro", "-q", url, key=key)
    assert listed.returncode == 0, listed.stderr
    for cid in (
        "townships",
        "villages",
        "village-groups",
        "grids",
        "grid-versions",
        "member-areas",
        "households",
    ):
        assert f": {cid} " in listed.stdout
    # 10 a page: every grid of the township read through the next links
    read = gdal("ogrinfo", "-ro", "-oo", "PAGE_SIZE=10", "-al", "-geom=NO", url, "grids", key=key)
    assert read.returncode == 0, read.stderr
    codes = {
        line.split("=", 1)[1].strip()
        for line in read.stdout.splitlines()
        if line.strip().startswith("code (String)")
    }
    expected = set(
        Grid.objects.current()
        .filter(village__township=field.township)
        .values_list("code", flat=True)
    )
    assert codes == expected and len(expected) > 10


def test_ogr2ogr_copies_a_townships_grids_into_a_geopackage(live_server, field, tmp_path):
    key = key_for(field, "county")
    out = tmp_path / "grids.gpkg"
    copied = gdal(
        "ogr2ogr",
        "-f",
        "GPKG",
        str(out),
        f"OAPIF:{live_server.url}/ogc/",
        "grids",
        "-where",
        f"township_code = '{field.township.code}'",
        key=key,
    )
    assert copied.returncode == 0, copied.stderr
    frame = pyogrio.read_dataframe(out)
    grids = Grid.objects.current().filter(village__township=field.township)
    assert set(frame["code"]) == set(grids.values_list("code", flat=True))
    assert (frame.geometry.is_valid).all() and frame.crs.to_epsg() == 4326


def test_the_schema_is_fuzzed_without_a_server_error_or_an_outside_object(live_server, field):
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    key = key_for(field, "township")
    headers = {"Authorization": f"Token {key}"}
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}/api/schema/?format=json", headers=headers
    )
    outside = set(
        Household.objects.exclude(group__village__township=field.township).values_list(
            "external_id", flat=True
        )
    )
    outside_grids = {field.other.code}
    problems = []

    def fuzz(op):
        @settings(
            max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        @given(case=op.as_strategy())
        def run(case):
            response = case.call(base_url=live_server.url, headers=headers)
            if response.status_code >= 500:
                problems.append(f"{op.label}: {response.status_code}")
            text = response.text
            leaked = [i for i in outside if i in text] + [g for g in outside_grids if g in text]
            if response.status_code == 200 and leaked:
                problems.append(f"{op.label}: outside objects {leaked[:3]}")

        run()

    operations = [operation.ok() for operation in schema.get_all_operations()]
    assert len(operations) > 15
    for op in operations:
        fuzz(op)
    assert not problems, "\n".join(problems[:20])
