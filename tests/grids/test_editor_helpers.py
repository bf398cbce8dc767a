"""Shared by the editor tests (no tests here): a partitioned village, border households,
and fixtures (registered under their ``name`` in the modules that import them)."""

import json

import numpy as np
import pytest

from grids import services
from grids.editing.state import edit_context
from households.models import Village

PINGDISHAN = "360721100202"  # 坪地山村, 491 households, ~10 grids
API = f"/api/editor/villages/{PINGDISHAN}"


def partitioned(code: str = PINGDISHAN) -> Village:
    run = services.partition_run_compute(services.partition_run_create(scope="village", code=code))
    services.partition_run_apply(run)
    return Village.objects.get(code=code)


@pytest.fixture(name="village")
def village_fixture(demo_county):
    """坪地山村 of the demo township, partitioned: version 1."""
    return partitioned()


@pytest.fixture(name="staff")
def staff_fixture(client, township_user, village):
    """A test client logged in as the demo township's staff."""
    from tests.conftest import PASSWORD

    client.login(username="township", password=PASSWORD)
    return client


def api_post(client, action, body):
    """POST ``body`` to an editor action: JSON text as it is, anything else as JSON."""
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.post(f"{API}/{action}.json", raw, content_type="application/json")


def codes_of(ctx, state) -> np.ndarray:
    return np.array([state["assign"][str(int(h))][0] for h in ctx.geo.hids], dtype=object)


def border_move(village, state, *, avoid=(), alone_m=0.0):
    """(household ids of one unit, its grid, a touching grid) such that moving the unit keeps
    both grids connected: a move the editor accepts. With `alone_m`, only a unit with no other
    unit within that many metres (so that a small lasso around it takes it alone)."""
    ctx = edit_context(village)
    geo = ctx.geo
    codes = codes_of(ctx, state)
    ucode = np.empty(len(geo.w), dtype=object)
    ucode[geo.unit] = codes
    for a, b in zip(geo.ea, geo.eb):
        for u, v in ((a, b), (b, a)):
            src, dst = ucode[u], ucode[v]
            if src == dst or src in avoid or dst in avoid:
                continue
            if alone_m:
                d = np.hypot(*(geo.uxy - geo.uxy[u]).T)
                d[u] = np.inf
                if d.min() < alone_m:
                    continue
            rest = ucode == src
            rest[u] = False
            if rest.sum() > 1 and geo.connected(rest):
                rows = np.flatnonzero(geo.unit == u)
                return [int(geo.hids[r]) for r in rows], src, dst
    raise AssertionError("no border household")


def far_household(village, state, grid):
    """A household of another grid touching nothing of ``grid``: moving it would split it off."""
    ctx = edit_context(village)
    geo = ctx.geo
    codes = codes_of(ctx, state)
    ucode = np.empty(len(geo.w), dtype=object)
    ucode[geo.unit] = codes
    mine = ucode == grid
    near = np.zeros(len(geo.w), dtype=bool)
    near[geo.eb[mine[geo.ea]]] = True
    near[geo.ea[mine[geo.eb]]] = True
    centre = geo.uxy[mine].mean(axis=0)
    far = np.flatnonzero(~mine & ~near)
    u = far[np.argmax(np.hypot(*(geo.uxy[far] - centre).T))]
    return int(geo.hids[np.flatnonzero(geo.unit == u)[0]]), ucode[u]


def touching_pair(village, state):
    ctx = edit_context(village)
    codes = codes_of(ctx, state)
    ucode = np.empty(len(ctx.geo.w), dtype=object)
    ucode[ctx.geo.unit] = codes
    for a, b in zip(ctx.geo.ea, ctx.geo.eb):
        if ucode[a] != ucode[b]:
            return tuple(sorted((ucode[a], ucode[b])))
    raise AssertionError("no touching grids")


def apart_pair(village, state):
    """Two grids of the village that do not touch."""
    ctx = edit_context(village)
    codes = codes_of(ctx, state)
    ucode = np.empty(len(ctx.geo.w), dtype=object)
    ucode[ctx.geo.unit] = codes
    touching = {tuple(sorted((ucode[a], ucode[b]))) for a, b in zip(ctx.geo.ea, ctx.geo.eb)}
    grids = sorted(set(codes.tolist()))
    for i, x in enumerate(grids):
        for y in grids[i + 1 :]:
            if (x, y) not in touching:
                return x, y
    raise AssertionError("all grids touch")
