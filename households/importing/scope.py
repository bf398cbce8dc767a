"""Imports scoped to one township (township staff): what in the database is theirs.

A household is the township's when its village group is in one of the township's villages;
a household without a group belongs to no township, so township staff cannot overwrite it.
With township=None (county administrators, the command line) nothing is narrowed.
"""

from collections.abc import Iterable

import numpy as np
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
    differs from that of the group the file puts it in (None: no group). Compared in the
    database, which sends back only the households that move (a re-import: none)."""
    if not Household.objects.exists():  # a county's first import moves nobody
        return []
    group, village = VillageGroup._meta.db_table, Village._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            "SELECT t.i - 1, ov.township_id, nv.township_id "
            "FROM unnest(%s::text[], %s::bigint[]) WITH ORDINALITY AS t(id, g, i) "
            f"JOIN {Household._meta.db_table} h ON h.external_id = t.id "
            f"JOIN {group} og ON og.id = h.group_id JOIN {village} ov ON ov.id = og.village_id "
            f"LEFT JOIN {group} ng ON ng.id = t.g LEFT JOIN {village} nv ON nv.id = ng.village_id "
            "WHERE h.group_id IS DISTINCT FROM t.g "
            "AND ov.township_id IS DISTINCT FROM nv.township_id ORDER BY 1",
            [list(ids), [None if g is None else int(g) for g in new_groups]],
        )
        moved = cur.fetchall()
    if not moved:
        return []
    names = {t.pk: township_label(t) for t in Township.objects.all()}
    nowhere = _("no village group")
    return [(int(i), names[old], names.get(new, nowhere)) for i, old, new in moved]
