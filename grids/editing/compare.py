"""What differs between two versions of a village: households moved between grids, member
areas redrawn, leaders and members changed. Used by the version compare of the editor
and by the message of a submit that conflicts with a newer version."""

from __future__ import annotations

import json
from collections import defaultdict

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.utils.translation import gettext as _

from grids import selectors
from grids.editing import messages as M
from grids.editing.errors import NotFound
from grids.editing.geometry import COORD_DECIMALS
from grids.models import Grid, GridAssignment, GridVersion, MemberArea
from grids.partitioning import member_code
from households.models import Person, Village

CONFLICT_GRIDS_NAMED = 8  # grids named in a conflict message; the rest is "…"


def _grid_of(version: GridVersion | None) -> dict[int, str]:
    if version is None:
        return {}
    return dict(
        GridAssignment.objects.filter(version=version).values_list("household_id", "grid__code")
    )


def conflict_params(village: Village, base: GridVersion | None, base_number, current) -> dict:
    """Parameters of messages.ERR_CONFLICT: what changed since ``base``, who and when."""
    before, after = _grid_of(base), _grid_of(current)
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
        shown = "、".join(grids[:CONFLICT_GRIDS_NAMED])
        shown += "…" if len(grids) > CONFLICT_GRIDS_NAMED else ""
        changes = _(M.CONFLICT_CHANGES) % {"grids": shown, "moved": moved}
    else:
        changes = _(M.CONFLICT_POSTS)
    who = current.created_by if current else None
    return {
        "village": village.name,
        "user": getattr(who, "username", None) or "—",
        "when": M.when(current.valid_from if current else None),
        "now": getattr(current, "number", "—"),
        "source": current.get_source_display() if current else "—",
        "base": base_number or "—",
        "changes": changes,
    }


def _areas(version) -> dict[str, dict[int, frozenset]]:
    """grid code -> member area number -> its households (0: households without an area)."""
    out = defaultdict(lambda: defaultdict(set))
    if version is not None:
        for h, g, n in GridAssignment.objects.filter(version=version).values_list(
            "household_id", "grid__code", "member_area__number"
        ):
            out[g][n or 0].add(h)
    return {g: {n: frozenset(hs) for n, hs in a.items()} for g, a in out.items()}


def _posts(version) -> dict[tuple[str, int], tuple[int, bool]]:
    """(grid code, 0) -> leader, (grid code, area number) -> member: (person, confirmed)."""
    if version is None:
        return {}
    posts = {
        (code, 0): (p, ok)
        for code, p, ok in Grid.objects.filter(version=version, leader__isnull=False).values_list(
            "code", "leader_id", "leader_confirmed"
        )
    }
    posts.update(
        {
            (code, n): (p, ok)
            for code, n, p, ok in MemberArea.objects.filter(
                grid__version=version, member__isnull=False
            ).values_list("grid__code", "number", "member_id", "member_confirmed")
        }
    )
    return posts


def _area_changes(old, new) -> list[dict]:
    before, after = _areas(old), _areas(new)
    rows = []
    for code in sorted(set(before) | set(after)):
        a, b = before.get(code, {}), after.get(code, {})
        if a == b:
            continue
        area_of_a = {h: n for n, hs in a.items() for h in hs}
        area_of_b = {h: n for n, hs in b.items() for h in hs}
        changed = sum(1 for h, n in area_of_a.items() if area_of_b.get(h, n) != n)
        rows.append(
            {
                "grid": code,
                "before": sum(1 for n in a if n),
                "after": sum(1 for n in b if n),
                "households": changed,
            }
        )
    return rows


def _post_changes(village, old, new) -> list[dict]:
    before, after = _posts(old), _posts(new)
    keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    people = {p for k in keys for p, _ok in (before.get(k, (None, 0)), after.get(k, (None, 0)))}
    names = dict(
        Person.objects.filter(
            pk__in=[p for p in people if p], household__group__village=village
        ).values_list("pk", "name")
    )

    def who(post):
        if post is None:
            return None
        return {"name": names.get(post[0], "—"), "confirmed": bool(post[1])}

    return [
        {
            "post": code if n == 0 else member_code(code, n),
            "role": "leader" if n == 0 else "member",
            "before": who(before.get((code, n))),
            "after": who(after.get((code, n))),
        }
        for code, n in keys
    ]


def version_compare(village: Village, number: int) -> dict:
    """Version ``number`` against the open version: households whose grid differs, grids
    whose member areas differ, and leader and member posts that changed."""
    old = GridVersion.objects.filter(village=village, number=number).first()
    if old is None:
        raise NotFound(M.ERR_UNKNOWN_VERSION, village=village.name, version=number)
    current = selectors.version_current(village)
    before = {
        h: (g, e, head)
        for h, g, e, head in GridAssignment.objects.filter(version=old).values_list(
            "household_id", "grid__code", "household__external_id", "household__head"
        )
    }
    after = _grid_of(current)
    moved = [
        [h, e, head, g, after.get(h, "")]
        for h, (g, e, head) in sorted(before.items())
        if after.get(h) != g
    ]
    features = [
        {"type": "Feature", "id": code, "geometry": json.loads(geom), "properties": {"code": code}}
        for code, geom in Grid.objects.filter(version=old)
        .annotate(geojson=AsGeoJSON("geom", precision=COORD_DECIMALS))
        .order_by("code")
        .values_list("code", "geojson")
    ]
    return {
        "version": old.number,
        "current": getattr(current, "number", None),
        "valid_from": M.when(old.valid_from),
        "valid_to": M.when(old.valid_to) if old.valid_to else None,
        "moved": moved,
        "areas": _area_changes(old, current),
        "posts": _post_changes(village, old, current),
        "grids": {"type": "FeatureCollection", "features": features},
    }
