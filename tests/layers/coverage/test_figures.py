"""Every figure of the dashboard against the counts in world.py's docstring, and scope."""

import re

import pytest
from django.test import Client

from layers.coverage import heat
from layers.coverage.exports import ERR_ORDER
from layers.coverage.indicators import INDICATORS

from .world import A1, A2, B1, A, B, C, T, small_township

pytestmark = pytest.mark.django_db

VILLAGE_A = dict(
    households=5,
    in_grid=4,
    in_grid_rate=0.8,
    with_member=3,
    member_rate=0.6,
    grids=2,
    grids_in_band=1,
    grids_under=1,
    grids_over=0,
    areas_in_band=3,
    grids_led=1,
    members=2,
    party_per_grid=1.5,
    qualifying=1,
    qualifying_no_group=0,
    visit_rate=0.4,
    not_visited=3,
    incidents_open=1,
    incidents_overdue=1,
    closed_on_time=1,
    on_time_rate=0.5,
    mean_rating=3.0,
    camera_share=0.0,  # no camera in the drawn township (layers.overlays' column)
)
VILLAGE_B = dict(
    households=5,
    in_grid=5,
    in_grid_rate=1.0,
    with_member=0,
    member_rate=0.0,
    grids=1,
    grids_in_band=0,
    grids_under=1,
    grids_over=0,
    areas_in_band=0,
    grids_led=0,
    members=0,
    party_per_grid=3.0,
    qualifying=1,
    qualifying_no_group=1,
    visit_rate=0.0,
    not_visited=5,
    incidents_open=0,
    incidents_overdue=0,
    closed_on_time=1,
    on_time_rate=1.0,
    mean_rating=5.0,
)
VILLAGE_C = dict(
    households=2,
    in_grid=0,
    in_grid_rate=0.0,
    with_member=0,
    member_rate=0.0,
    grids=0,
    grids_in_band=0,
    grids_under=0,
    grids_over=0,
    areas_in_band=0,
    grids_led=0,
    members=0,
    party_per_grid=None,
    qualifying=0,
    qualifying_no_group=0,
    visit_rate=0.0,
    not_visited=2,
    incidents_open=0,
    incidents_overdue=0,
    closed_on_time=0,
    on_time_rate=None,
    mean_rating=None,
)
TOTAL = dict(
    households=12,
    in_grid=9,
    in_grid_rate=9 / 12,
    with_member=3,
    member_rate=3 / 12,
    grids=3,
    grids_in_band=1,
    grids_under=2,
    grids_over=0,
    areas_in_band=3,
    grids_led=1,
    members=2,
    party_per_grid=2.0,
    qualifying=2,
    qualifying_no_group=1,
    visit_rate=2 / 12,
    not_visited=10,
    incidents_open=1,
    incidents_overdue=1,
    closed_on_time=2,
    on_time_rate=2 / 3,
    mean_rating=11 / 3,
)
GRID_A1 = dict(
    households=3,
    in_grid=3,
    with_member=2,
    grids=1,
    grids_in_band=1,
    areas_in_band=2,
    grids_led=1,
    members=1,
    party_per_grid=3.0,
    qualifying=1,
    qualifying_no_group=0,
    visit_rate=2 / 3,
    not_visited=1,
    incidents_open=1,
    incidents_overdue=1,
    closed_on_time=1,
    mean_rating=3.0,
)
GRID_A2 = dict(
    households=1,
    in_grid=1,
    with_member=1,
    grids=1,
    grids_under=1,
    areas_in_band=1,
    grids_led=0,
    members=1,
    party_per_grid=0.0,
    qualifying=0,
    visit_rate=0.0,
    not_visited=1,
    incidents_open=0,
    mean_rating=None,
)


@pytest.fixture
def small(db):
    return small_township()


def client_for(make_user, role, **area):
    c = Client()
    c.force_login(make_user(role, **area))
    return c


def same(got: dict, expected: dict):
    for key, value in expected.items():
        if value is None:
            assert got[key] is None, key
        else:
            assert got[key] == pytest.approx(value), key


def test_registry_covers_every_column():
    keys = [i.key for i in INDICATORS]
    assert set(VILLAGE_A) == set(keys) and len(keys) == len(set(keys))


