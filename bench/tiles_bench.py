"""Benchmark the vector tiles against the GeoJSON endpoints, on a county of 200,000 households.

usage: python bench/tiles_bench.py [--households 200000] [--port 8793] [--db NAME] [--samples 40]

The county (``sample_data/generate.py``, seed 1) is loaded once into its own database
(``gridgis_tiles_bench``: the real importers, then the partition service township by
township); a later run finds it there and reuses it. The site is served by gunicorn (two
workers, as ``make serve``) with its own cache folder, emptied at the start. Measured:

- tiles: for each layer and zoom 10-17, ``--samples`` tiles over the biggest township's
  households, fetched as its township staff; the first fetch of each (made by PostGIS,
  "cold") and a second one (from the cache, "warm"): median and 95th percentile;
- the GeoJSON endpoints the township map loaded before tiles (villages, groups, households,
  grids of the biggest township) side by side: time and size of each answer;
- Chromium (Debian's): the township map's first paint (navigation to "gridmap:ready", every
  layer's tiles of the view drawn), the county view (the same map fitted to the county:
  until its tiles are drawn) and the township editor of the biggest township (navigation
  to the editor's ready event), each cold (empty cache) and warm; and the map as it was
  drawn from the GeoJSON endpoints (the same four answers, Leaflet's GeoJSON layers and
  markercluster, run in the same page), for comparison.

Prints markdown tables with the goals: p95 <= 30 ms a tile, county view <= 1.5 s, editor
<= 2 s.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from editor_bench import CHROMIUM_ARGS, create_database, db_url, wait_up  # noqa: E402

DB = "gridgis_tiles_bench"
PASSWORD = "bench-tiles-1"
GOAL_TILE_MS = 30.0
GOAL_COUNTY_S = 1.5
GOAL_EDITOR_S = 2.0
ZOOMS = range(10, 18)


def loaded(db: str) -> bool:
    out = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            db,
            "-tAc",
            "SELECT count(*) FROM grids_gridversion",
        ],
        capture_output=True,
        text=True,
    )
    return out.returncode == 0 and out.stdout.strip() not in ("", "0")


def load_county(n: int) -> None:
    """Generate, import and partition the county (in this process, Django set up on the
    bench database); township staff of the biggest township and a county user."""
    import importlib.util

    from django.contrib.auth.models import User
    from django.db.models import Count

    from grids import services
    from households.importing import import_households, import_village_groups
    from households.models import Role, Township, UserArea

    spec = importlib.util.spec_from_file_location("gen", ROOT / "sample_data" / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    with tempfile.TemporaryDirectory() as tmp:
        gen.write_county(gen.build_county(n, seed=1), tmp)
        import_village_groups(Path(tmp) / "village_groups.geojson")
        import_households(Path(tmp) / "households.csv")
    for township in Township.objects.order_by("code"):
        run = services.partition_run_create(scope="township", code=township.code, workers=2)
        services.partition_run_apply(services.partition_run_compute(run))
    biggest = (
        Township.objects.annotate(n=Count("villages__groups__households")).order_by("-n").first()
    )
    for name, role, area in (
        ("bench-township", Role.TOWNSHIP, {"township": biggest}),
        ("bench-county", Role.COUNTY, {}),
    ):
        user = User.objects.create_user(name, password=PASSWORD)
        UserArea.objects.create(user=user, role=role, **area)


def setup_django(db: str) -> None:
    os.environ.update(DATABASE_URL=db_url(db), DJANGO_SETTINGS_MODULE="gis.settings.dev")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return (
        int((lon + 180) / 360 * n),
        int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n),
    )


def sample_tiles(code: str, samples: int) -> dict[int, list[tuple[int, int]]]:
    """Per zoom, up to ``samples`` distinct tiles holding households of the township."""
    import random

    from households.models import Household

    points = list(
        Household.objects.filter(group__village__township__code=code).values_list(
            "location", flat=True
        )
    )
    rng = random.Random(0)
    rng.shuffle(points)
    out = {}
    for z in ZOOMS:
        seen = []
        for p in points:
            t = tile_of(p.x, p.y, z)
            if t not in seen:
                seen.append(t)
            if len(seen) == samples:
                break
        out[z] = seen
    return out


class Session:
    """A logged-in HTTP client (cookies by hand: urllib only)."""

    def __init__(self, base: str, username: str):
        self.base = base
        jar = __import__("http.cookiejar").cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = self.opener.open(base + "/accounts/login/").read().decode()
        token = page.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
        data = urllib.parse.urlencode(
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token}
        ).encode()
        self.opener.open(urllib.request.Request(base + "/accounts/login/", data=data)).read()
        self.cookies = [{"name": c.name, "value": c.value, "url": base} for c in jar]

    def get(self, path: str) -> tuple[float, int]:
        """Seconds to the whole body, and its size as sent (gzip when offered)."""
        request = urllib.request.Request(self.base + path, headers={"Accept-Encoding": "gzip"})
        started = time.perf_counter()
        body = self.opener.open(request).read()
        return time.perf_counter() - started, len(body)


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, math.ceil(q * len(values)) - 1)]


def tile_table(session: Session, tiles: dict, layers) -> list[str]:
    lines = [
        "| layer | zoom | tiles | cold median ms | cold p95 ms | warm median ms | warm p95 ms | KB (gzip) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    cold_all, warm_all = [], []
    for name, layer in layers.items():
        for z, coords in tiles.items():
            if not layer.serves(z):
                continue
            cold, warm, size = [], [], []
            for x, y in coords:
                t, n = session.get(f"/tiles/{name}/{z}/{x}/{y}.pbf")
                cold.append(t * 1000)
                size.append(n)
                warm.append(session.get(f"/tiles/{name}/{z}/{x}/{y}.pbf")[0] * 1000)
            cold_all += cold
            warm_all += warm
            lines.append(
                f"| {name} | {z} | {len(coords)} | {statistics.median(cold):.1f} | "
                f"{pct(cold, 0.95):.1f} | {statistics.median(warm):.1f} | {pct(warm, 0.95):.1f} | "
                f"{statistics.mean(size) / 1024:.1f} |"
            )
    lines.append(
        f"| **all** | 10-17 | {len(cold_all)} | {statistics.median(cold_all):.1f} | "
        f"**{pct(cold_all, 0.95):.1f}** | {statistics.median(warm_all):.1f} | "
        f"**{pct(warm_all, 0.95):.1f}** | goal p95 <= {GOAL_TILE_MS:.0f} |"
    )
    return lines


def geojson_table(session: Session, code: str) -> list[str]:
    lines = ["| GeoJSON endpoint | seconds | MB (gzip) |", "|---|---|---|"]
    for layer in ("villages", "groups", "households", "grids"):
        t, n = session.get(f"/api/townships/{code}/{layer}.geojson")
        lines.append(f"| {layer}.geojson | {t:.2f} | {n / 1e6:.2f} |")
    return lines


OLD_MAP = """async ([code]) => {  // the township map as map.js drew it from GeoJSON until tiles
  const t0 = performance.now();
  const get = n => fetch(`/api/townships/${code}/${n}.geojson`, {credentials: "same-origin"}).then(r => r.json());
  const [villages, groups, households, grids] = await Promise.all(["villages", "groups", "households", "grids"].map(get));
  const map = gridMap.map;
  Object.values(gridMap.overlays).forEach(l => map.removeLayer(l));
  const v = L.geoJSON(villages).addTo(map); L.geoJSON(grids).addTo(map); L.geoJSON(groups);
  const c = L.markerClusterGroup({ disableClusteringAtZoom: 17, chunkedLoading: true });
  c.addLayer(L.geoJSON(households, { pointToLayer: (f, ll) => L.circleMarker(ll, {radius: 5}) }));
  c.addTo(map); map.fitBounds(v.getBounds(), {animate: false});
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return (performance.now() - t0) / 1000;
}"""

COUNTY_VIEW = """async ([e]) => {
  const t0 = performance.now();
  gridMap.fit(gridMap.map, e);
  await gridTiles.loaded(Object.values(gridMap.overlays).filter(l => l._map));
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  return (performance.now() - t0) / 1000;
}"""


def browser_table(
    base: str, session: Session, county: Session, code: str, extent, clear
) -> list[str]:
    from playwright.sync_api import sync_playwright

    lines = ["| page (Chromium, 1366x850) | cold s | warm s | goal |", "|---|---|---|---|"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)

        def open_page(who: Session):
            context = browser.new_context(viewport={"width": 1366, "height": 850})
            context.add_cookies(who.cookies)
            return context, context.new_page()

        def timed(who, path, ready, after=None):
            out = []
            for _ in range(2):  # cold, then warm
                context, page = open_page(who)
                page.goto(base + path)
                page.wait_for_selector(ready, timeout=120_000)
                out.append(after(page) if after else page.evaluate("performance.now()") / 1000)
                context.close()
            return out

        clear()
        m = timed(session, f"/townships/{code}/map/", "#map-status[data-households]")
        lines.append(f"| township map, first paint from tiles | {m[0]:.2f} | {m[1]:.2f} | |")
        clear()

        def county_view(page):
            page.wait_for_timeout(300)
            return page.evaluate(COUNTY_VIEW, [extent])

        c = timed(county, f"/townships/{code}/map/", "#map-status[data-households]", county_view)
        lines.append(
            f"| county view (county staff), tiles drawn | {c[0]:.2f} | {c[1]:.2f} | <= {GOAL_COUNTY_S} |"
        )
        clear()
        e = timed(session, f"/townships/{code}/editor/", "body[data-editor-ready]")
        lines.append(
            f"| township editor, interactive | {e[0]:.2f} | {e[1]:.2f} | <= {GOAL_EDITOR_S} |"
        )
        context, page = open_page(session)
        page.goto(base + f"/townships/{code}/map/")
        page.wait_for_selector("#map-status[data-households]", timeout=120_000)
        page.add_script_tag(url="/static/vendor/markercluster/leaflet.markercluster.js")
        old = page.evaluate(OLD_MAP, [code])
        context.close()
        lines.append(f"| township map from GeoJSON (before tiles) | {old:.2f} | | |")
        browser.close()
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=200_000)
    ap.add_argument("--port", type=int, default=8793)
    ap.add_argument("--db", default=DB)
    ap.add_argument("--samples", type=int, default=40)
    ap.add_argument("--load-only", action="store_true", help="load the county, measure nothing")
    ap.add_argument("--pages-only", action="store_true", help="only the Chromium page timings")
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
    if args.load_only:
        return
    from django.contrib.gis.db.models import Extent
    from django.db.models import Count

    from households.models import Household, Township
    from layers.tiles import layers

    township = (
        Township.objects.annotate(n=Count("villages__groups__households")).order_by("-n").first()
    )
    extent = list(Household.objects.aggregate(e=Extent("location"))["e"])
    tiles = {} if args.pages_only else sample_tiles(township.code, args.samples)
    cache_dir = Path(tempfile.mkdtemp(prefix="tiles-bench-cache-"))
    env = dict(
        os.environ,
        DATABASE_URL=db_url(args.db),
        DJANGO_SETTINGS_MODULE="gis.settings.dev",
        GIS_CACHE_DIR=str(cache_dir),
        GIS_BASEMAP="none",
    )
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "gis.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )

    def clear():
        shutil.rmtree(cache_dir, ignore_errors=True)

    try:
        wait_up(base + "/accounts/login/")
        households = Household.objects.filter(group__village__township=township).count()
        print(
            f"\n{Household.objects.count():,} households; biggest township {township.name} "
            f"({township.code}): {households:,} households\n"
        )
        staff, county = Session(base, "bench-township"), Session(base, "bench-county")
        clear()
        if not args.pages_only:
            print("\n".join(tile_table(staff, tiles, layers())), "\n", flush=True)
            print("\n".join(geojson_table(staff, township.code)), "\n", flush=True)
        print("\n".join(browser_table(base, staff, county, township.code, extent, clear)))
    finally:
        server.terminate()
        server.wait(timeout=30)
        clear()


if __name__ == "__main__":
    main()
