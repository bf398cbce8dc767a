"""The pages over HTTP: the ranked table, the XLSX read back with openpyxl, and bad input
answered with a 4xx naming the field, nothing changed."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import User
from openpyxl import load_workbook

from households.models import Role, UserArea
from layers.assessment import services
from layers.assessment.models import RuleSet, Run, Score, ScoreChange, YearLock

from .fixtures import TIERS, WEIGHTS, small_township

pytestmark = pytest.mark.django_db


def staff(role, **area):
    user = User.objects.create_user(f"v-{role}", password="x")
    UserArea.objects.create(user=user, role=role, **area)
    return user


@pytest.fixture
def setup(client):
    client.cookies["django_language"] = "en"  # the messages below are read in English
    s = small_township()
    run = services.run_compute(
        services.run_prepare(
            township=s.township,
            kind="year",
            starts_on=dt.date(2025, 1, 1),
            today=dt.date(2026, 1, 2),
        )
    )
    return s, run


def counts():
    return tuple(m.objects.count() for m in (RuleSet, Run, Score, ScoreChange, YearLock))


def test_table_xlsx_and_adjust(client, setup):
    s, run = setup
    client.force_login(staff(Role.TOWNSHIP, township=s.township))
    page = client.get(f"/assessment/{run.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "甲长" in body and 'data-tier="basic"' in body
    response = client.post(
        f"/assessment/{run.pk}/adjust/",
        {"person": s.people["甲长"].pk, "points": "3", "reason": "例会全勤"},
    )
    assert response.status_code == 302
    xlsx = client.get(f"/assessment/{run.pk}/assessment.xlsx")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    header = [c.value for c in ws[2]]
    assert header[:3] == ["名次", "姓名", "岗位"] and header[-3:] == [
        "最终得分",
        "等次",
        "补贴（元）",
    ]
    data = {r[1]: r for r in ws.iter_rows(min_row=3, max_row=6, values_only=True)}
    assert data["甲长"][header.index("最终得分")] == pytest.approx(47.92 + 3, abs=0.01)
    assert data["丙长"][header.index("等次")] == "合格"
    assert data["丙长"][header.index("补贴（元）")] == 2400.0
    assert data["甲长"][header.index("走访户数")] == 2


@pytest.mark.parametrize(
    ("url", "post", "says"),
    [
        ("adjust", {"person": "P", "points": "x", "reason": "原因说明"}, "points"),
        ("adjust", {"person": "P", "points": "5", "reason": ""}, "reason"),
        ("adjust", {"person": "P", "points": "500", "reason": "原因说明"}, "100"),
        ("manual", {"person": "P", "points": "5", "reason": "说明说明"}, "indicator"),
        ("publish", {}, "confirm"),
    ],
    ids=["points-nan", "no-reason", "too-many", "no-label", "unconfirmed"],
)
def test_bad_input_is_a_400_naming_the_field(client, setup, url, post, says):
    s, run = setup
    client.force_login(staff(Role.TOWNSHIP, township=s.township))
    client.cookies["django_language"] = "en"
    post = {k: (s.people["甲长"].pk if v == "P" else v) for k, v in post.items()}
    before = counts()
    response = client.post(f"/assessment/{run.pk}/{url}/", post, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert says in response.content.decode().lower()
    assert counts() == before and Run.objects.get(pk=run.pk).status == "draft"


def test_rule_form_refuses_overlaps_and_the_county_locks(client, setup):
    s, run = setup
    county = staff(Role.COUNTY)
    client.force_login(county)
    before = counts()
    import json

    tiers = [dict(t) for t in TIERS]
    tiers[0]["min"] = 80
    response = client.post(
        "/assessment/rules/",
        {
            "name": "x",
            "valid_from": "2026-01-01",
            "weight_total": 100,
            "weights": json.dumps(WEIGHTS),
            "tiers": json.dumps(tiers),
            "targets": "",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400 and "overlap" in response.content.decode()
    response = client.post(
        "/assessment/rules/",
        {
            "name": "x",
            "valid_from": "2026-01-01",
            "weight_total": 100,
            "weights": "{not json",
            "tiers": json.dumps(TIERS),
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400 and "JSON" in response.content.decode()
    response = client.post("/assessment/lock/", {"year": "2025"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "小镇" in response.content.decode()  # a draft
    assert counts() == before
    services.run_publish(run=run, by=None)
    assert client.post("/assessment/lock/", {"year": "2025"}).status_code == 302
    client.force_login(staff(Role.TOWNSHIP, township=s.township))
    before = counts()
    response = client.post(
        f"/assessment/{run.pk}/adjust/",
        {"person": s.people["甲长"].pk, "points": "1", "reason": "锁定后更正"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400 and "locked" in response.content.decode()
    assert counts() == before
    # roles: a village cadre may not open the table; the county may not adjust
    client.force_login(staff(Role.VILLAGE, village=s.village))
    assert client.get(f"/assessment/{run.pk}/").status_code == 403
    client.force_login(county)
    assert client.post(f"/assessment/{run.pk}/adjust/", {}).status_code == 403


def test_county_queues_every_township_and_townships_may_not(client, setup):
    s, run = setup
    client.force_login(staff(Role.TOWNSHIP, township=s.township))
    form = {"kind": "quarter", "starts_on": "2025-04-01"}
    assert client.post("/assessment/county/", form).status_code == 403
    client.force_login(staff(Role.COUNTY))
    response = client.post("/assessment/county/", {"kind": "quarter", "starts_on": "2025-04-02"})
    assert response.status_code == 400 and "quarter" in response.content.decode()
    assert client.post("/assessment/county/", form).status_code == 302
    queued = Run.objects.get(kind="quarter")
    assert queued.status == "queued" and queued.job_id
