"""Civility and party-member ledgers: who may record and approve where, balances that never
fall below zero (also with two redemptions at once), opening entries, the boards."""

import datetime as dt
import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection

from households.access import Scope
from households.models import Household, Role, UserArea, Village, VillageGroup
from layers.points import selectors, services
from layers.points.models import Category, CivilityEntry, PartyEntry
from tests.layers.assessment.fixtures import small_township

DAY = dt.date(2025, 6, 1)


def cadre(village, name="s-cadre"):
    user = User.objects.create_user(name, password="x")
    UserArea.objects.create(user=user, role=Role.VILLAGE, village=village)
    return user


def other_village(township):
    v = Village.objects.create(code="360721300201", name="邻村", township=township)
    g = VillageGroup.objects.create(
        code="36072130020101",
        name="邻组",
        village=v,
        geom=township and VillageGroup.objects.first().geom,
    )
    h = Household.objects.create(
        external_id="H3999999",
        head="邻户",
        group=g,
        location=VillageGroup.objects.first().geom.centroid,
    )
    return v, h


def cat(code, ledger="civility"):
    return Category.objects.get(ledger=ledger, code=code)


def rows():
    return CivilityEntry.objects.count(), PartyEntry.objects.count()


@pytest.mark.django_db
def test_openings_then_balance_is_the_ledger_sum():
    s = small_township()
    services.civility_openings_ensure(DAY)
    assert services.civility_openings_ensure(DAY) == 0  # once per household
    a2 = s.households["A2"]  # imported 10 points
    assert services.balance(a2.pk) == 10
    services.civility_record(
        user=cadre(s.village), household=a2, category=cat("filial"), points=None, on=DAY
    )
    assert services.balance(a2.pk) == 20
    assert CivilityEntry.objects.filter(household=s.households["A1"]).count() == 0  # 0 points


@pytest.mark.django_db
def test_recorders_areas_and_approvers_are_checked():
    s = small_township()
    services.civility_openings_ensure(DAY)
    member = s.users["乙员"]  # member area 1 of grid A: A1-A4
    entry = services.civility_record(
        user=member,
        household=s.households["A3"],
        category=cat("sanitation"),
        points="",
        on=DAY,
        note="门前整洁",
    )
    assert entry.status == "pending" and entry.points == 5
    before = rows()
    with pytest.raises(services.PointsError) as exc:  # grid B is not the member's
        services.civility_record(
            user=member, household=s.households["B1"], category=cat("sanitation"), points=5, on=DAY
        )
    assert "H3000005" in str(exc.value)
    v2, far = other_village(s.township)
    village_cadre = cadre(s.village)
    with pytest.raises(services.PointsError):  # another village
        services.civility_record(
            user=village_cadre, household=far, category=cat("sanitation"), points=5, on=DAY
        )
    with pytest.raises(services.PointsError):  # a leader does not approve
        services.civility_decide(user=s.users["甲长"], entry=entry, approve=True)
    with pytest.raises(services.PointsError):  # a cadre of another village does not either
        services.civility_decide(user=cadre(v2, "s-cadre2"), entry=entry, approve=True)
    for bad in (
        {"points": 0},
        {"points": 101},
        {"points": "x"},
        {"on": dt.date.today() + dt.timedelta(days=2)},
        {"category": cat("shop")},
        {"category": cat("meetings", "party")},
    ):
        kw = {
            "user": member,
            "household": s.households["A3"],
            "category": cat("sanitation"),
            "points": 5,
            "on": DAY,
            **bad,
        }
        with pytest.raises(services.PointsError):
            services.civility_record(**kw)
    assert rows() == before
    assert CivilityEntry.objects.get(pk=entry.pk).status == "pending"
    services.civility_decide(user=village_cadre, entry=entry, approve=True)
    assert services.balance(s.households["A3"].pk) == 20 + 5
    with pytest.raises(services.PointsError):
        services.civility_decide(user=village_cadre, entry=entry, approve=False)


