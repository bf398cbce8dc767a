"""Outlines that no table stores, written by PostGIS in the query that reads them."""

from django.contrib.gis.db.models import MultiPolygonField
from django.db.models.expressions import RawSQL

from grids.models import Grid, GridAssignment, MemberArea
from households.models import Household


def member_area_cells() -> RawSQL:
    """A member area's outline: the union of its households' Voronoi cells (ST_VoronoiPolygons
    of its grid's households, extended to the grid) clipped to its grid; the same cells the
    grid polygons are made of, so the areas of a grid tile it. Households at one point share
    a cell. The cells are united first and clipped once: clipping each cell to the grid's
    polygon took ten times longer."""
    area, grid = MemberArea._meta.db_table, Grid._meta.db_table
    assignment, household = GridAssignment._meta.db_table, Household._meta.db_table
    sql = f"""(
        SELECT ST_Multi(ST_CollectionExtract(ST_Intersection(ST_Union(cell.geom), g.geom), 3))
        FROM {grid} g
        CROSS JOIN LATERAL ST_Dump(ST_VoronoiPolygons(
            (SELECT ST_Collect(h.location) FROM {assignment} a
             JOIN {household} h ON h.id = a.household_id WHERE a.grid_id = g.id),
            0.0, g.geom)) AS cell
        WHERE g.id = "{area}"."grid_id"
          AND EXISTS (SELECT 1 FROM {assignment} a2 JOIN {household} h2 ON h2.id = a2.household_id
                      WHERE a2.member_area_id = "{area}"."id"
                        AND ST_Intersects(cell.geom, h2.location))
        GROUP BY g.id
    )"""
    return RawSQL(sql, (), output_field=MultiPolygonField(srid=4326))
