"""Drafts of grid edits: view, apply, undo/redo, update to the current version, submit.

A draft belongs to one user and one village; its first edit creates it from the
village's open version (``base_version``), so that looking at the editor writes
nothing. Its ``ops`` replay onto that version to give its ``state``; ``revision``
guards the draft against two windows (every write names the revision it saw, 0 for
"no draft yet"). A draft whose village's households or groups changed under it
(an import, a deletion) is refused every edit until ``draft_rebase`` replays it on the
current data. Submitting holds the village row (SELECT ... FOR UPDATE, as a partition
run's apply does, so the two never interleave), refuses when the open version is no
longer the draft's base (the draft is kept: ``draft_rebase`` replays its edits onto
the current version), checks the whole state and creates the next dated version
(services.version_create). A submit that carries the page's token answers a retry of
itself with the version it made.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from grids import selectors
from grids.editing import messages as M
from grids.editing.checks import check_state
from grids.editing.compare import conflict_params
from grids.editing.errors import (
    DraftOutdated,
    EditError,
    NotFound,
    StaleDraft,
    SubmitConflict,
)
from grids.editing.geometry import to_geojson
from grids.editing.history import digest, record, record_edit
from grids.editing.ops import Result, apply_op, describe
from grids.editing.state import base_state, data_changed, edit_context
from grids.models import GridDraft, GridEditEvent, GridVersion
from grids.services import AreaSpec, GridSpec, _geos, version_create
from households.models import Village


@dataclass(frozen=True)
class DraftView:
    """What the editor shows of a village for a user: their open draft, or (none yet) the
    open version as a draft would start from it."""

    draft: GridDraft | None
    state: dict
    base_number: int | None
    current_number: int | None
    warnings: list = field(default_factory=list)
    outdated: str = ""  # why the draft must be updated first; empty while it need not


def _open_draft(village, user, *, lock=False) -> GridDraft | None:
    qs = GridDraft.objects.filter(village=village, user=user, status=GridDraft.Status.OPEN)
    return (qs.select_for_update() if lock else qs).first()


def draft_view(village: Village, user) -> DraftView:
    """The user's view of the village's grids; writes nothing."""
    current = selectors.version_current(village)
    draft = _open_draft(village, user)
    ctx = edit_context(village)
    number = getattr(current, "number", None)
    if draft is None:
        if current is None:
            raise NotFound(M.ERR_NO_VERSION, village=village.name)
        state, warnings = base_state(ctx, current)
        return DraftView(None, state, number, number, warnings)
    problem = data_changed(draft, ctx)
    return DraftView(draft, draft.state, draft.base_number, number, [], str(problem or ""))


def draft_seen(village: Village, draft: GridDraft) -> DraftView:
    """The view of a draft a service has just written (and checked against the village's
    data in doing so): no second look at the data."""
    current = selectors.version_current(village)
    return DraftView(draft, draft.state, draft.base_number, getattr(current, "number", None))


def _locked(village, user, revision: int) -> GridDraft | None:
    """The open draft, row-locked, if the page saw its revision (0: no draft yet)."""
    draft = _open_draft(village, user, lock=True)
    if draft is None:
        if revision != 0:
            raise StaleDraft(M.ERR_DRAFT_GONE)
        return None
    if draft.revision != revision:
        raise StaleDraft(M.ERR_STALE_DRAFT, theirs=draft.revision, yours=revision)
    return draft


def _current_data(draft: GridDraft, ctx) -> None:
    problem = data_changed(draft, ctx)
    if problem is not None:
        raise problem


def draft_open(village: Village, user, *, base: int | None = None) -> tuple[GridDraft, list]:
    """The user's open draft of the village, created from the open version if none
    (``base``: the version number the page showed, refused if no longer the open one)."""
    draft = _open_draft(village, user)
    if draft is not None:
        return draft, []
    current = selectors.version_current(village)
    if current is None:
        raise NotFound(M.ERR_NO_VERSION, village=village.name)
    if base is not None and base != current.number:
        raise StaleDraft(M.ERR_NEW_VERSION, village=village.name, now=current.number, yours=base)
    ctx = edit_context(village)
    state, warnings = base_state(ctx, current)
    try:
        with transaction.atomic():
            draft = GridDraft.objects.create(
                village=village,
                user=user,
                base_version=current,
                base_number=current.number,
                state=state,
                village_signature=ctx.geo.signature,
            )
    except IntegrityError:  # another window of the user made its first edit at this moment
        other = _open_draft(village, user)
        raise StaleDraft(M.ERR_STALE_DRAFT, theirs=getattr(other, "revision", 0), yours=0) from None
    return draft, warnings


def draft_apply(
    village: Village, op: dict, *, user, revision: int, base: int | None = None
) -> tuple[GridDraft, Result, bool]:
    """Apply one edit, creating the draft at its first edit; (draft, result, created).
    A refused edit is recorded in the history (a digest, never the whole edit) and raised."""
    draft, created = None, False
    try:
        with transaction.atomic():
            draft = _locked(village, user, revision)
            if draft is None:
                draft, warnings = draft_open(village, user, base=base)
                created = True
            ctx = edit_context(village)
            _current_data(draft, ctx)
            result = apply_op(ctx, draft.state, op)
            if created:
                result.warnings[:0] = warnings
            draft.state = result.state
            draft.ops = draft.ops + [op]
            draft.undone = []
            draft.revision += 1
            draft.save(update_fields=["state", "ops", "undone", "revision", "updated_at"])
            record_edit(draft, user, GridEditEvent.Action.EDIT, op, ctx)
    except (StaleDraft, DraftOutdated, NotFound):
        raise
    except EditError as exc:
        record(
            village.pk,
            user,
            GridEditEvent.Action.REFUSED,
            f"{describe(op)}: {exc}",
            draft=None if created else draft,  # a draft made by this edit is rolled back
            detail={**digest(op), "refused": exc.msgid[:80]},
        )
        raise
    return draft, result, created


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


def _to_change(village, user, revision):
    """(draft, context) of the open draft, locked and on the village's current data; (None,
    None) when there is no draft."""
    draft = _locked(village, user, revision)
    if draft is None:
        return None, None
    ctx = edit_context(village)
    _current_data(draft, ctx)
    return draft, ctx


@transaction.atomic
def draft_undo(village: Village, *, user, revision: int) -> GridDraft | None:
    draft, ctx = _to_change(village, user, revision)
    if draft is None or not draft.ops:
        return draft
    op = draft.ops[-1]
    base, _w = base_state(ctx, draft.base_version)
    draft.state, draft.ops, _warn = _replay(ctx, base, draft.ops[:-1], strict=False)
    draft.undone = draft.undone + [op]
    draft.revision += 1
    draft.save()
    record_edit(draft, user, GridEditEvent.Action.UNDO, op, ctx)
    return draft


@transaction.atomic
def draft_redo(village: Village, *, user, revision: int) -> GridDraft | None:
    draft, ctx = _to_change(village, user, revision)
    if draft is None or not draft.undone:
        return draft
    op = draft.undone[-1]
    draft.state = apply_op(ctx, draft.state, op).state
    draft.ops, draft.undone = draft.ops + [op], draft.undone[:-1]
    draft.revision += 1
    draft.save()
    record_edit(draft, user, GridEditEvent.Action.REDO, op, ctx)
    return draft


@transaction.atomic
def draft_rebase(village: Village, *, user, revision: int) -> tuple[GridDraft | None, list]:
    """Replay the draft's edits onto the village's current version and current households
    and groups; report those dropped."""
    draft = _locked(village, user, revision)
    if draft is None:
        return None, []
    current = selectors.version_current(village)
    if current is None:
        raise NotFound(M.ERR_NO_VERSION, village=village.name)
    ctx = edit_context(village)
    base, warnings = base_state(ctx, current)
    draft.state, draft.ops, dropped = _replay(ctx, base, draft.ops, strict=False)
    draft.base_version, draft.base_number = current, current.number
    draft.village_signature = ctx.geo.signature
    draft.undone = []
    draft.revision += 1
    draft.save()
    record(
        village.pk,
        user,
        GridEditEvent.Action.REBASE,
        _("Draft updated to version %(n)d") % {"n": current.number},
        draft=draft,
        detail={"dropped": dropped},
        version=current,
    )
    return draft, warnings + dropped


@transaction.atomic
def draft_discard(village: Village, *, user, revision: int) -> None:
    draft = _locked(village, user, revision)
    if draft is None:
        return
    draft.status = GridDraft.Status.DISCARDED
    draft.save(update_fields=["status", "updated_at"])
    record(
        village.pk,
        user,
        GridEditEvent.Action.DISCARD,
        _("Draft discarded (%(n)d edits)") % {"n": len(draft.ops)},
        draft=draft,
    )


def _submitted(village, user, token: str) -> GridVersion | None:
    """The version a submit with this token made, if one did."""
    if not token:
        return None
    draft = (
        GridDraft.objects.filter(
            village=village, user=user, status=GridDraft.Status.SUBMITTED, submit_token=token
        )
        .select_related("submitted_version")
        .first()
    )
    return draft.submitted_version if draft else None


def draft_submit(
    village: Village, *, user, revision: int, token: str = "", note: str = ""
) -> GridVersion:
    """Create the next dated version from the draft; SubmitConflict if the village moved on.
    A retry with the token of a submit that succeeded gets that submit's version."""
    done = _submitted(village, user, token)
    if done is not None:
        return done
    conflict = None
    with transaction.atomic():
        village = Village.objects.select_for_update().get(pk=village.pk)
        done = _submitted(village, user, token)  # the first try committed while this waited
        if done is not None:
            return done
        draft, ctx = _to_change(village, user, revision)
        if draft is None or not draft.ops:
            raise EditError(M.ERR_NOTHING)
        current = selectors.version_current(village)
        if current is None or current.pk != draft.base_version_id:
            conflict = SubmitConflict(
                M.ERR_CONFLICT,
                **conflict_params(village, draft.base_version, draft.base_number, current),
            )
        else:
            version = _submit(ctx, current, draft, user=user, note=note, token=token)
    if conflict is not None:
        record(
            village.pk,
            user,
            GridEditEvent.Action.CONFLICT,
            str(conflict),
            draft=draft,
            detail={"base": draft.base_number, "current": getattr(current, "number", None)},
        )
        raise conflict
    return version


def _submit(ctx, current, draft, *, user, note, token) -> GridVersion:
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
        ctx.village, current, specs, source=source, user=user, note=note or summary
    )
    draft.status, draft.submitted_version = GridDraft.Status.SUBMITTED, version
    draft.submit_token = token
    draft.save(update_fields=["status", "submitted_version", "submit_token", "updated_at"])
    record(
        ctx.village.pk,
        user,
        GridEditEvent.Action.SUBMIT,
        _("Version %(n)d: %(what)s") % {"n": version.number, "what": summary},
        draft=draft,
        detail={"ops": [digest(op) for op in draft.ops]},
        version=version,
    )
    return version
