"""Thin views of the grid editor: the page, the draft API (edits, undo/redo, submit), versions."""

import json

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from grids.appointments import NOT_ELIGIBLE, person_rank
from grids.editing import drafts
from grids.editing.geometry import village_geometry
from grids.editing.ops import EditError, describe
from grids.models import GridDraft, GridEditEvent, GridVersion
from grids.services import ConflictError
from households import access
from households import selectors as hh_selectors
from households.models import Person, Village
from households.views import basemaps, map_text

HISTORY_SHOWN = 40  # events listed in the side panel


def _village(request, code) -> Village:
    village = get_object_or_404(Village.objects.select_related("township"), code=code)
    access.require_village(request.user, "edit_grids", village)
    return village


def _page(request, township, villages, title):
    cfg = {
        "villages": [v.code for v in villages],
        "api": reverse("editor-api", args=["VILLAGE", "ACTION"]),
        "layers": {
            n: reverse("township-layer", kwargs={"code": township.code, "layer": n})
            for n in ("villages", "groups")
        },
        "basemaps": basemaps(),
        "text": map_text(),
        "gridUrl": reverse("grid-detail", args=["CODE"]),
    }
    return render(
        request,
        "grids/editor.html",
        {
            "township": township,
            "villages": villages,
            "title": title,
            "editor_config": cfg,
            "map_url": reverse("township-map", args=[township.code]),
        },
    )


@login_required
@require_GET
def village_editor(request, code):
    village = _village(request, code)
    return _page(request, village.township, [village], village.name)


@login_required
@require_GET
def township_editor(request, code):
    township = hh_selectors.township_get(code)
    access.require_township(request.user, "edit_grids", township)
    return _page(request, township, list(township.villages.order_by("code")), township.name)


def _people(village, state) -> dict:
    ids = {m.get("leader") for m in state["grids"].values()} | {
        p for m in state["grids"].values() for p, _ok in m.get("members", {}).values()
    }
    out, candidates = {}, []
    for p in Person.objects.filter(household__group__village=village).order_by("name", "pk"):
        rank = person_rank(p)
        if rank < NOT_ELIGIBLE or p.pk in ids:
            out[p.pk] = p.name
            candidates.append([p.pk, p.name, p.household_id, rank])
    return {"names": out, "candidates": candidates}


def _draft_json(draft: GridDraft, *, full=True, changed=None, warnings=()) -> dict:
    village = draft.village
    current = GridVersion.objects.filter(village=village, valid_to__isnull=True).first()
    state = draft.state
    body = {
        "village": village.code,
        "draft": {
            "id": draft.pk,
            "revision": draft.revision,
            "base": draft.base_number,
            "current": getattr(current, "number", None),
            "ops": [describe(op) for op in draft.ops],
            "undone": [describe(op) for op in draft.undone],
        },
        "assign": state["assign"],
        "grids": state["grids"],
        "groups": state["groups"],
        "geoms": state["geoms"]
        if full or changed is None
        else {c: g for c, g in state["geoms"].items() if c in changed},
        "warnings": list(warnings),
    }
    if full:
        geo = village_geometry(village)
        heads = dict(village_households(village))
        body["households"] = [
            [int(h), round(float(x), 7), round(float(y), 7), *heads.get(int(h), ("", "", 1))]
            for h, (x, y) in zip(geo.hids, geo.lonlat)
        ]
        body["name"] = village.name
        body["band"] = [village.grid_min, village.grid_max]
        body["memberBand"] = [village.member_min, village.member_max]
        body["people"] = _people(village, state)
        body["versions"] = [
            {
                "number": v.number,
                "from": v.valid_from.isoformat(),
                "to": v.valid_to.isoformat() if v.valid_to else None,
                "source": v.get_source_display(),
                "by": getattr(v.created_by, "username", ""),
                "note": v.note,
            }
            for v in GridVersion.objects.filter(village=village)
            .select_related("created_by")
            .order_by("-number")
        ]
        body["history"] = [
            {
                "at": e.at.isoformat(),
                "user": getattr(e.user, "username", ""),
                "action": e.get_action_display(),
                "summary": e.summary,
            }
            for e in GridEditEvent.objects.filter(village=village).select_related("user")[
                :HISTORY_SHOWN
            ]
        ]
    return body


def village_households(village):
    from households.models import Household

    for pk, ext, head, members in Household.objects.filter(group__village=village).values_list(
        "pk", "external_id", "head", "members"
    ):
        yield pk, (ext, head, members)


def _error(exc, status=400, **extra):
    return JsonResponse({"error": str(exc), **extra}, status=status)


def _body(request) -> dict:
    try:
        return json.loads(request.body or b"{}")
    except ValueError:
        return {}


@login_required
def editor_api(request, code, action):  # noqa: C901 - one dispatch table
    village = _village(request, code)
    user = request.user
    if action == "draft" and request.method == "GET":
        try:
            draft, warnings = drafts.draft_open(village, user)
        except EditError as exc:
            return _error(exc, 404)
        return JsonResponse(_draft_json(draft, warnings=warnings))
    if action == "compare" and request.method == "GET":
        try:
            return JsonResponse(drafts.version_compare(village, int(request.GET.get("version", 0))))
        except (EditError, ValueError) as exc:
            return _error(exc, 404)
    if request.method != "POST":
        return _error(_("Use POST."), 405)
    body = _body(request)
    revision = body.get("revision")
    try:
        draft = drafts.draft_for_edit(village, user)
        if action == "op":
            draft, result = drafts.draft_apply(
                draft, body.get("op") or {}, user=user, revision=revision
            )
            return JsonResponse(
                _draft_json(draft, full=False, changed=result.changed, warnings=result.warnings)
            )
        if action in ("undo", "redo"):
            fn = drafts.draft_undo if action == "undo" else drafts.draft_redo
            return JsonResponse(_draft_json(fn(draft, user=user, revision=revision), full=False))
        if action == "rebase":
            draft, warnings = drafts.draft_rebase(draft, user=user, revision=revision)
            return JsonResponse(_draft_json(draft, warnings=warnings))
        if action == "discard":
            drafts.draft_discard(draft, user=user)
            draft, warnings = drafts.draft_open(village, user)
            return JsonResponse(_draft_json(draft, warnings=warnings))
        if action == "submit":
            version = drafts.draft_submit(
                draft, user=user, note=str(body.get("note", ""))[:300], revision=revision
            )
            draft, warnings = drafts.draft_open(village, user)
            data = _draft_json(draft, warnings=warnings)
            data["submitted"] = version.number
            return JsonResponse(data)
    except ConflictError as exc:
        return _error(exc, 409, conflict=True)
    except EditError as exc:
        return _error(exc, 409 if exc.msgid.startswith("Your draft was changed") else 400)
    return _error(_("Unknown action."), 404)
