"""Imports scoped to one township (township staff): what in the database is theirs.

A household is the township's when its village group is in one of the township's villages;
a household without a group belongs to no township, so township staff cannot overwrite it.
With township=None (county administrators, the command line) nothing is narrowed.
"""

from collections.abc import Iterable

from households.models import Household, Township, VillageGroup


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
