"""Invariants of the synthetic county generator (sample_data/generate.py).

sample_data is not a package: the generator is loaded by path.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

GENERATOR = Path(__file__).resolve().parents[2] / "sample_data" / "generate.py"
DEMO_DIR = GENERATOR.parent / "demo"
AREA_TOLERANCE = 1e-6  # relative: polygons are written on a 1e-7 degree grid


def _load():
    spec = importlib.util.spec_from_file_location("sample_data_generate", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _load()


@pytest.fixture(scope="module")
def county():
    return gen.build_county(6000, seed=3)


@pytest.fixture(scope="module")
def demo():
    return gen.build_demo()


@pytest.fixture(scope="module")
def demo_county():
    return gen.build_demo_county()


@pytest.fixture(params=["county", "demo", "demo_county"])
def any_county(request):
    return request.getfixturevalue(request.param)


def test_same_seed_same_county():
    a_hh, a_groups = gen.make_county(1500, seed=11)
    b_hh, b_groups = gen.make_county(1500, seed=11)
    pd.testing.assert_frame_equal(a_hh.to_wkt(), b_hh.to_wkt())
    pd.testing.assert_frame_equal(a_groups.to_wkt(), b_groups.to_wkt())
    c_hh, _ = gen.make_county(1500, seed=12)
    assert not a_hh.geometry.geom_equals_exact(c_hh.geometry, 0).all()


def test_counts_and_crs(county):
    hh, groups = county.households, county.groups
    assert len(hh) == 6000
    assert hh.crs == groups.crs == "EPSG:4326"
    assert hh["id"].is_unique and groups["id"].is_unique
    assert set(hh["group_id"]) == set(groups["id"])
    assert county.villages["code"].nunique() == round(6000 / gen.HOUSEHOLDS_PER_VILLAGE)


def test_n_villages_is_respected_and_checked():
    _, groups = gen.make_county(900, seed=1, n_villages=4)
    assert groups["village_id"].nunique() == 4
    with pytest.raises(ValueError, match="n_villages"):
        gen.make_county(100, n_villages=50)


def test_placed_in_southern_jiangxi(county):
    west, south, east, north = county.groups.total_bounds
    assert 115.3 < west < east < 115.9
    assert 25.8 < south < north < 26.3


def test_groups_tile_their_villages(any_county):
    """Groups of a village: valid, pairwise disjoint interiors, union == the village.

    Villages tile the county the same way. Edges are shared exactly (a valid GEOS
    coverage), so importers see neither gaps nor sliver overlaps.
    """
    groups, villages = any_county.groups, any_county.villages.set_index("code")
    assert groups.is_valid.all() and villages.is_valid.all()
    metric = groups.estimate_utm_crs()  # still valid in metres (no zero-width spikes)
    assert groups.to_crs(metric).is_valid.all() and villages.to_crs(metric).is_valid.all()
    assert shapely.coverage_is_valid(groups.geometry.values)
    assert shapely.coverage_is_valid(villages.geometry.values)
    assert len(shapely.get_parts(any_county.outline)) == 1
    assert shapely.get_num_interior_rings(shapely.get_parts(any_county.outline)[0]) == 0
    for code, members in groups.groupby("village_id"):
        village = villages.geometry[code]
        union = shapely.union_all(members.geometry.values)
        assert shapely.symmetric_difference(union, village).area < AREA_TOLERANCE * village.area
        total = shapely.area(members.geometry.values).sum()  # degrees²: ratios only
        assert abs(total - village.area) < AREA_TOLERANCE * village.area, "groups overlap"
    union = shapely.union_all(villages.geometry.values)
    outline = any_county.outline
    assert shapely.symmetric_difference(union, outline).area < AREA_TOLERANCE * outline.area
    assert (
        abs(shapely.area(villages.geometry.values).sum() - outline.area)
        < AREA_TOLERANCE * outline.area
    )


def test_no_two_groups_overlap(demo):
    geoms = demo.groups.geometry.values
    for a, b in itertools.combinations(range(len(geoms)), 2):
        assert shapely.intersection(geoms[a], geoms[b]).area < 1e-12


def test_a_snap_rounding_sliver_joins_the_cell_along_its_long_side():
    """A 1 km sliver 1 cm wide on top of A, touching B only at its east end:

        S (sliver) ===========+
        +---------------------+----------+
        |          A          |    B     |
        +---------------------+----------+

    Given to B it would make a zero-width spike on B; it joins A.
    """
    a = shapely.box(0, 0, 0.01, 0.005)
    b = shapely.box(0.01, 0, 0.015, 0.005)
    s = shapely.Polygon([(0, 0.005), (0.01, 0.005), (0, 0.0050001)])
    # a sliver touching B at B's corner only: no side to join, it stays where it was
    t = shapely.Polygon([(0.015, 0.005), (0.025, 0.005), (0.015, 0.0050001)])
    owner = np.array([0, 1, 1, 0])
    gen._give_slivers_to_longest_neighbour(np.array([a, b, s, t]), owner)
    assert owner.tolist() == [0, 1, 0, 0]


def test_every_household_inside_its_group(any_county):
    hh = any_county.households
    cells = any_county.groups.set_index("id").geometry.loc[hh["group_id"]].values
    assert shapely.contains(cells, hh.geometry.values).all()


def test_codes_are_digits_of_the_right_length_under_their_parent(any_county):
    groups = any_county.groups
    assert (groups["id"] == groups["code"]).all()
    assert (groups["village_id"] == groups["village_code"]).all()
    for column, length in [("code", 14), ("village_code", 12), ("township_code", 9)]:
        assert groups[column].str.fullmatch(rf"\d{{{length}}}").all(), column
    assert (groups["township_code"].str[:6] == gen.COUNTY_CODE).all()
    assert (groups["village_code"].str[:9] == groups["township_code"]).all()
    assert (groups["code"].str[:12] == groups["village_code"]).all()
    assert groups["township_code"].str[6:].astype(int).between(100, 199).all()
    assert groups["village_code"].str[9:].astype(int).between(200, 399).all()
    assert groups["code"].str[12:].astype(int).between(1, 99).all()


def test_group_sizes_spread_around_the_grid_band(any_county):
    """Some groups are below 40 (merge), some 40-60 (one grid), some above 60 (split)."""
    sizes = any_county.households["group_id"].value_counts()
    assert (sizes < 40).any() and sizes.between(40, 60).any() and (sizes > 60).any()
    assert sizes.min() >= gen.GROUP_MIN and sizes.max() <= gen.GROUP_MAX


def test_compounds_several_families_on_one_point(any_county):
    xy = any_county.households.geometry.get_coordinates()
    shared = xy.duplicated(keep=False)
    assert 0 < shared.sum() < 0.05 * len(xy)


def _id_valid(number: str) -> bool:
    digits = np.array([int(c) for c in number[:17]])[None]
    return gen.id_check_digit(digits)[0] == number[17]


def test_household_attributes(any_county):
    hh = any_county.households
    assert hh["id"].str.fullmatch(r"H\d{7}").all()
    assert hh["members"].between(1, 7).all()
    assert hh["id_number"].str.fullmatch(rf"{gen.COUNTY_CODE}\d{{11}}[\dX]").all()
    assert hh["id_number"].is_unique
    assert all(_id_valid(n) for n in hh["id_number"])
    assert hh["phone"].str.fullmatch(r"1[358]\d{9}").all() and hh["phone"].is_unique
    assert hh["head"].str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()
    assert hh["address"].str.startswith(gen.COUNTY_NAME).all()
    for tag in gen.TAGS:
        assert hh[tag].dtype == bool and 0 < hh[tag].sum() < len(hh) / 2, tag
    assert hh["civility_points"].between(0, 150).all()


def test_check_digit_on_the_published_example():
    """GB 11643-1999's worked example: 11010519491231002 -> check character X."""
    digits = np.array([[int(c) for c in "11010519491231002"]])
    assert gen.id_check_digit(digits)[0] == "X"


