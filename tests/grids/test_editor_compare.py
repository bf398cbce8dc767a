"""Version compare: besides households moved between grids, member areas redrawn inside a
grid and leaders and members changed are reported (a split then merge that gives every
household its old grid back still changes member areas and posts)."""

from collections import defaultdict

import pytest
from django.contrib.auth.models import User

from grids.editing import drafts
from grids.editing.compare import version_compare
from grids.editing.state import version_state
from grids.models import Grid, GridAssignment, MemberArea
from grids.selectors import version_current
from households.models import Person
from tests.grids.test_editor_helpers import partitioned


@pytest.fixture
def village(demo_county):
    return partitioned()


@pytest.fixture
def staff(db):
    return User.objects.create_user("staff-c")


class Editor:
    """One user's edits through the services, revision kept."""

    def __init__(self, village, user):
        self.village, self.user, self.revision = village, user, 0

    def __call__(self, op):
        draft, result, _c = drafts.draft_apply(
            self.village, op, user=self.user, revision=self.revision
        )
        self.revision = draft.revision
        return draft, result

    def submit(self):
        version = drafts.draft_submit(self.village, user=self.user, revision=self.revision)
        self.revision = 0
        return version


def areas_by_grid(version):
    out = defaultdict(lambda: defaultdict(set))
    for h, g, n in GridAssignment.objects.filter(version=version).values_list(
        "household_id", "grid__code", "member_area__number"
    ):
        out[g][n or 0].add(h)
    return {g: dict(a) for g, a in out.items()}


def posts_of(version):
    posts = {
        code: (p, ok)
        for code, p, ok in Grid.objects.filter(version=version).values_list(
            "code", "leader_id", "leader_confirmed"
        )
        if p
    }
    for code, n, p, ok in MemberArea.objects.filter(grid__version=version).values_list(
        "grid__code", "number", "member_id", "member_confirmed"
    ):
        if p:
            posts[f"{code}-{n:02d}"] = (p, ok)
    return posts


def test_split_then_merge_reports_member_areas_and_posts(village, staff):
    v1 = version_current(village)
    state = version_state(v1)
    grid = max(state["grids"], key=lambda g: sum(1 for c, _n in state["assign"].values() if c == g))
    edit = Editor(village, staff)
    _d, result = edit({"type": "split", "grid": grid, "k": 2})
    (new,) = result.changed - {grid}
    edit({"type": "merge", "grids": [grid, new]})
    v2 = edit.submit()
    report = version_compare(village, v1.number)
    assert report["moved"] == []  # every household is in its old grid again
    before, after = areas_by_grid(v1), areas_by_grid(v2)
    differ = {g for g in set(before) | set(after) if before.get(g) != after.get(g)}
    assert differ, "split then merge redraws the grid's member areas"
    assert {row["grid"] for row in report["areas"]} == differ
    row = next(r for r in report["areas"] if r["grid"] == grid)
    assert row["before"] == sum(1 for n in before[grid] if n)
    assert row["after"] == sum(1 for n in after[grid] if n)
    p1, p2 = posts_of(v1), posts_of(v2)
    changed = {k for k in set(p1) | set(p2) if p1.get(k) != p2.get(k)}
    assert {row["post"] for row in report["posts"]} == changed


def test_a_new_member_area_and_a_new_leader_are_reported(village, staff):
    v1 = version_current(village)
    state = version_state(v1)
    grid = sorted(state["grids"])[0]
    household = next(int(h) for h, (c, _n) in state["assign"].items() if c == grid)
    areas = {n for c, n in state["assign"].values() if c == grid}
    person = (
        Person.objects.filter(household__group__village=village)
        .exclude(pk=state["grids"][grid]["leader"])
        .first()
    )
    edit = Editor(village, staff)
    edit({"type": "move", "households": [household], "grid": grid, "area": "new"})
    edit({"type": "leader", "grid": grid, "person": person.pk})
    edit.submit()
    report = version_compare(village, v1.number)
    assert report["moved"] == []
    (row,) = [r for r in report["areas"] if r["grid"] == grid]
    assert (row["before"], row["after"], row["households"]) == (len(areas), len(areas) + 1, 1)
    leader = next(r for r in report["posts"] if r["post"] == grid)
    assert leader["role"] == "leader" and leader["after"] == {
        "name": person.name,
        "confirmed": True,
    }
    old = Person.objects.get(pk=state["grids"][grid]["leader"])
    assert leader["before"] == {
        "name": old.name,
        "confirmed": state["grids"][grid]["leader_confirmed"],
    }


def test_an_unchanged_version_reports_nothing(village):
    report = version_compare(village, version_current(village).number)
    assert report["moved"] == report["areas"] == report["posts"] == []
