"""Assessment benchmark: a county's yearly assessment computed from a year of records.

Run as ``.venv/bin/python bench/assessment_bench.py`` (DJANGO_SETTINGS_MODULE=gis.settings.dev;
``--full`` for the brief's county: 200,000 households, 4,000 grids, 20,000 members, a year
of visits and 100,000 incidents; the default is a tenth of it). The county is generated
into its own database (``gridgis_assessbench``; ``--rebuild`` builds it again) by a few
INSERT ... SELECT statements, not the importers and the partitioner: square villages cut
into grids of 50 households and member areas of 10, a leader and a member each, 4 visits a
household a year (some households none), incidents a twentieth of them sent back.

Timed: computing the draft of every township for the year, township by township
(``run_compute``, as each township's job does) and the whole county at once
(``runs_compute``: the indicators of every township in one statement, then scores, ranks,
one write per run); target <= 10 s.
Baseline: ``SELECT count(*)`` of the visits.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from incident_bench import _build, _exists  # noqa: E402

TARGET_S = 10.0
YEAR = 2025
# per township: villages; per village: grids; per grid: 5 member areas of 10 households
VILLAGES_PER_TOWNSHIP, GRIDS_PER_VILLAGE, AREAS, PER_AREA = 20, 10, 5, 10

GENERATE = """
INSERT INTO households_township (code, name)
SELECT (360800000 + t)::text, '基准镇' || t FROM generate_series(1, %(t)s) t;
INSERT INTO households_village (code, code_year, name, township_id, grid_target, grid_min,
  grid_max, member_target, member_min, member_max)
SELECT tw.code || lpad(v::text, 3, '0'), 2024, '基准村' || v, tw.id, 50, 40, 60, 10, 8, 12
FROM households_township tw, generate_series(1, %(v)s) v WHERE tw.code LIKE '3608%%';
INSERT INTO households_villagegroup (code, name, village_id, geom)
SELECT vi.code || '01', '一组', vi.id,
  ST_Multi(ST_MakeEnvelope(115 + vi.id * 0.01, 26, 115.01 + vi.id * 0.01, 26.01, 4326))
FROM households_village vi WHERE vi.code LIKE '3608%%';
INSERT INTO grids_gridversion (village_id, number, valid_from, source, note, created_at)
SELECT vi.id, 1, %(from)s, 'edit', 'bench', now()
FROM households_village vi WHERE vi.code LIKE '3608%%';
INSERT INTO households_household (external_id, head, members, id_number, phone, address,
  location, group_id, location_note, party_member_household, dibao, wubao,
  poverty_monitoring, left_behind_children, elderly_alone, disabled, veteran,
  civility_points, updated_at)
SELECT 'B' || lpad((g.id * 1000 + n)::text, 9, '0'), '户主', 3, '', '', '',
  ST_SetSRID(ST_MakePoint(115.005 + vi.id * 0.01, 26.005), 4326), g.id, '',
  false, false, false, false, false, false, false, false, 50, now()
FROM households_villagegroup g JOIN households_village vi ON vi.id = g.village_id,
  generate_series(1, %(per_village)s) n WHERE vi.code LIKE '3608%%';
INSERT INTO households_person (name, household_id, phone, party_member, group_leader,
  womens_group_leader, five_elders, villagers_representative, capable_villager)
SELECT '人员' || h.id, h.id, '', 'full', false, false, false, false, false
FROM households_household h WHERE h.external_id LIKE 'B%%'
  AND ((substr(h.external_id, 2)::bigint %% 1000) %% %(per_area)s = 1
       OR (substr(h.external_id, 2)::bigint %% 1000) %% %(per_grid)s = 2);
"""
GRIDS = """
WITH numbered AS (
  SELECT h.id, v.id AS village_id, gv.id AS version_id, vi.code,
    row_number() OVER (PARTITION BY v.id ORDER BY h.id) - 1 AS k
  FROM households_household h JOIN households_villagegroup g ON g.id = h.group_id
  JOIN households_village vi ON vi.id = g.village_id
  JOIN households_village v ON v.id = vi.id
  JOIN grids_gridversion gv ON gv.village_id = v.id
  WHERE vi.code LIKE '3608%%'
), grids AS (
  INSERT INTO grids_grid (version_id, village_id, code, geom, locked, leader_id,
    leader_confirmed, household_count, group_codes)
  SELECT DISTINCT ON (version_id, k / %(per_grid)s) version_id, village_id,
    code || lpad((k / %(per_grid)s + 1)::text, 3, '0'),
    ST_Multi(ST_MakeEnvelope(115, 26, 115.01, 26.01, 4326)), false, NULL, true,
    %(per_grid)s, ''
  FROM numbered ORDER BY version_id, k / %(per_grid)s
  RETURNING id, version_id, code
), areas AS (
  INSERT INTO grids_memberarea (grid_id, number, member_id, member_confirmed, household_count)
  SELECT g.id, a, NULL, true, %(per_area)s FROM grids g, generate_series(1, %(areas)s) a
  RETURNING id, grid_id, number
)
INSERT INTO grids_gridassignment (version_id, household_id, grid_id, member_area_id)
SELECT n.version_id, n.id, g.id, a.id
FROM numbered n
JOIN grids g ON g.version_id = n.version_id
 AND g.code = n.code || lpad((n.k / %(per_grid)s + 1)::text, 3, '0')
