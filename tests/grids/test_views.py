"""Grid views: start a run (a worker of the job queue computes it), the run page and its diff,
apply, discard, GeoJSON endpoints with a query count that does not grow with the number of
grids."""

import json

import pytest

from grids import services
from grids.models import Grid, GridVersion, PartitionRun
from households.models import Township
from tests.grids.db_checks import assert_grids_valid
from tests.workers import wait_for

RUN_TIMEOUT_S = 30.0  # the demo township takes ~1 s; generous for a loaded machine


@pytest.fixture
def staff(client, township_user):
    """A client logged in as township staff of the demo township (may partition)."""
    client.force_login(township_user)
    return client


def wait_proposed(pk: int) -> PartitionRun:
    """Poll the database until the worker has computed run ``pk``."""
    open_ = (PartitionRun.Status.QUEUED, PartitionRun.Status.RUNNING)
    wait_for(
        lambda: PartitionRun.objects.exclude(status__in=open_).filter(pk=pk).exists(),
        RUN_TIMEOUT_S,
        f"partition run {pk} computed",
        every=0.1,
    )
    run = PartitionRun.objects.get(pk=pk)
    assert run.status == PartitionRun.Status.PROPOSED, run.message
    return run


def test_start_run_show_diff_and_apply(demo_county, staff, job_worker):
    response = staff.post(f"/townships/{demo_county.code}/partition/")
    assert response.status_code == 302
    run = PartitionRun.objects.get()
    assert response["Location"] == f"/partition-runs/{run.pk}/"
    run = wait_proposed(run.pk)
    assert run.scope == PartitionRun.Scope.TOWNSHIP and run.created_by.username == "township"

    page = staff.get(f"/partition-runs/{run.pk}/").content.decode()
    assert 'id="diff"' in page and 'id="apply-button"' in page
    assert f'<td id="d-added">{len(run.diff["added"])}</td>' in page
    status = staff.get(f"/partition-runs/{run.pk}/status.json").json()
    assert status["status"] == "proposed" and status["done"] == status["total"] == 3
    proposal = json.loads(staff.get(f"/partition-runs/{run.pk}/proposal.geojson").content)
    assert (
        proposal["type"] == "FeatureCollection"
        and len(proposal["features"]) == run.summary["grids"]
    )
    assert {"band", "changed", "code", "households"} <= set(proposal["features"][0]["properties"])

    response = staff.post(f"/partition-runs/{run.pk}/", {"apply": "1"})
    assert response.status_code == 302 and response["Location"].endswith(
        f"/{demo_county.code}/map/"
    )
    assert GridVersion.objects.filter(valid_to__isnull=True).count() == 3
    assert_grids_valid(demo_county.villages.all())


def test_start_run_for_one_village(demo_county, staff, job_worker):
    staff.post(
        f"/townships/{demo_county.code}/partition/", {"village": "360721100202", "fresh": "1"}
    )
    run = wait_proposed(PartitionRun.objects.get().pk)
    assert (run.scope, run.scope_code, run.options["fresh"]) == ("village", "360721100202", True)
    assert set(run.proposal["base_versions"]) == {"360721100202"}


def test_village_of_another_township_is_404(demo_county, staff):
    response = staff.post(f"/townships/{demo_county.code}/partition/", {"village": "999999999999"})
    assert response.status_code == 404
    assert not PartitionRun.objects.exists()


def test_discard_leaves_grids_unchanged(demo_county, staff):
    services.partition_run_apply(
        services.partition_run_compute(
            services.partition_run_create(scope="township", code=demo_county.code)
        )
    )
    before = list(Grid.objects.order_by("pk").values_list("pk", "code", "household_count"))
    run = services.partition_run_compute(
        services.partition_run_create(scope="township", code=demo_county.code, fresh=True)
    )
    response = staff.post(f"/partition-runs/{run.pk}/", {"discard": "1"})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == PartitionRun.Status.DISCARDED
    assert list(Grid.objects.order_by("pk").values_list("pk", "code", "household_count")) == before
    assert GridVersion.objects.count() == 3
    # a discarded proposal can no longer be applied: the page says so, nothing is written
    response = staff.post(f"/partition-runs/{run.pk}/", {"apply": "1"}, follow=True)
    assert '<li class="error">' in response.content.decode()
    assert GridVersion.objects.count() == 3