def test_villages_of_the_township_and_total(small, make_user):
    c = client_for(make_user, "county")
    data = c.get("/api/coverage/table.json", {"level": "township", "code": T}).json()
    rows = {r["code"]: r for r in data["rows"]}
    assert list(rows) == [A, B, C]
    same(rows[A], VILLAGE_A)
    same(rows[B], VILLAGE_B)
    same(rows[C], VILLAGE_C)
    same(data["total"], TOTAL)


def test_grids_of_a_village(small, make_user):
    c = client_for(make_user, "county")
    data = c.get("/api/coverage/table.json", {"level": "village", "code": A}).json()
    rows = {r["code"]: r for r in data["rows"]}
    assert list(rows) == [A1, A2]
    same(rows[A1], GRID_A1)
    same(rows[A2], GRID_A2)


def test_county_row_of_the_township_is_its_total(small, make_user):
    c = client_for(make_user, "county")
    data = c.get("/api/coverage/table.json", {"level": "county"}).json()
    (row,) = [r for r in data["rows"] if r["code"] == T]
    same(row, TOTAL)


def test_sorted_rows(small, make_user):
    c = client_for(make_user, "county")
    data = c.get(
        "/api/coverage/table.json",
        {"level": "township", "code": T, "sort": "households", "order": "desc"},
    ).json()
    assert [r["households"] for r in data["rows"]] == [5, 5, 2]
    data = c.get(
        "/api/coverage/table.json",
        {"level": "township", "code": T, "sort": "on_time_rate", "order": "asc"},
    ).json()
    assert [r["code"] for r in data["rows"]] == [A, B, C]  # none last


def test_problems(small, make_user):
    c = client_for(make_user, "county")
    data = c.get("/api/coverage/charts.json", {"level": "township", "code": T}).json()
    problems = {p["key"]: p for p in data["problems"]}
    assert [i["code"] for i in problems["outside"]["items"]] == [A, C]  # C has no grid
    assert {i["code"] for i in problems["leaderless"]["items"]} == {A2, B1}
    assert [i["code"] for i in problems["no_party_group"]["items"]] == [B1]
    assert {i["code"] for i in problems["unvisited"]["items"]} == {A2, B1}
    assert [i["code"] for i in problems["late"]["items"]] == [T]  # 2 of 3 on time < 80 %


def test_heat_counts_every_point_once(small, make_user):
    c = client_for(make_user, "county")
    for layer, expected in (
        ("density", 12),
        ("no_member", 9),
        ("not_visited", 10),
        ("incidents", 4),
        ("overdue", 1),
    ):
        data = c.get(
            "/api/coverage/heat.geojson",
            {"level": "township", "code": T, "layer": layer, "z": "14"},
        ).json()
        assert sum(f["properties"]["n"] for f in data["features"]) == expected, layer
        assert all(f["geometry"]["type"] == "Polygon" for f in data["features"])
    assert heat.hex_size(14) < heat.hex_size(10)
    base = {"level": "township", "code": T, "layer": "incidents", "z": "12"}
    for extra, expected in (({"days": "2"}, 0), ({"days": "4"}, 4), ({"category": "none"}, 0)):
        data = c.get("/api/coverage/heat.geojson", {**base, **extra}).json()
        assert sum(f["properties"]["n"] for f in data["features"]) == expected, extra


def test_township_user_sees_only_theirs(small, make_user, demo_county):
    c = client_for(make_user, "township", township=small.township)
    assert c.get("/api/coverage/table.json", {"level": "county"}).status_code == 404
    assert (
        c.get(
            "/api/coverage/table.json", {"level": "township", "code": demo_county.code}
        ).status_code
        == 404
    )
    data = c.get("/api/coverage/table.json").json()
    assert data["place"]["code"] == T
    same(data["total"], TOTAL)
    assert (
        c.get("/coverage/export.xlsx", {"level": "township", "code": demo_county.code}).status_code
        == 404
    )


