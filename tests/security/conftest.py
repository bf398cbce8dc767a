from tests.layers.conftest import field, world  # noqa: F401  (the same world, built per module)
