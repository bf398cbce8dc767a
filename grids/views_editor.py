"""Thin views of the grid editor: the page, the draft API (edits, undo/redo, submit), versions.

Each API action has an input schema (grids.editing.serializers) and a service
(grids.editing.drafts); refusals are exception types (grids.editing.errors) that carry
their status, answered as ``{"error": message, "kind": ..., "fields": ...}``. GET
requests read only: the first edit creates the draft.
"""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from grids.editing import drafts
from grids.editing import messages as M
from grids.editing import serializers as S
from grids.editing.compare import version_compare
from grids.editing.errors import EditError, InvalidRequest, NotFound
from grids.editing.payload import draft_json
from grids.services import ConflictError
from households import access
from households import selectors as hh_selectors
from households.models import Village
from households.views import basemaps, map_text, tile_template

# A township's villages are loaded for editing (their households, grids and people) once
# the map shows them at this zoom or closer: a village (1-3 km) then fills the screen,
# and the village's households are drawn one by one (as the tiles do from zoom 14).
EDIT_ZOOM = 14


def _village(request, code) -> Village:
    village = get_object_or_404(Village.objects.select_related("township"), code=code)
    access.require_village(request.user, "edit_grids", village)
    return village


def _page(request, township, villages, title):
    bounds = {v.code: list(v.boundary.extent) for v in villages if v.boundary}
    cfg = {
        "villages": [v.code for v in villages],
        "villageBounds": bounds,
        "bounds": hh_selectors.township_bounds(access.scope_for(request.user), township)
        if len(villages) > 1
        else bounds.get(villages[0].code),
        "tiles": tile_template(),
        "editZoom": EDIT_ZOOM,
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


def _view(village, user, **kw) -> dict:
    return draft_json(village, drafts.draft_view(village, user), **kw)


def _op(village, user, data):
    draft, result, created = drafts.draft_apply(
        village, data["op"], user=user, revision=data["revision"], base=data["base"]
    )
    return draft_json(
        village,
        drafts.draft_seen(village, draft),
        full=created,  # a new draft: the page gets all of it (households may have changed)
        changed=result.changed,
        warnings=result.warnings,
    )


def _step(service):
    def handler(village, user, data):
        draft = service(village, user=user, revision=data["revision"])
        if draft is None:
            return _view(village, user, full=False)
        return draft_json(village, drafts.draft_seen(village, draft), full=False)

    return handler


_undo, _redo = _step(drafts.draft_undo), _step(drafts.draft_redo)


def _rebase(village, user, data):
    _draft, warnings = drafts.draft_rebase(village, user=user, revision=data["revision"])
    return _view(village, user, warnings=warnings)


def _discard(village, user, data):
    drafts.draft_discard(village, user=user, revision=data["revision"])
    return _view(village, user)


def _submit(village, user, data):
    version = drafts.draft_submit(
        village, user=user, revision=data["revision"], token=data["token"], note=data["note"]
    )
    return {**_view(village, user), "submitted": version.number}


POST_ACTIONS = {  # action -> (input schema, handler)
    "op": (S.OpInput, _op),
    "undo": (S.UndoInput, _undo),
    "redo": (S.RedoInput, _redo),
    "rebase": (S.RebaseInput, _rebase),
    "discard": (S.DiscardInput, _discard),
    "submit": (S.SubmitInput, _submit),
}


GET_ACTIONS = {
    "draft": lambda village, user, query: _view(village, user),
    "compare": lambda village, user, query: version_compare(
        village, S.validated(S.CompareInput, query)["version"]
    ),
}


def _error(exc: EditError) -> JsonResponse:
    body = {"error": str(exc), "kind": exc.kind}
    if isinstance(exc, InvalidRequest):
        body["fields"] = exc.bad
    return JsonResponse(body, status=exc.status)


def _not_allowed(msgid) -> JsonResponse:
    return JsonResponse({"error": _(msgid), "kind": "invalid"}, status=405)


@login_required
def editor_api(request, code, action):
    village = _village(request, code)
    user = request.user
    try:
        if action in GET_ACTIONS:
            if request.method != "GET":
                return _not_allowed(M.ERR_USE_GET)
            return JsonResponse(GET_ACTIONS[action](village, user, request.GET))
        if action not in POST_ACTIONS:
            raise NotFound(M.ERR_UNKNOWN_ACTION, action=action)
        if request.method != "POST":
            return _not_allowed(M.ERR_USE_POST)
        schema, handler = POST_ACTIONS[action]
        data = S.validated(schema, S.request_data(request))
        return JsonResponse(handler(village, user, data))
    except EditError as exc:
        return _error(exc)
    except ConflictError as exc:  # the village's open version moved under version_create
        return JsonResponse({"error": str(exc), "kind": "conflict"}, status=409)
