/* Vector tiles of the site (/tiles/<layer>/<z>/<x>/<y>.pbf) as Leaflet layers, drawn by the
   vendored Leaflet.VectorGrid (SVG renderer), with popups, tooltips and counts.

   gridTiles.layer(map, template, name, options) -> L.VectorGrid.Protobuf, where options:
     style: Path options, or a function (properties, zoom) -> options ([] draws nothing);
     popup, tooltip: functions (properties) -> HTML, opened where the pointer is;
     click: function (properties, event), instead of a popup;
     counts: true to draw a layer's per-cell counts (features with `n`) as cluster badges
       (the CSS of Leaflet.markercluster), a click zooming in;
     featureId: a function (properties) -> id, for setFeatureStyle(id, style);
     minZoom, maxZoom, zIndex, pane: as for a GridLayer;
     big: true to draw 512-pixel tiles from the tiles of the zoom below (a quarter of the
       requests for a view; a tile unit is then 1/8 pixel, still finer than the screen).
   gridTiles.drawn(layer, key, keep) lists the distinct values of properties[key] in the
   tiles the layer has loaded (what is on the map; `keep`: a filter of properties), gridTiles.loaded(layers) resolves when each
   has loaded its first tiles. Leaflet.VectorGrid predates Leaflet 1.8: its symbolizers
   have no map, so Leaflet's own bindPopup/bindTooltip cannot open on them; popups and
   tooltips open here at the event's position instead. */
(function () {
  "use strict";
  const TILE = 256;

  function pointOf(map, coords, extent, p) {
    return map.unproject([coords.x * TILE + (p.x * TILE) / extent, coords.y * TILE + (p.y * TILE) / extent], coords.z);
  }

  function latlngOf(map, e) {
    return e.latlng || map.mouseEventToLatLng(e.originalEvent);
  }

  function badge(n) {
    const size = n < 10 ? "small" : n < 100 ? "medium" : "large";  // markercluster's classes
    return L.divIcon({ html: "<div><span>" + n + "</span></div>", className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40) });
  }

  function layer(map, template, name, options) {
    const o = options || {};
    const styles = {};
    styles[name] = o.style || {};
    const grid = L.vectorGrid.protobuf(template.replace("LAYER", name), {
      vectorTileLayerStyles: styles,
      interactive: !!(o.popup || o.tooltip || o.click),
      fetchOptions: { credentials: "same-origin" },
      minZoom: o.minZoom, maxZoom: o.maxZoom, zIndex: o.zIndex, pane: o.pane || "overlayPane",
      tileSize: o.big ? 2 * TILE : TILE,
      getFeatureId: o.featureId ? f => o.featureId(f.properties) : undefined,
    });
    grid._gridData = {};  // tile key -> properties of its features
    // Its point symbolizers are circle markers with no position of their own, and Leaflet
    // (1.8+) takes a small circle's event position from getLatLng(): without it, events
    // are placed where the pointer is.
    const createLayer = grid._createLayer;
    grid._createLayer = function (feat, pxPerExtent) {
      const symbol = createLayer.call(grid, feat, pxPerExtent);
      if (feat.type === 1) symbol.getLatLng = undefined;
      return symbol;
    };
    const counts = o.counts ? L.layerGroup() : null;
    const badges = {};
    const fetchTile = grid._getVectorTilePromise;
    grid._getVectorTilePromise = function (coords) {
      // a 512-pixel tile at zoom z covers the 256-pixel tile x, y of zoom z - 1
      const src = o.big ? { x: coords.x, y: coords.y, z: coords.z - 1 } : coords;
      // a tile that could not be fetched is drawn empty (the layer still finishes loading)
      return fetchTile.call(grid, src).catch(() => ({ layers: {} })).then(tile => {
        const key = grid._tileCoordsToKey(coords);
        const data = tile.layers[name];
        grid._gridData[key] = data ? data.features.map(f => f.properties) : [];
        if (counts && data) {
          badges[key] = data.features.filter(f => f.properties.n).map(f => {
            const at = pointOf(map, src, data.extent, f.geometry[0][0]);
            return L.marker(at, { icon: badge(f.properties.n), keyboard: false })
              .on("click", () => map.setView(at, Math.max(map.getZoom() + 2, 14)))
              .addTo(counts);
          });
        }
        return tile;
      });
    };
    grid.on("tileunload", e => {
      const key = grid._tileCoordsToKey(e.coords);
      delete grid._gridData[key];
      (badges[key] || []).forEach(m => counts.removeLayer(m));
      delete badges[key];
    });
    if (counts) {
      grid.on("add", () => counts.addTo(map));
      grid.on("remove", () => counts.remove());
    }
    if (o.click || o.popup) {
      grid.on("click", e => {
        const p = e.layer.properties;
        if (o.click) o.click(p, e);
        else map.openPopup(o.popup(p), latlngOf(map, e));
      });
    }
    if (o.tooltip) {
      const tip = L.tooltip({ sticky: true, direction: "top", offset: [0, -6] });
      grid.on("mouseover", e => map.openTooltip(tip.setContent(o.tooltip(e.layer.properties)).setLatLng(latlngOf(map, e))));
      grid.on("mouseout", () => map.closeTooltip(tip));
    }
    return grid;
  }

  function drawn(grid, key, keep) {
    const seen = new Set();
    Object.values(grid._gridData || {}).forEach(list => list.forEach(p => {
      if (p[key] !== undefined && (!keep || keep(p))) seen.add(p[key]);
    }));
    return Array.from(seen);
  }

  /* Resolves once every layer has loaded the tiles of the view (call it after the view
     is set; a layer with nothing to load at this zoom is done at once). */
  function loaded(grids) {
    return Promise.all(grids.map(g => (g.isLoading() ? new Promise(resolve => g.once("load", resolve)) : null)));
  }

  window.gridTiles = { layer: layer, drawn: drawn, loaded: loaded, pointOf: pointOf };
})();
