"""The dashboard's columns, declared once: the table, the map, the exports and the trend
read this list. Another module adds a column with one :func:`register` call (and, if its
figures come from elsewhere, a source)::

    register(Indicator("camera_share", _("households seen by a camera"), SHARE,
                       num="camera_households", den="households"),
             source=camera_figures)

Every indicator is computed from *additive* raw figures (counts and sums), so a total or
a roll-up (grids to villages to townships to the county) is the sum of the raw figures of
its parts, and a share or a mean is computed from the summed numerator and denominator —
never an average of averages. A source is a function ``(ctx) -> {unit code: {raw: n}}``
(``selectors.Context``: the scope, the parent area, the level of the units, the time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

COUNT, SHARE, MEAN = "count", "share", "mean"
ERR_COLUMN = _("column must be one of: %(choices)s (not %(value)r)")


@dataclass(frozen=True)
class Indicator:
    """A column: its key, its header, how it is computed from raw figures.

    ``kind`` COUNT reads the raw figure ``num`` (default: the key); SHARE and MEAN divide
    ``num`` by ``den`` (SHARE gives 0-1, shown as a percentage). ``good``: whether a higher
    value is better (True), worse (False) or neither (None): the map's colours and the
    problems list read it. ``group`` heads the table's column groups."""

    key: str
    label: str | Promise
    kind: str = COUNT
    num: str = ""
    den: str = ""
    good: bool | None = None
    group: str | Promise = ""
    digits: int = 0

    def value(self, raw: dict) -> float | None:
        if self.kind == COUNT:
            return raw.get(self.num or self.key, 0) or 0
        den = raw.get(self.den) or 0
        if not den:
            return None
        return raw.get(self.num, 0) / den

    def shown(self, raw: dict) -> str:
        """The value as a table cell shows it."""
        v = self.value(raw)
        if v is None:
            return "—"
        if self.kind == SHARE:
            return f"{v * 100:.1f}%"
        if self.kind == MEAN:
            return f"{v:.{self.digits or 1}f}"
        return str(int(v))


INDICATORS: list[Indicator] = []
SOURCES: list[Callable] = []


def register(indicator: Indicator, *, source: Callable | None = None) -> Indicator:
    """Add a column (and the source of its raw figures, if no registered source has them)."""
    if any(i.key == indicator.key for i in INDICATORS):
        raise ValueError(f"indicator {indicator.key!r} is registered twice")
    INDICATORS.append(indicator)
    if source is not None and source not in SOURCES:
        SOURCES.append(source)
    return indicator


def indicator_get(key: str) -> Indicator:
    """The indicator of a column key; ValueError (with ERR_COLUMN) for an unknown one."""
    for i in INDICATORS:
        if i.key == key:
            return i
    choices = ", ".join(i.key for i in INDICATORS)
    raise ValueError(ERR_COLUMN % {"choices": choices, "value": key})


HOUSEHOLDS, GRIDS, VISITS, INCIDENTS = (
    _("Households"),
    _("Grids"),
    _("Visits"),
    _("Incidents"),
)

for _ind in (
    Indicator("households", _("households"), group=HOUSEHOLDS),
    Indicator("in_grid", _("households in a grid"), good=True, group=HOUSEHOLDS),
    Indicator(
        "in_grid_rate", _("share in a grid"), SHARE, "in_grid", "households", True, HOUSEHOLDS
    ),
    Indicator("with_member", _("households with a member"), good=True, group=HOUSEHOLDS),
    Indicator(
        "member_rate",
        _("share with a member"),
        SHARE,
        "with_member",
        "households",
        True,
        HOUSEHOLDS,
    ),
    Indicator("grids", _("grids"), group=GRIDS),
    Indicator("grids_in_band", _("grids in band"), good=True, group=GRIDS),
    Indicator("grids_under", _("grids under band"), good=False, group=GRIDS),
    Indicator("grids_over", _("grids over band"), good=False, group=GRIDS),
    Indicator("areas_in_band", _("member areas in band"), good=True, group=GRIDS),
    Indicator("grids_led", _("grids with a leader"), good=True, group=GRIDS),
    Indicator("members", _("members appointed"), good=True, group=GRIDS),
    Indicator(
        "party_per_grid",
        _("party members per grid"),
        MEAN,
        "party_members",
        "grids",
        True,
        GRIDS,
        1,
    ),
    Indicator("qualifying", _("grids qualifying for a party group"), group=GRIDS),
    Indicator(
        "qualifying_no_group",
        _("qualifying grids without a party group"),
        good=False,
        group=GRIDS,
    ),
    Indicator(
        "visit_rate", _("visit rate (90 days)"), SHARE, "visited", "households", True, VISITS
    ),
    Indicator("not_visited", _("households not visited in 90 days"), good=False, group=VISITS),
    Indicator("incidents_open", _("incidents open"), group=INCIDENTS),
    Indicator("incidents_overdue", _("incidents overdue"), good=False, group=INCIDENTS),
    Indicator("closed_on_time", _("closed on time"), good=True, group=INCIDENTS),
    Indicator(
        "on_time_rate", _("on-time closure"), SHARE, "closed_on_time", "closed", True, INCIDENTS
    ),
    Indicator("mean_rating", _("mean rating"), MEAN, "rating_sum", "rated", True, INCIDENTS, 2),
):
    register(_ind)
