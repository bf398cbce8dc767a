"""Every URL of the site, as every role: nothing outside the user's area comes back.

The URL patterns are walked from the resolver (so a new view is covered the day it is
added: a path parameter nobody knows how to fill fails the test). Each parameter is
filled with real objects of the demo county — in the user's area and outside it: another
grid of the same village, a grid of another village, another township created here. Then:

- anonymous: a redirect to a login page;
- an object outside the user's area: 404, pages and APIs alike (never 200, never 403);
- every 200 (HTML, GeoJSON, JSON, CSV): the household ids in it are in the user's area, and
  no full ID number or phone appears unless the user is that grid's own leader (or, for
  phones, its member of that member area, and their leader's).
- vector tiles (every layer, over the user's grid, another township and the whole county,
  at a zoom of points and one of counts) are decoded: every household and grid in them is
  in the user's area, and their features carry only their layer's declared fields.

The world holds what once leaked: accounts made for confirmed leaders and members (their
names show on the grid page and in the access log), a leader's searches by phone and by ID
number (in the access log), village-level partition runs, staff accounts with phones. The
Django admin (/admin/) is walked by its own test below, as the administrator and as every
other role. Skipped: /static/ and /media/ (files; /media/ is served only with DEBUG), and
/i18n/ (the language switch, no data).
"""

import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.test import Client, RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from grids.appointments import appointments_accounts_sync
from grids.models import Grid, GridAssignment, PartitionRun
from households.access import MATRIX
from households.access import Scope as UserScope
from households.accounts.rules import binding_resolve
from households.accounts.services import account_create
from households.models import (
    AccessLog,
    AccountEvent,
    Household,
    Person,
    Role,
    Township,
    UserArea,
    Village,
)
from households.scoping import COUNTY
from layers.api.tokens import token_issue
from layers.collections import COLLECTIONS
from layers.incidents.services import categories_ensure
from layers.models import Incident, IncidentCategory, IncidentPhoto, Visit
from layers.overlays.models import OverlayLayer
from layers.overlays.services import (
    CameraInput,
    ServicePointInput,
    camera_save,
    service_point_save,
)
from layers.tiles import layers
from tests.layers.factories import KENGKOU, OTHER_VILLAGE, WANXING, make_role
from tests.layers.test_tiles import decode, tile_of

