"""Import benchmark: 200,000 households from CSV into PostGIS, next to a plain ogr2ogr load.

Run as ``.venv/bin/python bench/import_bench.py`` (DJANGO_SETTINGS_MODULE=gis.settings.dev).
It generates a county with ``sample_data/generate.py``, creates a fresh database
(``gridgis_bench`` by default, dropped and re-created; the dev database is untouched),
migrates it, imports the village groups, then times:

1. ``import_households`` of the CSV into the empty table (validation, group
   assignment, COPY + upsert),
2. the same file again (everything unchanged),
3. ``ogr2ogr -f PostgreSQL`` of the same file (GDAL's PG driver uses COPY),

``--repeat`` times (default 3; the table emptied before each round), and prints a
markdown table of the medians with their range: single runs on these machines vary by
±25 %. Goal: at most 20 s and at most 2x ogr2ogr.
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
GOAL_SECONDS = 20.0  # goal: 200,000 households in at most 20 s
GOAL_RATIO = 2.0  # ... and within 2x of ogr2ogr


def _run(cmd: list[str], **kwargs) -> None:
    subprocess.run(cmd, check=True, capture_output=True, text=True, **kwargs)


def _pg_url(db: dict, name: str) -> dict:
    return {**db, "NAME": name}


def _libpq(db: dict) -> tuple[list[str], str]:
    """(createdb/psql connection options, ogr2ogr PG: connection string)."""
    opts = [
        "-h",
        db.get("HOST") or "127.0.0.1",
        "-p",
        str(db.get("PORT") or 5432),
        "-U",
        db.get("USER") or "postgres",
    ]
    parts = [
        f"dbname={db['NAME']}",
        f"host={db.get('HOST') or '127.0.0.1'}",
        f"port={db.get('PORT') or 5432}",
        f"user={db.get('USER') or 'postgres'}",
    ]
    if db.get("PASSWORD"):
        parts.append(f"password={db['PASSWORD']}")
    return opts, " ".join(parts)


def _fresh_database(db: dict) -> None:
    opts, _ = _libpq(db)
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    _run(["dropdb", *opts, "--if-exists", db["NAME"]], env=env)
    _run(["createdb", *opts, db["NAME"]], env=env)
    _run(["psql", *opts, "-d", db["NAME"], "-qc", "CREATE EXTENSION postgis"], env=env)


def _generate(out: Path, households: int) -> None:
    if (out / "households.csv").exists() and (out / "village_groups.geojson").exists():
        return
    _run(
        [
            sys.executable,
            str(ROOT / "sample_data" / "generate.py"),
            "--out",
            str(out),
            "--households",
            str(households),
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument(
        "--database",
        default="gridgis_bench",
        help="database to drop, create and use (never the dev database)",
    )
    parser.add_argument(
        "--data", default=None, help="folder for the generated county (default: a temporary folder)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of each step; the table gives the median"
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    dev_db = dict(settings.DATABASES["default"])  # reads the settings, opens no connection
    if args.database == dev_db["NAME"]:
        parser.error("refusing to use the dev database")
    bench_db = _pg_url(dev_db, args.database)
    _fresh_database(bench_db)
    settings.DATABASES["default"]["NAME"] = args.database
    django.setup()

    from django.core.management import call_command
    from django.db import connection

    from households.importing import import_households, import_village_groups

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(args.data) if args.data else Path(tmp)
        data.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        _generate(data, args.households)
        generate_s = time.perf_counter() - t
        csv = data / "households.csv"
        call_command("migrate", verbosity=0, interactive=False)
        t = time.perf_counter()
        groups = import_village_groups(data / "village_groups.geojson")
        groups_s = time.perf_counter() - t

        firsts, agains, ogrs = [], [], []
        _opts, pg = _libpq(bench_db)
        for _ in range(args.repeat):
            with connection.cursor() as cur:
                cur.execute("TRUNCATE households_household CASCADE")
            t = time.perf_counter()
            first = import_households(csv)
            firsts.append(time.perf_counter() - t)
            t = time.perf_counter()
            again = import_households(csv)
            agains.append(time.perf_counter() - t)
            assert first.created == args.households, first.summary()
            assert again.unchanged == args.households, again.summary()
            t = time.perf_counter()
            _run(
                [
                    "ogr2ogr",
                    "-f",
                    "PostgreSQL",
                    f"PG:{pg}",
                    str(csv),
                    "-oo",
                    "X_POSSIBLE_NAMES=lon",
                    "-oo",
                    "Y_POSSIBLE_NAMES=lat",
                    "-a_srs",
                    "EPSG:4326",
                    "-nln",
                    "bench_ogr",
                    "-overwrite",
                ]
            )
            ogrs.append(time.perf_counter() - t)
        first_s, again_s, ogr_s = (statistics.median(x) for x in (firsts, agains, ogrs))
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM bench_ogr")
            assert cur.fetchone()[0] == args.households
        connection.close()

    n = args.households
    rows = [
        ("ogr2ogr -f PostgreSQL (COPY)", ogr_s, ogrs),
        ("import_households, empty table", first_s, firsts),
        ("import_households, re-import (unchanged)", again_s, agains),
    ]
    print(
        f"\n{n:,} households, {groups.created:,} village groups "
        f"(generated in {generate_s:.1f} s, groups imported in {groups_s:.1f} s)\n"
    )
    print(f"| step | seconds (median of {args.repeat}) | range | rows/s | ratio to ogr2ogr |")
    print("|---|---:|---:|---:|---:|")
    for step, seconds, runs in rows:
        print(
            f"| {step} | {seconds:.2f} | {min(runs):.2f}-{max(runs):.2f} | {n / seconds:,.0f} "
            f"| {seconds / ogr_s:.2f} |"
        )
    stats = first.stats
    print(
        f"\nimport_households (last run): checks and group assignment {stats.get('check_seconds')} s "
        f"of {stats.get('seconds')} s; {stats.get('in_group')} in a group, "
        f"{stats.get('snapped')} snapped, {stats.get('ungrouped')} without a group"
    )
    ok = first_s <= GOAL_SECONDS and first_s <= GOAL_RATIO * ogr_s
    print(
        f"goal (<= {GOAL_SECONDS:.0f} s and <= {GOAL_RATIO:.0f}x ogr2ogr): "
        f"{'met' if ok else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
