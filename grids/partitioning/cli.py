"""Command line: ``python -m grids.partitioning HOUSEHOLDS GROUPS --out DIR [...]``.

Reads any vector file GDAL reads (pyogrio) or a CSV with lon/lat columns
(EPSG:4326), runs :func:`~grids.partitioning.partition` and writes
``DIR/grids.geojson``, ``DIR/assignments.csv`` and ``DIR/summary.json``, and prints a
one-line summary. A village the partitioner cannot partition is listed in
``summary.json`` (``failed_villages``: village, reason, detail) and on stderr; the other
villages' outputs are written all the same.
Exit codes: 0 ok, 1 data error (message on stderr), 2 usage error (argparse),
3 some villages failed (the others written).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from .core import partition
from .params import ERR_FILE, ERR_MISSING_COLUMN, PartitionError, PartitionParams

log = logging.getLogger(__name__)
LON_COLUMNS = ("lon", "lng", "longitude", "x")
LAT_COLUMNS = ("lat", "latitude", "y")


HOUSEHOLD_COLUMNS = ("id", "group_id")  # all the partitioner reads of a household
EXIT_VILLAGES_FAILED = 3


def read_vector(
    path: str, *, table: str, csv_points: bool = False, columns: tuple[str, ...] | None = None
) -> gpd.GeoDataFrame:
    """Read a vector file (or, for households, a lon/lat CSV) into a GeoDataFrame.

    ``columns``: read only those of these attribute columns the file has (a missing
    one is then reported by the partitioner's own checks). A household register carries
    names, ID numbers and addresses the partitioner never uses; not decoding them took
    the read of a 200k GeoPackage from 1.1 to 0.4 s.
    """
    p = Path(path)
    if not p.exists():
        raise PartitionError(ERR_FILE.format(path=path, reason="no such file"))
    if csv_points and p.suffix.lower() == ".csv":
        wanted = None
        if columns is not None:
            keep = {c.lower() for c in (*columns, *LON_COLUMNS, *LAT_COLUMNS)}
            wanted = lambda c: c.lower() in keep  # noqa: E731
        df = pd.read_csv(
            p,
            dtype={"id": str, "group_id": str},
            keep_default_na=False,
            na_values={"lon": [""], "lat": [""]},
            usecols=wanted,
        )
        cols = {c.lower(): c for c in df.columns}
        lon = next((cols[c] for c in LON_COLUMNS if c in cols), None)
        lat = next((cols[c] for c in LAT_COLUMNS if c in cols), None)
        if lon is None or lat is None:
            missing = "lon" if lon is None else "lat"
            raise PartitionError(ERR_MISSING_COLUMN.format(table=table, column=missing))
        x = pd.to_numeric(df[lon], errors="coerce")
        y = pd.to_numeric(df[lat], errors="coerce")
        return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(x, y), crs="EPSG:4326")
    try:
        if columns is not None:
            fields = set(pyogrio.read_info(p)["fields"].tolist())
            return pyogrio.read_dataframe(p, columns=[c for c in columns if c in fields])
        return pyogrio.read_dataframe(p)
    except Exception as exc:  # pyogrio raises several DataSource errors
        raise PartitionError(ERR_FILE.format(path=path, reason=exc)) from exc


_CSV_SPECIAL = (",", '"', "\n", "\r")


def write_assignments(df: pd.DataFrame, path: Path) -> None:
    """``df.to_csv(path, index=False)``, joined by hand when no field needs quoting
    (the common case: pandas' writer took ~0.5 s on a 200k county)."""
    cols = [df[c].to_numpy(object) for c in df.columns]
    plain = all(isinstance(c, str) and not any(ch in c for ch in _CSV_SPECIAL) for c in df.columns)
    if plain:
        for c in cols:
            if set(map(type, c.tolist())) - {str}:
                plain = False
                break
            joined = "\x00".join(c.tolist())
            if any(ch in joined for ch in _CSV_SPECIAL):
                plain = False
                break
    if not plain:
        df.to_csv(path, index=False)
        return
    lines = [",".join(df.columns)]
    lines += map(",".join, zip(*(c.tolist() for c in cols)))
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(lines))
        f.write("\n")


_GEOJSON_HEAD = (
    '{{\n"type": "FeatureCollection",\n"name": {name},\n'
    '"crs": {{ "type": "name", "properties": {{ "name": "urn:ogc:def:crs:OGC:1.3:CRS84" }} }},\n'
    '"features": [\n'
)


def write_grids(grids: gpd.GeoDataFrame, path: Path) -> None:
    """``pyogrio.write_dataframe(grids, path, driver="GeoJSON")``, written directly
    when the grids are non-empty polygons in EPSG:4326 with str/int properties.

    Same layout as GDAL's GeoJSON driver; the coordinates are GEOS's shortest
    round-trip text (``shapely.to_geojson``) instead of GDAL's 15 decimals, so
    they read back to the same doubles. GDAL took ~0.4 s on a 200k county.
    """
    geoms = grids.geometry.to_numpy()
    props = [c for c in grids.columns if c != grids.geometry.name]
    values = [grids[c].to_numpy(object).tolist() for c in props]
    direct = (
        grids.crs is not None
        and grids.crs.to_epsg() == 4326
        and len(geoms) > 0
        and not (shapely.is_missing(geoms) | shapely.is_empty(geoms)).any()
        and all(set(map(type, v)) <= {str, int} for v in values)
    )
    if not direct:
        pyogrio.write_dataframe(grids, path, driver="GeoJSON")
        return
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    keys = [dumps(str(c)) + ": " for c in props]
    feats = [
        '{ "type": "Feature", "properties": { '
        + ", ".join(k + dumps(v) for k, v in zip(keys, row))
        + ' }, "geometry": '
        + g
        + " }"
        for row, g in zip(zip(*values), shapely.to_geojson(geoms).tolist())
    ]
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(_GEOJSON_HEAD.format(name=dumps(Path(path).stem)))
        f.write(",\n".join(feats))
        f.write("\n]\n}\n")


def _band(text: str) -> tuple[int, int]:
    try:
        lo, hi = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LO,HI (two integers), got {text!r}") from None
    return lo, hi


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="python -m grids.partitioning",
        description="Partition households into grids and member areas.",
    )
    ap.add_argument("households", help="household points (vector file, or CSV with lon/lat)")
    ap.add_argument(
        "groups", help="village group polygons with columns id, village_id (or village_code)"
    )
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--target", type=int, default=50)
    ap.add_argument("--band", type=_band, default=(40, 60))
    ap.add_argument("--member-target", type=int, default=10)
    ap.add_argument("--member-band", type=_band, default=(8, 12))
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--previous", help="earlier assignments.csv (incremental mode)")
    return ap


