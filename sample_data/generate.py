"""Synthetic hilly county for demos, tests and benchmarks (fixed seed, no real people).

The county is made up: 示范县 ("demo county"), code 360721, placed in the hills of
southern Jiangxi around 115.6°E 26.05°N. (360721 was the GB/T 2260 code of 赣县 in
Ganzhou before it became a district; it is reused here and the county, its townships,
villages and people are invented.) Every name, ID number and phone number is random;
the ID numbers have a valid check digit and the demo county's region prefix so that
validators accept them, and identify nobody.

Method (all geometry in local metres, converted to EPSG:4326 at the end):

1. County outline: a wobbly disc (a few random harmonics on the radius) whose area
   grows with the number of households (``AREA_PER_HOUSEHOLD_M2``).
2. Villages: Voronoi cells of village centres (uniform, relaxed twice by Lloyd's
   method) clipped to the outline, so villages tile the county. Households are
   shared out in proportion to village area with log-normal noise.
3. Village groups: each village has a valley, a gently winding line through it.
   Hamlet centres are strung along the valley, spaced by the square root of their
   size; groups are the Voronoi cells of hamlet centres clipped to the village, so
   groups tile each village. Group sizes are log-normal (median ~38, 8..300), which
   gives the mix a county plan meets: many small groups, some in the 40-60 band,
   some large ones.
4. Households: most are clustered around their hamlet centre along a short curved
   line following the valley; ~7 % are scattered farmsteads anywhere in the group.
   Points outside their group are redrawn, so every household lies in its group.
   A few compounds put 2-4 families on exactly the same point.
5. Attributes: Hakka-style hamlets where one surname dominates, plausible (not
   statistical) rates for the welfare tags, 18-character ID numbers with a valid
   ISO 7064 MOD 11-2 check digit, 11-digit mobile numbers.

Codes follow the README's hierarchy: county 360721, townships 3607211NN, villages township + 200..,
groups village + 01... Use as a module (``make_county``, ``make_demo``,
``make_demo_county``, ``make_persons``; load it by path with importlib, sample_data is not a package) or
from the shell::

    python sample_data/generate.py --out sample_data/demo
    python sample_data/generate.py --out /tmp/county --households 200000
    python sample_data/generate.py --out /tmp/demo-county --demo-county
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

log = logging.getLogger(__name__)

# ---- constants -----------------------------------------------------------------------
COUNTY_CODE = "360721"
COUNTY_NAME = "示范县"
CENTRE_LON, CENTRE_LAT = 115.6, 26.05
# Area per household: ~3,300 km2 for 200,000 households, a hilly Jiangxi county
# (around 115.3-115.9 E, 25.8-26.3 N at that size).
AREA_PER_HOUSEHOLD_M2 = 16_500.0
HOUSEHOLDS_PER_VILLAGE = 450  # default village size: Jiangxi villages hold ~300-800
VILLAGES_PER_TOWNSHIP = 18
GROUP_MEDIAN, GROUP_SIGMA, GROUP_MIN, GROUP_MAX = 38.0, 0.75, 8, 300
MAX_GROUPS_PER_VILLAGE = 99  # two-digit group suffix
FARMSTEAD_SHARE = 0.07
SPREAD_M_PER_SQRT_HH = 15.0  # along-valley spread of a hamlet: 15 m * sqrt(size)
CENTRAL_SPREAD_M_PER_SQRT_HH = 8.0  # a dense central community
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * np.cos(np.radians(CENTRE_LAT))
GRID_DEG = 1e-7  # output precision: about 1 cm

# Plausible synthetic rates (not statistics) for household tags.
TAG_RATES = {
    "party_member_household": 0.15,
    "dibao": 0.05,
    "wubao": 0.01,
    "poverty_monitoring": 0.03,
    "left_behind_children": 0.08,
    "elderly_alone": 0.08,
    "disabled": 0.06,
    "veteran": 0.03,
}
TAGS = tuple(TAG_RATES)

DEMO_SEED = 20240
DEMO_TOWNSHIP = ("360721100", "坑口镇")
# (code suffix, name, naming style, group sizes; a 0th group marked central).
DEMO_VILLAGES = (
    (
        "200",
        "坑口村",
        "place",
        [300, 62, 48, 35, 27, 55, 41, 18, 74, 33, 12, 46, 58, 29, 90, 51, 24, 44],
    ),
    ("201", "万星村", "ordinal", [45, 67, 38, 52, 21, 140, 43, 58, 36, 49, 15, 61, 40]),
    (
        "202",
        "坪地山村",
        "place",
        [23, 14, 31, 10, 42, 19, 27, 56, 12, 35, 22, 17, 48, 26, 11, 38, 60],
    ),
)

# The demo county: about 8 townships and 20,000 households around the three pilot villages
# (DEMO_VILLAGES). The county plan names them with their townships (X镇坑口村, X埠镇万星村,
# X镇坪地山村); the township names here are invented to fit, one pilot village in each.
DEMO_COUNTY_SEED = 20250
DEMO_COUNTY_HOUSEHOLDS = 20_000
DEMO_COUNTY_TOWNSHIPS = 8
PILOT_TOWNSHIPS = ("坑口镇", "万埠镇", "坪地镇")
# Households registered during the demo year: families resettled into the 3 largest groups
# of 坑口村 (2 in 5 of their households, enough that 坑口村 outgrows its grids mid-year and
# must open one), and 12 households in each of 2 generated villages, registered after the
# last partition (households outside every grid).
NEWCOMER_GROUPS, NEWCOMER_SHARE = 3, 0.4
LATE_NEWCOMERS = (2, 12)

SURNAMES = list("刘陈李王张黄曾钟赖谢邱廖罗温朱杨胡肖郭何林吴周徐叶邓彭孙宋蓝古")
MALE_CHARS = list("国建明华文平志军永春林金德荣祥福生海清伟强东斌光辉勇新忠")
FEMALE_CHARS = list("秀英兰珍凤芳桂玉梅丽霞红燕琴娟香莲春花美月萍芬")
PLACE_FIRST = list("上下中新老大小东西南北石塘岭坑田水竹松枫桥圳坝井龙凤黄高")
PLACE_SECOND = list("屋坑背下头尾心口坪岗垅排坳塅陂洲湾寨围坊")
TOWNSHIP_SUFFIX = ("镇", "乡")
CN_DIGITS = "零一二三四五六七八九"
MOBILE_PREFIXES = np.array(
    [*range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159, *range(180, 190)]
)
ID_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
ID_CHECK = np.array(list("10X98765432"))


@dataclass(frozen=True)
class County:
    """Everything the generator builds, in EPSG:4326."""

    households: gpd.GeoDataFrame
    groups: gpd.GeoDataFrame
    villages: gpd.GeoDataFrame
    outline: shapely.Geometry


# ---- public API ----------------------------------------------------------------------
def make_county(
    n_households: int, *, seed: int = 0, n_villages: int | None = None
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Return (households, groups) of a synthetic county, EPSG:4326, deterministic per seed."""
    county = build_county(n_households, seed=seed, n_villages=n_villages)
    return county.households, county.groups


