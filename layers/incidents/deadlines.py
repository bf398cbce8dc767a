"""The deadline job: incidents whose deadline passed while their handler works climb a tier
(village -> township -> county), in bulk, every minute on the job queue (layers/tasks.py).

One statement does it all, so that the job's time does not grow with Python objects: the
due rows are taken locked (SKIP LOCKED: a worker or a person acting on one of them is not
waited for), each gets its transition (who: the system; why: the deadline), moves up with
a fresh time limit from now, and the new tier's staff are notified. The ORM would need one
UPDATE per tier and category and an object per transition (3.5 s for 4,342 escalations in
bench/incident_bench.py, against a fraction of that here).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from households.models import Role, UserArea

from . import workflow as wf
from .models import Incident, IncidentCategory, IncidentEvent, IncidentNotification

SQL = """
WITH due AS (
  SELECT i.id, i.state, i.tier, i.township_id,
         CASE i.tier WHEN %(village)s THEN %(township)s ELSE %(county)s END AS up,
         c.deadline_hours
  FROM {incident} i JOIN {category} c ON c.id = i.category_id
  WHERE i.state = ANY(%(clock)s) AND i.deadline_at < %(now)s AND i.tier <> %(county)s
  ORDER BY i.id
  FOR UPDATE OF i SKIP LOCKED
), moved AS (
  UPDATE {incident} i
  SET tier = due.up, state = %(dispatched)s, assignee_id = NULL, dispatched_at = %(now)s,
      deadline_at = %(now)s + due.deadline_hours * interval '1 hour', extension_hours = 0,
      escalations = i.escalations + 1, missed_deadline = true, updated_at = %(now)s
  FROM due WHERE i.id = due.id
  RETURNING i.id
), events AS (
  INSERT INTO {event} (incident_id, action, from_state, to_state, from_tier, to_tier,
                       actor_id, actor_role, at, note, data)
  SELECT id, 'escalate', state, %(dispatched)s, tier, up, NULL, %(system)s, %(now)s, '',
         '{{"reason": "deadline"}}'::jsonb
  FROM due
), notes AS (
  INSERT INTO {note} (user_id, incident_id, kind, created_at)
  SELECT a.user_id, due.id, 'escalated', %(now)s
  FROM due JOIN {area} a
    ON (due.up = %(township)s AND a.role = %(role_township)s AND a.township_id = due.township_id)
    OR (due.up = %(county)s AND a.role IN (%(role_county)s, %(role_admin)s))
)
SELECT count(*) FROM moved
"""


def incidents_escalate_due(now: dt.datetime | None = None) -> int:
    """Escalate every incident whose deadline passed; returns how many climbed."""
    for state in wf.CLOCK:  # what the statement does is what the table allows the system
        for tier in (wf.VILLAGE, wf.TOWNSHIP):
            wf.check(wf.Facts(state, tier), "escalate", wf.SYSTEM)
    sql = SQL.format(
        incident=Incident._meta.db_table,
        category=IncidentCategory._meta.db_table,
        event=IncidentEvent._meta.db_table,
        note=IncidentNotification._meta.db_table,
        area=UserArea._meta.db_table,
    )
    params = {
        "now": now or timezone.now(),
        "clock": list(wf.CLOCK),
        "village": wf.VILLAGE,
        "township": wf.TOWNSHIP,
        "county": wf.COUNTY,
        "dispatched": wf.DISPATCHED,
        "system": wf.SYSTEM,
        "role_township": Role.TOWNSHIP,
        "role_county": Role.COUNTY,
        "role_admin": Role.ADMIN,
    }
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]