pytestmark = pytest.mark.django_db  # the module's world needs the test database
ROLES = (
    "county",
    "township",
    "village",
    "grid_leader",
    "grid_member",
    "admin",
    "no_role",
    "anonymous",
)
SKIPPED_PREFIXES = ("admin/", "i18n/", "static/", "media/")
# the login form; the residents' report pages; the site's icon
PUBLIC = {"login", "report", "report-status", "favicon"}
# POST-only views that change nothing on an empty form
POST_PROBES = {
    "visit-add",
    "incident-act",
    "account-status",
    "account-password",
    "overlay-point-new",
    "grid-party-group",
    "assessment-start",
    "assessment-lock",
    "assessment-county-start",
    "assessment-adjust",
    "assessment-manual",
    "assessment-publish",
    "civility-record",
    "civility-decide",
    "civility-redeem",
    "civility-board-settings",
    "party-record",
    "party-decide",
}
# forms that are posted as well as shown: an empty form changes nothing either
POST_ALSO = {
    "account-new",
    "account-detail",
    "account-import",
    "account-import-review",
    "overlay-point",
    "overlay-service-point",
    "overlay-layers",
    "overlay-import",
    "assessment-rules",
}
# Open gaps in views outside layers/, each reported (regex over a problem line):
# Views that refuse by role before they look the object up: a role without the action
# gets the same 403 for any object, existing or not, which tells it nothing.
ROLE_FIRST = {
    "import-review": "import",
    "household-edit": "edit_households",
    "api-tokens": "api_tokens",
    "api-token-revoke": "api_tokens",
    "exports": "export",
    "incident-import-review": "import",
    "overlay-import-review": "import",
    **dict.fromkeys(
        [
            "account-detail",
            "account-status",
            "account-password",
            "account-village-grids",
            "account-import-review",
        ],
        "manage_accounts",
    ),
}
# The APIs' clients are programs: an anonymous request is 401 (WWW-Authenticate), not a
# redirect to the login page
API_PREFIXES = ("ogc/", "api/v1/", "api/schema/")
HOUSEHOLD_ID = re.compile(r"\bH\d{7}\b")
FULL_ID = re.compile(r"(?<![\d*])\d{17}[\dX](?![\d*])")
FULL_PHONE = re.compile(r"(?<![\d*])1\d{10}(?![\d*])")
QUERIES = {  # list, search and filter variants of some endpoints
    "grid-work": ["", "?q=H0"],
    "grid-households": ["", "?member=1"],
    "households-export": ["", "?township=360721100", "?township=360721199"],
    "households-export-xlsx": ["", "?township=360721100", "?township=360721199"],
    # a visit note turned into an incident: the form is filled from visits in and out of
    # the area (one outside answers 404; one inside names its household)
    "incident-new": lambda world: ["", *(f"?visit={pk}" for pk, _area in world.visits)],
    # the map search box: household numbers, heads, villages, grid codes, the other township
    "search": ["?q=H0", "?q=H000", "?q=坑口", "?q=村", "?q=001", "?q=外户", "?q=H900"],
    "township-layer": [""],
    "ogc-items": ["", "?limit=10000"],
    "api-households-list": ["?limit=10000"],
    "incident-queue": ["", "?q=all", "?q=overdue", "?q=mine"],
    "incident-features": ["", "?township=360721199", "?grid=360721199200001"],
    "incident-heat": ["", "?township=360721100"],
    "overlay-points": ["", "?limit=5000"],
    "overlay-best-sites": ["", "?n=3"],
    "api-cameras-list": ["?limit=10000"],
    "coverage": ["", "?level=township&code=360721100", "?level=township&code=360721199"],
    "coverage-table": ["", "?level=village&code=360721100200", "?level=grid&code=360721199200001"],
    "coverage-areas": ["", "?level=township&code=360721199"],
    "coverage-heat": ["?layer=density&z=12", "?layer=overdue&z=10&level=township&code=360721199"],
    "coverage-households": ["?code=360721100200", "?code=360721199200"],
    "coverage-charts": ["", "?level=village&code=360721100201"],
    "coverage-xlsx": ["", "?level=township&code=360721199"],
    "coverage-csv": ["", "?level=village&code=360721199200"],
    "coverage-report": ["", "?level=village&code=360721100200"],
}


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.name


@dataclass(frozen=True)
class Area:
    """Where an object lies: township id, village id, grid code, member-area number."""

    township: int | None = None
    village: int | None = None
    grid: str = ""
    member: int | None = None
    nobody: bool = False  # belongs to another user (an upload): 404 for everyone else
    county: bool = False  # bound to the whole county (an account): county-wide roles only


