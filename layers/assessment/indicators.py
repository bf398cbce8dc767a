"""Indicators per person and period, computed by PostgreSQL in one statement.

Who is assessed: everyone who held a post (grid leader, member-area member) in a grid
version of the township overlapping the period; a person who led a grid is assessed as a
leader. Their unit is the post they held last in the period (the grid, or the member
area); what they look after is the households assigned to it.

- ``households``, ``visited``, ``visits``: the unit's households, those visited at least
  once in the period, and the visits to them;
- ``reported``: incidents reported in the period by the person's account;
- ``closed``, ``closed_on_time``, ``rating``: the unit's incidents closed in the period,
  those closed on time (按期办结, layers.incidents), and their mean resident rating;
- ``handled``, ``sent_back``: the unit's incidents handled in the period, and those of them
  the verifier sent back in the period (a ``send_back`` step);
- ``days_in_post``: days of the period in the role's posts (at most the period's days).

A member's incidents are those of their member area; a leader's, those of the grid.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, transaction

from layers.incidents import workflow as wf

# The posts and what they look after go to two temporary tables that are ANALYZEd first:
# the planner then knows their sizes (estimates of CTEs are blind, and a nested loop over
# 24,000 persons twice over is quadratic).
PREPARE = """
DROP TABLE IF EXISTS assess_unit, assess_looked;
CREATE TEMP TABLE assess_unit ON COMMIT DROP AS
WITH posts AS (
    SELECT g.leader_id AS person_id, 'leader' AS post, g.id AS grid_id, NULL::int AS area_id,
           g.code, g.village_id, vi.township_id, NULL::int AS member_number, v.valid_from,
           GREATEST((v.valid_from AT TIME ZONE %(tz)s)::date, %(start)s) AS s,
           LEAST(COALESCE((v.valid_to AT TIME ZONE %(tz)s)::date, %(end)s), %(end)s) AS e
    FROM grids_grid g
    JOIN grids_gridversion v ON v.id = g.version_id
    JOIN households_village vi ON vi.id = g.village_id
    WHERE vi.township_id = ANY(%(townships)s) AND g.leader_id IS NOT NULL
      AND v.valid_from < %(end_ts)s AND (v.valid_to IS NULL OR v.valid_to > %(start_ts)s)
    UNION ALL
    SELECT m.member_id, 'member', g.id, m.id, g.code, g.village_id, vi.township_id, m.number,
           v.valid_from,
           GREATEST((v.valid_from AT TIME ZONE %(tz)s)::date, %(start)s),
           LEAST(COALESCE((v.valid_to AT TIME ZONE %(tz)s)::date, %(end)s), %(end)s)
    FROM grids_memberarea m
    JOIN grids_grid g ON g.id = m.grid_id
    JOIN grids_gridversion v ON v.id = g.version_id
    JOIN households_village vi ON vi.id = g.village_id
    WHERE vi.township_id = ANY(%(townships)s) AND m.member_id IS NOT NULL
      AND v.valid_from < %(end_ts)s AND (v.valid_to IS NULL OR v.valid_to > %(start_ts)s)
),
mine AS (  -- the posts of the person's role (leader if they led a grid), days in them
    SELECT x.*, LEAST(SUM(GREATEST(x.e - x.s, 0)) OVER (PARTITION BY x.person_id),
                      %(days)s) AS days
    FROM (SELECT p.*, bool_or(p.post = 'leader') OVER (PARTITION BY p.person_id) AS led
          FROM posts p) x
    WHERE x.post = CASE WHEN x.led THEN 'leader' ELSE 'member' END
)
SELECT DISTINCT ON (person_id) person_id, post, grid_id, area_id, code, village_id,
       township_id, member_number, days
FROM mine ORDER BY person_id, valid_from DESC, grid_id DESC;
ANALYZE assess_unit;
CREATE TEMP TABLE assess_looked ON COMMIT DROP AS
SELECT u.person_id, a.household_id FROM assess_unit u
JOIN grids_gridassignment a ON a.grid_id = u.grid_id WHERE u.area_id IS NULL
UNION ALL
SELECT u.person_id, a.household_id FROM assess_unit u
JOIN grids_gridassignment a ON a.member_area_id = u.area_id WHERE u.area_id IS NOT NULL;
ANALYZE assess_looked;
"""
SQL = """
SELECT u.township_id, u.person_id, p.name, u.post, u.village_id, u.code, u.member_number,
       COALESCE(h.households, 0), COALESCE(vs.visited, 0), COALESCE(vs.visits, 0),
       COALESCE(r.reported, 0), COALESCE(c.closed, 0), COALESCE(c.on_time, 0), c.rating,
       COALESCE(c.handled, 0), COALESCE(c.sent_back, 0), u.days
