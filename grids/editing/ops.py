"""Edits of a village's grids, applied to a draft's state (pure Python on the geometry).

``state`` is JSON: ``assign`` {household id: [grid code, member area number]},
``grids`` {code: {locked, leader, leader_confirmed, members: {number: [person, confirmed]}}},
``geoms`` {code: GeoJSON MultiPolygon}, ``groups`` {code: [group codes]}.
Every edit is checked on the server: households stay in their village, locked grids
do not change, every changed grid stays connected (household graph), and grid
polygons are recomputed from the household Voronoi cells clipped to the groups, so
grids never overlap or leave gaps. Out-of-band grids are allowed, with a warning.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.utils.translation import gettext as _
from scipy.spatial import cKDTree

from grids.appointments import ERR_ALREADY_MEMBER
from grids.editing import messages as M
from grids.editing.errors import EditError
from grids.editing.geometry import VillageGeometry, grid_polygons, to_geojson
from grids.partitioning import (
    BAND_OVER,
    BAND_UNDER,
    PartitionParams,
    band_state,
    member_code,
    next_codes,
    union_polygons,
)

SPLIT_SLACK = 0.1  # automatic split: parts within 10 % of an equal share
LINE_EXTEND_M = 30.0  # a drawn split line is extended this far at both ends (hand drawing)


@dataclass
class EditContext:
    village: object
    geo: VillageGeometry
    params: PartitionParams
    person_name: object  # person id -> name if a resident of the village, else None
    household_label: object = str  # household id -> its number and head, for messages
    used_codes: set = field(default_factory=set)  # codes of every version of the village
    load_version: object = None  # number -> state (for restore)

    @property
    def band(self) -> tuple[int, int]:
        return self.params.band


@dataclass
class Result:
    state: dict
    changed: set
    warnings: list


def _err(msgid, **params):
    return EditError(msgid, **params)


def _codes_per_row(ctx: EditContext, state: dict) -> np.ndarray:
    a = state["assign"]
    return np.array([a[str(h)][0] for h in ctx.geo.hids], dtype=object)


def _areas_per_row(ctx: EditContext, state: dict) -> np.ndarray:
    a = state["assign"]
    return np.array([a[str(h)][1] for h in ctx.geo.hids], dtype=np.int64)


def _grid(ctx, state, code):
    if code not in state["grids"]:
        raise _err(M.ERR_UNKNOWN_GRID, grid=code, village=ctx.village.name)
    return state["grids"][code]


def _unlocked(ctx, state, code):
    if _grid(ctx, state, code).get("locked"):
        raise _err(M.ERR_LOCKED, grid=code)


def _unit_mask(ctx, rows) -> np.ndarray:
    mask = np.zeros(len(ctx.geo.w), dtype=bool)
    mask[ctx.geo.unit[rows]] = True
    return mask


def _rows_of_units(ctx, umask) -> np.ndarray:
    return np.flatnonzero(umask[ctx.geo.unit])


def _nearest_areas(ctx, codes, areas, rows, code, exclude=None) -> np.ndarray:
    """Member area, in grid ``code``, of the nearest household staying there."""
    cand = np.flatnonzero(codes == code)
    cand = cand[~np.isin(cand, rows if exclude is None else exclude)]
    if len(cand) == 0:
        return np.ones(len(rows), dtype=np.int64)
    _d, i = cKDTree(ctx.geo.hxy[cand]).query(ctx.geo.hxy[rows])
    return areas[cand[i]]


def _new_codes(ctx, state, count: int) -> list[str]:
    return next_codes(ctx.village.code, count, set(ctx.used_codes) | set(state["grids"]))


def _write(state, ctx, rows, codes, areas):
    a = state["assign"]
    for r in rows:
        a[str(int(ctx.geo.hids[r]))] = [codes[r], int(areas[r])]


def _name(ctx, pid):
    return ctx.person_name(pid) or str(pid)


def describe(op: dict, ctx: EditContext | None = None) -> str:
    """One line for the history and the undo button, in the active language."""
    t = op.get("type")
    if t == "move":
        target = op.get("grid", "")
        area = op.get("area")
        if str(area).isdigit():
            target = member_code(target, area)
        elif area not in (None, ""):  # "new"
            target = f"{target}-{area}"
        return _(M.OP_MOVE) % {"n": len(op.get("households", [])), "target": target}
    if t == "split":
        if op.get("line"):
            return _(M.OP_SPLIT_LINE) % {"grid": op.get("grid")}
        return _(M.OP_SPLIT) % {"grid": op.get("grid"), "k": op.get("k", 2)}
    if t == "merge":
        return _(M.OP_MERGE) % {"grids": "、".join(op.get("grids", []))}
    if t == "redraw":
        return _(M.OP_REDRAW) % {"grid": op.get("grid")}
    if t == "lock":
        return _(M.OP_LOCK if op.get("locked", True) else M.OP_UNLOCK) % {"grid": op.get("grid")}
    if t == "leader":
        if op.get("person") is None:
            return _(M.OP_NO_LEADER) % {"grid": op.get("grid")}
        who = _name(ctx, op["person"]) if ctx else op["person"]
        return _(M.OP_LEADER) % {"person": who, "grid": op.get("grid")}
    if t == "member":
        area = member_code(op.get("grid"), op.get("area", 0))
        if op.get("person") is None:
            return _(M.OP_NO_MEMBER) % {"area": area}
        who = _name(ctx, op["person"]) if ctx else op["person"]
        return _(M.OP_MEMBER) % {"person": who, "area": area}
    if t == "restore":
        return _(M.OP_RESTORE) % {"version": op.get("version")}
    return str(t)


def apply_op(ctx: EditContext, state: dict, op: dict) -> Result:
    """Apply one edit to a copy of ``state``; raises EditError when a rule is broken."""
    handler = _HANDLERS.get(op.get("type"))
    if handler is None:
        raise _err(M.ERR_UNKNOWN_OP, op=op.get("type"))
    new = {  # entries are replaced, never changed in place: a shallow copy suffices
        "assign": dict(state["assign"]),
        "grids": copy.deepcopy(state["grids"]),
        "geoms": dict(state["geoms"]),
        "groups": dict(state["groups"]),
    }
    changed, warnings = handler(ctx, new, op)
    if changed:
        warnings += refresh(ctx, new, changed)
    return Result(new, set(changed), warnings)


# --- households -----------------------------------------------------------------------


def _move(ctx, state, op):
    hids = [int(h) for h in op.get("households") or []]
    if not hids:
        raise _err(M.ERR_NO_SELECTION)
    target = str(op.get("grid", ""))
    _unlocked(ctx, state, target)
    for h in hids:
        if h not in ctx.geo.pos:
            label = ctx.household_label(h)
            if label is None:  # not a household the user may know of: the id they sent
                raise _err(M.ERR_UNKNOWN_HOUSEHOLD, household=h, village=ctx.village.name)
            raise _err(
                M.ERR_CROSSES_VILLAGE, household=label, village=ctx.village.name, grid=target
            )
    codes, areas = _codes_per_row(ctx, state), _areas_per_row(ctx, state)
    picked = ctx.geo.rows(hids)
    rows = _rows_of_units(ctx, _unit_mask(ctx, picked))
    warnings = []
    if len(rows) > len(set(picked.tolist())):
        warnings.append(_(M.WARN_UNITS) % {"n": len(rows) - len(set(picked.tolist()))})
    for code in sorted(set(codes[rows].tolist()) - {target}):
        _unlocked(ctx, state, code)
    area = op.get("area")
    grid_areas = set(areas[codes == target].tolist())
    if area in (None, ""):
        new_areas = _nearest_areas(ctx, codes, areas, rows, target)
    elif area == "new":
        new_areas = np.full(len(rows), max(grid_areas, default=0) + 1)
    else:
        area = int(area)
        if area not in grid_areas:
            raise _err(M.ERR_UNKNOWN_AREA, grid=target, area=area)
        new_areas = np.full(len(rows), area)
    if all(codes[r] == target for r in rows) and (
        area in (None, "") or all(areas[r] == a for r, a in zip(rows, new_areas))
    ):
        raise _err(M.ERR_ALREADY_THERE, grid=target)
    changed = set(codes[rows].tolist()) | {target}
    codes[rows], areas[rows] = target, new_areas
    _write(state, ctx, rows, codes, areas)
    return changed, warnings


# --- split and merge ------------------------------------------------------------------


def _carry_members(old_members: dict, old_areas: np.ndarray, new_areas: np.ndarray) -> dict:
    """Each old member goes to the new area sharing most households with their old area."""
    overlap = Counter(zip(new_areas.tolist(), old_areas.tolist()))
    out, used = {}, set()
    for (new, old), _n in overlap.most_common():
        if new in out or old in used or str(old) not in old_members:
            continue
        out[new], used = old_members[str(old)], used | {old}
    return {str(k): v for k, v in out.items()}


def _split_into(ctx, state, code, rows, part):
    """Give the households ``rows`` of grid ``code`` the part labels ``part`` (0..k-1)."""
    codes, areas = _codes_per_row(ctx, state), _areas_per_row(ctx, state)
    k = int(part.max()) + 1
    sizes = np.bincount(part, minlength=k)
    order = sorted(range(k), key=lambda i: (-sizes[i], i))
    names = [code] + _new_codes(ctx, state, k - 1)
    label = {p: names[i] for i, p in enumerate(order)}
    old = state["grids"][code]
    geo = ctx.geo
    units = np.unique(geo.unit[rows])
    uidx = {u: i for i, u in enumerate(units)}
    upart = np.zeros(len(units), dtype=np.int64)
    upart[[uidx[u] for u in geo.unit[rows]]] = part
    umember = geo.layout.member_areas(upart, k, ctx.params, units=units)
    new_area = umember[[uidx[u] for u in geo.unit[rows]]] + 1
    for p in range(k):
        sel = part == p
        members = _carry_members(old.get("members", {}), areas[rows][sel], new_area[sel])
        meta = {"locked": False, "leader": None, "leader_confirmed": False, "members": members}
        if label[p] == code:
            meta.update(leader=old.get("leader"), leader_confirmed=old.get("leader_confirmed"))
        state["grids"][label[p]] = meta
        codes[rows[sel]] = label[p]
        areas[rows[sel]] = new_area[sel]
    _write(state, ctx, rows, codes, areas)
    return set(names)


def _split(ctx, state, op):
    code = str(op.get("grid", ""))
    _unlocked(ctx, state, code)
    codes = _codes_per_row(ctx, state)
    rows = np.flatnonzero(codes == code)
    geo = ctx.geo
    if op.get("line"):
        return _split_line(ctx, state, code, rows, op["line"]), []
    k = int(op.get("k") or 2)
    umask = _unit_mask(ctx, rows)
    units = np.flatnonzero(umask)
    if k < 2 or len(units) < k:
        raise _err(M.ERR_SPLIT_K, grid=code, n=len(rows), k=k)
    share = len(rows) / k  # equal parts: the band of the split is the share +- 10 %
    lo, hi = max(1, int(share * (1 - SPLIT_SLACK))), max(1, -int(-share * (1 + SPLIT_SLACK)))
    ulab = geo.layout.split(umask, k, (lo, hi))
    where = np.searchsorted(units, geo.unit[rows])
    return _split_into(ctx, state, code, rows, ulab[where]), []


def _line_metric(ctx, coords):
    try:
        line = shapely.LineString([(float(x), float(y)) for x, y in coords])
    except (TypeError, ValueError, shapely.errors.GEOSException):
        return None
    line = ctx.geo.metric(line)
    if line.length == 0:
        return None
    c = shapely.get_coordinates(line)

    def ext(a, b):
        d = a - b
        n = float(np.hypot(*d))
        return a + d / n * LINE_EXTEND_M if n else a

    return shapely.LineString(np.r_[[ext(c[0], c[1])], c, [ext(c[-1], c[-2])]])


def _split_line(ctx, state, code, rows, coords):
    from shapely.ops import split as split_by

    line = _line_metric(ctx, coords)
    geo = ctx.geo
    if line is None or not len(rows):
        raise _err(M.ERR_SPLIT_LINE, grid=code)
    poly, _step = union_polygons(geo.cells[np.unique(geo.unit[rows])])  # the robust chain
    pieces = [p for p in shapely.get_parts(split_by(poly, line)) if p.area > 0]
    xy = geo.hxy[rows]
    part = np.full(len(rows), -1)
    for i, p in enumerate(pieces):
        inside = shapely.contains_xy(p, xy[:, 0], xy[:, 1]) & (part < 0)
        part[inside] = i
    if (part < 0).any():  # on the line: nearest piece
        lost = np.flatnonzero(part < 0)
        part[lost] = [
            int(np.argmin([p.distance(shapely.Point(xy[j])) for p in pieces])) for j in lost
        ]
    used, part = np.unique(part, return_inverse=True)
    if len(used) < 2:
        raise _err(M.ERR_SPLIT_LINE, grid=code)
    # co-located households follow the first of them
    first = {}
    for i, u in enumerate(geo.unit[rows]):
        part[i] = first.setdefault(u, part[i])
    return _split_into(ctx, state, code, rows, part)


def _merge(ctx, state, op):
    grids = [str(g) for g in op.get("grids") or []]
    grids = sorted(set(grids))
    if len(grids) < 2:
        raise _err(M.ERR_MERGE_ONE)
    for g in grids:
        _unlocked(ctx, state, g)
    codes, areas = _codes_per_row(ctx, state), _areas_per_row(ctx, state)
    masks = {g: _unit_mask(ctx, np.flatnonzero(codes == g)) for g in grids}
    joined, rest = masks[grids[0]].copy(), grids[1:]
    while rest:  # grow from the first grid through touching ones
        nxt = next((g for g in rest if ctx.geo.touching(joined, masks[g])), None)
        if nxt is None:
            raise _err(M.ERR_MERGE_NOT_ADJACENT, a=grids[0], b=rest[0])
        joined |= masks[nxt]
        rest.remove(nxt)
    keep = grids[0]
    meta = state["grids"][keep]
    offset = max(areas[codes == keep].tolist(), default=0)
    members = dict(meta.get("members", {}))
    for g in grids[1:]:
        rows = np.flatnonzero(codes == g)
        old = state["grids"].pop(g)
        numbers = sorted(set(areas[rows].tolist()))
        renum = {n: offset + i + 1 for i, n in enumerate(numbers)}
        for n in numbers:
            if str(n) in old.get("members", {}):
                members[str(renum[n])] = old["members"][str(n)]
        offset += len(numbers)
        areas[rows] = [renum[a] for a in areas[rows]]
        codes[rows] = keep
        _write(state, ctx, rows, codes, areas)
        state["geoms"].pop(g, None)
        state["groups"].pop(g, None)
        if not meta.get("leader") and old.get("leader"):
            meta.update(leader=old["leader"], leader_confirmed=old.get("leader_confirmed"))
    meta["members"] = members
    return {keep}, []


# --- boundaries -----------------------------------------------------------------------


def _redraw(ctx, state, op):
    code = str(op.get("grid", ""))
    _unlocked(ctx, state, code)
    geo = ctx.geo
    try:
        ring = geo.metric(
            shapely.Polygon([(float(x), float(y)) for x, y in op.get("polygon") or []])
        )
    except (TypeError, ValueError, shapely.errors.GEOSException):
        raise _err(M.ERR_REDRAW_SHAPE, grid=code) from None
    x0, y0, x1, y1 = ring.bounds
    hx, hy = geo.hxy[:, 0], geo.hxy[:, 1]
    if not ((hx >= x0) & (hx <= x1) & (hy >= y0) & (hy <= y1)).any():  # before any repair
        raise _err(M.ERR_REDRAW_EMPTY, grid=code)
    # "structure" repair: shells unioned, holes subtracted; linear in the vertices where the
    # default ("linework") nodes every crossing of a scribbled ring (seconds for 5,000)
    poly = shapely.make_valid(ring, method="structure")
    if poly.is_empty or poly.area <= 0:
        raise _err(M.ERR_REDRAW_SHAPE, grid=code)
    codes, areas = _codes_per_row(ctx, state), _areas_per_row(ctx, state)
    shapely.prepare(poly)
    inside_rows = shapely.contains_xy(poly, hx, hy)
    if not inside_rows.any():
        raise _err(M.ERR_REDRAW_EMPTY, grid=code)
    inside_u = np.zeros(len(geo.w), dtype=bool)
    inside_u[geo.unit[inside_rows]] = True  # a unit is inside when any household is
    locked = {c for c, m in state["grids"].items() if m.get("locked")}
    ucode = np.empty(len(geo.w), dtype=object)
    ucode[geo.unit] = codes
    warnings = []
    gain = inside_u & (ucode != code)
    skipped = gain & np.isin(ucode, list(locked))
    if skipped.any():
        warnings.append(_(M.WARN_LOCKED_SKIPPED) % {"n": int(geo.w[skipped].sum())})
    gain &= ~skipped
    changed = set(ucode[gain].tolist()) | {code}
    ucode[gain] = code
    out = (ucode == code) & ~inside_u
    while out.any():  # households left outside go to the neighbouring grid around them
        moved = False
        for u in np.flatnonzero(out):
            nb = np.r_[geo.eb[geo.ea == u], geo.ea[geo.eb == u]]
            votes = Counter(c for c in ucode[nb] if c != code and c not in locked)
            if votes:
                ucode[u] = votes.most_common(1)[0][0]
                changed.add(ucode[u])
                out[u], moved = False, True
        if not moved:
            break
    new_codes = ucode[geo.unit]
    rows = np.flatnonzero(new_codes != codes)
    if not len(rows):
        raise _err(M.ERR_ALREADY_THERE, grid=code)
    for target in set(new_codes[rows].tolist()):
        sel = rows[new_codes[rows] == target]
        areas[sel] = _nearest_areas(ctx, codes, areas, sel, target, exclude=rows)
    codes[rows] = new_codes[rows]
    _write(state, ctx, rows, codes, areas)
    return changed, warnings


# --- posts and locks ------------------------------------------------------------------


def _lock(ctx, state, op):
    _grid(ctx, state, str(op.get("grid", "")))["locked"] = bool(op.get("locked", True))
    return set(), []


def _person(ctx, pid):
    if pid in (None, ""):
        return None
    pid = int(pid)
    if ctx.person_name(pid) is None:
        raise _err(M.ERR_UNKNOWN_PERSON, person=pid, village=ctx.village.name)
    return pid


def _leader(ctx, state, op):
    meta = _grid(ctx, state, str(op.get("grid", "")))
    pid = _person(ctx, op.get("person"))
    meta.update(leader=pid, leader_confirmed=pid is not None)
    return set(), []


def _member(ctx, state, op):
    code = str(op.get("grid", ""))
    meta = _grid(ctx, state, code)
    area = int(op.get("area") or 0)
    if area not in set(_areas_per_row(ctx, state)[_codes_per_row(ctx, state) == code].tolist()):
        raise _err(M.ERR_UNKNOWN_AREA, grid=code, area=area)
    pid = _person(ctx, op.get("person"))
    if pid is not None:
        for other, m in state["grids"].items():
            for n, (p, _ok) in m.get("members", {}).items():
                if p == pid and (other, int(n)) != (code, area):
                    raise EditError(
                        ERR_ALREADY_MEMBER.format(
                            person=_name(ctx, pid), area=member_code(other, n)
                        )
                    )
    members = meta.setdefault("members", {})
    if pid is None:
        members.pop(str(area), None)
    else:
        members[str(area)] = [pid, True]
    return set(), []


def _restore(ctx, state, op):
    old = ctx.load_version(int(op.get("version") or 0))
    if old is None:
        raise _err(M.ERR_UNKNOWN_VERSION, village=ctx.village.name, version=op.get("version"))
    state.clear()
    state.update(copy.deepcopy(old))
    warnings = complete(ctx, state)
    return set(state["grids"]), warnings


def complete(ctx, state) -> list[str]:
    """Put households missing from ``state`` (new since the version) in the nearest grid;
    leave out those no longer in the village."""
    geo = ctx.geo
    known = {int(h) for h in state["assign"]}
    kept = {h: v for h, v in state["assign"].items() if int(h) in geo.pos}
    warnings = []
    if len(kept) < len(state["assign"]):
        warnings.append(_(M.WARN_GONE) % {"n": len(state["assign"]) - len(kept)})
    state["assign"] = kept
    missing = np.array([r for r, h in enumerate(geo.hids) if int(h) not in known], dtype=np.int64)
    if not len(missing):
        return warnings
    have = np.setdiff1d(np.arange(len(geo.hids)), missing)
    if not len(have):
        return warnings
    _d, i = cKDTree(geo.hxy[have]).query(geo.hxy[missing])
    for r, j in zip(missing, have[i]):
        state["assign"][str(int(geo.hids[r]))] = list(state["assign"][str(int(geo.hids[j]))])
    return [_(M.WARN_NEW_HOUSEHOLDS) % {"n": len(missing)}, *warnings]


_HANDLERS = {
    "move": _move,
    "split": _split,
    "merge": _merge,
    "redraw": _redraw,
    "lock": _lock,
    "leader": _leader,
    "member": _member,
    "restore": _restore,
}


# --- polygons and checks --------------------------------------------------------------


def refresh(ctx: EditContext, state: dict, changed, *, check=True) -> list[str]:
    """Recompute polygons; check the changed grids (unless ``check`` is false: a saved
    version on today's households, checked whole at submit); band warnings. Mutates
    ``state``."""
    geo = ctx.geo
    codes = _codes_per_row(ctx, state)
    present = sorted(set(codes.tolist()))
    warnings = []
    for code in sorted(set(state["grids"]) - set(present)):
        state["grids"].pop(code)
        state["geoms"].pop(code, None)
        state["groups"].pop(code, None)
        if code in changed:
            warnings.append(_(M.WARN_REMOVED) % {"grid": code})
    index = {c: i for i, c in enumerate(present)}
    ucode = np.empty(len(geo.w), dtype=object)
    ucode[geo.unit] = codes
    ulabel = np.array([index[c] for c in ucode], dtype=np.int64)
    for code in sorted(set(changed) & set(present)) if check else ():
        if not geo.connected(ulabel == index[code]):
            raise _err(M.ERR_DISCONNECTED, grid=code)
    polys, covered = grid_polygons(geo, ulabel, len(present))
    for code, poly, gs in zip(present, polys, covered):
        if code in changed or code not in state["geoms"]:  # the others keep their polygon
            state["geoms"][code] = to_geojson(geo, poly)
            state["groups"][code] = [geo.group_labels[g] for g in gs]
    areas = _areas_per_row(ctx, state)
    counts = Counter(codes.tolist())
    live_areas = {(c, int(a)) for c, a in zip(codes.tolist(), areas.tolist())}
    for code in present:
        meta = state["grids"][code]
        meta["members"] = {
            n: v for n, v in meta.get("members", {}).items() if (code, int(n)) in live_areas
        }
    lo, hi = ctx.band
    for code in sorted(set(changed) & set(present)):
        n = counts[code]
        msg = {BAND_UNDER: M.WARN_UNDER, BAND_OVER: M.WARN_OVER}.get(band_state(n, ctx.band))
        if msg:
            warnings.append(_(msg) % {"grid": code, "n": n, "lo": lo, "hi": hi})
    return warnings