def test_demo_has_the_three_pilot_villages_in_one_township(demo):
    groups = demo.groups
    assert set(groups["village_name"]) == {"坑口村", "万星村", "坪地山村"}
    assert groups["township_code"].unique().tolist() == [gen.DEMO_TOWNSHIP[0]]
    assert 1500 <= len(demo.households) <= 2500
    sizes = demo.households["group_id"].value_counts()
    assert sizes.min() <= 12 and sizes.max() >= 280
    central = groups.loc[groups["name"] == "坑口街组"]
    assert len(central) == 1 and central["village_name"].item() == "坑口村"
    assert sizes[central["id"].item()] == 300


def test_persons_roster(demo):
    persons = gen.make_persons(demo.households, seed=gen.DEMO_SEED)
    hh = demo.households.set_index("id")
    assert set(persons["household_id"]) == set(hh.index)
    first = persons.drop_duplicates("household_id").set_index("household_id")
    assert (first["name"] == hh.loc[first.index, "head"]).all()
    assert (first["phone"] == hh.loc[first.index, "phone"]).all()
    leaders = persons.loc[persons["group_leader"] == 1, "household_id"].map(hh["group_id"])
    assert leaders.is_unique and set(leaders) == set(demo.groups["id"])
    party = (persons["party_member"] != "").mean()
    assert 0.05 < party < 0.11
    assert set(persons["party_member"]) == {"", "full", "probationary"}
    for column in (
        "womens_group_leader",
        "five_elders",
        "villagers_representative",
        "capable_villager",
    ):
        assert persons[column].isin([0, 1]).all() and persons[column].sum() > 0, column