class World:
    """Values for every path parameter, each with the area it lies in."""

    def __init__(self, field, tmp_path):
        self.field = field
        town = {t.code: t for t in Township.objects.all()}
        self.townships = [(t.code, Area(township=t.pk)) for t in town.values()]
        self.villages = [
            (v.code, Area(township=v.township_id, village=v.pk))
            for v in Village.objects.filter(code__in=[KENGKOU, WANXING, OTHER_VILLAGE])
        ]
        self.grids = [
            (g.code, self.grid_area(g)) for g in (field.grid, field.sibling, field.far, field.other)
        ]
        PartitionRun.objects.create(
            scope="township",
            scope_code=field.other.village.township.code,
            status=PartitionRun.Status.PROPOSED,
        )
        for code in (KENGKOU, WANXING, OTHER_VILLAGE):  # village-level runs, in and out
            PartitionRun.objects.create(
                scope="village", scope_code=code, status=PartitionRun.Status.PROPOSED
            )
        villages = {v.code: v for v in Village.objects.all()}
        self.runs = [
            (
                str(r.pk),
                Area(
                    township=town[r.scope_code[:9]].pk,
                    village=villages[r.scope_code].pk if r.scope == "village" else None,
                ),
            )
            for r in PartitionRun.objects.all()
        ]
        self.visits = []
        member = field.users["grid_member"].area.member_number
        for grid, same_area in (
            (field.grid, True),
            (field.grid, False),
            (field.sibling, True),
            (field.other, True),
        ):
            qs = GridAssignment.objects.filter(grid=grid).select_related("member_area")
            qs = (
                qs.filter(member_area__number=member)
                if same_area
                else qs.exclude(member_area__number=member)
            )
            a = qs.first()
            visit = Visit(
                household=a.household,
                grid_code=grid.code,
                member_number=a.member_area.number,
                visited_on="2026-01-05",
            )
            visit.photo.save("v.png", ContentFile(b"\x89PNG\r\n"), save=True)
            self.visits.append(
                (
                    str(visit.pk),
                    Area(
                        township=grid.village.township_id,
                        village=grid.village_id,
                        grid=grid.code,
                        member=a.member_area.number,
                    ),
                )
            )
        self.households = []
        for grid in (field.grid, field.sibling, field.far, field.other):
            a = (
                GridAssignment.objects.filter(grid=grid)
                .select_related("household", "member_area")
                .first()
            )
            self.households.append(
                (
                    a.household.external_id,
                    Area(
                        township=grid.village.township_id,
                        village=grid.village_id,
                        grid=grid.code,
                        member=a.member_area.number,
                    ),
                )
            )
        self.accounts = self.people_and_staff(field)
        self.searches(field)
        owner = User.objects.create_user("t-importer", is_staff=True)
        folder = Path(tmp_path) / "imports" / "abc123"
        folder.mkdir(parents=True)
        (folder / "meta.json").write_text(
            f'{{"user": {owner.pk}, "file": "x.csv", "kind": "households", "crs": "", '
            '"skip_rejected": false}'
        )
        self.tokens = [("abc123", Area(nobody=True)), ("nosuchtoken", Area(nobody=True))]
        api_token, _key = token_issue(user=field.users["township"], name="t", issued_by=None)
        self.api_tokens = [(str(api_token.pk), Area(nobody=True))]  # county staff's; POST only
        self.members = [
            (f"{code}-01", Area(area.township, area.village, area.grid, 1))
            for code, area in self.grids
        ]
        self.tiles = []  # z/x/y: points over each grid, counts and outlines county-wide
        for grid in (field.grid, field.far, field.other):
            h = GridAssignment.objects.filter(grid=grid).first().household.location
            self.tiles += [(z, *tile_of(h.x, h.y, z)) for z in (16, 12)]
        self.tiles.append((8, *tile_of(115.9, 26.2, 8)))
        self.incidents_make(field)
        self.overlays_make(field)
        self.points_make(field)

    def overlays_make(self, field):
        """A camera and a service point at a household of the leader's grid, of another
        village and of the other township; a layer for the county, one for the demo
        township, one for the other township."""
        admin = UserScope(COUNTY, role=Role.ADMIN)
        self.cameras, self.service_points, self.refs = [], [], {"cameras": [], "service-points": []}
        for n, grid in enumerate((field.grid, field.far, field.other)):
            h = GridAssignment.objects.filter(grid=grid).first().household.location
            area = Area(township=grid.village.township_id, village=grid.village_id)
            camera = camera_save(scope=admin, data=CameraInput(f"CAM{n}", h.x, h.y, 45, 90, 80))
            point = service_point_save(
                scope=admin, data=ServicePointInput(f"SP{n}", "police", h.x, h.y, f"点{n}")
            )
            self.cameras.append((str(camera.pk), area))
            self.service_points.append((str(point.pk), area))
            self.refs["cameras"].append((camera.external_ref, area))
            self.refs["service-points"].append((point.external_ref, area))
        self.layers = []
        for level, township in (
            ("county", None),
            ("township", field.township),
            ("township", field.other.village.township),
        ):
            layer = OverlayLayer.objects.create(name=level, level=level, township=township)
            area = Area(township=township.pk) if township else Area()
            self.layers.append((str(layer.pk), area))

    def points_make(self, field):
        """A computed year for both townships (their runs), a resident of each household
        above (a person's page), a civility and a party entry for each, pending."""
        from layers.assessment import services as assessment
        from layers.points.models import Category, CivilityEntry, PartyEntry
        from layers.points.services import categories_ensure
        from tests.layers.assessment.fixtures import TIERS, WEIGHTS

        categories_ensure()  # a flush by an earlier module of this worker removed them

        assessment.rule_set_create(
            by=None,
            name="r",
            valid_from=date(2026, 1, 1),
            weight_total=100,
            weights=WEIGHTS,
            tiers=TIERS,
            targets={},
        )
        self.assessment_runs = []
        for township in (field.township, field.other.village.township):
            run = assessment.run_prepare(
                township=township,
                kind="year",
                starts_on=date(2026, 1, 1),
                today=date(2026, 12, 1),
            )
            assessment.run_compute(run)
            self.assessment_runs.append((str(run.pk), Area(township=township.pk)))
        self.people, self.civility, self.party = [], [], []
        civility = Category.objects.get(ledger="civility", code="sanitation")
        party = Category.objects.get(ledger="party", code="meetings")
        for external_id, area in self.households:
            person = Person.objects.filter(household__external_id=external_id).first()
            if person is None:
                person = Person.objects.create(
                    name="补充居民", household=Household.objects.get(external_id=external_id)
                )
            self.people.append((str(person.pk), area))
            entry = CivilityEntry.objects.create(
                household=person.household, category=civility, points=5, on=date(2026, 3, 1)
            )
            self.civility.append((str(entry.pk), area))
            entry = PartyEntry.objects.create(
                person=person, category=party, points=2, on=date(2026, 3, 1)
            )
            self.party.append((str(entry.pk), area))

    def incidents_make(self, field):
        """An incident in the leader's grid, one in each other grid, and one outside every
        grid of the other township; each description names a household of its place (a
        leak of the incident shows as a household outside the area), each has a photo."""
        categories_ensure()
        category = IncidentCategory.objects.get(code="sanitation")
        member = field.users["grid_member"].area.member_number
        self.incidents, self.photos, self.codes = [], [], []
        places = [(g, g.code) for g in (field.grid, field.sibling, field.far, field.other)]
        places.append((field.other, ""))  # the other township's queue, outside every grid
        for n, (grid, code) in enumerate(places):
            qs = GridAssignment.objects.filter(grid=grid).select_related("household")
            if grid == field.grid:
                qs = qs.filter(member_area__number=member)
            household = qs.first().household
            incident = Incident.objects.create(
                tracking_code=f"TESTCODE{n:04d}",
                category=category,
                description=f"<script>x()</script> {household.external_id} 门前排水沟堵塞",
                point=household.location,
                located_by="map",
                channel="public",
                contact_phone=f"1770000{n:04d}",
                township_id=grid.village.township_id,
                village_id=grid.village_id if code else None,
                grid=grid if code else None,
                grid_code=code,
                state="dispatched",
                tier="village" if code else "township",
                assignee=field.users["grid_member"] if grid == field.grid else None,
            )
            area = Area(
                township=grid.village.township_id,
                village=grid.village_id if code else None,
                grid=code,
            )
            self.incidents.append((str(incident.pk), area))
            self.codes.append((incident.tracking_code, Area()))  # public: the code is the key
            photo = IncidentPhoto(incident=incident)
            photo.image.save("p.jpg", ContentFile(b"\xff\xd8\xff"), save=True)
            self.photos.append((str(photo.pk), area))

    @staticmethod
    def people_and_staff(field) -> list[tuple[str, Area]]:
        """Accounts as a county gets them: the confirmed leaders and members of two grids
        (grids.appointments names them), each logging in once (the access log names them);
        a village cadre with a phone, made on the account pages; a cadre of the other
        township. Returns the account pages' values: user id and the area it is bound to."""
        for grid in (field.grid, field.sibling):
            Grid.objects.filter(pk=grid.pk).update(leader_confirmed=True)
            grid.member_areas.filter(member__isnull=False).update(member_confirmed=True)
        appointments_accounts_sync(field.village)
        made = UserArea.objects.filter(person__isnull=False).exclude(
            user__username__startswith="t-"
        )
        assert made.count() > 2
        for ua in made.order_by("pk")[:4]:
            client = Client()
            client.force_login(ua.user)
            client.get("/my/")
        phone = field.grid.leader.phone  # a number the walk looks for
        user, _password = account_create(
            by=None, binding=binding_resolve(Role.VILLAGE, WANXING), name="钱七", phone=phone
        )
        UserArea.objects.filter(user=user).update(must_change_password=False)
        other = make_role("t-other-cadre", Role.VILLAGE, village=field.other.village)
        area = {ua.user_id: ua for ua in UserArea.objects.select_related("village")}

        def where(user) -> Area:
            ua = area[user.pk]
            if ua.village is None and ua.township_id is None:
                return Area(county=True)
            return Area(
                township=ua.township_id or ua.village.township_id,
                village=ua.village_id,
                grid=ua.grid_code,
                member=ua.member_number,
            )

        staff = [u for r, u in field.users.items() if u is not None and u.pk in area]
        return [(str(u.pk), where(u)) for u in [*staff, user, other]]

    @staticmethod
    def searches(field) -> None:
        """The leader searches their grid by a household's phone and ID number: the access log
        keeps the page, which county staff read in the walk. (Not repeated by the walk: a
        page echoes its own search text, which its user typed.)"""
        client = Client()
        client.force_login(field.users["grid_leader"])
        household = (
            Household.objects.filter(grid_assignments__grid=field.grid)
            .exclude(phone="")
            .exclude(id_number="")
            .first()
        )
        for number in (household.phone, household.id_number):
            client.get(f"/grids/{field.grid.code}/work/", {"q": number})
        assert AccessLog.objects.filter(path__contains="?q=").count() == 2

    @staticmethod
    def grid_area(g: Grid) -> Area:
        return Area(township=g.village.township_id, village=g.village_id, grid=g.code)

    def values(self, route: str, param: str):
        if param == "pk" and route.startswith("accounts/"):
            return self.accounts
        if param == "code" and route.startswith("accounts/villages/"):
            return self.villages
        if param == "code":
            if route.startswith(("townships/", "api/townships/")):
                return self.townships
            if route.startswith(("villages/", "api/editor/villages/")):
                return self.villages
            if route.startswith(("grids/", "api/grids/", "api/v1/grids/")):
                return self.grids
        if param == "pk" and route.startswith("partition-runs/"):
            return self.runs
        if param == "pk" and route.startswith("assessment/people/"):
            return self.people
        if param == "pk" and route.startswith("assessment/"):
            return self.assessment_runs
        if param == "pk" and route.startswith("points/civility/"):
            return self.civility
        if param == "pk" and route.startswith("points/party/"):
            return self.party
        if param == "pk" and route.startswith("visits/"):
            return self.visits
        if param == "pk" and route.startswith("incidents/photos/"):
            return self.photos
        if param == "pk" and route.startswith("incidents/"):
            return self.incidents
        if param == "code" and route.startswith("report/"):
            return self.codes
        if param == "pk" and route.startswith("overlays/cameras/"):
            return self.cameras
        if param == "pk" and route.startswith("overlays/service-points/"):
            return self.service_points
        if param == "pk" and route.startswith("overlay-layers/"):
            return self.layers
        if param == "kind":
            return [("cameras", Area()), ("service-points", Area())]
        if param == "token":
            return self.tokens
        if param == "external_id":
            return self.households
        if param == "pk" and route.startswith("api/tokens/"):
            return self.api_tokens
        if param == "collectionId":
            return [(cid, Area()) for cid in COLLECTIONS]
        if param == "featureId":
            return self.grids + self.households + self.villages + self.members
        if param == "fid":
            kind = route.split("/")[2]
            return {
                "townships": self.townships,
                "villages": self.villages,
                "village-groups": [("1", Area())],
                "grids": self.grids,
                "grid-versions": [(f"{c}-v1", a) for c, a in self.grids],
                "member-areas": self.members,
                "households": self.households,
                **self.refs,
                "incidents": self.incidents,
            }[kind]
        if route.startswith("basemap/"):  # the county's own tiles: no file set, 404
            return [("1", Area())]
        if param == "layer":
            return [("households", Area())]
        if param == "action":
            return [("draft", Area())]
        raise AssertionError(f"add values for <{param}> of {route!r} to this test")