JOIN areas a ON a.grid_id = g.id AND a.number = (n.k %% %(per_grid)s) / %(per_area)s + 1;
"""
POSTS = """
UPDATE grids_memberarea m SET member_id = p.id
FROM grids_gridassignment a, households_person p
WHERE a.member_area_id = m.id AND p.household_id = a.household_id;
UPDATE grids_grid g SET leader_id = (
  SELECT p.id FROM grids_gridassignment a JOIN households_person p
    ON p.household_id = a.household_id
  WHERE a.grid_id = g.id AND NOT EXISTS (SELECT 1 FROM grids_memberarea m
                                         WHERE m.member_id = p.id) LIMIT 1)
WHERE g.code LIKE '3608%%';
UPDATE grids_grid g SET leader_id = (SELECT m.member_id FROM grids_memberarea m
  WHERE m.grid_id = g.id ORDER BY m.number LIMIT 1)
WHERE g.leader_id IS NULL AND g.code LIKE '3608%%';
"""
ACTIVITY = """
INSERT INTO layers_visit (household_id, grid_code, member_number, visited_on, note, photo,
  point, created_at)
SELECT a.household_id, g.code, m.number,
  %(start)s::date + ((a.household_id * 37 + q * 91 + (a.household_id %% 17)) %% 365)::int,
  '', '', NULL, now()
FROM grids_gridassignment a JOIN grids_grid g ON g.id = a.grid_id
JOIN grids_memberarea m ON m.id = a.member_area_id, generate_series(0, 3) q
WHERE a.household_id %% 9 <> 0;
INSERT INTO layers_incident (tracking_code, external_ref, category_id, description, point,
  located_by, channel, reported_at, contact_name, contact_phone, address_hash, township_id,
  village_id, grid_id, grid_code, member_number, state, tier, extension_hours, handled_at,
  closed_at, missed_deadline, closed_on_time, escalations, reopened, reply, rating,
  rating_note, updated_at)
SELECT 'A' || lpad(i::text, 11, '0'), '', (SELECT min(id) FROM layers_incidentcategory),
  '基准', h.location, 'gps', 'grid', r, '', '', '', vi.township_id, vi.id, g.id, g.code,
  m.number, CASE WHEN i %% 10 < 8 THEN 'closed' ELSE 'dispatched' END, 'village', 0,
  CASE WHEN i %% 10 < 8 THEN r + interval '20 hours' END,
  CASE WHEN i %% 10 < 8 THEN r + interval '30 hours' END, false,
  CASE WHEN i %% 10 < 8 THEN i %% 7 > 0 END, 0, 0, '',
  CASE WHEN i %% 10 < 6 THEN 1 + i %% 5 END, '', now()
FROM (SELECT i, %(start_ts)s::timestamptz + make_interval(hours => (i * 7919 %% 8700)::int) AS r,
        (SELECT array_agg(id ORDER BY id) FROM grids_gridassignment) AS ids
      FROM generate_series(1::bigint, %(incidents)s::bigint) i) s
JOIN grids_gridassignment a ON a.id = s.ids[1 + (s.i * 104729) %% array_length(s.ids, 1)]
JOIN households_household h ON h.id = a.household_id
JOIN grids_grid g ON g.id = a.grid_id JOIN households_village vi ON vi.id = g.village_id
JOIN grids_memberarea m ON m.id = a.member_area_id;
INSERT INTO layers_incidentevent (incident_id, action, from_state, to_state, from_tier,
  to_tier, actor_role, at, note, data)
SELECT id, 'send_back', 'handled', 'sent_back', 'village', 'village', 'village',
  handled_at + interval '2 hours', '', '{}'
