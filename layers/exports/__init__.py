"""GIS exports of grids, member areas, village groups and households (GeoPackage, zipped
Shapefile, GeoJSON, KML, XLSX) in EPSG:4326 or EPSG:4490."""
