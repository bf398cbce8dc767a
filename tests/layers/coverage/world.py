"""A township of three villages drawn here, with hand-counted figures.

测镇 (360722100), villages side by side, 0.01 degree squares:

+--------------+--------------+--------------+
| A  band 2-4  | B  band 40-60| C  no grids  |
| A1: a b c    | B1: f g h i j| k l          |
| A2: d        |              |              |
| e (no grid)  |              |              |
+--------------+--------------+--------------+

A1 (3 households, in band): leader confirmed; member area 1 (a, b: member confirmed),
   area 2 (c: no member); party members 3 (a 2, b 1) -> qualifies, has a party group;
   a and b visited within 90 days (a twice).
A2 (1 household d, under band): no leader; member area 1 (d: member confirmed);
   d visited 100 days ago only.
B1 (5 households, under band 40): leader proposed only; one member area of 5 (member
   proposed only); party members 3 -> qualifies, no party group. No visits.
C: 2 households, no grid.
Incidents: A1 one open past its deadline, one closed on time rated 4, one closed late
rated 2; B1 one closed on time rated 5.
Versions were drawn 60 days ago (so grids without a leader have lacked one 30+ days).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone

from grids.models import Grid, GridAssignment, GridVersion, MemberArea
from households.models import Household, Person, Township, Village, VillageGroup
from layers.coverage.models import PartyGroup
from layers.incidents.services import categories_ensure
from layers.models import Incident, IncidentCategory, Visit

T = "360722100"
A, B, C = "360722100200", "360722100201", "360722100202"
A1, A2, B1 = A + "001", A + "002", B + "001"


@dataclass
class Small:
    township: Township
    villages: dict[str, Village]
    grids: dict[str, Grid]


def _square(i: int) -> MultiPolygon:
    x = 116.0 + 0.01 * i
    return MultiPolygon(Polygon.from_bbox((x, 26.0, x + 0.01, 26.01)))


def small_township() -> Small:
    now = timezone.now()
    drawn = now - dt.timedelta(days=60)
    township = Township.objects.create(code=T, name="测镇")
    villages, groups, grids, n = {}, {}, {}, 0
    for i, (code, name) in enumerate(((A, "甲村"), (B, "乙村"), (C, "丙村"))):
        band = (
            dict(grid_min=2, grid_target=3, grid_max=4, member_min=1, member_target=2, member_max=3)
            if code == A
            else {}
        )
        villages[code] = Village.objects.create(
            code=code, name=name, township=township, boundary=_square(i), **band
        )
        groups[code] = VillageGroup.objects.create(
            code=code + "01", name=name + "一组", village=villages[code], geom=_square(i)
        )

    def household(village, k):
        nonlocal n
        n += 1
        x = 116.0 + 0.01 * [A, B, C].index(village) + 0.001 * (k + 1)
        return Household.objects.create(
            external_id=f"T{n:06d}", location=Point(x, 26.005), group=groups[village]
        )

    hh = {name: household(A, k) for k, name in enumerate("abcde")}
    hh |= {name: household(B, k) for k, name in enumerate("fghij")}
    hh |= {name: household(C, k) for k, name in enumerate("kl")}
    people = {}
    for h, count in (("a", 2), ("b", 1), ("f", 1), ("g", 1), ("h", 1)):
        for m in range(count):
            people[f"{h}{m}"] = Person.objects.create(
                name=f"党员{h}{m}", household=hh[h], party_member="full"
            )
    people["c0"] = Person.objects.create(name="群众c", household=hh["c"])
    people["i0"] = Person.objects.create(name="群众i", household=hh["i"])
    versions = {
        v: GridVersion.objects.create(
            village=villages[v], number=1, valid_from=drawn, source=GridVersion.Source.EDIT
        )
        for v in (A, B)
    }

    def grid(code, village, members, leader=None, confirmed=False):
        g = Grid.objects.create(
            version=versions[village],
            village=villages[village],
            code=code,
            geom=villages[village].boundary,
            household_count=sum(len(m) for m, _p, _c in members),
            leader=leader,
            leader_confirmed=confirmed,
        )
        for number, (names, member, member_confirmed) in enumerate(members, start=1):
            area = MemberArea.objects.create(
                grid=g,
                number=number,
                member=member,
                member_confirmed=member_confirmed,
                household_count=len(names),
            )
            for name in names:
                GridAssignment.objects.create(
                    version=versions[village], household=hh[name], grid=g, member_area=area
                )
        grids[code] = g
        return g

    grid(A1, A, [("ab", people["a0"], True), ("c", None, False)], people["a1"], True)
    grid(A2, A, [("d", people["c0"], True)])
    grid(B1, B, [("fghij", people["i0"], False)], people["f0"], False)
    PartyGroup.objects.create(
        village=villages[A],
        grid_code=A1,
        leader=people["a0"],
        started_on=timezone.localdate() - dt.timedelta(days=10),
    )
    today = timezone.localdate()
    for name, days, code in (("a", 5, A1), ("a", 20, A1), ("b", 80, A1), ("d", 100, A2)):
        Visit.objects.create(
            household=hh[name],
            grid_code=code,
            member_number=1,
            visited_on=today - dt.timedelta(days=days),
        )
    categories_ensure()
    cat = IncidentCategory.objects.order_by("pk").first()
    for k, (code, state, on_time, rating) in enumerate(
        (
            (A1, "dispatched", None, None),
            (A1, "closed", True, 4),
            (A1, "closed", False, 2),
            (B1, "closed", True, 5),
        )
    ):
        v = villages[code[:12]]
        Incident.objects.create(
            tracking_code=f"COVTEST{k:05d}",
            category=cat,
            description="test",
            point=Point(116.005, 26.005),
            located_by="map",
            channel="staff",
            township=township,
            village=v,
            grid=grids[code],
            grid_code=code,
            state=state,
            tier="village",
            deadline_at=now - dt.timedelta(hours=1),
            closed_at=now - dt.timedelta(days=1) if state == "closed" else None,
            closed_on_time=on_time,
            rating=rating,
            reported_at=now - dt.timedelta(days=3),
        )
    return Small(township, villages, grids)
