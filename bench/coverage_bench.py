"""Coverage dashboard benchmark on a generated county (default 50,000 households; the
brief's size is ``--households 200000``), with a year of visits and incidents.

Run as ``.venv/bin/python bench/coverage_bench.py`` (DJANGO_SETTINGS_MODULE=gis.settings.dev).
The county is built once into its own database (``gridgis_covbench``, ``--rebuild`` builds
it again; the dev database is untouched): ``sample_data/generate.py``, the real importers
and ``manage.py partition --all``, then the incidents (``incident_bench.INSERT``: one per
two households, a busy year's states and deadlines) and the visits (one INSERT ... SELECT:
about 1.5 per household over the year, more in recent months) written by SQL.

Timed through Django's test client (the whole request: middleware, views, templates), as
county staff, with the cache emptied before the "first" run of each step (computed by
PostgreSQL) and then ``--repeat`` runs answered from the cache (p95, median):

- the dashboard HTML with its first data (table, problems): target <= 1 s;
- each aggregate request (the county's table, a township's table, the map's outlines and
  values, heat hexagons at zooms 10 and 13): target p95 <= 100 ms;
- the county's XLSX export (townships, villages and grids sheets, charts, trend,
  problems): target <= 5 s.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
TARGETS_MS = {"html": 1000, "aggregate": 100, "xlsx": 5000}

VISITS = """
INSERT INTO layers_visit (household_id, grid_code, member_number, visited_on, note, photo,
                          created_at)
SELECT a.household_id, g.code, m.number,
       current_date - ((a.household_id * 7919 + k * 104729) %% (365 - k * 120))::int,
       '', '', now()
