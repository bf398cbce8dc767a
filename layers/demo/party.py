"""The demo county's party groups: most grids with three party members or more have one,
set up on a day between their grid's drawing and the demo's anchor date, led by one of
their party members (so the dashboard's party group columns show something real)."""

from __future__ import annotations

import datetime as dt
import zlib

import numpy as np
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from grids.models import Grid
from households.models import Person

from ..coverage.models import PARTY_GROUP_MIN_MEMBERS, PartyGroup

SET_UP_SHARE = 0.7  # of the qualifying grids, seven in ten have a party group by the anchor


@transaction.atomic
def party_groups_load(anchor: dt.date, seed: int) -> int:
    """Party groups for the current grids (once: a county that has any is left alone)."""
    if PartyGroup.objects.exists():
        return 0
    grids = (
        Grid.objects.filter(version__valid_to__isnull=True)
        .annotate(
            party=Count(
                "assignments__household__persons",
                filter=~Q(assignments__household__persons__party_member=""),
            )
        )
        .filter(party__gte=PARTY_GROUP_MIN_MEMBERS)
        .select_related("version")
        .order_by("code")
    )
    made = []
    for grid in grids:
        rng = np.random.default_rng([seed, zlib.crc32(grid.code.encode())])
        if rng.random() >= SET_UP_SHARE:
            continue
        drawn = timezone.localdate(grid.version.valid_from)
        span = max(0, (anchor - drawn).days)
        leader = (
            Person.objects.filter(household__grid_assignments__grid=grid)
            .exclude(party_member="")
            .order_by("party_member", "name")  # "full" before "probationary"
            .first()
        )
        made.append(
            PartyGroup(
                village_id=grid.village_id,
                grid_code=grid.code,
                leader=leader,
                started_on=drawn + dt.timedelta(days=int(rng.integers(0, span + 1))),
            )
        )
    PartyGroup.objects.bulk_create(made)
    return len(made)
