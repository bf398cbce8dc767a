"""Who may grant which role where, how an area is named by a code, and account names.

Roles rank admin > county > township > village > grid leader > grid member. A user whose role
may manage accounts (``households.access.MATRIX["manage_accounts"]``) grants only roles below
their own (the administrator, at the top, any role) and only inside their own area; the same
holds for every account they edit, disable, enable or issue a password for.

An area is named by one code, whatever the input (the account pages' pickers, an XLSX roster,
``manage.py create_staff``): the county code (6 digits), a township (9), a village (12), a
grid (15) or a member area (its grid's code, a dash and its number: ``360721100200001-3``).

User names are never personal data: a grid post's account is named after the post (its grid
code, a dash and its member-area number, 0 for the leader: ``360721100200001-0``), a staff
account after its area's code and a sequence (``360721100-1``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from households.access import LEVEL_OF_ROLE
from households.models import Role, Township, UserArea, Village
from households.scoping import COUNTY, GRID, LEVELS, MEMBER, TOWNSHIP, VILLAGE, Area

RANK = {
    Role.ADMIN: 5,
    Role.COUNTY: 4,
    Role.TOWNSHIP: 3,
    Role.VILLAGE: 2,
    Role.GRID_LEADER: 1,
    Role.GRID_MEMBER: 0,
}
ROLES_DOWN = tuple(sorted(RANK, key=RANK.get, reverse=True))
CODE_LENGTH = {TOWNSHIP: 9, VILLAGE: 12, GRID: 15}
MEMBER_CODE = re.compile(r"^(\d{15})-(\d{1,4})$")
LEADER_POST = 0  # the number a grid leader's account name ends with

ERR_UNKNOWN_ROLE = _("unknown role %(role)r")
ERR_CODE_FOR_ROLE = _("%(role)s is bound to %(what)s: %(code)r is not one")
ERR_NOT_COUNTY = _("%(code)r is not this county's code (%(county)s)")
ERR_NO_TOWNSHIP = _("no township with code %(code)s")
ERR_NO_VILLAGE = _("no village with code %(code)s")
ERR_NO_GRID = _("no current grid with code %(code)s")
ERR_NO_MEMBER_AREA = _("grid %(grid)s has no member area %(number)s")
ERR_ROLE_NOT_GRANTABLE = _("you may not grant the role %(role)s (above or equal to your own)")
ERR_AREA_OUTSIDE = _("%(code)s is outside your area")
ERR_OWN_ACCOUNT = _("your own account is changed by someone above you")

CODE_WHAT = {
    COUNTY: _("the county code (6 digits)"),
    TOWNSHIP: _("a township code (9 digits)"),
    VILLAGE: _("a village code (12 digits)"),
    GRID: _("a grid code (15 digits)"),
    MEMBER: _("a member area (grid code-number, e.g. 360721100200001-3)"),
}


class AreaCodeError(ValueError):
    """A role or an area code that names nothing it can be bound to; nothing was written."""


class GrantRefused(PermissionDenied):
    """A role above the granter's, an area outside theirs, or their own account (403)."""


def grantable_roles(scope) -> tuple[str, ...]:
    """Roles the scope may grant (and whose accounts it may manage), highest first."""
    if not scope.can("manage_accounts"):
        return ()
    if scope.role == Role.ADMIN:
        return ROLES_DOWN
    return tuple(r for r in ROLES_DOWN if RANK[r] < RANK[scope.role])


@dataclass(frozen=True)
class Binding:
    """A role and the area it is bound to, as a UserArea holds them."""

    role: str
    township: Township | None = None
    village: Village | None = None
    grid_code: str = ""
    member_number: int | None = None

    @classmethod
    def of(cls, ua: UserArea) -> Binding:
        return cls(ua.role, ua.township, ua.village, ua.grid_code, ua.member_number)

    @property
    def level(self) -> str:
        return LEVEL_OF_ROLE[self.role]

    @property
    def code(self) -> str:
        """The code that names the area (see the module's docstring)."""
        return {
            COUNTY: settings.COUNTY_CODE,
            TOWNSHIP: self.township.code if self.township else "",
            VILLAGE: self.village.code if self.village else "",
            GRID: self.grid_code,
            MEMBER: f"{self.grid_code}-{self.member_number}",
        }[self.level]

    @property
    def area(self) -> Area:
        township = self.township or (self.village.township if self.village else None)
        return Area(
            self.level,
            township_id=township.pk if township else None,
            township_code=township.code if township else "",
            village_id=self.village.pk if self.village else None,
            village_code=self.village.code if self.village else "",
            grid_code=self.grid_code,
            member_number=self.member_number,
        )

    @property
    def label(self) -> str:
        """The area as a person reads it: names, then the grid code and member-area number."""
        township = self.township or (self.village.township if self.village else None)
        parts = [settings.COUNTY_NAME] if self.level == COUNTY else []
        parts += [x.name for x in (township, self.village) if x is not None]
        if self.grid_code:
            parts.append(str(_("grid %(code)s") % {"code": self.grid_code}))
        if self.member_number:
            parts.append(str(_("member area %(n)d") % {"n": self.member_number}))
        return " ".join(parts)

    def fields(self) -> dict:
        """The UserArea fields (a village-bound role keeps no township: its village says it)."""
        return {
            "role": self.role,
            "township": self.township if self.level == TOWNSHIP else None,
            "village": self.village if self.level not in (COUNTY, TOWNSHIP) else None,
            "grid_code": self.grid_code,
            "member_number": self.member_number,
        }