def build_county(n_households: int, *, seed: int = 0, n_villages: int | None = None) -> County:
    """Like make_county, but also returns the villages and the county outline."""
    if n_households < GROUP_MIN:
        raise ValueError(f"n_households must be at least {GROUP_MIN}, got {n_households}")
    if n_villages is None:
        n_villages = max(1, round(n_households / HOUSEHOLDS_PER_VILLAGE))
    if n_villages < 1 or n_households < GROUP_MIN * n_villages:
        raise ValueError(
            f"n_villages={n_villages} needs 1..{n_households // GROUP_MIN} "
            f"for {n_households} households"
        )
    rng = np.random.default_rng(seed)
    outline = _outline(n_households, rng)
    villages = _village_cells(outline, n_villages, rng)
    areas = shapely.area(villages)
    totals = _share(n_households, areas * rng.lognormal(0.0, 0.35, n_villages), GROUP_MIN)
    sizes = [_group_sizes(t, rng) for t in totals]
    townships = _townships(villages, rng)
    specs = []
    for t_index in np.unique(townships):
        t_code = f"{COUNTY_CODE}{100 + t_index:03d}"
        members = np.flatnonzero(townships == t_index)
        # Village codes run north -> south, then west -> east, inside a township.
        pts = shapely.point_on_surface(villages[members])
        order = np.lexsort((shapely.get_x(pts), -shapely.get_y(pts)))
        for k, v in enumerate(members[order]):
            specs.append(
                dict(
                    index=v,
                    code=f"{t_code}{200 + k:03d}",
                    township_code=t_code,
                    sizes=sizes[v],
                    central=False,
                )
            )
    t_names = _unique_names(rng, len(np.unique(townships)), PLACE_FIRST, PLACE_SECOND)
    v_names = _unique_names(rng, n_villages, PLACE_FIRST + SURNAMES, PLACE_SECOND + list("田"))
    for k, spec in enumerate(sorted(specs, key=lambda s: s["code"])):
        t_index = int(spec["township_code"][-3:]) - 100
        spec["township_name"] = t_names[t_index] + TOWNSHIP_SUFFIX[int(t_index % 3 == 2)]
        spec["name"] = v_names[k] + "村"
        spec["style"] = "ordinal" if rng.random() < 0.35 else "place"
    specs.sort(key=lambda s: s["index"])
    return _realise(outline, villages, specs, rng)


def make_demo(out_dir: str | Path, *, seed: int = DEMO_SEED) -> County:
    """Write the demo township (坑口镇: 坑口村, 万星村, 坪地山村) into ``out_dir``.

    Files: village_groups.geojson, households.csv (UTF-8), households_gbk.csv (GBK,
    Chinese headers, CRLF: like an Excel export) and persons.csv (residents roster).
    """
    county = build_demo(seed=seed)
    persons = make_persons(county.households, seed=seed)
    party = set(persons.loc[persons["party_member"] != "", "household_id"])
    county.households["party_member_household"] = county.households["id"].isin(party)
    write_county(county, out_dir)
    out = Path(out_dir)
    _household_table(county, chinese=True).to_csv(
        out / "households_gbk.csv", index=False, encoding="gbk", lineterminator="\r\n"
    )
    persons.to_csv(out / "persons.csv", index=False, encoding="utf-8", lineterminator="\n")
    return county


def build_demo(*, seed: int = DEMO_SEED) -> County:
    """The three pilot villages of the demo township, as a County (no files written)."""
    rng = np.random.default_rng(seed)
    n = sum(sum(v[3]) for v in DEMO_VILLAGES)
    outline = _outline(n, rng)
    r = np.sqrt(shapely.area(outline) / np.pi)
    # 坑口村 in the valley bottom (south-centre), 万星村 north-east, 坪地山村 west uplands.
    centres = np.array([[0.1 * r, -0.35 * r], [0.45 * r, 0.4 * r], [-0.5 * r, 0.2 * r]])
    villages = _clip_voronoi(centres, outline)
    code, name = DEMO_TOWNSHIP
    specs = [
        dict(
            index=k,
            code=code + suffix,
            township_code=code,
            township_name=name,
            name=v_name,
            style=style,
            sizes=np.array(sizes),
            central=(k == 0),
        )
        for k, (suffix, v_name, style, sizes) in enumerate(DEMO_VILLAGES)
    ]
    return _realise(outline, villages, specs, rng)


