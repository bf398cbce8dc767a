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
from django.db import connection

from layers.incidents import workflow as wf

SQL = """
WITH posts AS MATERIALIZED (
    SELECT g.leader_id AS person_id, 'leader' AS post, g.id AS grid_id, NULL::int AS area_id,
           g.code, g.village_id, NULL::int AS member_number, v.valid_from,
           GREATEST((v.valid_from AT TIME ZONE %(tz)s)::date, %(start)s) AS s,
           LEAST(COALESCE((v.valid_to AT TIME ZONE %(tz)s)::date, %(end)s), %(end)s) AS e
    FROM grids_grid g
    JOIN grids_gridversion v ON v.id = g.version_id
    JOIN households_village vi ON vi.id = g.village_id
    WHERE vi.township_id = %(township)s AND g.leader_id IS NOT NULL
      AND v.valid_from < %(end_ts)s AND (v.valid_to IS NULL OR v.valid_to > %(start_ts)s)
    UNION ALL
    SELECT m.member_id, 'member', g.id, m.id, g.code, g.village_id, m.number, v.valid_from,
           GREATEST((v.valid_from AT TIME ZONE %(tz)s)::date, %(start)s),
           LEAST(COALESCE((v.valid_to AT TIME ZONE %(tz)s)::date, %(end)s), %(end)s)
    FROM grids_memberarea m
    JOIN grids_grid g ON g.id = m.grid_id
    JOIN grids_gridversion v ON v.id = g.version_id
    JOIN households_village vi ON vi.id = g.village_id
    WHERE vi.township_id = %(township)s AND m.member_id IS NOT NULL
      AND v.valid_from < %(end_ts)s AND (v.valid_to IS NULL OR v.valid_to > %(start_ts)s)
),
role AS MATERIALIZED (
    SELECT person_id, CASE WHEN bool_or(post = 'leader') THEN 'leader' ELSE 'member' END AS post
    FROM posts GROUP BY person_id
),
mine AS MATERIALIZED (SELECT p.* FROM posts p JOIN role r ON r.person_id = p.person_id AND r.post = p.post),
days AS MATERIALIZED (
    SELECT person_id, LEAST(SUM(GREATEST(e - s, 0)), %(days)s) AS days
    FROM mine GROUP BY person_id
),
unit AS MATERIALIZED (
    SELECT DISTINCT ON (person_id) person_id, post, grid_id, area_id, code, village_id,
           member_number
    FROM mine ORDER BY person_id, valid_from DESC, grid_id DESC
),
looked AS MATERIALIZED (
    SELECT u.person_id, a.household_id FROM unit u
    JOIN grids_gridassignment a ON a.grid_id = u.grid_id WHERE u.area_id IS NULL
    UNION ALL
    SELECT u.person_id, a.household_id FROM unit u
    JOIN grids_gridassignment a ON a.member_area_id = u.area_id WHERE u.area_id IS NOT NULL
),
hh AS MATERIALIZED (SELECT person_id, count(*) AS households FROM looked GROUP BY person_id),
vis AS MATERIALIZED (
    SELECT l.person_id, count(*) AS visits, count(DISTINCT v.household_id) AS visited
    FROM looked l
    JOIN layers_visit v ON v.household_id = l.household_id
     AND v.visited_on >= %(start)s AND v.visited_on < %(end)s
    GROUP BY l.person_id
),
rep AS MATERIALIZED (
    SELECT ua.person_id, count(*) AS reported
    FROM households_userarea ua
    JOIN unit u ON u.person_id = ua.person_id
    JOIN layers_incident i ON i.reporter_id = ua.user_id
     AND i.reported_at >= %(start_ts)s AND i.reported_at < %(end_ts)s
    GROUP BY ua.person_id
),
cases AS MATERIALIZED (
    SELECT u.person_id,
      count(*) FILTER (WHERE i.state = %(closed)s AND i.closed_at >= %(start_ts)s
                       AND i.closed_at < %(end_ts)s) AS closed,
      count(*) FILTER (WHERE i.state = %(closed)s AND i.closed_at >= %(start_ts)s
                       AND i.closed_at < %(end_ts)s AND i.closed_on_time) AS closed_on_time,
      avg(i.rating) FILTER (WHERE i.state = %(closed)s AND i.closed_at >= %(start_ts)s
                            AND i.closed_at < %(end_ts)s) AS rating,
      count(*) FILTER (WHERE i.handled_at >= %(start_ts)s AND i.handled_at < %(end_ts)s)
        AS handled,
      count(*) FILTER (WHERE i.handled_at >= %(start_ts)s AND i.handled_at < %(end_ts)s
        AND EXISTS (SELECT 1 FROM layers_incidentevent ev WHERE ev.incident_id = i.id
                    AND ev.action = 'send_back' AND ev.at >= %(start_ts)s
                    AND ev.at < %(end_ts)s)) AS sent_back
    FROM unit u
    JOIN layers_incident i ON i.village_id = u.village_id AND i.grid_code = u.code
     AND (u.member_number IS NULL OR i.member_number = u.member_number)
    WHERE (i.closed_at >= %(start_ts)s AND i.closed_at < %(end_ts)s)
       OR (i.handled_at >= %(start_ts)s AND i.handled_at < %(end_ts)s)
    GROUP BY u.person_id
)
SELECT u.person_id, p.name, u.post, u.village_id, u.code, u.member_number,
       COALESCE(hh.households, 0), COALESCE(vis.visited, 0), COALESCE(vis.visits, 0),
       COALESCE(rep.reported, 0), COALESCE(cases.closed, 0),
       COALESCE(cases.closed_on_time, 0), cases.rating, COALESCE(cases.handled, 0),
       COALESCE(cases.sent_back, 0), days.days
FROM unit u
JOIN households_person p ON p.id = u.person_id
JOIN days ON days.person_id = u.person_id
LEFT JOIN hh ON hh.person_id = u.person_id
LEFT JOIN vis ON vis.person_id = u.person_id
LEFT JOIN rep ON rep.person_id = u.person_id
LEFT JOIN cases ON cases.person_id = u.person_id
ORDER BY u.person_id
"""
COLUMNS = (
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


def indicators_compute(*, township_id: int, start: dt.date, end: dt.date) -> list[dict]:
    """One dict per assessed person of the township for [start, end) (see the module)."""
    params = {
        "township": township_id,
        "start": start,
        "end": end,
        "start_ts": _midnight(start),
        "end_ts": _midnight(end),
        "days": (end - start).days,
        "tz": settings.TIME_ZONE,
        "closed": wf.CLOSED,
    }
    with connection.cursor() as cur:
        cur.execute(SQL, params)
        rows = [dict(zip(COLUMNS, r, strict=True)) for r in cur.fetchall()]
    for r in rows:
        r["rating"] = None if r["rating"] is None else round(float(r["rating"]), 2)
        n = r["households"]
        r["visits_per_household"] = round(r["visits"] / n, 2) if n else 0.0
        r["coverage"] = round(r["visited"] / n, 4) if n else 0.0
        r["on_time_rate"] = round(r["closed_on_time"] / r["closed"], 4) if r["closed"] else None
    return rows
