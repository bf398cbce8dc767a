"""Imports scoped to one township (township staff): what in the database is theirs.

A household is the township's when its village group is in one of the township's villages;
a household without a group belongs to no township, so township staff cannot overwrite it.
With township=None (county administrators, the command line) nothing is narrowed.
"""

from collections.abc import Iterable

import numpy as np
import pandas as pd
from django.db import connection
from django.utils.translation import gettext as _

from households.models import Household, Township, Village, VillageGroup


def township_label(township: Township) -> str:
    return f"{township.name} ({township.code})"


def township_group_ids(township: Township) -> set[int]:
    return set(VillageGroup.objects.filter(village__township=township).values_list("id", flat=True))


def households_outside(township: Township, external_ids: Iterable[str]) -> set[str]:
    """Those of `external_ids` that are households of another township or of no group."""
    return set(
        Household.objects.filter(external_id__in=set(external_ids))
        .exclude(group__village__township=township)
        .values_list("external_id", flat=True)
    )


def households_moved(ids: np.ndarray, new_groups: np.ndarray) -> list[tuple[int, str, str]]:
    """(index, old township, new township) of each existing household whose township
    differs from that of the group the file puts it in (None: no group)."""
    if not Household.objects.exists():  # a county's first import moves nobody
        return []
    group_township = dict(VillageGroup.objects.values_list("id", "village__township_id"))
    names = {t.pk: township_label(t) for t in Township.objects.all()}
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT h.external_id, v.township_id FROM {Household._meta.db_table} h "
            f"JOIN {VillageGroup._meta.db_table} g ON g.id = h.group_id "
            f"JOIN {Village._meta.db_table} v ON v.id = g.village_id "
            "WHERE h.external_id = ANY(%s)",
            [list(ids)],
        )
        old = dict(cur.fetchall())
    if not old:
        return []
    before = pd.Series(ids).map(old).to_numpy(dtype=object)
    after = np.array([group_township.get(g) for g in new_groups], dtype=object)
    moved = np.flatnonzero(pd.notna(before) & (before != after))
    nowhere = _("no village group")
    return [(int(i), names[before[i]], names.get(after[i], nowhere)) for i in moved]
