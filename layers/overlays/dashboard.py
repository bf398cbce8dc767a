"""The county dashboard's camera column (雪亮工程): the share of each unit's households seen by
some camera, from :func:`layers.overlays.coverage.coverage_shares`, added to the dashboard's
declared columns (``layers.coverage.indicators``)."""

from django.utils.translation import gettext_lazy as _

from layers.coverage.indicators import SHARE, Indicator, register

from .coverage import coverage_shares


def camera_figures(ctx) -> dict[str, dict]:
    """Per unit of the place shown: households in some camera's view (``camera_covered``)."""
    return {
        row.code: {"camera_covered": row.covered}
        for row in coverage_shares(ctx.level, ctx.place.area).order_by()
    }


register(
    Indicator(
        "camera_share",
        _("households seen by a camera"),
        SHARE,
        "camera_covered",
        "households",
        True,
        _("Cameras"),
        1,
    ),
    source=camera_figures,
)