def test_make_demo_writes_the_files(tmp_path):
    county = gen.make_demo(tmp_path)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "households.csv",
        "households_gbk.csv",
        "persons.csv",
        "village_groups.geojson",
    ]
    hh = pd.read_csv(tmp_path / "households.csv", dtype=str, encoding="utf-8")
    assert list(hh.columns[:9]) == [
        "id",
        "lon",
        "lat",
        "head",
        "members",
        "id_number",
        "phone",
        "address",
        "group_code",
    ]
    assert len(hh) == len(county.households)
    gbk = pd.read_csv(tmp_path / "households_gbk.csv", dtype=str, encoding="gbk")
    for header in (
        "户编号",
        "户主",
        "人口数",
        "身份证号",
        "联系电话",
        "地址",
        "经度",
        "纬度",
        "村民小组编码",
    ):
        assert header in gbk.columns
    assert (gbk.values == hh.values).all()
    with pytest.raises(UnicodeDecodeError):
        (tmp_path / "households_gbk.csv").read_bytes().decode("utf-8")
    # households written to 7 decimals still fall in their groups
    import geopandas as gpd

    groups = gpd.read_file(tmp_path / "village_groups.geojson").set_index("code")
    points = shapely.points(hh["lon"].astype(float), hh["lat"].astype(float))
    assert shapely.contains(groups.geometry.loc[hh["group_code"]].values, points).all()
    party_households = set(
        pd.read_csv(tmp_path / "persons.csv", dtype=str).query("party_member.notna()")[
            "household_id"
        ]
    )
    assert set(hh.loc[hh["party_member_household"] == "1", "id"]) == party_households


def test_committed_demo_matches_the_generator(tmp_path):
    """sample_data/demo is what `python sample_data/generate.py --out ...` writes."""
    gen.make_demo(tmp_path)
    for path in sorted(tmp_path.iterdir()):
        assert path.read_bytes() == (DEMO_DIR / path.name).read_bytes(), path.name


@pytest.mark.parametrize("name", ["坑口村", "万星村", "坪地山村"])
def test_demo_names_are_gbk_encodable(demo, name):
    assert name in set(demo.groups["village_name"])
    text = "".join(demo.households["head"]) + "".join(demo.households["address"])
    text.encode("gbk")
    assert re.fullmatch(r"[\u4e00-\u9fff]+", name)


