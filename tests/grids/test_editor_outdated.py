"""A draft whose village changed under it: households imported (through the real
importer) or removed, village groups re-imported with a changed boundary. Every edit,
undo, redo and submit is a 409 that offers the update; nothing crashes and nothing is
written; the update replays the draft on the current data and editing goes on."""

import csv
import json

import numpy as np

from grids.editing import messages as M
from grids.editing.geometry import village_geometry
from grids.models import GridDraft, GridEditEvent, GridVersion
from households.importing import import_households, import_village_groups
from households.models import Household, VillageGroup
from tests.conftest import DEMO
from tests.grids.test_editor_helpers import (  # noqa: F401 - fixtures
    API,
    border_move,
    staff_fixture,
    village_fixture,
)
from tests.grids.test_editor_helpers import api_post as post

NEW_HOUSEHOLDS = 3


def households_csv(village, path, n=NEW_HOUSEHOLDS, *, away_from=()):
    """``n`` new households a few metres from existing ones of the village, outside the
    grids ``away_from`` (a CSV in the importer's own columns)."""
    from grids.selectors import version_current

    near = version_current(village).assignments.exclude(grid__code__in=away_from)
    rows = Household.objects.filter(pk__in=near.values("household_id")).order_by("pk")[:n]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "lon", "lat", "head", "members"])
        for i, h in enumerate(rows):
            w.writerow([f"HN{i:06d}", h.location.x + 3e-5, h.location.y + 2e-5, f"新户{i}", 2])
    return path


def unit_hids(geo, u) -> list[int]:
    return [int(h) for h in geo.hids[geo.unit == u]]


def edit_once(client, village):
    page = client.get(f"{API}/draft.json").json()
    hids, src, dst = border_move(village, page)
    r = post(client, "op", {"revision": 0, "base": 1,
                            "op": {"type": "move", "households": hids, "grid": dst}})  # fmt: skip
    assert r.status_code == 200, r.content
    return hids, src, dst


def assert_every_write_offers_the_update(client, expected_msgid):
    draft = GridDraft.objects.get()
    events = GridEditEvent.objects.count()
    grid = next(iter(draft.state["grids"]))
    rev = draft.revision
    for action, body in [
        ("op", {"revision": rev, "base": 1, "op": {"type": "lock", "grid": grid}}),
        ("undo", {"revision": rev}),
        ("redo", {"revision": rev}),
        ("submit", {"revision": rev, "token": "abcdefgh-1"}),
    ]:
        r = post(client, action, body)
        assert r.status_code == 409, (action, r.content)
        assert r.json()["kind"] == "outdated", (action, r.json())
    page = client.get(f"{API}/draft.json").json()
    assert page["draft"]["outdated"]
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        head = translation.gettext(expected_msgid).split("%")[0]
    assert page["draft"]["outdated"].startswith(head)
    assert GridDraft.objects.get().revision == rev and GridEditEvent.objects.count() == events
    assert GridVersion.objects.count() == 1
    return page


def rebase_and_go_on(client, village, hids, dst):
    rev = GridDraft.objects.get().revision
    r = post(client, "rebase", {"revision": rev})
    assert r.status_code == 200, r.content
    data = r.json()
    assert not data["draft"]["outdated"] and data["draft"]["revision"] == rev + 1
    assert set(data["assign"]) == {str(h[0]) for h in data["households"]}
    assert all(data["assign"][str(h)][0] == dst for h in hids), data["warnings"]  # replayed
    grid = sorted(data["grids"])[0]
    r = post(client, "op", {"revision": rev + 1, "base": 1, "op": {"type": "lock", "grid": grid}})
    assert r.status_code == 200, r.content
    r = post(client, "submit", {"revision": rev + 2, "token": "abcdefgh-2"})
    assert r.status_code == 200 and r.json()["submitted"] == 2, r.content
    version = GridVersion.objects.get(village=village, valid_to__isnull=True)
    assert version.assignments.count() == Household.objects.filter(group__village=village).count()


def test_households_imported_after_the_first_edit(staff, village, tmp_path):
    hids, src, dst = edit_once(staff, village)
    new = households_csv(village, tmp_path / "new.csv", away_from=(src, dst))
    report = import_households(new)
    assert report.created == NEW_HOUSEHOLDS
    page = assert_every_write_offers_the_update(staff, M.ERR_DATA_CHANGED)
    assert str(NEW_HOUSEHOLDS) in page["draft"]["outdated"]
    rebase_and_go_on(staff, village, hids, dst)


def test_households_removed_after_the_first_edit(staff, village):
    hids, _src, dst = edit_once(staff, village)
    # one of several households at one address: the household graph keeps its shape
    geo = village_geometry(village)
    shared = [u for u in np.flatnonzero(geo.w > 1) if not set(hids) & set(unit_hids(geo, u))]
    assert shared, "the demo village has addresses shared by several households"
    Household.objects.get(pk=unit_hids(geo, shared[0])[0]).delete()
    assert_every_write_offers_the_update(staff, M.ERR_DATA_CHANGED)
    rebase_and_go_on(staff, village, hids, dst)


def test_groups_reimported_with_a_changed_boundary(staff, village, tmp_path):
    hids, _src, dst = edit_once(staff, village)
    data = json.loads((DEMO / "village_groups.geojson").read_text(encoding="utf-8"))
    codes = set(VillageGroup.objects.filter(village=village).values_list("code", flat=True))
    feature = next(
        f
        for f in data["features"]
        if str(next(v for k, v in f["properties"].items() if "code" in k.lower())) in codes
    )
    ring = feature["geometry"]["coordinates"][0]
    if feature["geometry"]["type"] == "MultiPolygon":
        ring = ring[0]
    ring[1] = [ring[1][0] + 1e-6, ring[1][1]]  # one vertex moved by ~10 cm
    path = tmp_path / "groups.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    import_village_groups(path)
    assert_every_write_offers_the_update(staff, M.ERR_GROUPS_CHANGED)
    rebase_and_go_on(staff, village, hids, dst)


def test_an_unchanged_reimport_leaves_the_draft_usable(staff, village):
    edit_once(staff, village)
    import_households(DEMO / "households.csv")  # the same file: nothing changes
    grid = sorted(GridDraft.objects.get().state["grids"])[0]
    r = post(staff, "op", {"revision": 1, "base": 1, "op": {"type": "lock", "grid": grid}})
    assert r.status_code == 200, r.content


def test_households_imported_before_the_first_edit_join_the_new_draft(staff, village, tmp_path):
    """Seen without a draft, then imported, then edited: the draft starts from today's data."""
    page = staff.get(f"{API}/draft.json").json()
    import_households(households_csv(village, tmp_path / "new.csv"))
    grid = sorted(page["grids"])[0]
    r = post(staff, "op", {"revision": 0, "base": 1, "op": {"type": "lock", "grid": grid}})
    assert r.status_code == 200, r.content
    data = r.json()
    assert len(data["households"]) == len(page["households"]) + NEW_HOUSEHOLDS
    assert set(data["assign"]) == {str(h[0]) for h in data["households"]}
    assert any(str(NEW_HOUSEHOLDS) in w for w in data["warnings"])  # put in the nearest grid
