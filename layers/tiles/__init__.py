"""Vector tiles (Mapbox Vector Tiles) of the grid maps: ``/tiles/<layer>/<z>/<x>/<y>.pbf``.

Each layer is declared once (``registry.TileLayer``: a scoped queryset, the fields a map
needs, its zooms); ``mvt`` writes a tile with PostGIS; ``cache`` keeps tiles per scope
under the townships' data stamps and answers ETags. New layers (incidents, overlays)
``register`` a declaration from their app's ready(); nothing else changes.
"""

from .registry import POINT, POLYGON, TileLayer, UnknownLayer, layer_get, layers, register

__all__ = ["POINT", "POLYGON", "TileLayer", "UnknownLayer", "layer_get", "layers", "register"]
