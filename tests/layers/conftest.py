import pytest

from tests.layers.factories import world_fixture


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo township partitioned, another township, one user per role (see factories)."""
    yield from world_fixture(django_db_blocker)


@pytest.fixture
def field(world, db):
    return world