def test_demo_county_same_seed_same_files(tmp_path):
    """make_demo_county is deterministic: the same seed writes the same bytes."""
    a, b, c = (tmp_path / name for name in "abc")
    gen.make_demo_county(a, 2500, seed=5)
    gen.make_demo_county(b, 2500, seed=5)
    gen.make_demo_county(c, 2500, seed=6)
    names = sorted(p.name for p in a.iterdir())
    assert names == [
        "households.csv",
        "households_new.csv",
        "persons.csv",
        "persons_new.csv",
        "village_groups.geojson",
    ]
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "households.csv").read_bytes() != (c / "households.csv").read_bytes()


def test_demo_county_shape(demo_county):
    """About 8 townships and 20,000 households; each pilot village the seat (code 200) of its
    own township, 360721100..102, named as the README says."""
    groups, hh = demo_county.groups, demo_county.households
    assert len(hh) == gen.DEMO_COUNTY_HOUSEHOLDS
    assert groups["township_code"].nunique() == gen.DEMO_COUNTY_TOWNSHIPS
    villages = groups.drop_duplicates("village_code").set_index("village_name")
    for k, (_suffix, name, _style, sizes) in enumerate(gen.DEMO_VILLAGES):
        township = f"{gen.COUNTY_CODE}{100 + k}"
        assert villages.loc[name, "village_code"] == township + "200"
        assert villages.loc[name, "township_name"] == gen.PILOT_TOWNSHIPS[k]
        assert (hh["group_id"].str[:12] == township + "200").sum() == sum(sizes)
    assert villages.index.is_unique and groups["township_name"].nunique() == 8
    central = groups.loc[groups["name"] == "坑口街组", "village_name"]
    assert central.tolist() == ["坑口村"]
    per_township = hh["group_id"].str[:9].value_counts()
    assert per_township.min() >= 500  # every township has villages worth showing


def test_demo_county_newcomers(demo_county):
    """Households registered during the year: enough in 坑口村 that it must open a grid (its
    first grids hold 40-60 households, about 50), and a dozen in each of two other villages."""
    persons = gen.make_persons(demo_county.households, seed=gen.DEMO_COUNTY_SEED)
    new = gen.demo_county_newcomers(demo_county, persons, seed=gen.DEMO_COUNTY_SEED)
    village = demo_county.households["group_id"].str[:12]
    kengkou = village == f"{gen.COUNTY_CODE}100200"
    before, after = int((kengkou & ~new).sum()), int(kengkou.sum())
    assert after > 60 * round(before / 50)
    late = village[new & ~kengkou].value_counts()
    assert late.tolist() == [gen.LATE_NEWCOMERS[1]] * gen.LATE_NEWCOMERS[0]
    pilots = [f"{gen.COUNTY_CODE}{100 + k}200" for k in range(len(gen.DEMO_VILLAGES))]
    assert not late.index.isin(pilots).any()
    leaders = persons.loc[persons["group_leader"] == 1, "household_id"]
    assert not demo_county.households.loc[new, "id"].isin(leaders).any()


def test_make_demo_county_splits_the_roster_with_the_households(tmp_path):
    gen.make_demo_county(tmp_path, 3000)
    read = {
        p.stem: pd.read_csv(p, dtype=str, keep_default_na=False) for p in tmp_path.glob("*.csv")
    }
    for suffix in ("", "_new"):
        households, persons = read["households" + suffix], read["persons" + suffix]
        assert set(persons["household_id"]) == set(households["id"])
        assert not persons.duplicated(["household_id", "name"]).any()  # the import refuses it
        party = set(persons.loc[persons["party_member"] != "", "household_id"])
        assert set(households.loc[households["party_member_household"] == "1", "id"]) == party
    assert not set(read["households"]["id"]) & set(read["households_new"]["id"])
    assert len(read["households"]) + len(read["households_new"]) == 3000


def test_demo_county_too_small_is_refused():
    with pytest.raises(ValueError):
        gen.build_demo_county(300)
