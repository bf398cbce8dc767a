"""Drafts of grid edits: open, apply, undo/redo, update to the current version, submit.

A draft belongs to one user and one village and starts from the village's open
version (``base_version``). Its ``ops`` replay onto that version to give its
``state``; ``revision`` guards the draft against two windows. Submitting holds the
village row (SELECT ... FOR UPDATE, as a partition run's apply does, so the two
never interleave), refuses when the open version is no longer the draft's base
(the draft is kept: ``draft_rebase`` replays its edits onto the current version),
checks the whole state and creates the next dated version (services.version_create).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import shapely
from django.db import connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grids import selectors
from grids.editing import messages as M
from grids.editing.geometry import grid_polygons, to_geojson, village_geometry
from grids.editing.ops import EditContext, EditError, Result, apply_op, complete, describe
from grids.models import Grid, GridAssignment, GridDraft, GridEditEvent, GridVersion, MemberArea
from grids.services import AreaSpec, ConflictError, GridSpec, _geos, version_create
from households.models import Person, Village

TILING_TOLERANCE_M2 = 1.0  # overlaps/gaps smaller than this are floating-point noise


def edit_context(village: Village) -> EditContext:
    def person_name(pid):
        return (
            Person.objects.filter(pk=pid, household__group__village=village)
            .values_list("name", flat=True)
            .first()
        )

    return EditContext(
        village=village,
        geo=village_geometry(village),
        params=selectors.village_params(village),
        person_name=person_name,
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
                ST_AsGeoJSON(geom, 7)::json FROM {gt} WHERE version_id = %s ORDER BY code""",
            [version.pk],
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


def _base_state(ctx: EditContext, version: GridVersion) -> tuple[dict, list[str]]:
    state = version_state(version)
    warnings = complete(ctx, state)
    if warnings:
        from grids.editing.ops import refresh

        refresh(ctx, state, set(state["grids"]))
    return state, warnings


def _event(draft_or_village, user, action, summary, *, detail=None, version=None):
    draft = draft_or_village if isinstance(draft_or_village, GridDraft) else None
    village_id = draft.village_id if draft else draft_or_village.pk
    return GridEditEvent.objects.create(
        village_id=village_id,
        user=user if getattr(user, "pk", None) else None,
        action=action,
        summary=summary[:500],
        detail=detail or {},
        draft=draft,
        version=version,
    )


def draft_open(village: Village, user) -> tuple[GridDraft, list[str]]:
    """The user's open draft of the village, created from the open version if none."""
    draft = GridDraft.objects.filter(
        village=village, user=user, status=GridDraft.Status.OPEN
    ).first()
    if draft is not None:
        return draft, []
    current = selectors.version_current(village)
    if current is None:
        raise EditError(M.ERR_NO_VERSION, village=village.name)
    state, warnings = _base_state(edit_context(village), current)
    draft = GridDraft.objects.create(
        village=village, user=user, base_version=current, base_number=current.number, state=state
    )
    return draft, warnings


def draft_for_edit(village: Village, user) -> GridDraft:
    """The open draft without its state (the edit services load it under a row lock)."""
    draft = (
        GridDraft.objects.filter(village=village, user=user, status=GridDraft.Status.OPEN)
        .defer("state", "ops", "undone")
        .first()
    )
    return draft or draft_open(village, user)[0]


def _locked_draft(draft: GridDraft, revision) -> GridDraft:
    fresh = GridDraft.objects.select_for_update().get(pk=draft.pk)
    if fresh.status != GridDraft.Status.OPEN:
        raise EditError(M.ERR_NOT_OPEN, status=fresh.get_status_display())
    if revision is not None and int(revision) != fresh.revision:
        raise EditError(M.ERR_STALE_DRAFT, theirs=fresh.revision, yours=int(revision))
    return fresh


def draft_apply(draft: GridDraft, op: dict, *, user, revision=None) -> tuple[GridDraft, Result]:
    """Apply one edit; a refused edit is recorded in the history and raised."""
    try:
        with transaction.atomic():
            draft = _locked_draft(draft, revision)
            ctx = edit_context(draft.village)
            result = apply_op(ctx, draft.state, op)
            draft.state = result.state
            draft.ops = draft.ops + [op]
            draft.undone = []
            draft.revision += 1
            draft.save(update_fields=["state", "ops", "undone", "revision", "updated_at"])
            _event(draft, user, GridEditEvent.Action.EDIT, describe(op, ctx), detail=op)
    except EditError as exc:
        if exc.msgid not in (M.ERR_STALE_DRAFT, M.ERR_NOT_OPEN):
            _event(draft, user, GridEditEvent.Action.REFUSED, f"{describe(op)}: {exc}", detail=op)
        raise
    return draft, result


def _replay(ctx, state, ops, *, strict=True) -> tuple[dict, list, list[str]]:
    kept, warnings = [], []
    for op in ops:
        try:
            result = apply_op(ctx, state, op)
        except EditError as exc:
            if strict:
                raise
            warnings.append(_(M.WARN_DROPPED) % {"op": describe(op, ctx), "reason": exc})
            continue
        state = result.state
        kept.append(op)
    return state, kept, warnings


