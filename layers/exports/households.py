"""The county's household table (CSV and XLSX at /export/households.csv|.xlsx): every
household of the user's area with its village, group, current grid and member area, ID
numbers and phones masked, under the import template's Chinese headers.

One query with joins (the current assignment is a join on the current versions, not a
subquery per row), read through a server-side cursor so that the first rows leave at once;
the export is logged by its filter and its count, not by listing every id.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import FilteredRelation, Q

from grids.models import GridVersion
from households.access import Scope
from households.functions import X, Y
from households.importing.readers import HOUSEHOLD_ALIASES, chinese_header
from households.models import Household
from households.privacy import SENSITIVE_TAGS, mask_id_number, mask_phone

CHUNK_ROWS = 2000  # rows fetched from the server-side cursor at a time
ERR_TOWNSHIP = "township: expected a 9-digit township code, not {value!r}"

# column -> Chinese header (the import template's where the importers read the column;
# masked numbers get headers the importers do not read, so a re-import never writes a mask
# over a real number)
COLUMNS = {
    "id": chinese_header("id", HOUSEHOLD_ALIASES),
    "head": chinese_header("head", HOUSEHOLD_ALIASES),
    "members": chinese_header("members", HOUSEHOLD_ALIASES),
    "id_number": "身份证号（脱敏）",
    "phone": "联系电话（脱敏）",
    "address": chinese_header("address", HOUSEHOLD_ALIASES),
    "lon": chinese_header("lon", HOUSEHOLD_ALIASES),
    "lat": chinese_header("lat", HOUSEHOLD_ALIASES),
    "group_code": chinese_header("group_code", HOUSEHOLD_ALIASES),
    "township": "乡镇名称",
    "village": "村名称",
    "group": "村民小组名称",
    "grid": "网格编码",
    "member_area": "联户编号",
}
_FIELDS = (
    "external_id",
    "head",
    "members",
    "id_number",
    "phone",
    "address",
    "lon",
    "lat",
    "group__code",
    "group__village__township__name",
    "group__village__name",
    "group__name",
    "current__grid__code",
    "current__member_area__number",
)
COORD_DIGITS = 7  # 1e-7 degree is about 1 cm: what the importers read back


def export_tags(scope: Scope) -> tuple[str, ...]:
    sensitive = scope.can("sensitive_tags")
    return tuple(t for t in Household.TAG_FIELDS if sensitive or t not in SENSITIVE_TAGS)


def export_header(scope: Scope) -> list[str]:
    tags = export_tags(scope)
    return [*COLUMNS.values(), *(chinese_header(t, HOUSEHOLD_ALIASES) for t in tags)]


def export_households(scope: Scope, township=None):
    """The households of the export (scoped, filtered), without the joins: to count them."""
    qs = Household.objects.for_scope(scope)
    if township is not None:
        qs = qs.filter(group__village__township=township)
    return qs


def export_rows(scope: Scope, township=None) -> Iterator[list]:
    """The rows, ordered by household number, streamed from a server-side cursor."""
    tags = export_tags(scope)
    # the current version of each village: a few hundred ids in a county, one join
    current = list(
        GridVersion.objects.filter(valid_to__isnull=True).values_list("pk", flat=True)
    ) or [0]
    qs = (
        export_households(scope, township)
        .annotate(
            lon=X("location"),
            lat=Y("location"),
            current=FilteredRelation(
                "grid_assignments", condition=Q(grid_assignments__version__in=current)
            ),
        )
        .values_list(*_FIELDS, *tags)
        .order_by("external_id")
    )
    for row in qs.iterator(chunk_size=CHUNK_ROWS):
        (hid, head, members, id_number, phone, address, lon, lat, *rest) = row
        yield [
            hid,
            head,
            members,
            mask_id_number(id_number),
            mask_phone(phone),
            address,
            round(lon, COORD_DIGITS),
            round(lat, COORD_DIGITS),
            *("" if v is None else v for v in rest[:6]),
            *(int(v) for v in rest[6:]),
        ]