def expand(route: str, world: World):
    """Concrete paths for a route: the product of its parameters' values, with the area."""
    if route.startswith("tiles/"):  # z/x/y go together; a tile lies in no one area
        return [
            (f"/tiles/{n}/{z}/{x}/{y}.pbf", Area()) for n in layers() for z, x, y in world.tiles
        ]
    params = re.findall(r"<(?:\w+:)?(\w+)>", route)
    combos = [("/" + route, Area())]
    for param in params:
        nxt = []
        for path, area in combos:
            for value, value_area in world.values(route, param):
                merged = area if value_area == Area() else value_area
                nxt.append((re.sub(rf"<(?:\w+:)?{param}>", value, path, count=1), merged))
        combos = nxt
    return combos


class Scope:
    """What a role may see, written out here independently of the code under test."""

    def __init__(self, role: str, field):
        self.role, self.field = role, field
        demo = field.township
        kengkou = field.village
        member = field.users["grid_member"].area.member_number
        if role in ("county", "admin"):
            households = Household.objects.all()
        elif role == "township":
            households = Household.objects.filter(group__village__township=demo)
        elif role == "village":
            households = Household.objects.filter(group__village=kengkou)
        elif role in ("grid_leader", "grid_member"):
            qs = GridAssignment.objects.filter(grid=field.grid)
            if role == "grid_member":
                qs = qs.filter(member_area__number=member)
            households = Household.objects.filter(pk__in=qs.values("household_id"))
        else:
            households = Household.objects.none()
        self.households = set(households.values_list("external_id", flat=True))
        self.grids = set(
            GridAssignment.objects.filter(
                household__external_id__in=self.households, version__valid_to__isnull=True
            ).values_list("grid__code", flat=True)
        )
        self.unmasked: set[str] = set()
        if role == "grid_leader":  # the grid's own leader: its households and its people
            own = Household.objects.filter(
                pk__in=GridAssignment.objects.filter(grid=field.grid).values("household_id")
            )
            people = Person.objects.filter(
                pk__in=[
                    p
                    for p in [
                        field.grid.leader_id,
                        *field.grid.member_areas.values_list("member_id", flat=True),
                    ]
                    if p
                ]
            )
            self.unmasked = (
                {v for pair in own.values_list("id_number", "phone") for v in pair}
                | set(people.values_list("phone", flat=True))
            ) - {""}
        if role == "grid_member":  # phones only: their member area's, their leader's, their own
            own = Household.objects.filter(
                pk__in=GridAssignment.objects.filter(
                    grid=field.grid, member_area__number=member
                ).values("household_id")
            )
            people = [field.grid.leader, field.users["grid_member"].area.person]
            self.unmasked = (
                set(own.values_list("phone", flat=True)) | {p.phone for p in people if p}
            ) - {""}
        self.member = member

    def covers(self, area: Area) -> bool:
        if area.nobody or self.role in ("anonymous", "no_role"):
            return area == Area() and not area.nobody
        if self.role in ("county", "admin") or area == Area():
            return True
        if area.county:
            return False
        demo = self.field.township.pk
        if area.township != demo:
            return False
        if self.role == "township" or area.village is None:
            return True
        if area.village != self.field.village.pk:
            return False
        if self.role == "village" or not area.grid:
            return True
        if area.grid != self.field.grid.code:
            return False
        return self.role == "grid_leader" or area.member in (None, self.member)


