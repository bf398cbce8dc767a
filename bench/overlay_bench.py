"""Overlay benchmark: camera coverage, best new sites and service reach on the demo county.

Run as ``.venv/bin/python bench/overlay_bench.py`` (DJANGO_SETTINGS_MODULE=gis.settings.dev)
after ``make demo`` (the demo county: ~20,000 households, ~260 cameras, ~140 service
points; the cameras and service points are added here if the demo has none). Read-only.

Timed (``--repeat`` runs each, median and p95), county-wide as county staff see it:
coverage shares per township, village and grid (the county dashboard's column: <= 300 ms
each), the households outside every camera's view (count), the best 10 new sites of the
biggest township (<= 2 s, the page's answer), the service reach of its grids (<= 1 s),
and a tile of the camera sectors at zoom 15 over a village centre (<= 30 ms, the tiles'
target). Baseline in the same run: ``count(*)`` of the households.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS_MS = {
    "shares township": 300,
    "shares village": 300,
    "shares grid": 300,
    "best sites": 2000,
    "service reach": 1000,
    "sector tile": 30,
}


def timed(fn, repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    runs.sort()
    return statistics.median(runs), runs[min(len(runs) - 1, int(0.95 * len(runs)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gis.settings.dev")
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count

    from households.access import Scope
    from households.models import Household, Role, Township
    from households.scoping import COUNTY
    from layers.demo.overlays import overlays_load
    from layers.overlays.coverage import coverage_shares, households_uncovered
    from layers.overlays.models import Camera
    from layers.overlays.selectors import best_sites, service_reach
    from layers.tiles import layer_get
    from layers.tiles.mvt import tile_bytes

    if not Household.objects.exists():
        sys.exit("no households: run `make demo` first")
    overlays_load(20260101)
    scope = Scope(COUNTY, role=Role.ADMIN)
    biggest = (
        Township.objects.annotate(n=Count("villages__groups__households")).order_by("-n").first()
    )
    c = Camera.objects.filter(township=biggest).first().location
    import math

    z = 15
    x = int((c.x + 180) / 360 * 2**z)
    y = int((1 - math.asinh(math.tan(math.radians(c.y))) / math.pi) / 2 * 2**z)
    km = settings.OVERLAY_SERVICE_REACH_KM
    cases = {
        "count(*) households (baseline)": lambda: Household.objects.count(),
        "shares township": lambda: list(coverage_shares("township", scope)),
        "shares village": lambda: list(coverage_shares("village", scope)),
        "shares grid": lambda: list(coverage_shares("grid", scope)),
        "uncovered households": lambda: households_uncovered(scope).count(),
        "best sites": lambda: best_sites(biggest, 10),
        "service reach": lambda: list(service_reach(scope, biggest, km)),
        "sector tile": lambda: tile_bytes(layer_get("camera_sectors"), scope, z, x, y),
    }
    print(
        f"{Household.objects.count()} households, {Camera.objects.count()} cameras; "
        f"biggest township {biggest.name}\n"
    )
    print("| query | median ms | p95 ms | target ms |\n|---|---|---|---|")
    for name, fn in cases.items():
        median, p95 = timed(fn, args.repeat)
        target = TARGETS_MS.get(name)
        flag = "" if target is None or p95 <= target else " ✗"
        print(f"| {name} | {median:.1f} | {p95:.1f} | {target or ''}{flag} |")


if __name__ == "__main__":
    main()