FROM grids_gridassignment a
JOIN grids_gridversion gv ON gv.id = a.version_id AND gv.valid_to IS NULL
JOIN grids_grid g ON g.id = a.grid_id
LEFT JOIN grids_memberarea m ON m.id = a.member_area_id
CROSS JOIN generate_series(0, 2) AS k
WHERE (a.household_id + k) %% 2 = 0 OR k = 0
"""


def _incident_bench():
    spec = importlib.util.spec_from_file_location("incident_bench", HERE / "incident_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _county(households: int) -> None:
    from django.core.management import call_command

    from households.importing import import_households, import_persons, import_village_groups

    call_command("migrate", verbosity=0, interactive=False)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, str(ROOT / "sample_data" / "generate.py"), "--out", tmp]
        subprocess.run(cmd + ["--households", str(households)], check=True, capture_output=True)
        import_village_groups(Path(tmp) / "village_groups.geojson")
        import_households(Path(tmp) / "households.csv")
        if (Path(tmp) / "persons.csv").exists():
            import_persons(Path(tmp) / "persons.csv")
    call_command("partition", "--all", "--workers", "2", verbosity=0, stdout=io.StringIO())


def _activity(households: int) -> None:
    """Incidents and visits, each written once (a later run finds them)."""
    from django.db import connection

    from layers.incidents.services import categories_ensure
    from layers.models import Incident, Visit

    categories_ensure()
    with connection.cursor() as cur:
        if not Incident.objects.exists():
            cur.execute(_incident_bench().INSERT, {"n": households // 2})
            cur.execute("ANALYZE layers_incident")
        if not Visit.objects.exists():
            cur.execute(VISITS, {})
            cur.execute("ANALYZE layers_visit")


def _p95(runs: list[float]) -> float:
    return sorted(runs)[max(0, int(round(0.95 * len(runs))) - 1)]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="gridgis_covbench")
    parser.add_argument("--households", type=int, default=50_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    inc = _incident_bench()
    dev = dict(settings.DATABASES["default"])
    if args.database == dev["NAME"]:
        parser.error("refusing to use the dev database")
    fresh = args.rebuild or not inc._exists(dev, args.database)
    if fresh:
        inc._build(args.database, dev)
    settings.DATABASES["default"]["NAME"] = args.database
    cache_dir = Path(tempfile.mkdtemp(prefix="covbench-cache-"))
    for alias in settings.CACHES:
        settings.CACHES[alias]["LOCATION"] = str(cache_dir / alias)
    settings.ALLOWED_HOSTS = ["*"]
    django.setup()
    from django.contrib.auth.models import User
    from django.core.cache import caches
    from django.core.management import call_command
    from django.test import Client

    from households.models import Household, Role, Township, UserArea
    from layers.models import Incident, Visit

    call_command("migrate", verbosity=0, interactive=False)  # a reused county: new tables
    t = time.perf_counter()
    if fresh or not Household.objects.exists():
        _county(args.households)
    if not Visit.objects.exists():
        _activity(Household.objects.count())
    built = time.perf_counter() - t
    user, _ = User.objects.get_or_create(username="bench-county")
    UserArea.objects.update_or_create(user=user, defaults={"role": Role.COUNTY})
    client = Client()
    client.force_login(user)
    township = Township.objects.order_by("code").first()
    village = township.villages.order_by("code").first()
    ext = village.boundary.extent
    bbox = ",".join(
        f"{v:.2f}" for v in (ext[0] - 0.05, ext[1] - 0.05, ext[2] + 0.05, ext[3] + 0.05)
    )

    def get(url):
        def run():
            r = client.get(url)
            assert r.status_code == 200, (url, r.status_code, r.content[:300])
            return r

        return run

    steps = [
        ("dashboard HTML + first data (county)", "html", get("/coverage/")),
        ("table, county", "aggregate", get("/api/coverage/table.json?level=county")),
        (
            "table, a township",
            "aggregate",
            get(f"/api/coverage/table.json?level=township&code={township.code}"),
        ),
        ("map outlines + values, county", "aggregate", get("/api/coverage/areas.geojson")),
        (
            "heat: household density, county, z10",
            "aggregate",
            get("/api/coverage/heat.geojson?layer=density&z=10"),
        ),
        (
            "heat: not visited in 90 days, a village's view, z13",
            "aggregate",
            get(f"/api/coverage/heat.geojson?layer=not_visited&z=13&bbox={bbox}"),
        ),
        (
            "heat: overdue incidents, county, z10",
            "aggregate",
            get("/api/coverage/heat.geojson?layer=overdue&z=10"),
        ),
        ("charts + trend + problems, county", "", get("/api/coverage/charts.json")),
        ("XLSX export, county", "xlsx", get("/coverage/export.xlsx?level=county")),
    ]
    print(
        f"\n{Household.objects.count():,} households, {Visit.objects.count():,} visits, "
        f"{Incident.objects.count():,} incidents; built in {built:.0f} s"
        f"{' (reused)' if not fresh else ''}\n"
    )
    assert client.get("/accounts/password/").status_code == 200  # the process warmed up
    from layers.coverage.services import coverage_warm

    for cache in caches.all():
        cache.clear()
    t = time.perf_counter()
    coverage_warm()
    job = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    get("/coverage/")()
    landing = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    get("/coverage/export.xlsx?level=county")()
    xlsx = (time.perf_counter() - t) * 1000
    print(
        f"after the periodic job (coverage_warm, {job:.0f} ms): county staff's landing, "
        f"dashboard HTML + first data in {landing:.0f} ms (target 1000 ms); the county's "
        f"XLSX in {xlsx:.0f} ms (target 5000 ms)\n"
    )
    print("| step | first (uncached) ms | cached p95 ms | cached median ms | target ms | met |")
    print("|---|---:|---:|---:|---:|---|")
    for name, key, fn in steps:
        for cache in caches.all():
            cache.clear()
        t = time.perf_counter()
        fn()
        first = (time.perf_counter() - t) * 1000
        runs = []
        for _ in range(args.repeat if key != "xlsx" else 5):
            t = time.perf_counter()
            fn()
            runs.append((time.perf_counter() - t) * 1000)
        target = TARGETS_MS.get(key)
        judged = first if key in ("html", "xlsx") else _p95(runs)
        met = "" if target is None else ("yes" if judged <= target else "NO")
        print(
            f"| {name} | {first:.0f} | {_p95(runs):.1f} | {statistics.median(runs):.1f} "
            f"| {target or ''} | {met} |"
        )
    print(
        "\nthe HTML and XLSX targets are judged on the first (uncached) run, the aggregates on"
        " the cached p95 (answers are kept ten minutes under the townships' data stamps)"
    )
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