FROM assess_unit u
JOIN households_person p ON p.id = u.person_id
LEFT JOIN (SELECT person_id, count(*) AS households FROM assess_looked GROUP BY person_id) h
  ON h.person_id = u.person_id
LEFT JOIN (
    SELECT l.person_id, count(*) AS visited, sum(v.n) AS visits
    FROM assess_looked l
    JOIN (SELECT household_id, count(*) AS n FROM layers_visit
          WHERE visited_on >= %(start)s AND visited_on < %(end)s
            AND household_id IN (SELECT household_id FROM assess_looked)
          GROUP BY household_id) v ON v.household_id = l.household_id
    GROUP BY l.person_id
) vs ON vs.person_id = u.person_id
LEFT JOIN (
    SELECT ua.person_id, count(*) AS reported
    FROM households_userarea ua
    JOIN layers_incident i ON i.reporter_id = ua.user_id
     AND i.reported_at >= %(start_ts)s AND i.reported_at < %(end_ts)s
    WHERE ua.person_id IS NOT NULL
    GROUP BY ua.person_id
) r ON r.person_id = u.person_id
LEFT JOIN (
    SELECT u2.person_id,
      count(*) FILTER (WHERE i.state = %(closed)s AND i.closed_at >= %(start_ts)s
                       AND i.closed_at < %(end_ts)s) AS closed,
      count(*) FILTER (WHERE i.state = %(closed)s AND i.closed_at >= %(start_ts)s
                       AND i.closed_at < %(end_ts)s AND i.closed_on_time) AS on_time,
      avg(i.rating) FILTER (WHERE i.state = %(closed)s AND i.closed_at >= %(start_ts)s
                            AND i.closed_at < %(end_ts)s) AS rating,
      count(*) FILTER (WHERE i.handled_at >= %(start_ts)s AND i.handled_at < %(end_ts)s)
        AS handled,
      count(*) FILTER (WHERE i.handled_at >= %(start_ts)s AND i.handled_at < %(end_ts)s
        AND EXISTS (SELECT 1 FROM layers_incidentevent ev WHERE ev.incident_id = i.id
                    AND ev.action = 'send_back' AND ev.at >= %(start_ts)s
                    AND ev.at < %(end_ts)s)) AS sent_back
    FROM assess_unit u2
    JOIN layers_incident i ON i.village_id = u2.village_id AND i.grid_code = u2.code
     AND (u2.member_number IS NULL OR i.member_number = u2.member_number)
    WHERE (i.closed_at >= %(start_ts)s AND i.closed_at < %(end_ts)s)
       OR (i.handled_at >= %(start_ts)s AND i.handled_at < %(end_ts)s)
    GROUP BY u2.person_id
) c ON c.person_id = u.person_id
ORDER BY u.person_id
"""
COLUMNS = (
    "township_id",
    "person_id",
    "name",
    "post",
    "village_id",
    "grid_code",
    "member_number",
    "households",
    "visited",
    "visits",
    "reported",
    "closed",
    "closed_on_time",
    "rating",
    "handled",
    "sent_back",
    "days_in_post",
)


def _midnight(day: dt.date) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(settings.TIME_ZONE))


def indicators_compute(
    *, start: dt.date, end: dt.date, township_id: int | None = None, township_ids=()
) -> list[dict]:
    """One dict per assessed person of the township (or of each of ``township_ids``, in one
    statement) for [start, end) (see the module)."""
    params = {
        "townships": [township_id] if township_id is not None else list(township_ids),
        "start": start,
        "end": end,
        "start_ts": _midnight(start),
        "end_ts": _midnight(end),
        "days": (end - start).days,
        "tz": settings.TIME_ZONE,
        "closed": wf.CLOSED,
    }
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(PREPARE, params)
        cur.execute(SQL, params)
        rows = [dict(zip(COLUMNS, r, strict=True)) for r in cur.fetchall()]
        cur.execute("DROP TABLE assess_unit, assess_looked")
    for r in rows:
        for key in COLUMNS[7:]:
            if key != "rating":
                r[key] = int(r[key])
        r["rating"] = None if r["rating"] is None else round(float(r["rating"]), 2)
        n = r["households"]
        r["visits_per_household"] = round(r["visits"] / n, 2) if n else 0.0
        r["coverage"] = round(r["visited"] / n, 4) if n else 0.0
        r["on_time_rate"] = round(r["closed_on_time"] / r["closed"], 4) if r["closed"] else None
    return rows