@transaction.atomic
def draft_undo(draft: GridDraft, *, user, revision=None) -> GridDraft:
    draft = _locked_draft(draft, revision)
    if not draft.ops:
        return draft
    op = draft.ops[-1]
    ctx = edit_context(draft.village)
    base, _w = _base_state(ctx, draft.base_version)
    draft.state, draft.ops, _warn = _replay(ctx, base, draft.ops[:-1], strict=False)
    draft.undone = draft.undone + [op]
    draft.revision += 1
    draft.save()
    _event(draft, user, GridEditEvent.Action.UNDO, describe(op, ctx), detail=op)
    return draft


@transaction.atomic
def draft_redo(draft: GridDraft, *, user, revision=None) -> GridDraft:
    draft = _locked_draft(draft, revision)
    if not draft.undone:
        return draft
    op = draft.undone[-1]
    ctx = edit_context(draft.village)
    draft.state = apply_op(ctx, draft.state, op).state
    draft.ops, draft.undone = draft.ops + [op], draft.undone[:-1]
    draft.revision += 1
    draft.save()
    _event(draft, user, GridEditEvent.Action.REDO, describe(op, ctx), detail=op)
    return draft


@transaction.atomic
def draft_rebase(draft: GridDraft, *, user, revision=None) -> tuple[GridDraft, list[str]]:
    """Replay the draft's edits onto the village's current version; report those dropped."""
    draft = _locked_draft(draft, revision)
    current = selectors.version_current(draft.village)
    if current is None:
        raise EditError(M.ERR_NO_VERSION, village=draft.village.name)
    ctx = edit_context(draft.village)
    base, warnings = _base_state(ctx, current)
    draft.state, draft.ops, dropped = _replay(ctx, base, draft.ops, strict=False)
    draft.base_version, draft.base_number = current, current.number
    draft.undone = []
    draft.revision += 1
    draft.save()
    _event(
        draft,
        user,
        GridEditEvent.Action.REBASE,
        _("Draft updated to version %(n)d") % {"n": current.number},
        detail={"dropped": dropped},
        version=current,
    )
    return draft, warnings + dropped


@transaction.atomic
def draft_discard(draft: GridDraft, *, user) -> None:
    draft = GridDraft.objects.select_for_update().get(pk=draft.pk)
    if draft.status == GridDraft.Status.OPEN:
        draft.status = GridDraft.Status.DISCARDED
        draft.save(update_fields=["status", "updated_at"])
        _event(
            draft,
            user,
            GridEditEvent.Action.DISCARD,
            _("Draft discarded (%(n)d edits)") % {"n": len(draft.ops)},
        )


def conflict_message(draft: GridDraft, current: GridVersion | None) -> str:
    """What changed in the village since the draft's base version, naming who and when."""
    base = draft.base_version
    before = (
        dict(GridAssignment.objects.filter(version=base).values_list("household_id", "grid__code"))
        if base
        else {}
    )
    after = (
        dict(
            GridAssignment.objects.filter(version=current).values_list("household_id", "grid__code")
        )
        if current
        else {}
    )
    members_before, members_after = defaultdict(set), defaultdict(set)
    for h, g in before.items():
        members_before[g].add(h)
    for h, g in after.items():
        members_after[g].add(h)
    grids = sorted(
        g for g in set(members_before) | set(members_after) if members_before[g] != members_after[g]
    )
    moved = sum(1 for h, g in before.items() if h in after and after[h] != g)
    if grids:
        shown = "、".join(grids[:8]) + ("…" if len(grids) > 8 else "")
        changes = _(M.CONFLICT_CHANGES) % {"grids": shown, "moved": moved}
    else:
        changes = _(M.CONFLICT_POSTS)
    who = current.created_by if current else None
    return _(M.ERR_CONFLICT) % {
        "village": draft.village.name,
        "user": getattr(who, "username", None) or "—",
        "when": date_format(timezone.localtime(current.valid_from), "Y-m-d H:i")
        if current
        else "—",
        "now": getattr(current, "number", "—"),
        "source": current.get_source_display() if current else "—",
        "base": draft.base_number or "—",
        "changes": changes,
    }