def village_grids(scope: Area, village: Village) -> list[dict]:
    """The village's current grids in `scope`, each ``{"code", "areas": [member numbers]}``,
    asked of the app that holds grids (settings.ACCOUNTS_VILLAGE_GRIDS: households imports no
    other app)."""
    return import_string(settings.ACCOUNTS_VILLAGE_GRIDS)(scope, village)


def binding_resolve(role: str, code: str) -> Binding:
    """The binding a role and an area code name; AreaCodeError if they name nothing."""
    if role not in RANK:
        raise AreaCodeError(ERR_UNKNOWN_ROLE % {"role": role})
    level = LEVEL_OF_ROLE[role]
    code = (code or "").strip()
    wrong = AreaCodeError(
        ERR_CODE_FOR_ROLE % {"role": Role(role).label, "what": CODE_WHAT[level], "code": code}
    )
    if level == COUNTY:
        if not re.fullmatch(r"\d{6}", code):
            raise wrong
        if code != settings.COUNTY_CODE:
            raise AreaCodeError(ERR_NOT_COUNTY % {"code": code, "county": settings.COUNTY_CODE})
        return Binding(role)
    number = None
    if level == MEMBER:
        match = MEMBER_CODE.match(code)
        if not match:
            raise wrong
        code, number = match[1], int(match[2])
    elif not re.fullmatch(rf"\d{{{CODE_LENGTH[level]}}}", code):
        raise wrong
    if level == TOWNSHIP:
        township = Township.objects.filter(code=code).first()
        if township is None:
            raise AreaCodeError(ERR_NO_TOWNSHIP % {"code": code})
        return Binding(role, township=township)
    village_code = code[: CODE_LENGTH[VILLAGE]]
    village = Village.objects.select_related("township").filter(code=village_code).first()
    if village is None:
        raise AreaCodeError(ERR_NO_VILLAGE % {"code": village_code})
    if level == VILLAGE:
        return Binding(role, village=village)
    grids = {g["code"]: g["areas"] for g in village_grids(Area(COUNTY), village)}
    numbers = grids.get(code)
    if numbers is None:
        raise AreaCodeError(ERR_NO_GRID % {"code": code})
    if level == MEMBER and number not in numbers:
        raise AreaCodeError(ERR_NO_MEMBER_AREA % {"grid": code, "number": number})
    return Binding(role, village=village, grid_code=code, member_number=number)


def area_within(area: Area, scope: Area) -> bool:
    """Whether `area` lies inside `scope`'s area (the scope's own area included)."""
    if scope.level == COUNTY:
        return True
    if scope.level not in LEVELS or LEVELS.index(area.level) < LEVELS.index(scope.level):
        return False
    levels = LEVELS[1 : LEVELS.index(scope.level) + 1]
    return all(area.value(level) == scope.value(level) for level in levels)


def grant_check(scope, binding: Binding) -> None:
    """GrantRefused unless `scope` may grant the binding's role in the binding's area."""
    if binding.role not in grantable_roles(scope):
        raise GrantRefused(ERR_ROLE_NOT_GRANTABLE % {"role": Role(binding.role).label})
    if not area_within(binding.area, scope):
        raise GrantRefused(ERR_AREA_OUTSIDE % {"code": binding.code})


def manage_check(scope, user, ua: UserArea) -> None:
    """GrantRefused unless `user` (of `scope`) may manage the account bound as `ua`."""
    if ua.user_id == user.pk:
        raise GrantRefused(ERR_OWN_ACCOUNT)
    grant_check(scope, Binding.of(ua))


def username_for(binding: Binding) -> str:
    """A free user name for a new account of this binding (see the module's docstring)."""
    if binding.level in (GRID, MEMBER):
        base = f"{binding.grid_code}-{binding.member_number or LEADER_POST}"
        taken = set(
            User.objects.filter(username__startswith=base).values_list("username", flat=True)
        )
        if base not in taken:
            return base
        n = 2
        while f"{base}-{n}" in taken:
            n += 1
        return f"{base}-{n}"
    prefix = f"{binding.code}-"
    taken = set(User.objects.filter(username__startswith=prefix).values_list("username", flat=True))
    n = 1
    while f"{prefix}{n}" in taken:
        n += 1
    return f"{prefix}{n}"
