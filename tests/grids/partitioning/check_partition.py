"""Judge a partition written by the project's CLI against its inputs.

usage: check_partition.py HOUSEHOLDS GROUPS OUTDIR [--truth truth.json] [--json]

Copied into the repository from the check every developer has beside the project
(``../shared/checks/check_partition.py``), so that tests judge generated counties with
it without reading anything outside the repository. Changed only: the figures are
computed by ``figures(households, groups, out, truth=None)`` (a dict), which ``main``
prints as before.

Reads OUTDIR/grids.geojson and OUTDIR/assignments.csv (the contract of the
partitioner issue) and prints one JSON line of figures:
  accounted      every input household appears exactly once in assignments.csv
  strays_flagged households outside all groups left unassigned with a problem
  cross_village  grids whose households span more than one village
  noncontig      grids whose polygon has >1 part though none of its groups does
  in_band        share of grids with 40..60 households (grids of villages
                 whose whole total is < 40 are excluded: nothing can fix them)
  in_wide_band   share with 30..70
  groups_whole   share of village groups holding 40..60 households that lie
                 in exactly one grid (alone or merged with others)
  member_band    share of member groups with 8..12 households
  pp_mean        mean Polsby-Popper of grid polygons (metric CRS)
  overlap_m2     total pairwise overlap area of grid polygons
  gap_share      share of the groups' area not covered by any grid
  hh_outside     households not inside (or on) their grid's polygon
"""
import argparse, json, math, os, sys
from types import SimpleNamespace
import numpy as np
import pandas as pd
import geopandas as gpd
import shapely


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("households"); ap.add_argument("groups"); ap.add_argument("out")
    ap.add_argument("--truth")
    a = ap.parse_args()
    print(json.dumps(figures(a.households, a.groups, a.out, a.truth), ensure_ascii=False))


def figures(households, groups, out, truth=None):
    a = SimpleNamespace(households=households, groups=groups, out=out, truth=truth)
    hh = gpd.read_file(a.households)
    gg = gpd.read_file(a.groups)
    grids = gpd.read_file(os.path.join(a.out, "grids.geojson"))
    asg = pd.read_csv(os.path.join(a.out, "assignments.csv"), dtype=str, keep_default_na=False)
    metric = gg.estimate_utm_crs()
    hh["id"] = hh["id"].astype(str); gg["id"] = gg["id"].astype(str)
    gg["village_id"] = gg["village_id"].astype(str)
    hh_m, gg_m, grids_m = hh.to_crs(metric), gg.to_crs(metric), grids.to_crs(metric)
    f = {}
    ids = hh["id"].astype(str)
    counts = asg["household_id"].value_counts()
    f["accounted"] = bool(set(counts.index) == set(ids) and (counts == 1).all())
    asg = asg.set_index("household_id")
    assigned = asg[asg["grid_id"] != ""]
    unassigned = asg[asg["grid_id"] == ""]
    if a.truth:
        strays = set(json.load(open(a.truth))["strays"])
        f["strays_flagged"] = bool(strays <= set(unassigned.index))
        f["unassigned_other"] = int(len(set(unassigned.index) - strays))
    else:
        f["unassigned"] = int(len(unassigned))
    # which village each household is really in (point-in-polygon on inputs)
    j = gpd.sjoin(hh_m[["id", "geometry"]], gg_m[["id", "village_id", "geometry"]].rename(columns={"id": "gid"}),
                  predicate="intersects", how="left").drop_duplicates("id").set_index("id")
    a2 = assigned.join(j[["gid", "village_id"]], how="left")
    per_grid_villages = a2.groupby("grid_id")["village_id"].nunique()
    f["grids"] = int(len(grids))
    f["cross_village"] = int((per_grid_villages > 1).sum())
    sizes = a2.groupby("grid_id").size()
    village_total = j.dropna(subset=["village_id"]).groupby("village_id").size()
    grid_village = a2.groupby("grid_id")["village_id"].first()
    fixable = sizes[grid_village.map(village_total).fillna(0).reindex(sizes.index).values >= 40]
    f["in_band"] = round(float(((fixable >= 40) & (fixable <= 60)).mean()), 4) if len(fixable) else None
    f["in_wide_band"] = round(float(((fixable >= 30) & (fixable <= 70)).mean()), 4) if len(fixable) else None
    f["size_min"], f["size_median"], f["size_max"] = int(sizes.min()), float(sizes.median()), int(sizes.max())
    gsize = j.groupby("gid").size()
    mid = gsize[(gsize >= 40) & (gsize <= 60)].index
    grids_per_group = a2[a2["gid"].isin(mid)].groupby("gid")["grid_id"].nunique()
    f["groups_whole"] = round(float((grids_per_group == 1).mean()), 4) if len(grids_per_group) else None
    if "member_id" in a2.columns:
        m = a2[a2["member_id"] != ""].groupby("member_id").size()
        f["member_groups"] = int(len(m))
        f["member_band"] = round(float(((m >= 8) & (m <= 12)).mean()), 4) if len(m) else 0.0
        f["member_max"] = int(m.max()) if len(m) else 0
        f["hh_without_member"] = int((a2["member_id"] == "").sum())
    # geometry
    gid_col = "grid_id" if "grid_id" in grids_m.columns else grids_m.columns[0]
    grids_m[gid_col] = grids_m[gid_col].astype(str)
    grids_m = grids_m.set_index(gid_col)
    multipart_groups = set(gg.loc[shapely.get_num_geometries(gg.geometry.values) > 1, "id"].astype(str))
    groups_of_grid = a2.groupby("grid_id")["gid"].agg(lambda s: set(s.dropna()))
    nparts = shapely.get_num_geometries(grids_m.geometry.values)
    bad = 0
    for gid, n in zip(grids_m.index, nparts):
        if n > 1 and not (groups_of_grid.get(gid, set()) & multipart_groups):
            bad += 1
    f["noncontig"] = bad
    geoms = grids_m.geometry.values
    pp = 4 * math.pi * shapely.area(geoms) / np.maximum(shapely.length(geoms), 1e-9) ** 2
    f["pp_mean"] = round(float(np.mean(pp)), 4)
    tree = shapely.STRtree(geoms)
    pairs = tree.query(geoms, predicate="intersects")
    ov = 0.0
    for i, k in zip(*pairs):
        if i < k:
            ov += shapely.area(shapely.intersection(geoms[i], geoms[k]))
    f["overlap_m2"] = round(ov, 1)
    union_groups = shapely.union_all(gg_m.geometry.values)
    union_grids = shapely.union_all(geoms)
    f["gap_share"] = round(float(shapely.area(shapely.difference(union_groups, union_grids)) / shapely.area(union_groups)), 5)
    # households inside their grid polygon (1 m tolerance)
    hg = hh_m.set_index("id").loc[assigned.index.intersection(hh_m["id"])]
    poly = grids_m.geometry.reindex(assigned.loc[hg.index, "grid_id"].values).values
    ok = shapely.dwithin(hg.geometry.values, poly, 1.0)
    f["hh_outside"] = int((~ok).sum())
    return f


if __name__ == "__main__":
    main()