def personal_numbers() -> tuple[set[str], set[str]]:
    ids = set(Household.objects.exclude(id_number="").values_list("id_number", flat=True))
    phones = set(Household.objects.exclude(phone="").values_list("phone", flat=True))
    phones |= set(Person.objects.exclude(phone="").values_list("phone", flat=True))
    return ids, phones


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        data = b"".join(response.streaming_content)
    else:
        data = response.content
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(data), read_only=True)  # the cells, as text
        return "\n".join(
            " ".join("" if c is None else str(c) for c in row)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return data.decode("utf-8", "replace")


def check_role(role: str, field, world: World, routes, numbers) -> list[str]:
    problems = []
    client = Client()
    user = field.users[role]
    if user is not None:
        client.force_login(user)
    scope = Scope(role, field)
    all_ids, all_phones = numbers
    for route, name in routes:
        for path, area in expand(route, world):
            queries = QUERIES.get(name, [""])
            queries = queries(world) if callable(queries) else queries
            for query, method in [(q, "GET") for q in queries] + (
                [("", "POST")] if name in POST_ALSO else []
            ):
                url = path + query
                response = client.get(url) if method == "GET" else client.post(url, {})
                if response.status_code == 405 and name in POST_PROBES:
                    response = client.post(url, {})
                status = response.status_code
                where = f"{role} {method} {url} -> {status}"
                if role == "anonymous":
                    location = response.get("Location", "")
                    if name in PUBLIC:
                        ok = status == 200
                    elif route.startswith(API_PREFIXES):
                        ok = status == 401
                    else:
                        ok = status == 302 and "/login/" in location or status == 405
                    if not ok:
                        problems.append(f"{where}: anonymous not sent to login")
                    continue
                if status >= 500:
                    problems.append(f"{where}: server error")
                if not scope.covers(area):
                    role_first = ROLE_FIRST.get(name)
                    if status == 403 and role_first and role not in MATRIX[role_first]:
                        continue
                    if status not in (404, 405):
                        problems.append(f"{where}: outside the area, expected 404")
                    continue
                if status != 200:
                    continue
                if name == "tile":
                    problems += tile_problems(where, decode(response), scope)
                    continue
                body = body_of(response)
                leaked = set(HOUSEHOLD_ID.findall(body)) - scope.households
                if leaked:
                    problems.append(f"{where}: households outside the area {sorted(leaked)[:5]}")
                full = {v for v in FULL_ID.findall(body) if v in all_ids} | {
                    v for v in FULL_PHONE.findall(body) if v in all_phones
                }
                if full - scope.unmasked:
                    problems.append(
                        f"{where}: unmasked numbers {sorted(full - scope.unmasked)[:3]}"
                    )
    return problems


DECODED: set[tuple[str, str]] = set()  # (role, layer) of the tiles that held features


def tile_problems(where: str, tile: dict, scope: Scope) -> list[str]:
    """Households and grids outside the area, or properties no layer declares."""
    problems = []
    for name, layer in tile.items():
        if layer["features"]:
            DECODED.add((scope.role, name))
        declared = set(layers()[name].tile_fields) | {"n"}
        for f in layer["features"]:
            extra = set(f["properties"]) - declared
            if extra:
                problems.append(f"{where}: undeclared fields {sorted(extra)} in {name}")
        props = [f["properties"] for f in layer["features"]]
        if name == "households":
            leaked = {p["id"] for p in props if "id" in p} - scope.households
            if leaked:
                problems.append(f"{where}: households outside the area {sorted(leaked)[:5]}")
        grids = {p.get("code") if name == "grids" else p.get("grid") for p in props} - {None}
        if name in ("grids", "member_areas", "households") and grids - scope.grids:
            problems.append(f"{where}: grids outside the area {sorted(grids - scope.grids)[:5]}")
    return problems


@pytest.fixture(scope="module")
def walked(world, django_db_blocker, tmp_path_factory):
    """Walk once for the module: (problems, route names walked)."""
    tmp = tmp_path_factory.mktemp("enumeration")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp, IMPORT_UPLOAD_DIR=tmp / "imports"),
    ):
        things = World(world, tmp)
        routes = [
            (r, n)
            for r, n in walk(get_resolver().url_patterns)
            if not r.startswith(SKIPPED_PREFIXES) and n != "set_language"
        ]
        numbers = personal_numbers()
        changes = AccountEvent.objects.count()
        problems = [p for role in ROLES for p in check_role(role, world, things, routes, numbers)]
        if AccountEvent.objects.count() != changes:  # GETs and empty forms change no account
            problems.append("the walk changed accounts")
    return problems, {n for _r, n in routes}


