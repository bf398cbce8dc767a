"""A year of field work for the demo county, planned from plain tables (no database).

``activity`` reads the grids from the database, asks this module what happened, and
writes it. Every draw of a grid's or member area's fate is keyed by its code, so the
plan of one grid does not depend on which other grids exist; the visit plan depends
only on its input table (sorted here) and the seed. The rates are plausible, invented
for the demo, not statistics.

Appointments: a grid's leader post is confirmed, left as the partitioner's unconfirmed
proposal, or vacant (``LEADER_FATES``); a member area's member likewise
(``MEMBER_FATES``).

Visits (入户走访): each household has its own round. A first visit (摸底) within
``FIRST_VISIT_DAYS`` of its grid being set up, then one every I days with +-25 %
jitter. I is the grid's interval (log-normal around ``INTERVAL_MEDIAN_DAYS``; the
county plan asks for a visit a quarter, ``layers.selectors.NOT_VISITED_DAYS``, and
most grids do better, some worse), shorter for households that need care, longer
where the member area has no member and the leader covers it alone; nobody visits
where both posts are empty. Lapsed grids (``LAPSED_SHARE``, more among grids without
a leader) stop visiting ``LAPSED_DAYS`` before the anchor date, so the coverage
page's "no visit in 90 days" list has entries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

CONFIRM, PENDING, VACANT = "confirm", "pending", "vacant"
LEADER_FATES = {CONFIRM: 0.84, PENDING: 0.06, VACANT: 0.10}
MEMBER_FATES = {CONFIRM: 0.88, PENDING: 0.05, VACANT: 0.07}
INTERVAL_MEDIAN_DAYS, INTERVAL_SIGMA = 60.0, 0.35
INTERVAL_CLIP_DAYS = (25.0, 200.0)
CARE_FACTOR = 0.6  # households that need care are visited more often
ALONE_FACTOR = 2.5  # a leader covering a member area alone gets round less often
JITTER = 0.25
FIRST_VISIT_DAYS = (3, 40)
LAPSED_SHARE, LAPSED_SHARE_NO_LEADER = 0.07, 0.4
LAPSED_DAYS = (95, 200)
LEADER_SHARE = 0.2  # visits the leader makes where the area has its member
YEAR_DAYS = 365
WITH_POINT = 0.7  # visits logged with the phone's position
GPS_ERROR_M = 8.0
M_PER_DEG_LAT = 110_574.0  # and 111,320 m x cos(lat) per degree of longitude

NOTES = (
    "了解家庭近况，无异常",
    "宣传城乡居民医保缴费",
    "反诈骗宣传，发放资料",
    "收集群众意见建议",
    "核实家庭人口信息",
    "宣传人居环境整治",
    "宣传移风易俗",
    "了解务工就业情况",
)
CARE_NOTES = (
    "看望老人，身体状况良好",
    "了解低保户生活情况",
    "了解留守儿童学习生活情况",
    "送去慰问品",
    "协助办理补贴申请",
)
SEASON_NOTES = {  # month -> note
    **dict.fromkeys((1, 2), "春节前走访慰问，冬季防火和用电安全提醒"),
    **dict.fromkeys((5, 6, 7), "汛期安全提醒，查看房屋周边排水"),
    **dict.fromkeys((11, 12), "冬季防火和用电安全提醒"),
}
NO_NOTE = 0.35


@dataclass(frozen=True)
class GridPlan:
    leader: str
    interval_days: float
    lapsed_days: int | None  # no visits in the last this many days before the anchor


def _fate(rng: np.random.Generator, fates: dict) -> str:
    return str(rng.choice(list(fates), p=list(fates.values())))


def grid_plan(code: str, *, seed: int) -> GridPlan:
    rng = np.random.default_rng([seed, int(code)])
    leader = _fate(rng, LEADER_FATES)
    interval = float(
        np.clip(rng.lognormal(np.log(INTERVAL_MEDIAN_DAYS), INTERVAL_SIGMA), *INTERVAL_CLIP_DAYS)
    )
    share = LAPSED_SHARE_NO_LEADER if leader == VACANT else LAPSED_SHARE
    lapsed = int(rng.integers(*LAPSED_DAYS)) if rng.random() < share else None
    return GridPlan(leader, interval, lapsed)


def member_fate(code: str, number: int, *, seed: int) -> str:
    return _fate(np.random.default_rng([seed, int(code), number]), MEMBER_FATES)


def plan_visits(spells: pd.DataFrame, *, anchor: dt.date, seed: int) -> pd.DataFrame:
    """Visits of the year before ``anchor`` (inclusive), at most one per household and day.

    ``spells``: one row per household and grid version it was assigned in: household_id,
    grid_code, member_number (0: no area), start and end (dates, end exclusive, None while
    open), lon, lat, needs_care, leader and member (bool: the post of this grid code / area
    number is held now). Returns household_id, grid_code, member_number, visited_on, by
    ("leader" or "member"), note, lon, lat (NaN: no position logged).
    """
    rng = np.random.default_rng([seed, 3])
    s = spells.copy()
    s["start_day"] = [(d - anchor).days for d in s["start"]]
    s["end_day"] = [1 if pd.isna(d) else (d - anchor).days for d in s["end"]]
    s = s.sort_values(["household_id", "start_day"], kind="stable").reset_index(drop=True)
    current = s.groupby("household_id", sort=True).tail(1).set_index("household_id")
    first = s.groupby("household_id", sort=True)["start_day"].min()
    plans = {c: grid_plan(c, seed=seed) for c in sorted(set(s["grid_code"]))}
    interval = current["grid_code"].map(lambda c: plans[c].interval_days).to_numpy()
    interval = interval * np.where(current["needs_care"], CARE_FACTOR, 1.0)
    interval = interval * np.where(current["member"], 1.0, ALONE_FACTOR)
    active = (current["leader"] | current["member"]).to_numpy()
    end = current["end_day"].to_numpy()
    start = first.loc[current.index].to_numpy()
    n = len(current)
    k = int(np.ceil((YEAR_DAYS + FIRST_VISIT_DAYS[1]) / interval.min())) + 1 if n else 0
    gaps = interval[:, None] * rng.uniform(1 - JITTER, 1 + JITTER, (n, k))
    gaps[:, 0] = rng.uniform(*FIRST_VISIT_DAYS, n)
    days = np.floor(start[:, None] + np.cumsum(gaps, axis=1)).astype(int)
    keep = (days < end[:, None]) & (days >= -YEAR_DAYS) & active[:, None]
    rows = np.nonzero(keep)
    visits = pd.DataFrame(
        {"household_id": current.index.to_numpy()[rows[0]], "day": days[rows]}
    ).sort_values(["day", "household_id"], kind="stable")
    visits = pd.merge_asof(
        visits,
        s[["household_id", "start_day", "grid_code", "member_number", "lon", "lat", "leader"]]
        .assign(member_held=s["member"], care=s["needs_care"])
        .sort_values("start_day"),
        left_on="day",
        right_on="start_day",
        by="household_id",
    )
    stop = visits["grid_code"].map(lambda c: -(plans[c].lapsed_days or -1))  # -1: never
    visits = visits[visits["day"] < stop.to_numpy()]
    visits = visits.drop_duplicates(["household_id", "day"]).sort_values(
        ["day", "household_id"], kind="stable", ignore_index=True
    )
    return _details(visits, anchor, rng)


def _details(visits: pd.DataFrame, anchor: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    n = len(visits)
    dates = [anchor + dt.timedelta(days=int(d)) for d in visits["day"]]
    by_leader = visits["leader"].to_numpy() & (
        ~visits["member_held"].to_numpy() | (rng.random(n) < LEADER_SHARE)
    )
    general = rng.choice(NOTES, n) if n else np.array([], str)
    care = rng.choice(CARE_NOTES, n) if n else np.array([], str)
    note = np.where(visits["care"].to_numpy() & (rng.random(n) < 0.5), care, general)
    season = np.array([SEASON_NOTES.get(d.month, "") for d in dates], dtype=object)
    note = np.where((season != "") & (rng.random(n) < 0.4), season, note).astype(object)
    note[rng.random(n) < NO_NOTE] = ""
    lat = visits["lat"].to_numpy(float)
    dy = rng.normal(0, GPS_ERROR_M, n) / M_PER_DEG_LAT
    dx = rng.normal(0, GPS_ERROR_M, n) / (M_PER_DEG_LAT * np.cos(np.radians(lat)))
    point = rng.random(n) < WITH_POINT
    return pd.DataFrame(
        {
            "household_id": visits["household_id"].to_numpy(),
            "grid_code": visits["grid_code"].to_numpy(),
            "member_number": visits["member_number"].to_numpy(int),
            "visited_on": dates,
            "by": np.where(by_leader, "leader", "member"),
            "note": note,
            "lon": np.where(point, np.round(visits["lon"].to_numpy(float) + dx, 7), np.nan),
            "lat": np.where(point, np.round(lat + dy, 7), np.nan),
        }
    )