def build_demo_county(
    n_households: int = DEMO_COUNTY_HOUSEHOLDS,
    *,
    seed: int = DEMO_COUNTY_SEED,
    n_townships: int = DEMO_COUNTY_TOWNSHIPS,
) -> County:
    """The demo county: the three pilot villages of ``DEMO_VILLAGES``, each the seat of its
    own township (``PILOT_TOWNSHIPS``, codes 360721100..102, the pilot village 200 in
    each), and generated villages and townships around them.

    Townships are k-means clusters of villages (a cluster left empty is dropped); the
    pilot township is the one holding the village nearest its cluster's centre. Under
    ``DEMO_COUNTY_HOUSEHOLDS`` the pilot villages' groups shrink in proportion (each at
    least ``GROUP_MIN``), so tests load a small county of the same shape.
    """
    n_pilots = len(DEMO_VILLAGES)
    scale = min(1.0, n_households / DEMO_COUNTY_HOUSEHOLDS)
    pilot_sizes = [
        np.maximum(GROUP_MIN, np.round(np.array(v[3]) * scale)).astype(int) for v in DEMO_VILLAGES
    ]
    rest = n_households - sum(int(s.sum()) for s in pilot_sizes)
    n_other = max(n_townships - n_pilots, round(rest / HOUSEHOLDS_PER_VILLAGE))
    if n_townships < n_pilots or rest < GROUP_MIN * n_other:
        raise ValueError(
            f"a demo county of {n_households} households and {n_townships} townships is too "
            f"small: the pilot villages take {n_households - rest}"
        )
    rng = np.random.default_rng(seed)
    outline = _outline(n_households, rng)
    villages = _village_cells(outline, n_other + n_pilots, rng)
    township = _townships(villages, rng, k=n_townships)
    n_t = int(township.max()) + 1
    if n_t < n_pilots:
        raise ValueError(f"only {n_t} townships formed; the pilot villages need {n_pilots}")
    xy = shapely.get_coordinates(shapely.point_on_surface(villages))
    pilot_t = rng.choice(n_t, n_pilots, replace=False)
    pilots = []
    for t in pilot_t:  # the village nearest the township's centre: its seat
        members = np.flatnonzero(township == t)
        pilots.append(members[np.argmin(((xy[members] - xy[members].mean(0)) ** 2).sum(1))])
    other = np.setdiff1d(np.arange(len(villages)), pilots)
    totals = dict(
        zip(
            other,
            _share(
                rest, shapely.area(villages[other]) * rng.lognormal(0, 0.35, len(other)), GROUP_MIN
            ),
            strict=True,
        )
    )
    t_order = [*pilot_t, *(t for t in range(n_t) if t not in pilot_t)]  # others west->east
    reserved = {name[:-1] for name in PILOT_TOWNSHIPS}
    t_names = [n for n in _unique_names(rng, n_t + n_pilots, PLACE_FIRST, PLACE_SECOND)]
    t_names = [n for n in t_names if n not in reserved][: n_t - n_pilots]
    reserved = {v[1].removesuffix("村") for v in DEMO_VILLAGES}
    v_names = _unique_names(
        rng, len(other) + n_pilots, PLACE_FIRST + SURNAMES, [*PLACE_SECOND, "田"]
    )
    v_names = iter(n for n in v_names if n not in reserved)
    specs = []
    for k, t in enumerate(t_order):
        t_code = f"{COUNTY_CODE}{100 + k:03d}"
        if k < n_pilots:
            t_name = PILOT_TOWNSHIPS[k]
        else:
            t_name = t_names[k - n_pilots] + TOWNSHIP_SUFFIX[int(k % 3 == 2)]
        members = np.setdiff1d(np.flatnonzero(township == t), pilots)
        # the seat first, then north -> south, west -> east (as build_county numbers them)
        members = members[np.lexsort((xy[members, 0], -xy[members, 1]))]
        if k < n_pilots:
            members = np.r_[pilots[k], members]
        for j, v in enumerate(members):
            spec = dict(
                index=v, code=f"{t_code}{200 + j:03d}", township_code=t_code, township_name=t_name
            )
            if k < n_pilots and j == 0:
                _, name, style, _sizes = DEMO_VILLAGES[k]
                spec.update(name=name, style=style, sizes=pilot_sizes[k], central=k == 0)
            else:
                style = "ordinal" if rng.random() < 0.35 else "place"
                spec.update(name=next(v_names) + "村", style=style, central=False)
                spec["sizes"] = _group_sizes(int(totals[v]), rng)
            specs.append(spec)
    return _realise(outline, villages, specs, rng)


def demo_county_newcomers(county: County, persons: pd.DataFrame, *, seed: int) -> pd.Series:
    """Households registered during the demo year (True), not in the first partition.

    Families resettled into the ``NEWCOMER_GROUPS`` largest groups of 坑口村 (a share
    ``NEWCOMER_SHARE`` of their households), and ``LATE_NEWCOMERS`` households in a few
    generated villages, registered after the last partition. Households of group leaders
    were there from the start.
    """
    rng = np.random.default_rng([seed, 2])
    hh = county.households
    leaders = set(persons.loc[persons["group_leader"] == 1, "household_id"])
    free = ~hh["id"].isin(leaders).to_numpy()
    village = hh["group_id"].str[:12].to_numpy()
    sizes = hh.loc[village == f"{COUNTY_CODE}100200", "group_id"].value_counts()
    groups = sizes.index[:NEWCOMER_GROUPS]
    new = np.zeros(len(hh), bool)
    pool = np.flatnonzero(hh["group_id"].isin(groups).to_numpy() & free)
    new[rng.choice(pool, round(NEWCOMER_SHARE * len(pool)), replace=False)] = True
    n_villages, per_village = LATE_NEWCOMERS
    pilots = [f"{COUNTY_CODE}{100 + k}200" for k in range(len(DEMO_VILLAGES))]
    generated = np.setdiff1d(np.unique(village), pilots)
    for v in rng.choice(generated, min(n_villages, len(generated)), replace=False):
        pool = np.flatnonzero((village == v) & free)
        new[rng.choice(pool, min(per_village, len(pool)), replace=False)] = True
    return pd.Series(new, index=hh.index, name="newcomer")


def _distinct_names(persons: pd.DataFrame, *, seed: int) -> pd.DataFrame:
    """Rename a resident who has the name of another in the same household (a son named
    like his father: the roster import refuses two of one name in one household)."""
    rng = np.random.default_rng([seed, 4])
    persons = persons.copy()
    while (dup := persons.duplicated(["household_id", "name"]).to_numpy()).any():
        names = persons.loc[dup, "name"].str[0] + _given(rng, int(dup.sum()), MALE_CHARS)
        persons.loc[dup, "name"] = names
    return persons


