#!/usr/bin/env bash
# Refreshes gis/static/vendor/ from the npm registry (run by a developer, not by make).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
V=gis/static/vendor
( cd "$tmp" && npm pack -s leaflet.markercluster@1.5.3 leaflet.heat@0.2.0 @geoman-io/leaflet-geoman-free@2.17.0 \
    leaflet.vectorgrid@1.3.0 echarts@5.6.0 >/dev/null
  for f in *.tgz; do mkdir -p "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done )
cp "$tmp"/leaflet.markercluster-1.5.3/package/dist/{leaflet.markercluster.js,leaflet.markercluster.js.map,MarkerCluster.css,MarkerCluster.Default.css} $V/markercluster/
cp "$tmp"/leaflet.heat-0.2.0/package/dist/leaflet-heat.js $V/leaflet-heat/
cp "$tmp"/geoman-io-leaflet-geoman-free-2.17.0/package/dist/{leaflet-geoman.js,leaflet-geoman.js.map,leaflet-geoman.css,leaflet-geoman.css.map} $V/geoman/
mkdir -p $V/vectorgrid
cp "$tmp"/leaflet.vectorgrid-1.3.0/package/dist/Leaflet.VectorGrid.bundled.{js,js.map} $V/vectorgrid/
mkdir -p $V/echarts
cp "$tmp"/echarts-5.6.0/package/dist/echarts.common.min.js "$tmp"/echarts-5.6.0/package/LICENSE $V/echarts/
