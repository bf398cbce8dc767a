"""Incident benchmark: 100,000 incidents in a generated county of 200,000 households.

Run as ``.venv/bin/python bench/incident_bench.py`` (DJANGO_SETTINGS_MODULE=gis.settings.dev).
The county is built once into its own database (``gridgis_incbench``; ``--rebuild`` builds
it again; the dev database is untouched): ``sample_data/generate.py``, the real importers
and ``manage.py partition --all``, then the incidents written by one INSERT ... SELECT
(each at a household of the grid it belongs to, states, tiers and deadlines spread as a
busy year leaves them, about a third of the open ones past their deadline).

Timed (``--repeat`` runs each, p95 and median; the targets from the project's brief):
- a township's work queue (its tier, overdue first, the first page) and the queue counts,
  as the township staff's pages ask them, and the township's map features (query and
  GeoJSON) for the overlay's default window (90 days): p95 <= 100 ms each; the same for a
  whole year, for information;
- the heat aggregate of the whole county (county staff): <= 300 ms;
- the deadline job over all open incidents (escalating every due one; rolled back after
  each run so that every run has the same work): <= 1 s.
Baseline in the same run: ``SELECT count(*)`` of all incidents (a scan of the table).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOUSEHOLDS, INCIDENTS = 200_000, 100_000
TARGETS_MS = {"queue": 100, "counts": 100, "map": 100, "heat": 300, "deadlines": 1000}


def _psql(db: dict, *args: str) -> subprocess.CompletedProcess:
    opts = ["-h", db.get("HOST") or "127.0.0.1", "-p", str(db.get("PORT") or 5432)]
    opts += ["-U", db.get("USER") or "postgres"]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return subprocess.run([*args[:1], *opts, *args[1:]], env=env, capture_output=True, text=True)


def _exists(db: dict, name: str) -> bool:
    out = _psql(
        db, "psql", "-d", "postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname='{name}'"
    )
    return out.stdout.strip() == "1"


def _build(name: str, db: dict) -> None:
    _psql(db, "dropdb", "--if-exists", name)
    _psql(db, "createdb", name)
    _psql(db, "psql", "-d", name, "-qc", "CREATE EXTENSION postgis")


def _county() -> None:
    """The county, through the importers and the partitioner (once)."""
    from django.core.management import call_command

    from households.importing import import_households, import_village_groups

    call_command("migrate", verbosity=0, interactive=False)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, str(ROOT / "sample_data" / "generate.py"), "--out", tmp]
        subprocess.run(cmd + ["--households", str(HOUSEHOLDS)], check=True, capture_output=True)
        import_village_groups(Path(tmp) / "village_groups.geojson")
        import_households(Path(tmp) / "households.csv")
    call_command("partition", "--all", "--workers", "2", verbosity=0)


INSERT = """
WITH hh AS (
  SELECT row_number() OVER (ORDER BY h.id) AS rn, h.location, g.id AS grid_id, g.code,
         g.village_id, v.township_id, m.number
  FROM households_household h
  JOIN grids_gridassignment a ON a.household_id = h.id
  JOIN grids_gridversion gv ON gv.id = a.version_id AND gv.valid_to IS NULL
  JOIN grids_grid g ON g.id = a.grid_id
  JOIN households_village v ON v.id = g.village_id
  LEFT JOIN grids_memberarea m ON m.id = a.member_area_id
), n AS (
  SELECT i, (SELECT count(*) FROM hh) AS total,
         (i * 7919) %% 100 AS s, (i * 104729) %% 10 AS t, ((i * 31) %% 365) AS age,
         now() + make_interval(hours => ((i %% 300) - 100)::int) AS due  -- a third past
  FROM generate_series(1::bigint, %(n)s::bigint) i
), c AS (SELECT array_agg(id ORDER BY id) AS ids FROM layers_incidentcategory)
INSERT INTO layers_incident (
  tracking_code, external_ref, category_id, description, point, located_by, channel,
  reported_at, contact_name, contact_phone, address_hash, township_id, village_id, grid_id,
  grid_code, member_number, state, tier, dispatched_at, deadline_at, extension_hours,
  handled_at, closed_at, missed_deadline, closed_on_time, escalations, reopened, reply,
  rating, rating_note, updated_at)
SELECT 'B' || lpad(n.i::text, 11, '0'), '', c.ids[1 + n.i %% array_length(c.ids, 1)],
  '排水沟堵塞（基准）', hh.location, 'gps', 'public',
  now() - make_interval(days => n.age::int, hours => (n.i %% 24)::int), '',
  '1390000' || lpad((n.i %% 10000)::text, 4, '0'), '',
  hh.township_id, hh.village_id, hh.grid_id, hh.code, hh.number,
  CASE WHEN n.s < 70 THEN 'closed' WHEN n.s < 82 THEN 'dispatched' WHEN n.s < 86 THEN 'handled'
       WHEN n.s < 89 THEN 'verified' WHEN n.s < 93 THEN 'reported' WHEN n.s < 95 THEN 'sent_back'
       WHEN n.s < 98 THEN 'rejected' ELSE 'merged' END,
  CASE WHEN n.t < 7 THEN 'village' WHEN n.t < 9 THEN 'township' ELSE 'county' END,
  n.due - interval '72 hours', n.due,
  0, NULL, CASE WHEN n.s < 70 THEN n.due - interval '24 hours' END,
  false, CASE WHEN n.s < 70 THEN n.s %% 10 > 0 END, 0, 0, '', NULL, '', now()