def test_stale_proposal_shows_conflict(demo_county, staff):
    stale = services.partition_run_compute(
        services.partition_run_create(scope="village", code="360721100201")
    )
    services.partition_run_apply(
        services.partition_run_compute(
            services.partition_run_create(scope="village", code="360721100201")
        )
    )
    response = staff.post(f"/partition-runs/{stale.pk}/", {"apply": "1"})
    assert response.status_code == 302 and response["Location"] == f"/partition-runs/{stale.pk}/"
    assert GridVersion.objects.count() == 1
    page = staff.get(response["Location"]).content.decode()
    assert '<li class="error">' in page and "万星村" in page


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/townships/360721100/map/"),
        ("get", "/api/townships/360721100/grids.geojson"),
        ("post", "/townships/360721100/partition/"),
        ("get", "/partition-runs/1/"),
        ("get", "/partition-runs/1/status.json"),
        ("get", "/partition-runs/1/proposal.geojson"),
        ("get", "/partition-runs/1/moved.geojson"),
    ],
    ids=["map", "grids", "start", "run", "status", "proposal", "moved"],
)
def test_anonymous_is_sent_to_login(client, db, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert not PartitionRun.objects.exists()


@pytest.mark.parametrize("role", ["county", "village"])
def test_roles_without_the_partition_right_cannot_start_or_see_runs(
    demo_county, make_user, client, role
):
    run = services.partition_run_create(scope="township", code=demo_county.code)
    village = demo_county.villages.first() if role == "village" else None
    client.force_login(make_user(role, village=village))
    page = client.get(f"/townships/{demo_county.code}/map/")
    assert page.status_code == 200 and b'id="partition-button"' not in page.content
    assert client.post(f"/townships/{demo_county.code}/partition/").status_code == 403
    assert client.get(f"/partition-runs/{run.pk}/").status_code == 403
    assert client.get(f"/partition-runs/{run.pk}/moved.geojson").status_code == 403
    assert client.post(f"/partition-runs/{run.pk}/", {"apply": "1"}).status_code == 403
    assert PartitionRun.objects.get().status == PartitionRun.Status.QUEUED


def test_staff_of_another_township_gets_404(demo_county, make_user, client):
    other = Township.objects.create(code="360721101", name="别镇")
    client.force_login(make_user("township", township=other))
    assert client.post(f"/townships/{demo_county.code}/partition/").status_code == 404
    assert not PartitionRun.objects.exists()


def test_grids_geojson_has_band_state_and_constant_queries(
    demo_county, staff, django_assert_num_queries, django_assert_max_num_queries
):
    url = f"/api/townships/{demo_county.code}/grids.geojson"
    with django_assert_max_num_queries(8) as empty:  # session, user, scope, township, grids
        assert json.loads(staff.get(url).content) == {"type": "FeatureCollection", "features": []}
    services.partition_run_apply(
        services.partition_run_compute(
            services.partition_run_create(scope="township", code=demo_county.code)
        )
    )
    with django_assert_num_queries(len(empty.captured_queries)):
        response = staff.get(url)
    assert response["Content-Type"] == "application/geo+json"
    data = json.loads(response.content)
    assert data["type"] == "FeatureCollection" and len(data["features"]) == Grid.objects.count()
    feature = data["features"][0]
    assert {"type", "id", "geometry", "properties"} <= set(feature)
    assert feature["geometry"]["type"] == "MultiPolygon"
    for f in data["features"]:
        p = f["properties"]
        assert p["band"] in ("in", "under", "over") and (p["band"] == "in") == (
            40 <= p["households"] <= 60
        )
        assert p["members"] > 0 and p["version"] == 1


def test_proposal_geojson_constant_queries(demo_county, staff, django_assert_max_num_queries):
    village = services.partition_run_compute(
        services.partition_run_create(scope="village", code="360721100202")
    )
    township = services.partition_run_compute(
        services.partition_run_create(scope="township", code=demo_county.code)
    )
    counts = []
    for run in (village, township):
        with django_assert_max_num_queries(10) as ctx:
            data = json.loads(staff.get(f"/partition-runs/{run.pk}/proposal.geojson").content)
        counts.append(len(ctx.captured_queries))
        assert len(data["features"]) == run.summary["grids"]
        assert all(f["properties"]["changed"] for f in data["features"])  # all new: first version
    assert counts[0] == counts[1]


def test_households_moved_are_listed_and_mapped(demo_county, staff):
    """A fresh re-run after new households reshuffles grids: the page lists the existing
    households given another grid (id, head, from -> to) and moved.geojson maps them."""
    from households.models import Household, Village
    from tests.grids.db_checks import add_households

    wanxing = "360721100201"
    services.partition_run_apply(
        services.partition_run_compute(services.partition_run_create(scope="village", code=wanxing))
    )
    first = services.partition_run_compute(
        services.partition_run_create(scope="village", code=wanxing)
    )
    page = staff.get(f"/partition-runs/{first.pk}/").content.decode()
    assert first.diff["moved_count"] == 0 and 'id="moved-list"' not in page
    add_households(Village.objects.get(code=wanxing), 30)
    run = services.partition_run_compute(
        services.partition_run_create(scope="village", code=wanxing, fresh=True)
    )
    moved = run.diff["moved"]
    assert run.diff["moved_count"] == len(moved) > 30  # a fresh run moves more than 30

    page = staff.get(f"/partition-runs/{run.pk}/").content.decode()
    assert f"({len(moved)})" in page
    pk, old, new = moved[0]
    first_hh = Household.objects.get(pk=pk)
    assert f"<b>{first_hh.external_id}</b> {first_hh.head}: {old} → {new}" in page
    assert page.count("<li data-household=") == 30
    assert f"另有 {len(moved) - 30} 户" in page

    data = json.loads(staff.get(f"/partition-runs/{run.pk}/moved.geojson").content)
    assert [f["id"] for f in data["features"]] == [m[0] for m in moved]
    for f, (_pk, old, new) in zip(data["features"], moved):
        assert (f["properties"]["from"], f["properties"]["to"]) == (old, new) and old != new
    hh = Household.objects.in_bulk([m[0] for m in moved])
    for f in data["features"]:
        location = hh[f["id"]].location
        assert f["geometry"]["coordinates"] == [location.x, location.y]
    assert "地图上标出前" not in page  # every moved household is on the map
    run.diff["moved"] = moved[:10]  # as a diff listing only the first MOVED_LISTED
    run.save(update_fields=["diff"])
    page = staff.get(f"/partition-runs/{run.pk}/").content.decode()
    assert "地图上标出前 10 户。" in page and page.count("<li data-household=") == 10
    assert f"另有 {len(moved) - 10} 户" in page