def make_demo_county(
    out_dir: str | Path,
    n_households: int = DEMO_COUNTY_HOUSEHOLDS,
    *,
    seed: int = DEMO_COUNTY_SEED,
) -> County:
    """Write the demo county into ``out_dir``: village_groups.geojson, households.csv and
    persons.csv (the households there when grids were first drawn), households_new.csv and
    persons_new.csv (those registered during the year, ``demo_county_newcomers``)."""
    county = build_demo_county(n_households, seed=seed)
    persons = _distinct_names(make_persons(county.households, seed=seed), seed=seed)
    party = set(persons.loc[persons["party_member"] != "", "household_id"])
    county.households["party_member_household"] = county.households["id"].isin(party)
    new = demo_county_newcomers(county, persons, seed=seed)
    write_county(dataclasses.replace(county, households=county.households[~new]), out_dir)
    out = Path(out_dir)
    _household_table(dataclasses.replace(county, households=county.households[new])).to_csv(
        out / "households_new.csv", index=False, encoding="utf-8", lineterminator="\n"
    )
    later = persons["household_id"].isin(set(county.households.loc[new, "id"]))
    for name, rows in (("persons.csv", ~later), ("persons_new.csv", later)):
        persons[rows].to_csv(out / name, index=False, encoding="utf-8", lineterminator="\n")
    return county


def make_persons(households: pd.DataFrame, *, seed: int = 0) -> pd.DataFrame:
    """Residents roster for ``households``: the pool of grid leaders and members.

    Each head is listed, with a spouse in ~65 % of households of two or more and an
    adult child in ~30 % of households of four or more. About 8 % are party members
    (88 % full); every group has one group leader; most groups a women's group
    leader; about one villagers' representative per 12 households; a few "five
    elders" (born before 1961) and capable villagers. Booleans are 1/0.
    """
    rng = np.random.default_rng([seed, 1])
    hh = households.reset_index(drop=True)
    n = len(hh)
    members = hh["members"].to_numpy()
    spouse = (members >= 2) & (rng.random(n) < 0.65)
    child = (members >= 4) & (rng.random(n) < 0.30)
    role = np.concatenate([np.zeros(n, int), np.ones(spouse.sum(), int), np.full(child.sum(), 2)])
    idx = np.concatenate([np.arange(n), np.flatnonzero(spouse), np.flatnonzero(child)])
    order = np.lexsort((role, idx))
    role, idx = role[order], idx[order]
    m = len(idx)
    surname = hh["head"].str[0].to_numpy()[idx]
    surname = np.where(role == 1, rng.choice(SURNAMES, m), surname)
    names = np.where(role == 1, _given(rng, m, FEMALE_CHARS), _given(rng, m, MALE_CHARS))
    head_year = hh["id_number"].str[6:10].astype(int).to_numpy()[idx]
    born = np.where(role == 2, np.minimum(head_year + rng.integers(20, 32, m), 2006), head_year)
    phone = np.where(role == 0, hh["phone"].to_numpy()[idx], _phones(rng, m))
    group = hh["group_id"].to_numpy()[idx]

    party = rng.random(m) < np.where(role == 0, 0.11, 0.04)
    flags = {
        k: np.zeros(m, bool)
        for k in (
            "group_leader",
            "womens_group_leader",
            "five_elders",
            "villagers_representative",
            "capable_villager",
        )
    }
    for g in pd.unique(group):
        rows = np.flatnonzero(group == g)
        heads = rows[role[rows] == 0]
        pool = heads[party[heads]] if party[heads].any() and rng.random() < 0.5 else heads
        flags["group_leader"][rng.choice(pool)] = True
        wives = rows[role[rows] == 1]
        if len(wives) and rng.random() < 0.8:
            flags["womens_group_leader"][rng.choice(wives)] = True
        k = min(len(heads), max(1, round(len(heads) / 12)))
        flags["villagers_representative"][rng.choice(heads, k, replace=False)] = True
    flags["five_elders"] = (born < 1961) & (role == 0) & (rng.random(m) < 0.06)
    flags["capable_villager"] = (born >= 1970) & (born <= 2000) & (rng.random(m) < 0.06)
    status = np.where(party, np.where(rng.random(m) < 0.88, "full", "probationary"), "")
    out = pd.DataFrame(
        {
            "name": np.where(
                role == 0,
                hh["head"].to_numpy()[idx].astype(str),
                np.char.add(surname.astype(str), names),
            ),
            "household_id": hh["id"].to_numpy()[idx],
            "phone": phone,
            "party_member": status,
        }
    )
    for key, values in flags.items():
        out[key] = values.astype(int)
    return out