def test_every_url_as_every_role_stays_in_scope(walked):
    problems, names = walked
    assert {
        "my-grid",
        "grid-work",
        "grid-households",
        "township-layer",
        "households-export",
        "households-export-xlsx",
        "search",
        "grid-candidates",
        "basemap-tile",
        "favicon",
        "access-log",
        "visit-photo",
        "partition-run",
        "ogc-items",
        "ogc-item",
        "api-households-list",
        "api-grid-households",
        "api-tokens",
        "exports",
        "tile",
        "report",
        "report-status",
        "village-poster",
        "incident-queue",
        "incident-detail",
        "incident-act",
        "incident-photo",
        "incident-features",
        "incident-heat",
        "incident-new",
        "incident-notifications",
        "incident-import",
        "incident-import-review",
        "accounts",
        "account-detail",
        "account-status",
        "account-password",
        "account-village-grids",
        "account-import-review",
        "overlay-map",
        "overlay-points",
        "overlay-point",
        "overlay-point-new",
        "overlay-point-delete",
        "overlay-service-point",
        "overlay-coverage",
        "overlay-best-sites",
        "overlay-service-reach",
        "overlay-import",
        "overlay-import-review",
        "overlay-layers",
        "overlay-layers-json",
        "overlay-layer-delete",
        "api-cameras-list",
        "api-service-points-detail",
        "assessment",
        "assessment-run",
        "assessment-xlsx",
        "assessment-person",
        "assessment-adjust",
        "points",
        "civility-ledger",
        "civility-decide",
        "civility-boards",
        "party-ranking",
    } <= names
    assert not problems, "\n".join(problems)
    # the tiles were decoded, not empty: each role's own households and grids were there
    for role in ("county", "township", "village", "grid_leader", "grid_member"):
        assert {(role, "households"), (role, "grids")} <= DECODED, role