def main(argv: list[str] | None = None) -> int:
    ap = build_parser()
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    t0 = time.perf_counter()
    bar = None
    try:
        params = PartitionParams(
            target=args.target,
            band=args.band,
            member_target=args.member_target,
            member_band=args.member_band,
        )
        if args.workers < 1:
            ap.error("--workers must be >= 1")
        households = read_vector(
            args.households, table="households", csv_points=True, columns=HOUSEHOLD_COLUMNS
        )
        groups = read_vector(args.groups, table="groups")
        if "village_id" not in groups.columns and "village_code" in groups.columns:
            # the project's own group files (importer columns) name the village by its code
            groups = groups.rename(columns={"village_code": "village_id"})
        previous = None
        if args.previous:
            if not Path(args.previous).exists():
                raise PartitionError(ERR_FILE.format(path=args.previous, reason="no such file"))
            previous = pd.read_csv(args.previous, dtype=str, keep_default_na=False)
        progress = None
        if sys.stderr.isatty():
            from tqdm import tqdm

            bar = tqdm(total=0, unit="village", file=sys.stderr)

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

        result = partition(
            households,
            groups,
            params=params,
            previous=previous,
            workers=args.workers,
            seed=args.seed,
            progress=progress,
        )
    except PartitionError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if bar is not None:
            bar.close()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    grids = result.grids
    if len(grids):
        write_grids(grids, out / "grids.geojson")
    else:
        (out / "grids.geojson").write_text('{"type": "FeatureCollection", "features": []}\n')
    write_assignments(result.assignments, out / "assignments.csv")
    summary = dict(result.summary)
    summary["total_seconds"] = round(time.perf_counter() - t0, 3)
    (out / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1) + "\n")
    log.info("wrote %s", out)
    print(summary_line(summary))
    for f in result.failures:
        print(f"village {f.village_id} failed: {f.reason} ({f.detail})", file=sys.stderr)
    return EXIT_VILLAGES_FAILED if result.failures else 0


def summary_line(summary: dict) -> str:
    """One line for the terminal: counts, band share, failed villages."""
    band = summary.get("in_band")
    text = (
        f"{summary.get('assigned', 0)} of {summary.get('households', 0)} households in "
        f"{summary.get('grids', 0)} grids ({summary.get('villages', 0)} villages); "
        f"in band {'-' if band is None else f'{band:.1%}'}"
    )
    failed = summary.get("failed_villages") or []
    if failed:
        text += f"; {len(failed)} villages failed: " + ", ".join(f["village_id"] for f in failed)
    return text