@pytest.mark.django_db
def test_redemption_and_deductions_never_go_below_zero():
    s = small_township()
    services.civility_openings_ensure(DAY)
    c = cadre(s.village)
    a2 = s.households["A2"]  # 10 points
    services.civility_redeem(user=c, household=a2, points=4, on=DAY, note="肥皂")
    assert services.balance(a2.pk) == 6
    before = rows()
    with pytest.raises(services.PointsError) as exc:
        services.civility_redeem(user=c, household=a2, points=7, on=DAY, note="大米")
    assert "6" in str(exc.value)
    with pytest.raises(services.PointsError):
        services.civility_record(user=c, household=a2, category=cat("violation"), points=-7, on=DAY)
    with pytest.raises(services.PointsError):
        services.civility_redeem(user=s.users["甲长"], household=a2, points=1, on=DAY)
    pending = services.civility_record(
        user=s.users["乙员"], household=a2, category=cat("violation"), points=-6, on=DAY
    )
    services.civility_redeem(user=c, household=a2, points=1, on=DAY, note="盐")
    after_pending = rows()
    with pytest.raises(services.PointsError):  # approving would reach -1
        services.civility_decide(user=c, entry=pending, approve=True)
    assert rows() == after_pending and before[0] + 2 == after_pending[0]
    assert services.balance(a2.pk) == 5


@pytest.mark.django_db(transaction=True)
def test_two_redemptions_at_once_cannot_both_spend_the_same_points():
    """Two threads spend 60 of 100 at the same moment: the row lock lets one through."""
    s = small_township()
    services.civility_openings_ensure(DAY)
    c = cadre(s.village)
    h = s.households["B2"]  # imported 50 points
    services.civility_record(user=c, household=h, category=cat("customs"), points=50, on=DAY)
    barrier, results = threading.Barrier(2), []

    def spend():
        try:
            barrier.wait()
            services.civility_redeem(user=c, household=h, points=60, on=DAY, note="电饭煲")
            results.append("ok")
        except services.PointsError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=spend) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "refused"]
    assert services.balance(h.pk) == 40
    assert CivilityEntry.objects.filter(household=h, kind="redeem").count() == 1


@pytest.mark.django_db
def test_boards_rank_the_month_and_mask_the_black_one():
    s = small_township()
    services.civility_openings_ensure(DAY)
    c = cadre(s.village)
    h = s.households
    for name, points, day in [
        ("A2", 10, 3),
        ("A2", 5, 9),
        ("A3", 8, 4),
        ("B1", -10, 5),
        ("B2", -5, 6),
        ("A4", 20, 30),
    ]:
        services.civility_record(
            user=c,
            household=h[name],
            category=cat("volunteer"),
            points=points,
            on=dt.date(2025, 6 if day < 30 else 5, day),
        )
    Household.objects.filter(pk=h["B1"].pk).update(head="张三丰")
    scope = Scope("village", township_id=s.township.pk, village_id=s.village.pk, role="village")
    board = selectors.boards(scope, s.village, 2025, 6)
    assert board["red"] == [{"name": "户主A2", "points": 15}, {"name": "户主A3", "points": 8}]
    assert board["black"] == [{"name": "张**", "points": -10}, {"name": "户***", "points": -5}]
    services.board_set(village=s.village, mask_black=False, size=1)
    board = selectors.boards(scope, s.village, 2025, 6)
    assert board["black"] == [{"name": "张三丰", "points": -10}] and len(board["red"]) == 1


@pytest.mark.django_db
def test_party_points_need_a_party_member_and_rank_the_branch():
    s = small_township()
    c = cadre(s.village)
    jia, ding = s.people["甲长"], s.people["丁员"]
    services.party_record(
        user=c, person=jia, category=cat("meetings", "party"), points=None, on=DAY
    )
    e = services.party_record(
        user=s.users["丙长"], person=ding, category=cat("post", "party"), points=None, on=DAY
    )
    assert e.status == "pending"
    services.party_decide(user=c, entry=e, approve=True)
    ding.party_member = ""
    ding.save()
    before = rows()
    with pytest.raises(services.PointsError):
        services.party_record(user=c, person=ding, category=cat("post", "party"), points=1, on=DAY)
    with pytest.raises(services.PointsError):  # the member of grid A does not reach grid B
        services.party_record(
            user=s.users["乙员"],
            person=s.people["丙长"],
            category=cat("post", "party"),
            points=1,
            on=DAY,
        )
    assert rows() == before
    scope = Scope("county", role="county")
    ranking = selectors.party_ranking(scope, s.village, 2025)
    # 丁员 is no party member any more: the branch ranks 甲长 (2), then 乙员 and 丙长 (0)
    assert [(r["name"], r["total"]) for r in ranking] == [("甲长", 2), ("丙长", 0), ("乙员", 0)]
    totals = selectors.party_totals(scope, 2025, village=s.village)
    assert totals["branches"][0]["total"] == 2 + 5
    assert {g["total"] for g in totals["groups"]} == {2, 5}