@pytest.mark.parametrize("role", ["grid_leader", "grid_member", "village"])
def test_editing_the_url_to_another_grid_is_404(field, client, role):
    client.force_login(field.users[role])
    for grid in (field.far, field.other) + ((field.sibling,) if role != "village" else ()):
        for url in (
            f"/grids/{grid.code}/work/",
            f"/api/grids/{grid.code}/households.geojson",
            f"/api/grids/{grid.code}/outline.geojson",
        ):
            assert client.get(url).status_code == 404, url
    assert client.get("/grids/999999999999999/work/").status_code == 404
    assert client.get("/grids/not-a-code/work/").status_code == 404


def admin_urls(field) -> list[str]:
    """Every registered model's list, add and change pages (the change page of a household
    and a resident with both numbers, of the first row otherwise)."""
    household = (
        Household.objects.filter(grid_assignments__grid=field.grid)
        .exclude(phone="")
        .exclude(id_number="")
        .first()
    )
    person = Person.objects.exclude(phone="").filter(household=household).first() or (
        Person.objects.exclude(phone="").first()
    )
    samples = {Household: household, Person: person}
    request = RequestFactory().get("/")
    request.user = field.users["admin"]
    urls = []
    for model, model_admin in admin.site._registry.items():
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls.append(reverse(f"{prefix}_changelist"))
        if model_admin.has_add_permission(request):
            urls.append(reverse(f"{prefix}_add"))
        obj = samples.get(model) or model._default_manager.order_by("pk").first()
        if obj is not None:
            urls.append(reverse(f"{prefix}_change", args=[obj.pk]))
    return urls


@pytest.mark.parametrize("role", ROLES)
def test_admin_pages_mask_numbers_and_admit_the_administrator_only(field, client, role):
    """The administrator sees every admin page with ID numbers and phones masked (an edit
    replaces a number); nobody else gets an admin page."""
    appointments_accounts_sync(field.village)
    user = field.users[role]
    if user is not None:
        client.force_login(user)
    all_ids, all_phones = personal_numbers()
    problems = []
    urls = admin_urls(field)
    assert len(urls) > 20
    for url in urls:
        response = client.get(url)
        if role != "admin":
            if not (response.status_code == 302 and "/admin/login/" in response["Location"]):
                problems.append(f"{role} {url} -> {response.status_code}: not sent to log in")
            continue
        if response.status_code != 200:
            problems.append(f"{url} -> {response.status_code}")
            continue
        body = body_of(response)
        full = {v for v in FULL_ID.findall(body) if v in all_ids}
        full |= {v for v in FULL_PHONE.findall(body) if v in all_phones}
        if full:
            problems.append(f"{url}: unmasked numbers {sorted(full)[:3]}")
    assert not problems, "\n".join(problems)
