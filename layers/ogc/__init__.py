"""OGC API - Features (Part 1 Core with GeoJSON and HTML, Part 2 CRS) at /ogc/ over the
collections of ``layers.collections``."""