FROM n JOIN hh ON hh.rn = 1 + (n.i * 7919) %% n.total, c
"""


def _incidents() -> None:
    from django.db import connection

    from layers.incidents.services import categories_ensure
    from layers.models import Incident

    categories_ensure()
    with connection.cursor() as cur:
        cur.execute(INSERT, {"n": INCIDENTS})
        cur.execute("ANALYZE layers_incident")
    assert Incident.objects.count() == INCIDENTS


def _users():
    from django.contrib.auth.models import User
    from django.db.models import Count

    from households.models import Role, Township, UserArea
    from layers.models import Incident

    biggest = Incident.objects.values("township").annotate(n=Count("pk")).order_by("-n").first()
    township = Township.objects.get(pk=biggest["township"])
    staff, _ = User.objects.get_or_create(username="bench-township")
    UserArea.objects.update_or_create(
        user=staff, defaults={"role": Role.TOWNSHIP, "township": township}
    )
    county, _ = User.objects.get_or_create(username="bench-county")
    UserArea.objects.update_or_create(user=county, defaults={"role": Role.COUNTY})
    return township, biggest["n"], User.objects.get(pk=staff.pk), User.objects.get(pk=county.pk)


def _time(fn, repeat: int) -> list[float]:
    fn()  # warm: plans cached, pages in memory
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t) * 1000)
    return runs


def _p95(runs: list[float]) -> float:
    return sorted(runs)[max(0, int(round(0.95 * len(runs))) - 1)]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="gridgis_incbench")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    dev = dict(settings.DATABASES["default"])
    if args.database == dev["NAME"]:
        parser.error("refusing to use the dev database")
    fresh = args.rebuild or not _exists(dev, args.database)
    if fresh:
        _build(args.database, dev)
    settings.DATABASES["default"]["NAME"] = args.database
    django.setup()
    from django.db import connection, transaction

    from households.serializers import feature_collection
    from layers.incidents import maps, selectors
    from layers.incidents.deadlines import incidents_escalate_due
    from layers.incidents.serializers import HeatCellFeature, IncidentFeature
    from layers.models import Incident
    from layers.templatetags.incident_tags import OVERLAY_DAYS

    t = time.perf_counter()
    if fresh or not Incident.objects.exists():
        if fresh:
            _county()
        _incidents()
    built = time.perf_counter() - t
    township, in_township, staff, county = _users()
    import gc

    gc.freeze()  # as the served process does after start-up (gis/wsgi.py)
    f = {"township": township.code, "days": OVERLAY_DAYS, "open": False, "bbox": None}
    f_year = {**f, "days": 365}
    year = {"days": 365, "open": False, "bbox": None}

    def count():
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM layers_incident")
            cur.fetchone()

    def deadlines():
        with transaction.atomic():
            deadlines.escalated = incidents_escalate_due()
            transaction.set_rollback(True)

    steps = [
        ("baseline: SELECT count(*) of all incidents", "", count, args.repeat),
        (
            "township queue: its tier, overdue first, first 50",
            "queue",
            lambda: list(selectors.queue(staff, "tier")[:50]),
            args.repeat,
        ),
        (
            "township queue counts (5 queues + unread)",
            "counts",
            lambda: selectors.queue_counts(staff),
            args.repeat,
        ),
        (
            f"township map features, last {OVERLAY_DAYS} days (the overlay's default, GeoJSON)",
            "map",
            lambda: feature_collection(IncidentFeature, maps.incident_points(staff, f)),
            args.repeat,
        ),
        (
            "township map features, last 365 days (GeoJSON)",
            "",
            lambda: feature_collection(IncidentFeature, maps.incident_points(staff, f_year)),
            args.repeat,
        ),
        (
            "county heat aggregate, last 365 days (1 km cells, GeoJSON)",
            "heat",
            lambda: feature_collection(HeatCellFeature, maps.heat_cells(county, year)),
            args.repeat,
        ),
        ("deadline job over all open incidents (rolled back)", "deadlines", deadlines, 5),
    ]
    from layers.incidents import workflow as wf

    open_n = Incident.objects.filter(state__in=wf.OPEN).count()
    points = len(feature_collection(IncidentFeature, maps.incident_points(staff, f))["features"])
    print(
        f"\n{Incident.objects.count():,} incidents ({open_n:,} open) in a county of "
        f"{HOUSEHOLDS:,} households; township {township.code}: {in_township:,} incidents, "
        f"{points:,} on its map (last {OVERLAY_DAYS} days); built in {built:.0f} s{' (reused)' if not fresh else ''}\n"
    )
    print("| step | p95 ms | median ms | runs | target ms | met |")
    print("|---|---:|---:|---:|---:|---|")
    for name, key, fn, repeat in steps:
        runs = _time(fn, repeat)
        target = TARGETS_MS.get(key)
        met = "" if target is None else ("yes" if _p95(runs) <= target else "NO")
        print(
            f"| {name} | {_p95(runs):.1f} | {statistics.median(runs):.1f} | {repeat} "
            f"| {target or ''} | {met} |"
        )
    print(f"\nthe deadline job escalated {deadlines.escalated:,} incidents per run")
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