def test_village_cadre_only_their_village(small, make_user):
    c = client_for(make_user, "village", village=small.villages[A])
    assert c.get("/api/coverage/table.json", {"level": "village", "code": B}).status_code == 404
    assert c.get("/api/coverage/table.json", {"level": "township", "code": T}).status_code == 404
    data = c.get("/api/coverage/table.json").json()
    assert [r["code"] for r in data["rows"]] == [A1, A2]
    heat_all = c.get("/api/coverage/heat.geojson", {"layer": "density", "z": "14"}).json()
    assert sum(f["properties"]["n"] for f in heat_all["features"]) == 5
    points = c.get("/api/coverage/households.geojson", {"code": A}).json()
    assert len(points["features"]) == 5
    assert c.get("/api/coverage/households.geojson", {"code": B}).status_code == 404


def test_grid_people_have_no_dashboard(small, make_user):
    c = client_for(make_user, "grid_leader", village=small.villages[A], grid_code=A1)
    assert c.get("/coverage/").status_code == 403


@pytest.mark.parametrize(
    "url, params, names",
    [
        ("/api/coverage/table.json", {"level": "province"}, "level"),
        ("/api/coverage/table.json", {"level": "township", "code": "12"}, "code"),
        ("/api/coverage/table.json", {"level": "county", "code": T}, "code"),
        ("/api/coverage/table.json", {"level": "county", "sort": "nope"}, "sort"),
        ("/api/coverage/table.json", {"level": "county", "order": "up"}, "order"),
        ("/coverage/", {"column": "nope"}, "column"),
        ("/api/coverage/areas.geojson", {"column": "x"}, "column"),
        ("/api/coverage/heat.geojson", {"layer": "nope", "z": "10"}, "layer"),
        ("/api/coverage/heat.geojson", {"layer": "density", "z": "99"}, "z"),
        ("/api/coverage/heat.geojson", {"layer": "density", "z": "a"}, "z"),
        ("/api/coverage/heat.geojson", {"layer": "density", "z": "10", "bbox": "1,2"}, "bbox"),
        (
            "/api/coverage/heat.geojson",
            {"layer": "density", "z": "18", "bbox": "100,20,120,30"},
            "bbox",
        ),
        ("/api/coverage/heat.geojson", {"layer": "incidents", "z": "10", "days": "0"}, "days"),
        ("/api/coverage/households.geojson", {"code": "x"}, "code"),
        ("/coverage/export.csv", {"level": "village", "code": "1"}, "code"),
        ("/coverage/export.xlsx", {"level": "x"}, "level"),
        ("/coverage/report.html", {"column": "x"}, "column"),
    ],
)
def test_bad_input_is_a_400_naming_it(small, make_user, url, params, names):
    from households.models import AccessLog

    c = client_for(make_user, "county")
    r = c.get(url, params)
    assert r.status_code == 400
    assert names in r.content.decode()
    assert not AccessLog.objects.exists()


def test_order_message_is_a_constant():
    assert "order" in str(ERR_ORDER)


@pytest.fixture
def extra_column():
    """A column another module adds with one entry (and its source)."""
    from layers.coverage.indicators import INDICATORS, SHARE, SOURCES, Indicator, register

    def source(ctx):
        return {A: {"extra": 1}} if ctx.level == "village" else {}

    register(Indicator("extra_share", "extra", SHARE, "extra", "households"), source=source)
    yield
    INDICATORS.pop()
    SOURCES.remove(source)


def test_a_module_adds_a_column(small, make_user, extra_column):
    c = client_for(make_user, "county")
    data = c.get("/api/coverage/table.json", {"level": "township", "code": T}).json()
    rows = {r["code"]: r for r in data["rows"]}
    assert rows[A]["extra_share"] == pytest.approx(1 / 5)
    assert rows[B]["extra_share"] == 0
    assert data["total"]["extra_share"] == pytest.approx(1 / 12)
    body = c.get("/coverage/export.csv", {"level": "township", "code": T}).content
    assert "extra" in body.decode("utf-8-sig").splitlines()[0]