FROM layers_incident WHERE handled_at IS NOT NULL AND id %% 20 = 0;
ANALYZE;
"""


def generate(households: int, incidents: int) -> None:
    from django.db import connection

    from households.models import Township
    from layers.incidents.services import categories_ensure

    per_village = GRIDS_PER_VILLAGE * AREAS * PER_AREA
    townships = max(1, round(households / per_village / VILLAGES_PER_TOWNSHIP))
    start_ts = dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC)
    categories_ensure()
    params = {
        "t": townships,
        "v": VILLAGES_PER_TOWNSHIP,
        "per_village": per_village,
        "per_grid": AREAS * PER_AREA,
        "per_area": PER_AREA,
        "areas": AREAS,
        "from": start_ts - dt.timedelta(days=400),
        "start": dt.date(YEAR, 1, 1),
        "start_ts": start_ts,
        "incidents": incidents,
    }
    from layers.models import Visit

    stages = (GENERATE, GRIDS, POSTS, ACTIVITY)
    if Township.objects.exists():  # a build that stopped after the county: the activity
        stages = () if Visit.objects.exists() else (ACTIVITY,)
    with connection.cursor() as cur:
        for sql in stages:
            t = time.perf_counter()
            cur.execute(sql, params)
            print(
                f"  generated ({sql.split()[2]} ...) in {time.perf_counter() - t:.1f} s", flush=True
            )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="gridgis_assessbench")
    parser.add_argument("--full", action="store_true", help="200,000 households")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)
    households, incidents = (200_000, 100_000) if args.full else (20_000, 10_000)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    dev = dict(settings.DATABASES["default"])
    name = args.database + ("_full" if args.full else "")
    if name == dev["NAME"]:
        parser.error("refusing to use the dev database")
    fresh = args.rebuild or not _exists(dev, name)
    if fresh:
        _build(name, dev)
    settings.DATABASES["default"]["NAME"] = name
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from grids.models import MemberArea
    from households.models import Household, Township
    from layers.assessment import services
    from layers.assessment.models import RuleSet, Run, Score
    from layers.models import Incident, Visit

    t = time.perf_counter()
    if fresh:
        call_command("migrate", verbosity=0, interactive=False)
    generate(households, incidents)
    if not RuleSet.objects.exists():
        services.rule_set_create(
            by=None,
            name="bench",
            valid_from=dt.date(YEAR, 1, 1),
            weight_total=100,
            weights={
                "coverage": 40,
                "visits_per_household": 20,
                "on_time_rate": 20,
                "rating": 10,
                "days_in_post": 10,
            },
            tiers=[
                {"tier": "excellent", "min": 90, "max": 100, "subsidy": 3000},
                {"tier": "pass", "min": 70, "max": 90, "subsidy": 2400},
                {"tier": "basic", "min": 50, "max": 70, "subsidy": 1200},
                {"tier": "fail", "min": 0, "max": 50, "subsidy": 0},
            ],
            targets={},
        )
    built = time.perf_counter() - t
    with connection.cursor() as cur:
        t = time.perf_counter()
        cur.execute("SELECT count(*) FROM layers_visit")
        baseline = time.perf_counter() - t
    Run.objects.all().delete()
    runs = [
        services.run_prepare(
            township=tw, kind="year", starts_on=dt.date(YEAR, 1, 1), today=dt.date(YEAR + 1, 1, 2)
        )
        for tw in Township.objects.order_by("code")
    ]
    t = time.perf_counter()
    for run in runs:
        services.run_compute(run)
    one_by_one = time.perf_counter() - t
    t = time.perf_counter()
    services.runs_compute(runs)
    took = time.perf_counter() - t
    print(
        f"\n{Household.objects.count():,} households, "
        f"{MemberArea.objects.exclude(member=None).count():,} members, "
        f"{Visit.objects.count():,} visits, {Incident.objects.count():,} incidents in "
        f"{len(runs)} townships; built in {built:.0f} s{'' if fresh else ' (reused)'}\n"
    )
    print("| step | seconds | target s | met |")
    print("|---|---:|---:|---|")
    print(f"| baseline: SELECT count(*) of the visits | {baseline:.2f} | | |")
    print(f"| county year, township by township (a job each) | {one_by_one:.2f} | | |")
    met = ("yes" if took <= TARGET_S else "NO") if args.full else "n/a (use --full)"
    print(
        f"| county year, every township's draft at once ({Score.objects.count():,} scores) "
        f"| {took:.2f} | {TARGET_S:.0f} | {met} |"
    )
    print(f"\nload average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
