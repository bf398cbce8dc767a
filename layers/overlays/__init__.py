"""Overlay layers from other departments: cameras (雪亮工程) with their view sectors, service
points, and uploaded vector layers; camera coverage, the best new camera sites, and the
reach of service points. Drawn through the site's vector tiles (``layers.tiles``), served
as collections (``layers.collections``), scoped like every other model."""
