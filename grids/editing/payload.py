"""The JSON the editor page reads: a village's draft (or the version a draft would start
from), its households, people, versions and history. Times are shown as
``messages.when`` writes them (the configured zone)."""

from __future__ import annotations

from grids.appointments import NOT_ELIGIBLE, person_rank
from grids.editing import messages as M
from grids.editing.drafts import DraftView
from grids.editing.geometry import village_geometry
from grids.editing.ops import describe
from grids.models import GridEditEvent, GridVersion
from grids.selectors import village_band
from households.models import Household, Person, Village

HISTORY_SHOWN = 40  # events listed in the side panel


def _people(village: Village, state: dict) -> dict:
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


def _versions(village: Village) -> list[dict]:
    return [
        {
            "number": v.number,
            "from": M.when(v.valid_from),
            "to": M.when(v.valid_to) if v.valid_to else None,
            "source": v.get_source_display(),
            "by": getattr(v.created_by, "username", ""),
            "note": v.note,
        }
        for v in GridVersion.objects.filter(village=village)
        .select_related("created_by")
        .order_by("-number")
    ]


def _history(village: Village) -> list[dict]:
    return [
        {
            "at": M.when(e.at),
            "ts": e.at.isoformat(),  # for ordering the events of several villages
            "user": getattr(e.user, "username", ""),
            "action": e.get_action_display(),
            "summary": e.summary,
        }
        for e in GridEditEvent.objects.filter(village=village).select_related("user")[
            :HISTORY_SHOWN
        ]
    ]


def draft_json(village: Village, view: DraftView, *, full=True, changed=None, warnings=()) -> dict:
    """The page's data; ``full`` adds households, people, versions and history, else only
    the polygons of the ``changed`` grids are sent."""
    draft, state = view.draft, view.state
    body = {
        "village": village.code,
        "draft": {
            "id": getattr(draft, "pk", None),
            "revision": getattr(draft, "revision", 0),
            "base": view.base_number,
            "current": view.current_number,
            "ops": [describe(op) for op in getattr(draft, "ops", [])],
            "undone": [describe(op) for op in getattr(draft, "undone", [])],
            "outdated": view.outdated,
        },
        "assign": state["assign"],
        "grids": state["grids"],
        "groups": state["groups"],
        "geoms": state["geoms"]
        if full or changed is None
        else {c: g for c, g in state["geoms"].items() if c in changed},
        "warnings": [*view.warnings, *warnings],
    }
    if full:
        geo = village_geometry(village)
        heads = {
            pk: (ext, head, members)
            for pk, ext, head, members in Household.objects.filter(
                group__village=village
            ).values_list("pk", "external_id", "head", "members")
        }
        body["households"] = [
            [int(h), round(float(x), 7), round(float(y), 7), *heads.get(int(h), ("", "", 1))]
            for h, (x, y) in zip(geo.hids, geo.lonlat)
        ]
        body["name"] = village.name
        body["band"] = list(village_band(village))
        body["memberBand"] = [village.member_min, village.member_max]
        body["people"] = _people(village, state)
        body["versions"] = _versions(village)
        body["history"] = _history(village)
    return body
