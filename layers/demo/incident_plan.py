"""A year of incidents for the demo county, planned from plain tables (no database).

``activity.incidents_load`` reads the households' grid spells (as for visits), asks this
module what happened, and writes it. Each incident is reported at a household's door (a
few metres off) in the grid and member area the household belonged to that day, then
lives through the workflow as the services and the deadline job would run it: dispatched
at once where a grid has someone in post, handled within its limit mostly, escalated at
its deadline when not (village -> township -> county), sent back sometimes, verified,
closed, rated. What is still open at the end of the year is left in its state, so the
queues hold open, overdue (at the county, where nothing climbs further) and escalated
cases. The rates are plausible, invented for the demo, not statistics.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from layers.incidents import workflow as wf

PER_TOWNSHIP = 300  # "a few hundred per township"
PILOT_VILLAGE = "360721100200"  # 坑口村: its QR posters went up first, it reports more
PILOT_EXTRA = 60
YEAR_DAYS = 365
CATEGORY_WEIGHTS = {  # what residents report most
    "sanitation": 0.26,
    "hazard": 0.14,
    "dispute": 0.16,
    "policy": 0.14,
    "wish": 0.12,
    "assistance": 0.10,
    "suggestion": 0.08,
}
LATE_SHARE = 0.12  # not handled within the limit: escalated at the deadline
LATE_AGAIN = 0.3  # ... of which late again at the township
COUNTY_SLOW = (1.05, 3.0)  # the county's late cases take this many times the limit
COUNTY_STUCK = 0.3  # ... or are still open at the end of the year (the overdue list)
SENT_BACK_SHARE = 0.10
REJECT_SHARE = 0.03
RATED_SHARE = 0.7
RATINGS = ([5, 4, 3, 2, 1], [0.55, 0.3, 0.1, 0.03, 0.02])
JITTER_M = 6.0
M_PER_DEG_LAT = 110_574.0
H = dt.timedelta(hours=1)
DESCRIPTIONS = {
    "sanitation": ("排水沟堵塞，雨天积水", "垃圾清运不及时", "村道旁乱堆柴草", "公厕需要维修"),
    "hazard": ("电线老化裸露", "危房墙体开裂", "山塘堤坝渗水", "路边护栏缺失"),
    "dispute": ("宅基地边界纠纷", "邻里用水矛盾", "土地流转租金纠纷", "家庭赡养纠纷"),
    "policy": ("咨询医保缴费政策", "咨询养老保险办理", "咨询危房改造补贴", "咨询耕地地力补贴"),
    "wish": ("独居老人希望有人帮忙理发", "留守儿童想要一套课外书", "希望修一个篮球架"),
    "assistance": ("因病致贫申请临时救助", "残疾人申请护理补贴", "低保申请"),
    "suggestion": ("建议村口安装路灯", "建议增设公交站点", "建议整治河道"),
}
REPLIES = ("已到现场处理完毕", "已协调相关部门解决", "已调解，双方达成一致", "已解答并送去材料")


def plan_incidents(
    spells: pd.DataFrame, categories: pd.DataFrame, *, end: dt.datetime, seed: int
) -> tuple[pd.DataFrame, list[list[tuple]]]:
    """(incidents, their steps). ``spells`` as for ``plan.plan_visits`` (start and end
    dates, leader and member: the posts are held); ``categories``: code, deadline_hours,
    start_tier. Incidents: household_id, grid_code, member_number, category, description,
    lon, lat, reported_at, state, tier, dispatched_at, deadline_at, handled_at, closed_at,
    missed, escalations, rating, reply, holder ("member", "leader" or ""). Steps per
    incident: (action, from_state, to_state, from_tier, to_tier, at, actor, note), actor
    one of "system", "member", "leader", "village", "township", "county", "resident"."""
    rng = np.random.default_rng([seed, 15])
    s = spells.sort_values(["household_id", "start"], kind="stable").reset_index(drop=True)
    s["township"] = s["grid_code"].str[:9]
    first = end - dt.timedelta(days=YEAR_DAYS)
    start = pd.to_datetime(s["start"]).dt.tz_localize(end.tzinfo)
    stop = pd.to_datetime(s["end"]).dt.tz_localize(end.tzinfo).fillna(pd.Timestamp(end))
    s["a"], s["b"] = start.clip(lower=pd.Timestamp(first)), stop.clip(upper=pd.Timestamp(end))
    s = s[s["b"] > s["a"]]
    cats = categories.set_index("code")
    codes = [c for c in CATEGORY_WEIGHTS if c in cats.index]
    weights = np.array([CATEGORY_WEIGHTS[c] for c in codes])
    rows, steps = [], []
    areas = [(t, s[s["township"] == t], PER_TOWNSHIP) for t in sorted(s["township"].unique())]
    areas.append((PILOT_VILLAGE, s[s["grid_code"].str[:12] == PILOT_VILLAGE], PILOT_EXTRA))
    for _area, t, n in areas:
        if t.empty:
            continue
        span = (t["b"] - t["a"]).dt.total_seconds().to_numpy()
        pick = rng.choice(len(t), n, p=span / span.sum())
        for i in np.sort(pick):
            spell = t.iloc[i]
            at = spell["a"] + (spell["b"] - spell["a"]) * rng.random()
            at = at.to_pydatetime().replace(microsecond=0)
            code = str(rng.choice(codes, p=weights / weights.sum()))
            row, path = _life(spell, cats.loc[code], code, at, end, rng)
            rows.append(row)
            steps.append(path)
    return pd.DataFrame(rows), steps


def _life(spell, cat, code, at, end, rng):
    lat = spell["lat"]
    holder = "member" if spell["member"] else "leader" if spell["leader"] else ""
    row = {
        "household_id": int(spell["household_id"]),
        "grid_code": spell["grid_code"],
        "member_number": int(spell["member_number"]) or None,
        "category": code,
        "description": str(rng.choice(DESCRIPTIONS[code])),
        "lon": round(
            spell["lon"] + rng.normal(0, JITTER_M) / (M_PER_DEG_LAT * np.cos(np.radians(lat))), 7
        ),
        "lat": round(lat + rng.normal(0, JITTER_M) / M_PER_DEG_LAT, 7),
        "reported_at": at,
        "tier": cat["start_tier"],
        "state": wf.REPORTED,
        "dispatched_at": None,
        "deadline_at": None,
        "handled_at": None,
        "closed_at": None,
        "missed": False,
        "escalations": 0,
        "rating": None,
        "reply": "",
        "holder": holder if cat["start_tier"] == wf.VILLAGE else "",
    }
    path = [("report", "", wf.REPORTED, "", row["tier"], at, "resident", "")]
    limit = H * int(cat["deadline_hours"])
    desk = {wf.VILLAGE: "village", wf.TOWNSHIP: "township", wf.COUNTY: "county"}

    def step(action, to_state, when, actor, note="", to_tier=None):
        if when > end:
            return False
        path.append(
            (action, row["state"], to_state, row["tier"], to_tier or row["tier"], when, actor, note)
        )
        row["state"], row["tier"] = to_state, to_tier or row["tier"]
        return True

    now = at
    if row["holder"]:  # routed to the grid's member (or leader) at once
        step("accept", wf.ACCEPTED, now, "system")
        step("dispatch", wf.DISPATCHED, now, "system")
    else:
        now = at + H * rng.uniform(0.5, 20)
        if not step("accept", wf.ACCEPTED, now, desk[row["tier"]]):
            return row, path
        if rng.random() < REJECT_SHARE:
            step("reject", wf.REJECTED, now + H, desk[row["tier"]], "不属于受理范围，已告知")
            row["closed_at"] = now + H if row["state"] == wf.REJECTED else None
            return row, path
        step("dispatch", wf.DISPATCHED, now, desk[row["tier"]])
    row["dispatched_at"], row["deadline_at"] = now, now + limit
    handler = row["holder"] or desk[row["tier"]]
    late = rng.random() < LATE_SHARE
    while late and row["tier"] != wf.COUNTY:
        if row["deadline_at"] > end:
            return row, path
        up = wf.tier_above(row["tier"])
        step("escalate", wf.DISPATCHED, row["deadline_at"], "system", to_tier=up)
        row["missed"], row["escalations"] = True, row["escalations"] + 1
        row["dispatched_at"] = row["deadline_at"]
        row["deadline_at"] = row["dispatched_at"] + limit
        handler, late = desk[up], rng.random() < LATE_AGAIN
    if late and rng.random() < COUNTY_STUCK:
        return row, path
    took = limit * (rng.uniform(*COUNTY_SLOW) if late else rng.uniform(0.1, 0.85))
    now = row["dispatched_at"] + took
    reply = str(rng.choice(REPLIES))
    if not step("handle", wf.HANDLED, now, handler, reply):
        return row, path
    row["handled_at"], row["reply"] = now, reply
    verifier = desk[row["tier"]]
    now += H * rng.uniform(1, 30)
    if rng.random() < SENT_BACK_SHARE:
        if not step("send_back", wf.SENT_BACK, now, verifier, "现场核实未解决，请再处理"):
            return row, path
        now += H * rng.uniform(4, 48)
        if not step("handle", wf.HANDLED, now, handler, reply):
            return row, path
        row["handled_at"] = now
        now += H * rng.uniform(1, 24)
    if not step("verify", wf.VERIFIED, now, verifier):
        return row, path
    now += H * rng.uniform(0.2, 6)
    if not step("close", wf.CLOSED, now, verifier):
        return row, path
    row["closed_at"] = now
    if rng.random() < RATED_SHARE:
        rating = int(rng.choice(RATINGS[0], p=RATINGS[1]))
        if step("rate", wf.CLOSED, now + H * rng.uniform(1, 72), "resident"):
            row["rating"] = rating
    return row, path
