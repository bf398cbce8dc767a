"""A hand-built world for the overlay tests: 外镇 (tests.layers.factories.other_township:
one village 115.90-115.91 E, 26.20-26.21 N, one grid, households H9000001-4 at
115.901/.903/.905/.907 E, 26.205 N, about 100 m apart), and 邻镇 next to it (one village
115.92-115.93 E) for the scope tests."""

import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon

from households.models import Role, Township, Village
from tests.layers.factories import make_role, other_township

NEXT_TOWNSHIP, NEXT_VILLAGE = "360721198", "360721198200"


@pytest.fixture
def small(db):
    return small_world()


def small_world() -> dict:
    grid = other_township()
    township = Township.objects.create(code=NEXT_TOWNSHIP, name="邻镇")
    square = Polygon.from_bbox((115.92, 26.20, 115.93, 26.21))
    Village.objects.create(
        code=NEXT_VILLAGE, name="邻村", township=township, boundary=MultiPolygon(square)
    )
    village = grid.village
    return {
        "grid": grid,
        "village": village,
        "township": village.township,
        "next": township,
        "township_user": make_role("o-township", Role.TOWNSHIP, township=village.township),
        "village_user": make_role("o-village", Role.VILLAGE, village=village),
        "next_user": make_role("o-next", Role.TOWNSHIP, township=township),
        "leader": make_role("o-leader", Role.GRID_LEADER, village=village, grid_code=grid.code),
    }


@pytest.fixture(autouse=True)
def english():
    """Messages compared in English (the site's default language is Chinese)."""
    from django.utils import translation

    with translation.override("en"):
        yield