def test_exports_read_back_and_logged(small, make_user):
    import csv
    import io

    import openpyxl
    from django.utils import translation

    from households.models import AccessLog

    c = client_for(make_user, "county")
    r = c.get("/coverage/export.csv", {"level": "township", "code": T})
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    with translation.override("zh-hans"):
        header = [str(i.label) for i in INDICATORS]
    assert lines[0][2:] == header
    column = 2 + [i.key for i in INDICATORS].index("households")
    assert [(line[0], line[column]) for line in lines[1:]] == [
        (A, "5"),
        (B, "5"),
        (C, "2"),
        ("", "12"),
    ]
    r = c.get("/coverage/export.xlsx", {"level": "township", "code": T})
    wb = openpyxl.load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["行政村", "网格", "图表数据", "趋势", "问题清单"]
    grids = [row for row in wb["网格"].iter_rows(min_row=2, values_only=True)]
    assert [g[0] for g in grids] == [A1, A2, B1, None]  # the total has no code
    assert [g[column] for g in grids] == [3, 1, 5, 9]
    visit_rate = 2 + [i.key for i in INDICATORS].index("visit_rate")
    assert wb["行政村"].cell(row=2, column=visit_rate + 1).value == pytest.approx(0.4)
    logs = list(AccessLog.objects.order_by("pk"))
    assert [(log.action, log.count) for log in logs] == [("export", 3), ("export", 3 + 3)]
    assert all("code=" + T in log.path and log.household_ids == [] for log in logs)
    r = c.get("/coverage/report.html", {"level": "township", "code": T, "column": "visit_rate"})
    html = r.content.decode()
    assert "L.map(" in html and "L.geoJson(" in html  # Leaflet inlined, the map built
    assert not re.search(r"""src=["']?(https?:)?//""", html)  # no script or image to fetch
    assert not re.search(r"""<link[^>]+href=["']?(https?:)?//""", html)  # nor a style sheet
    assert AccessLog.objects.count() == 3


def test_the_county_is_computed_ahead(small, make_user):
    """The periodic job computes the county's dashboard: county staff's first request reads
    no household (the answers are in the cache)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from households.models import Township
    from layers.coverage.services import coverage_warm

    assert coverage_warm() == Township.objects.count()
    c = client_for(make_user, "county")
    with CaptureQueriesContext(connection) as queries:
        for url in ("/coverage/", "/api/coverage/areas.geojson", "/api/coverage/charts.json"):
            assert c.get(url).status_code == 200
    assert not [q for q in queries if "households_household" in q["sql"]]


def test_trend_month_by_month(small, make_user):
    """Each month, as at its end: grids drawn 60 days ago (3 grids, 9 households), the
    households visited in the 90 days before the month's end, visits in the month,
    incidents reported and closed (all three days ago and a day ago)."""
    import datetime as dt

    from django.utils import timezone

    from layers.coverage.insights import months
    from layers.models import Visit

    c = client_for(make_user, "county")
    trend = c.get("/api/coverage/charts.json", {"level": "township", "code": T}).json()["trend"]
    now = timezone.now()
    firsts = months(now)
    assert trend["months"] == [m.strftime("%Y-%m") for m in firsts]
    visits = list(Visit.objects.values_list("household_id", "visited_on"))
    drawn = timezone.localdate(now - dt.timedelta(days=60))
    for i, first in enumerate(firsts):
        stop = (first + dt.timedelta(days=32)).replace(day=1)
        built = drawn < stop
        assert trend["series"]["grids"][i] == (3 if built else 0)
        assert trend["series"]["in_grid"][i] == (9 if built else 0)
        seen = {h for h, d in visits if stop - dt.timedelta(days=90) <= d < stop}
        rate = trend["series"]["visit_rate"][i]
        assert rate == (pytest.approx(len(seen) / 9) if built else None)
        assert trend["series"]["visits"][i] == sum(first <= d < stop for _h, d in visits)
    reported = timezone.localdate(now - dt.timedelta(days=3))
    closed = timezone.localdate(now - dt.timedelta(days=1))
    month = [m.strftime("%Y-%m") for m in firsts]
    assert sum(trend["series"]["incidents_reported"]) == 4
    assert trend["series"]["incidents_reported"][month.index(reported.strftime("%Y-%m"))] == 4
    i = month.index(closed.strftime("%Y-%m"))
    assert trend["series"]["incidents_closed"][i] == 3
    assert trend["series"]["on_time_rate"][i] == pytest.approx(2 / 3)