def check_state(ctx: EditContext, state: dict) -> list:
    """Every rule on the whole state; returns the metric polygons in code order."""
    geo = ctx.geo
    missing = [h for h in geo.hids if str(int(h)) not in state["assign"]]
    if missing:
        raise EditError(M.ERR_UNASSIGNED, n=len(missing), village=ctx.village.name)
    codes = np.array([state["assign"][str(int(h))][0] for h in geo.hids], dtype=object)
    present = sorted(set(codes.tolist()))
    for code in sorted(set(state["grids"]) - set(present)):
        raise EditError(M.ERR_EMPTY_GRID, grid=code)
    index = {c: i for i, c in enumerate(present)}
    ucode = np.empty(len(geo.w), dtype=object)
    ucode[geo.unit] = codes
    ulabel = np.array([index[c] for c in ucode], dtype=np.int64)
    for code in present:
        if not geo.connected(ulabel == index[code]):
            raise EditError(M.ERR_DISCONNECTED, grid=code)
    polys, _covered = grid_polygons(geo, ulabel, len(present))
    tree = shapely.STRtree(polys)
    ia, ib = tree.query(polys, predicate="intersects")
    for a, b in zip(ia, ib):
        if a < b:
            m2 = shapely.area(shapely.intersection(polys[a], polys[b]))
            if m2 > TILING_TOLERANCE_M2:
                raise EditError(M.ERR_OVERLAP, a=present[a], b=present[b], m2=m2)
    groups = shapely.union_all([g for g in geo.groups if not g.is_empty])
    gap = shapely.area(shapely.difference(groups, shapely.union_all(polys)))
    if gap > TILING_TOLERANCE_M2 * max(1, len(present)):
        raise EditError(M.ERR_GAP, m2=gap, village=ctx.village.name)
    return present, polys


def draft_submit(draft: GridDraft, *, user, note: str = "", revision=None) -> GridVersion:
    """Create the next dated version from the draft; ConflictError if the village moved on."""
    conflict = None
    with transaction.atomic():
        village = Village.objects.select_for_update().get(pk=draft.village_id)
        draft = _locked_draft(draft, revision)
        if not draft.ops:
            raise EditError(M.ERR_NOTHING)
        current = selectors.version_current(village)
        if current is None or current.pk != draft.base_version_id:
            conflict = conflict_message(draft, current)
        else:
            version = _submit(village, current, draft, user=user, note=note)
    if conflict:
        _event(
            draft,
            user,
            GridEditEvent.Action.CONFLICT,
            conflict[:500],
            detail={"base": draft.base_number, "current": getattr(current, "number", None)},
        )
        raise ConflictError(conflict)
    return version


def _submit(village, current, draft, *, user, note) -> GridVersion:
    ctx = edit_context(village)
    state = draft.state
    present, polys = check_state(ctx, state)
    areas = defaultdict(lambda: defaultdict(list))
    for h, (code, number) in state["assign"].items():
        areas[code][int(number)].append(int(h))
    specs = []
    for code, poly in zip(present, polys):
        meta = state["grids"][code]
        members = meta.get("members", {})
        spec_areas = [
            AreaSpec(n, hs, *(members.get(str(n)) or (None, False)))
            for n, hs in sorted(areas[code].items())
        ]
        specs.append(
            GridSpec(
                code=code,
                geom=_geos(to_geojson(ctx.geo, poly)),
                areas=spec_areas,
                locked=bool(meta.get("locked")),
                group_codes=",".join(state["groups"].get(code, [])),
                leader=meta.get("leader"),
                leader_confirmed=bool(meta.get("leader_confirmed")),
            )
        )
    only_restore = all(op.get("type") == "restore" for op in draft.ops)
    source = GridVersion.Source.RESTORE if only_restore else GridVersion.Source.EDIT
    summary = "; ".join(describe(op, ctx) for op in draft.ops)
    version = version_create(
        village, current, specs, source=source, user=user, note=note or summary
    )
    draft.status, draft.submitted_version = GridDraft.Status.SUBMITTED, version
    draft.save(update_fields=["status", "submitted_version", "updated_at"])
    _event(
        draft,
        user,
        GridEditEvent.Action.SUBMIT,
        _("Version %(n)d: %(what)s") % {"n": version.number, "what": summary},
        detail={"ops": draft.ops},
        version=version,
    )
    return version


def version_compare(village: Village, number: int) -> dict:
    """Households whose grid differs between version ``number`` and the open version."""
    old = GridVersion.objects.filter(village=village, number=number).first()
    if old is None:
        raise EditError(M.ERR_UNKNOWN_VERSION, village=village.name, version=number)
    current = selectors.version_current(village)
    before = {
        h: (g, e, head)
        for h, g, e, head in GridAssignment.objects.filter(version=old).values_list(
            "household_id", "grid__code", "household__external_id", "household__head"
        )
    }
    after = (
        dict(
            GridAssignment.objects.filter(version=current).values_list("household_id", "grid__code")
        )
        if current
        else {}
    )
    moved = [
        [h, e, head, g, after.get(h, "")]
        for h, (g, e, head) in sorted(before.items())
        if after.get(h) != g
    ]
    state = version_state(old)
    features = [
        {"type": "Feature", "id": c, "geometry": state["geoms"][c], "properties": {"code": c}}
        for c in state["grids"]
    ]
    return {
        "version": old.number,
        "current": getattr(current, "number", None),
        "valid_from": old.valid_from.isoformat(),
        "valid_to": old.valid_to.isoformat() if old.valid_to else None,
        "moved": moved,
        "grids": {"type": "FeatureCollection", "features": features},
    }
