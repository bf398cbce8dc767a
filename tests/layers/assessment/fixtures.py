"""A small hand-built township for the assessment tests: two grids, a year of visits and
incidents placed by hand (the expected indicators are written out in the tests).

    village 小村 (version 1 from 2025-01-01)
    grid A: leader 甲长, member area 1 (乙员): households A1 A2 A3 A4
    grid B: leader 丙长, member area 1 (丁员): households B1 B2
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.contrib.gis.geos import MultiPolygon, Point, Polygon

from grids.models import Grid, GridAssignment, GridVersion, MemberArea
from households.models import Household, Person, Role, Township, UserArea, Village, VillageGroup
from layers.assessment.models import RuleSet
from layers.incidents.services import categories_ensure
from layers.models import Incident, IncidentCategory, IncidentEvent, Visit
from layers.points.services import categories_ensure as points_categories_ensure

TZ = ZoneInfo("Asia/Shanghai")
TOWNSHIP, VILLAGE = "360721300", "360721300200"
WEIGHTS = {
    "coverage": 30,
    "visits_per_household": 20,
    "reported": 10,
    "on_time_rate": 15,
    "sent_back": 5,
    "rating": 10,
    "days_in_post": 10,
}
TIERS = [
    {"tier": "excellent", "min": 90, "max": 100, "subsidy": "3000"},
    {"tier": "pass", "min": 70, "max": 90, "subsidy": "2400"},
    {"tier": "basic", "min": 40, "max": 70, "subsidy": "1200"},
    {"tier": "fail", "min": 0, "max": 40, "subsidy": "0"},
]


def at(y, m, d, h=10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=TZ)


@dataclass
class Small:
    township: Township
    village: Village
    grid_a: Grid
    grid_b: Grid
    people: dict  # 甲长 乙员 丙长 丁员 -> Person
    users: dict  # same names -> User
    households: dict  # A1.. -> Household
    rule: RuleSet | None = None


def small_township(*, with_rule=True) -> Small:
    township = Township.objects.create(code=TOWNSHIP, name="小镇")
    box = Polygon.from_bbox((116.0, 27.0, 116.02, 27.02))
    village = Village.objects.create(
        code=VILLAGE, name="小村", township=township, boundary=MultiPolygon(box)
    )
    group = VillageGroup.objects.create(
        code=VILLAGE + "01", name="一组", village=village, geom=MultiPolygon(box)
    )
    version = GridVersion.objects.create(
        village=village, number=1, valid_from=at(2025, 1, 1, 0), source="edit"
    )
    households = {}
    for i, name in enumerate(["A1", "A2", "A3", "A4", "B1", "B2"]):
        households[name] = Household.objects.create(
            external_id=f"H30000{i + 1:02d}",
            head=f"户主{name}",
            location=Point(116.001 + i * 0.002, 27.005, srid=4326),
            group=group,
            civility_points=10 * i,
        )
    people, users = {}, {}
    homes = {"甲长": "A1", "乙员": "A2", "丙长": "B1", "丁员": "B2"}
    for name, home in homes.items():
        people[name] = Person.objects.create(
            name=name, household=households[home], party_member="full"
        )
    grids = {}
    for code, leader, member in (("001", "甲长", "乙员"), ("002", "丙长", "丁员")):
        grid = Grid.objects.create(
            version=version,
            village=village,
            code=VILLAGE + code,
            geom=MultiPolygon(box),
            leader=people[leader],
            leader_confirmed=True,
        )
        area = MemberArea.objects.create(
            grid=grid, number=1, member=people[member], member_confirmed=True
        )
        grids[code] = grid
        for h in [k for k in households if k[0] == ("A" if code == "001" else "B")]:
            GridAssignment.objects.create(
                version=version, household=households[h], grid=grid, member_area=area
            )
        for name, role, number in ((leader, Role.GRID_LEADER, None), (member, Role.GRID_MEMBER, 1)):
            users[name] = User.objects.create_user(f"s-{grid.code}-{role}", password="x")
            UserArea.objects.create(
                user=users[name],
                role=role,
                village=village,
                grid_code=grid.code,
                member_number=number,
                person=people[name],
            )
    points_categories_ensure()  # a migration writes them; a transactional test flushed them
    small = Small(township, village, grids["001"], grids["002"], people, users, households)
    place_year(small)
    if with_rule:
        small.rule = RuleSet.objects.create(
            name="2025 规则",
            valid_from=dt.date(2025, 1, 1),
            weight_total=100,
            weights=WEIGHTS,
            targets={"visits_per_household": 4.0, "reported": 6.0},
            tiers=TIERS,
        )
    return small


def place_year(s: Small) -> None:
    """Visits: A1 twice (Mar, Jun), A2 once (Sep), A4 once in 2024 (outside the year),
    B1 three times, B2 once. Incidents: see the test's table."""
    h = s.households
    for name, day in [
        ("A1", (2025, 3, 5)),
        ("A1", (2025, 6, 5)),
        ("A2", (2025, 9, 1)),
        ("A4", (2024, 12, 30)),
        ("B1", (2025, 2, 1)),
        ("B1", (2025, 5, 1)),
        ("B1", (2025, 8, 1)),
        ("B2", (2025, 11, 30)),
    ]:
        grid = s.grid_a if name[0] == "A" else s.grid_b
        Visit.objects.create(
            household=h[name], grid_code=grid.code, member_number=1, visited_on=dt.date(*day)
        )
    categories_ensure()
    cat = IncidentCategory.objects.order_by("pk").first()

    def incident(
        n,
        grid,
        member,
        reporter,
        reported,
        *,
        handled=None,
        closed=None,
        on_time=None,
        rating=None,
        state="closed",
    ):
        return Incident.objects.create(
            tracking_code=f"SMALL{n:07d}",
            category=cat,
            description="x",
            point=Point(116.01, 27.01, srid=4326),
            located_by="map",
            channel="grid",
            reported_at=reported,
            reporter=reporter,
            township=s.township,
            village=s.village,
            grid=grid,
            grid_code=grid.code,
            member_number=member,
            state=state,
            tier="village",
            handled_at=handled,
            closed_at=closed,
            closed_on_time=on_time,
            rating=rating,
        )

    u = s.users
    incident(
        1,
        s.grid_a,
        1,
        u["乙员"],
        at(2025, 5, 1),
        handled=at(2025, 5, 2),
        closed=at(2025, 5, 3),
        on_time=True,
        rating=5,
    )
    i2 = incident(
        2,
        s.grid_a,
        1,
        None,
        at(2025, 6, 1),
        handled=at(2025, 6, 9),
        closed=at(2025, 6, 12),
        on_time=False,
        rating=3,
    )
    IncidentEvent.objects.create(
        incident=i2,
        action="send_back",
        from_state="handled",
        to_state="sent_back",
        from_tier="village",
        to_tier="village",
        actor_role="village",
        at=at(2025, 6, 5),
    )
    incident(
        3,
        s.grid_a,
        None,
        u["甲长"],
        at(2024, 11, 1),
        handled=at(2024, 11, 2),
        closed=at(2024, 11, 3),
        on_time=True,
        rating=1,
    )
    incident(
        4,
        s.grid_b,
        None,
        None,
        at(2025, 7, 1),
        handled=at(2025, 7, 2),
        closed=at(2025, 7, 3),
        on_time=True,
        rating=4,
    )
    incident(5, s.grid_a, None, u["甲长"], at(2025, 10, 1), state="reported")
