"""PartitionParams validates itself and names the offending parameter."""

import pytest

from grids.partitioning import PartitionError, PartitionParams


def test_defaults_follow_county_plan():
    p = PartitionParams()
    assert (p.target, p.band, p.member_target, p.member_band) == (50, (40, 60), 10, (8, 12))


@pytest.mark.parametrize(
    "kwargs, name",
    [
        pytest.param({"target": 70}, "target", id="target-outside-band"),
        pytest.param({"band": (60, 40)}, "band", id="band-reversed"),
        pytest.param({"band": "40-60"}, "band", id="band-not-pair"),
        pytest.param({"member_target": 0}, "member_target", id="member-target-zero"),
        pytest.param({"member_band": (0, 12)}, "member_band", id="member-band-zero"),
        pytest.param({"target": 50.5}, "target", id="target-float"),
    ],
)
def test_bad_parameter_named(kwargs, name):
    with pytest.raises(PartitionError, match=f"parameter {name}:"):
        PartitionParams(**kwargs)


def test_frozen():
    with pytest.raises(AttributeError):
        PartitionParams().target = 10  # type: ignore[misc]