def write_county(county: County, out_dir: str | Path) -> None:
    """Write village_groups.geojson and households.csv (UTF-8, canonical columns)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    features = [
        {
            "type": "Feature",
            "id": row.id,
            "properties": {
                k: getattr(row, k)
                for k in (
                    "code",
                    "name",
                    "village_code",
                    "village_name",
                    "township_code",
                    "township_name",
                )
            },
            "geometry": shapely.geometry.mapping(row.geometry),
        }
        for row in county.groups.itertuples()
    ]
    doc = {"type": "FeatureCollection", "name": "village_groups", "features": features}
    with open(out / "village_groups.geojson", "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    _household_table(county).to_csv(
        out / "households.csv", index=False, encoding="utf-8", lineterminator="\n"
    )


# ---- geometry ------------------------------------------------------------------------
def _outline(n_households: int, rng: np.random.Generator) -> shapely.Polygon:
    radius = np.sqrt(n_households * AREA_PER_HOUSEHOLD_M2 / np.pi)
    theta = np.linspace(0, 2 * np.pi, 256, endpoint=False)
    k = np.arange(2, 6)[:, None]
    wobble = rng.uniform(0, 0.12, (4, 1)) / (k / 2) * np.cos(k * theta + rng.uniform(0, 7, (4, 1)))
    r = radius * np.clip(1 + wobble.sum(axis=0), 0.6, None)
    return shapely.Polygon(np.column_stack([r * np.cos(theta), r * np.sin(theta)]))


def _random_points(poly, n: int, rng: np.random.Generator) -> np.ndarray:
    x0, y0, x1, y1 = poly.bounds
    shapely.prepare(poly)
    found = np.empty((0, 2))
    while len(found) < n:
        xy = rng.uniform([x0, y0], [x1, y1], (4 * n + 16, 2))
        found = np.vstack([found, xy[shapely.contains_xy(poly, xy[:, 0], xy[:, 1])]])
    return found[:n]


def _polygonal(geom) -> shapely.MultiPolygon:
    """The polygons of ``geom`` (dropping stray lines and points) as a MultiPolygon."""
    parts = shapely.get_parts(shapely.get_parts(geom))
    keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)
    return shapely.MultiPolygon(list(parts[keep]))


def _clip_voronoi(centres: np.ndarray, region) -> np.ndarray:
    if len(centres) == 1:
        return np.array([_polygonal(region)])
    cells = shapely.voronoi_polygons(shapely.multipoints(centres), extend_to=region, ordered=True)
    return np.array([_polygonal(c) for c in shapely.intersection(shapely.get_parts(cells), region)])


def _village_cells(outline, n: int, rng: np.random.Generator) -> np.ndarray:
    centres = _random_points(outline, n, rng)
    for _ in range(2):  # Lloyd relaxation: evens out village sizes
        cells = _clip_voronoi(centres, outline)
        centres = shapely.get_coordinates(shapely.point_on_surface(cells))
    return _clip_voronoi(centres, outline)


def _townships(villages: np.ndarray, rng: np.random.Generator, k: int | None = None) -> np.ndarray:
    """Township index of each village: k-means on village centres, numbered west->east.

    ``k`` townships (default: one per ``VILLAGES_PER_TOWNSHIP`` villages); a cluster
    left empty by k-means is dropped, so there may be fewer.
    """
    xy = shapely.get_coordinates(shapely.point_on_surface(villages))
    k = k or max(1, round(len(xy) / VILLAGES_PER_TOWNSHIP))
    centres = xy[rng.choice(len(xy), k, replace=False)]
    for _ in range(15):
        label = ((xy[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)
        centres = np.array(
            [xy[label == j].mean(0) if (label == j).any() else centres[j] for j in range(k)]
        )
    used = np.unique(label)
    rank = np.argsort(np.argsort(centres[used, 0]))
    return rank[np.searchsorted(used, label)]


def _valleys(village, n_side: int, rng: np.random.Generator):
    """A winding main valley through the village and ``n_side`` side valleys off it.

    Returns points along the valleys, their unit tangents and the arc length each
    point stands for (zero where a branch leaves the village).
    """
    half = np.sqrt(village.area / np.pi) * 1.2
    angle = rng.uniform(0, np.pi)
    u = np.array([np.cos(angle), np.sin(angle)])
    v = np.array([-u[1], u[0]])
    amp, freq, phase = rng.uniform(0.1, 0.3), rng.uniform(1.5, 3.5), rng.uniform(0, 2 * np.pi)
    mid = np.asarray(village.point_on_surface().coords[0])
    t = np.linspace(-1, 1, 800)[:, None]
    pts = [mid + t * half * u + amp * half * np.sin(freq * t + phase) * v]
    tangents = [half * u + amp * half * freq * np.cos(freq * t + phase) * v]
    for _ in range(n_side):
        k = rng.integers(100, 700)
        turn = rng.choice([-1, 1]) * rng.uniform(0.7, 1.3)
        base = tangents[0][k] / np.linalg.norm(tangents[0][k])
        d = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]]) @ base
        side = np.array([-d[1], d[0]]) * rng.uniform(-0.3, 0.3)
        length = half * rng.uniform(0.4, 0.8)
        s = np.linspace(0.15, 1, 300)[:, None]
        pts.append(pts[0][k] + s * length * d + s * s * length * side)
        tangents.append(length * d + 2 * s * length * side)
    inner = village.buffer(-min(80.0, half * 0.08))
    inner = village if inner.is_empty else inner
    step = []
    for p in pts:
        ds = np.linalg.norm(np.diff(p, axis=0, prepend=p[:1]), axis=1)
        ok = shapely.contains_xy(inner, p[:, 0], p[:, 1])
        step.append(np.where(ok & np.r_[False, ok[:-1]], ds, 0.0))
    tangent = np.vstack(tangents)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    return np.vstack(pts), tangent, np.concatenate(step), len(pts[0]), inner


def _hamlets(village, sizes: np.ndarray, central: bool, rng: np.random.Generator):
    """Hamlet centres strung along the valleys; returns (order, centres, tangents).

    Hamlet k gets group ``order[k]`` (of ``sizes``). Hamlets are spaced by arc length
    in proportion to sqrt(size) plus a constant, so large hamlets get room; centres
    are nudged a little off the valley floor. With ``central``, group 0 is a central
    community and goes to the middle of the main valley.
    """
    n = len(sizes)
    pts, tangent, step, n_main, inner = _valleys(village, min(4, n // 6), rng)
    cum = np.cumsum(step)
    order = np.arange(n)
    if central and n > 1:
        w = np.sqrt(sizes[1:]) + np.sqrt(GROUP_MEDIAN)
        pos = int(np.searchsorted(np.cumsum(w) / w.sum(), cum[n_main - 1] / cum[-1] / 2))
        order = np.r_[np.arange(1, pos + 1), 0, np.arange(pos + 1, n)]
    sizes = sizes[order]
    weight = np.sqrt(sizes) + np.sqrt(GROUP_MEDIAN)
    frac = (np.cumsum(weight) - weight / 2) / weight.sum()
    chosen = np.minimum(np.searchsorted(cum, frac * cum[-1]), len(cum) - 1)
    centres, tangents = pts[chosen].copy(), tangent[chosen].copy()
    nudged = centres + rng.normal(0, 30.0, centres.shape)
    inside = shapely.contains_xy(inner, nudged[:, 0], nudged[:, 1])
    centres[inside] = nudged[inside]
    _, first = np.unique(chosen, return_index=True)
    again = np.setdiff1d(np.arange(n), first)
    if cum[-1] < 50.0 * n:  # no usable valley (a sliver of a village): scatter
        again = np.arange(n)
    if len(again):
        centres[again] = _random_points(inner, len(again), rng)
    return order, centres, tangents


def _place(cells, centre, tangent, spread, bend, farm, rng):
    """Household points (metres) inside ``cells``; all arguments are per household.

    A hamlet is a short curved line: offset ``a`` along the valley tangent, ``b``
    across it, bent by ``bend * a**2``. Farmsteads are uniform in the group's cell.
    Points outside the cell are redrawn, closer to the centre after a few tries.
    """
    n = len(cells)
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    xy = np.empty((n, 2))
    todo = np.arange(n)
    bounds = shapely.bounds(cells)
    for attempt in range(14):
        if not len(todo):
            break
        shrink = 0.75 ** max(0, attempt - 3)
        a = rng.normal(0, spread[todo] * shrink)
        b = rng.normal(0, 0.35 * spread[todo] * shrink) + bend[todo] * a * a
        prop = centre[todo] + a[:, None] * tangent[todo] + b[:, None] * normal[todo]
        f = farm[todo] & (attempt < 8)
        lo, hi = bounds[todo[f], :2], bounds[todo[f], 2:]
        prop[f] = lo + rng.random((f.sum(), 2)) * (hi - lo)
        inside = shapely.contains_xy(cells[todo], prop[:, 0], prop[:, 1])
        xy[todo[inside]] = prop[inside]
        todo = todo[~inside]
    xy[todo] = centre[todo]  # hamlet centres lie inside their own cells
    return xy


# ---- assembling ----------------------------------------------------------------------
def _realise(outline, villages, specs, rng) -> County:
    group_rows, cell_list, centre_l, tangent_l, spread_l, bend_l, hh_group = ([] for _ in "1234567")
    for spec in specs:
        village = villages[spec["index"]]
        order, centres, tangents = _hamlets(
            village, np.asarray(spec["sizes"]), spec["central"], rng
        )
        sizes = np.asarray(spec["sizes"])[order]
        cells = _clip_voronoi(centres, village)
        names = _group_names(len(sizes), spec["style"], rng)
        for k, size in enumerate(sizes):
            is_central = spec["central"] and order[k] == 0
            if is_central:
                names[k] = spec["name"].removesuffix("村") + "街组"
            per = CENTRAL_SPREAD_M_PER_SQRT_HH if is_central else SPREAD_M_PER_SQRT_HH
            group_rows.append(
                dict(
                    id=f"{spec['code']}{k + 1:02d}",
                    name=names[k],
                    village_id=spec["code"],
                    village_name=spec["name"],
                    township_code=spec["township_code"],
                    township_name=spec["township_name"],
                    size=int(size),
                )
            )
            cell_list.append(cells[k])
            centre_l.append(centres[k])
            tangent_l.append(tangents[k])
            spread_l.append(per * np.sqrt(size))
            bend_l.append(rng.normal(0, 0.6) / spread_l[-1])
            hh_group.append(np.full(size, len(group_rows) - 1))
    g_index = np.concatenate(hh_group)
    cells_m = np.array(cell_list)
    shapely.prepare(cells_m)
    n = len(g_index)
    farm = rng.random(n) < FARMSTEAD_SHARE
    xy = _place(
        cells_m[g_index],
        np.array(centre_l)[g_index],
        np.array(tangent_l)[g_index],
        np.array(spread_l)[g_index],
        np.array(bend_l)[g_index],
        farm,
        rng,
    )

    groups = pd.DataFrame(group_rows)
    cells = _coverage_to_degrees(cells_m)
    lon, lat = _xy_to_lonlat(xy)
    _compounds(lon, lat, g_index, groups["size"].to_numpy(), rng)
    _keep_inside(lon, lat, cells, g_index)
    groups.insert(1, "code", groups["id"])
    groups.insert(4, "village_code", groups["village_id"])
    households = _attributes(groups, g_index, rng)
    groups = gpd.GeoDataFrame(groups.drop(columns="size"), geometry=cells, crs="EPSG:4326")
    households = gpd.GeoDataFrame(
        households, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"
    )
    v_rows = [
        dict(
            id=s["code"],
            code=s["code"],
            name=s["name"],
            township_code=s["township_code"],
            township_name=s["township_name"],
        )
        for s in specs
    ]
    by_village = groups.groupby("village_id", sort=False).geometry
    v_geoms = [
        _polygonal(shapely.union_all(by_village.get_group(r["code"]).values, grid_size=GRID_DEG))
        for r in v_rows
    ]
    return County(
        households,
        groups,
        gpd.GeoDataFrame(v_rows, geometry=v_geoms, crs="EPSG:4326"),
        _polygonal(shapely.union_all(v_geoms, grid_size=GRID_DEG)),
    )


def _xy_to_lonlat(xy: np.ndarray):
    lon = np.round(CENTRE_LON + xy[:, 0] / M_PER_DEG_LON, 7)
    lat = np.round(CENTRE_LAT + xy[:, 1] / M_PER_DEG_LAT, 7)
    return lon, lat


def _coverage_to_degrees(cells_m: np.ndarray) -> np.ndarray:
    """Cells (metres) -> degrees on the 1e-7 grid, keeping an exact coverage.

    Rounding each polygon alone would open slivers where a vertex of one cell lies
    on an edge of its neighbour. Instead all edges are snap-rounded and noded
    together, polygonised, and each face goes back to the cell it came from.
    """
    cells = shapely.transform(cells_m, lambda c: np.column_stack(_xy_to_lonlat(c)))
    lines = shapely.union_all(shapely.boundary(cells), grid_size=GRID_DEG)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    faces = shapely.transform(faces, lambda c: np.round(c, 7))
    tree = shapely.STRtree(cells)
    inside = shapely.point_on_surface(faces)
    owner = np.full(len(faces), -1)
    face_i, cell_i = tree.query(inside, predicate="within")
    owner[face_i] = cell_i
    lost = np.flatnonzero(owner < 0)
    if len(lost):
        owner[lost] = tree.query_nearest(inside[lost], all_matches=False)[1]
    _give_slivers_to_longest_neighbour(faces, owner)
    order = np.argsort(owner, kind="stable")
    split = np.split(faces[order], np.flatnonzero(np.diff(owner[order])) + 1)
    out = np.empty(len(cells), dtype=object)
    for k, part in zip(np.unique(owner[order]), split, strict=True):
        merged = part[0] if len(part) == 1 else shapely.union_all(part, grid_size=GRID_DEG)
        out[k] = _polygonal(merged)
    missing = [k for k in range(len(cells)) if out[k] is None]
    if missing:
        raise RuntimeError(f"cells {missing} vanished on the {GRID_DEG} degree grid")
    return out


SLIVER_DEG = 5e-6  # mean width (2 x area / perimeter) under which a face is a sliver (~0.5 m)


def _give_slivers_to_longest_neighbour(faces: np.ndarray, owner: np.ndarray) -> None:
    """A sliver face left by snap-rounding (millimetres wide, up to kilometres long) joins
    the cell it shares the most boundary with. Given to the cell it only touches at one
    end, it would make a zero-width spike that is valid in degrees but crosses itself
    once projected to metres (4 groups of the generated 200k county did)."""
    width = 2 * shapely.area(faces) / np.maximum(shapely.length(faces), 1e-300)
    thin = width < SLIVER_DEG
    if not thin.any():
        return
    tree = shapely.STRtree(faces)
    rings = shapely.boundary(faces)
    for i in np.flatnonzero(thin):
        near = tree.query(faces[i], predicate="intersects")
        near = near[(near != i) & ~thin[near]]
        if len(near):  # boundary shared with each cell (summed over its faces)
            shared = shapely.length(shapely.intersection(rings[i], rings[near]))
            per_cell = np.bincount(owner[near], weights=shared)
            if per_cell.max() > 0:  # else it only touches them at points: leave it be
                owner[i] = int(np.argmax(per_cell))


def _compounds(lon, lat, g_index, sizes, rng) -> None:
    """A few compounds: 2-4 families at exactly one point (about one group in 20)."""
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    for g in np.flatnonzero((sizes >= 10) & (rng.random(len(sizes)) < 0.05)):
        first = starts[g] + rng.integers(0, sizes[g] - 4)
        k = rng.integers(2, 5)
        lon[first + 1 : first + k] = lon[first]
        lat[first + 1 : first + k] = lat[first]


def _keep_inside(lon, lat, cells, g_index) -> None:
    """After rounding to 1e-7 degrees a point may touch its border: move it inside."""
    shapely.prepare(cells)
    bad = np.flatnonzero(~shapely.contains_xy(cells[g_index], lon, lat))
    for i in bad:
        p = shapely.point_on_surface(cells[g_index[i]])
        lon[i], lat[i] = np.round(shapely.get_x(p), 7), np.round(shapely.get_y(p), 7)
    if len(bad):
        log.debug("moved %d households off their group border", len(bad))


def _group_sizes(total: int, rng: np.random.Generator) -> np.ndarray:
    median = max(GROUP_MEDIAN, total / 80)
    top = max(GROUP_MAX, int(4 * median))
    draws = np.clip(
        np.round(rng.lognormal(np.log(median), GROUP_SIGMA, 2 * int(total / median) + 8)),
        GROUP_MIN,
        top,
    ).astype(int)
    while draws.sum() < total:
        draws = np.concatenate([draws, draws])
    k = int(np.searchsorted(np.cumsum(draws), total))
    sizes = draws[: k + 1].copy()
    sizes[-1] = total - sizes[:-1].sum()
    if sizes[-1] < GROUP_MIN and len(sizes) > 1:
        sizes[rng.integers(0, len(sizes) - 1)] += sizes[-1]
        sizes = sizes[:-1]
    while len(sizes) > MAX_GROUPS_PER_VILLAGE:  # merge the two smallest
        a, b = np.argsort(sizes)[:2]
        sizes[a] += sizes[b]
        sizes = np.delete(sizes, b)
    return sizes


def _share(total: int, weights: np.ndarray, floor: int) -> np.ndarray:
    """Split ``total`` in proportion to ``weights``, each part at least ``floor``."""
    free = total - floor * len(weights)
    raw = weights / weights.sum() * free
    parts = np.floor(raw).astype(int)
    parts[np.argsort(parts - raw)[: free - parts.sum()]] += 1
    return parts + floor


# ---- names and attributes ------------------------------------------------------------
def _cn_number(k: int) -> str:
    tens, ones = divmod(k, 10)
    if not tens:
        return CN_DIGITS[ones]
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def _unique_names(rng, n: int, first: list[str], second: list[str]) -> list[str]:
    combos = list(dict.fromkeys(a + b for a in first for b in second if a != b))
    picked = [combos[i] for i in rng.permutation(len(combos))[: min(n, len(combos))]]
    return picked + [
        f"{picked[i % len(picked)]}{_cn_number(i // len(picked) + 1)}"
        for i in range(len(picked), n)
    ]


def _group_names(n: int, style: str, rng) -> list[str]:
    if style == "ordinal":
        return [f"第{_cn_number(k + 1)}村民小组" for k in range(n)]
    return [name + "组" for name in _unique_names(rng, n, PLACE_FIRST, PLACE_SECOND)]


def _given(rng, n: int, chars: list[str]) -> np.ndarray:
    one = rng.choice(chars, n)
    two = np.char.add(one, rng.choice(chars, n))
    return np.where(rng.random(n) < 0.8, two, one)


def _phones(rng, n: int) -> np.ndarray:
    numbers = rng.choice(MOBILE_PREFIXES, n) * 10**8 + rng.integers(0, 10**8, n)
    while len(dup := np.flatnonzero(pd.Series(numbers).duplicated().to_numpy())):
        numbers[dup] = rng.choice(MOBILE_PREFIXES, len(dup)) * 10**8 + rng.integers(
            0, 10**8, len(dup)
        )
    return numbers.astype(str)


def id_check_digit(first17: np.ndarray) -> np.ndarray:
    """ISO 7064 MOD 11-2 check characters for an (n, 17) array of digits (GB 11643)."""
    return ID_CHECK[(first17 * ID_WEIGHTS).sum(axis=1) % 11]


def _id_numbers(rng, n: int, male: np.ndarray, born_from: int, born_to: int) -> np.ndarray:
    start, end = np.datetime64(f"{born_from}-01-01"), np.datetime64(f"{born_to}-12-31")
    days = start + rng.integers(0, (end - start).astype(int) + 1, n)
    date = np.char.replace(np.datetime_as_string(days, unit="D"), "-", "")
    seq = rng.integers(0, 500, n) * 2 + male  # odd 17th digit = male (GB 11643)
    while len(
        dup := np.flatnonzero(pd.Series(np.char.add(date, seq.astype(str))).duplicated().to_numpy())
    ):
        seq[dup] = rng.integers(0, 500, len(dup)) * 2 + male[dup]
    body = np.char.add(np.char.add(COUNTY_CODE, date), np.char.zfill(seq.astype(str), 3))
    digits = np.frombuffer(body.astype("S17").tobytes(), dtype=np.uint8).reshape(n, 17) - 48
    return np.char.add(body, id_check_digit(digits.astype(int)))


def _attributes(groups: pd.DataFrame, g_index: np.ndarray, rng) -> pd.DataFrame:
    n = len(g_index)
    clan = rng.choice(SURNAMES, len(groups))[g_index]  # one surname dominates a hamlet
    surname = np.where(rng.random(n) < 0.6, clan, rng.choice(SURNAMES, n))
    male = (rng.random(n) < 0.88).astype(int)
    given = np.where(male == 1, _given(rng, n, MALE_CHARS), _given(rng, n, FEMALE_CHARS))
    id_number = _id_numbers(rng, n, male, 1938, 1996)
    born = pd.Series(id_number, dtype=str).str[6:10].astype(int).to_numpy()
    members = rng.choice(np.arange(1, 8), n, p=[0.12, 0.2, 0.2, 0.2, 0.14, 0.09, 0.05])
    tags = {t: rng.random(n) < rate for t, rate in TAG_RATES.items()}
    tags["elderly_alone"] &= born < 1961
    tags["left_behind_children"] &= members >= 3
    members = np.where(tags["wubao"], 1, members)
    members = np.where(tags["elderly_alone"], np.minimum(members, 2), members)
    tags["left_behind_children"] &= members >= 3
    g = groups.iloc[g_index]
    number = np.arange(n) - np.searchsorted(g_index, g_index)  # g_index is sorted
    address = (
        COUNTY_NAME
        + g["township_name"].to_numpy()
        + g["village_name"].to_numpy()
        + g["name"].to_numpy()
        + (number + 1).astype(str)
        + "号"
    )
    out = pd.DataFrame(
        {
            "id": np.char.add("H", np.char.zfill(np.arange(1, n + 1).astype(str), 7)),
            "group_id": g["id"].to_numpy(),
            "head": np.char.add(surname, given),
            "members": members,
            "id_number": id_number,
            "phone": _phones(rng, n),
            "address": address,
        }
    )
    for t in TAGS:
        out[t] = tags[t]
    out["civility_points"] = np.clip(np.round(rng.normal(60, 25, n)), 0, 150).astype(int)
    return out


CHINESE_HEADERS = {
    "id": "户编号",
    "lon": "经度",
    "lat": "纬度",
    "head": "户主",
    "members": "人口数",
    "id_number": "身份证号",
    "phone": "联系电话",
    "address": "地址",
    "group_code": "村民小组编码",
    "party_member_household": "党员户",
    "dibao": "低保户",
    "wubao": "五保户",
    "poverty_monitoring": "监测户",
    "left_behind_children": "留守儿童",
    "elderly_alone": "空巢老人",
    "disabled": "残疾人",
    "veteran": "退役军人",
    "civility_points": "文明积分",
}


def _household_table(county: County, *, chinese: bool = False) -> pd.DataFrame:
    hh = county.households
    table = pd.DataFrame(
        {
            "id": hh["id"],
            "lon": hh.geometry.x.map("{:.7f}".format),
            "lat": hh.geometry.y.map("{:.7f}".format),
            "head": hh["head"],
            "members": hh["members"],
            "id_number": hh["id_number"],
            "phone": hh["phone"],
            "address": hh["address"],
            "group_code": hh["group_id"],
        }
    )
    for t in TAGS:
        table[t] = hh[t].astype(int)
    table["civility_points"] = hh["civility_points"]
    return table.rename(columns=CHINESE_HEADERS) if chinese else table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--households",
        type=int,
        default=None,
        help="write a county of N households instead of the demo township",
    )
    parser.add_argument(
        "--demo-county",
        action="store_true",
        help="write the demo county (of --households, default "
        f"{DEMO_COUNTY_HOUSEHOLDS}) with its households registered during the year",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.demo_county:
        county = make_demo_county(
            args.out,
            args.households or DEMO_COUNTY_HOUSEHOLDS,
            seed=DEMO_COUNTY_SEED if args.seed is None else args.seed,
        )
    elif args.households:
        county = build_county(args.households, seed=args.seed or 0)
        write_county(county, args.out)
    else:
        county = make_demo(args.out, seed=DEMO_SEED if args.seed is None else args.seed)
    log.info(
        "wrote %d households in %d village groups to %s",
        len(county.households),
        len(county.groups),
        args.out,
    )


if __name__ == "__main__":
    main()
