"""Benchmark the county household export (CSV and XLSX) and the map search box, on a county
of 200,000 households.

usage: python bench/export_bench.py [--households 200000] [--db NAME] [--runs 3]

The county (``sample_data/generate.py``, seed 1, imported and partitioned township by
township: ``tiles_bench.load_county``) is loaded once into its own database
(``gridgis_export_bench``) and reused by later runs. Measured in this process through
Django's request handler (no network): for the export as county staff, the time to the
first byte and to the last, and the size, of the CSV and the XLSX now, and of the CSV as it
was made before (a correlated subquery per row for the grid and the member area, and every
household id listed in the access log before the first byte); for the search box, the time
of a few typical searches as county and township staff (median and worst of ``--runs``).

Prints markdown tables with the goal: first byte <= 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from tiles_bench import create_database, load_county, loaded, setup_django  # noqa: E402

DB = "gridgis_export_bench"
GOAL_FIRST_BYTE_S = 1.0


def timed_stream(chunks) -> tuple[float, float, int]:
    """(seconds to the first non-empty chunk, to the last, bytes)."""
    started = time.perf_counter()
    first, size = None, 0
    for chunk in chunks:
        if chunk and first is None:
            first = time.perf_counter() - started
        size += len(chunk)
    return first or 0.0, time.perf_counter() - started, size


def old_csv(user):
    """The export as it was: correlated subqueries, every id in the access log first."""
    import csv

    from django.db.models import OuterRef, Subquery

    from grids.models import GridAssignment
    from households.access import scope_for
    from households.models import AccessLog, Household
    from households.privacy import mask_id_number, mask_phone

    qs = Household.objects.for_scope(scope_for(user)).select_related("group__village")
    current = GridAssignment.objects.filter(
        household=OuterRef("pk"), version__valid_to__isnull=True
    )
    qs = qs.annotate(
        grid=Subquery(current.values("grid__code")[:1]),
        area=Subquery(current.values("member_area__number")[:1]),
    ).order_by("external_id")
    AccessLog.objects.create(
        user=user,
        action="export",
        path="/bench",
        household_ids=list(qs.values_list("pk", flat=True)),
    )

    class Echo:
        def write(self, value):
            return value

    writer = csv.writer(Echo())
    yield "\ufeff" + writer.writerow(["external_id", "head", "grid", "member_area"])
    for h in qs.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                h.external_id,
                h.head,
                mask_id_number(h.id_number),
                mask_phone(h.phone),
                h.address,
                h.group.village.name if h.group else "",
                h.grid or "",
                h.area or "",
            ]
        )


def export_table(user, runs: int) -> list[str]:
    from django.test import RequestFactory

    from layers import views

    rf = RequestFactory()

    def new(view, path):
        def chunks():
            request = rf.get(path)
            request.user = user
            response = view(request)
            assert response.status_code == 200, response.status_code
            yield from response.streaming_content

        return chunks

    cases = [
        ("CSV (now)", new(views.households_export, "/export/households.csv")),
        ("XLSX (now)", new(views.households_export_xlsx, "/export/households.xlsx")),
        ("CSV (before)", lambda: old_csv(user)),
    ]
    lines = [
        "| export, county staff | first byte (s) | total (s) | size (MB) | goal first byte |",
        "|---|---|---|---|---|",
    ]
    for name, make in cases:
        results = [timed_stream(make()) for _ in range(runs if "before" not in name else 1)]
        first = statistics.median(r[0] for r in results)
        total = statistics.median(r[1] for r in results)
        size = results[0][2] / 1e6
        ok = "ok" if first <= GOAL_FIRST_BYTE_S else "MISSED"
        lines.append(
            f"| {name} | {first:.2f} | {total:.1f} | {size:.1f} | ≤ {GOAL_FIRST_BYTE_S} s {ok} |"
        )
    return lines


def search_table(users: dict, runs: int) -> list[str]:
    from django.contrib.gis.db.models.functions import PointOnSurface  # noqa: F401

    from households.access import scope_for
    from households.models import Household
    from layers.search.selectors import search

    sample = Household.objects.order_by("external_id")[1000]
    queries = {
        "household number": sample.external_id,
        "head of household": sample.head,
        "a common character": "村",
        "grid code (3 digits)": "001",
        "no match": "不存在的名字",
    }
    lines = ["| search | role | median (ms) | worst (ms) | results |", "|---|---|---|---|---|"]
    for role, user in users.items():
        scope = scope_for(user)
        for what, q in queries.items():
            times, n = [], 0
            for _ in range(runs):
                started = time.perf_counter()
                n = len(search(scope, q))
                times.append((time.perf_counter() - started) * 1000)
            lines.append(
                f"| {what} | {role} | {statistics.median(times):.0f} | {max(times):.0f} | {n} |"
            )
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=200_000)
    ap.add_argument("--db", default=DB)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if not loaded(args.db):
        print(f"loading {args.households:,} households into {args.db} (once)…", flush=True)
        started = time.perf_counter()
        create_database(args.db)
        setup_django(args.db)
        load_county(args.households)
        print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
    else:
        setup_django(args.db)
    from django.contrib.auth.models import User

    from households.models import Household

    county = User.objects.get(username="bench-county")
    township = User.objects.get(username="bench-township")
    print(f"{Household.objects.count():,} households\n")
    print("\n".join(export_table(county, args.runs)) + "\n")
    print("\n".join(search_table({"county": county, "township": township}, args.runs)))


if __name__ == "__main__":
    main()
