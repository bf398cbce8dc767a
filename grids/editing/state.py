"""Reading a village for the editor: its edit context, the state of a saved version, and
whether a draft still matches the village's households and groups (reads only)."""

from __future__ import annotations

from collections import defaultdict

from django.db import connection
from django.utils.translation import gettext as _

from grids import selectors
from grids.editing import messages as M
from grids.editing.errors import DraftOutdated
from grids.editing.geometry import COORD_DECIMALS, village_geometry
from grids.editing.ops import EditContext, complete, refresh
from grids.models import Grid, GridAssignment, GridDraft, GridVersion, MemberArea
from households.models import Household, Person, Village


def edit_context(village: Village) -> EditContext:
    def person_name(pid):
        return (
            Person.objects.filter(pk=pid, household__group__village=village)
            .values_list("name", flat=True)
            .first()
        )

    def household_label(hid):
        """Number and head of a household of the village's township (the editor's area);
        None for any other id, which the message then does not name."""
        row = (
            Household.objects.filter(pk=hid, group__village__township_id=village.township_id)
            .values_list("external_id", "head")
            .first()
        )
        return _(M.HOUSEHOLD_LABEL) % {"number": row[0], "head": row[1] or "—"} if row else None

    return EditContext(
        village=village,
        geo=village_geometry(village),
        params=selectors.village_params(village),
        person_name=person_name,
        household_label=household_label,
        used_codes=set(Grid.objects.filter(village=village).values_list("code", flat=True)),
        load_version=lambda n: _state_of_number(village, n),
    )


def _state_of_number(village, number):
    version = GridVersion.objects.filter(village=village, number=number).first()
    return version_state(version) if version else None


def version_state(version: GridVersion) -> dict:
    """The editor's state of a saved version (see grids.editing.ops)."""
    state = {"assign": {}, "grids": {}, "geoms": {}, "groups": {}}
    members = defaultdict(dict)
    for code, number, member, ok in MemberArea.objects.filter(
        grid__version=version, member__isnull=False
    ).values_list("grid__code", "number", "member_id", "member_confirmed"):
        members[code][str(number)] = [member, ok]
    gt = Grid._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT code, locked, leader_id, leader_confirmed, group_codes,
                ST_AsGeoJSON(geom, %s)::json FROM {gt} WHERE version_id = %s ORDER BY code""",
            [COORD_DECIMALS, version.pk],
        )
        for code, locked, leader, ok, groups, geom in cur.fetchall():
            state["grids"][code] = {
                "locked": locked,
                "leader": leader,
                "leader_confirmed": ok,
                "members": members[code],
            }
            state["geoms"][code] = geom
            state["groups"][code] = [g for g in groups.split(",") if g]
    for h, code, number in GridAssignment.objects.filter(version=version).values_list(
        "household_id", "grid__code", "member_area__number"
    ):
        state["assign"][str(h)] = [code, number or 0]
    return state


def base_state(ctx: EditContext, version: GridVersion) -> tuple[dict, list[str]]:
    """The state of ``version`` on the village's current households: households added
    since join the nearest grid, households gone are left out (each with a warning), and
    then every polygon is redrawn (a grid the change split in pieces is named at submit)."""
    state = version_state(version)
    warnings = complete(ctx, state)
    if warnings:
        warnings += refresh(ctx, state, set(state["grids"]), check=False)
    return state, warnings


def data_changed(draft: GridDraft, ctx: EditContext) -> DraftOutdated | None:
    """Why ``draft`` must be updated before anything else: the village's households or
    groups are no longer those it started from. None while they are."""
    known = {int(h) for h in draft.state.get("assign", {})}
    now = set(ctx.geo.pos)
    if draft.village_signature == ctx.geo.signature:
        return None
    if not draft.village_signature and known == now:
        return None  # a draft from before signatures were kept: judged by its households
    added, removed = len(now - known), len(known - now)
    if added or removed:
        return DraftOutdated(
            M.ERR_DATA_CHANGED, village=ctx.village.name, added=added, removed=removed
        )
    return DraftOutdated(M.ERR_GROUPS_CHANGED, village=ctx.village.name)
