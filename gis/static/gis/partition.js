/* Partition proposal page: progress polling, then the proposal (the run's GeoJSON) drawn
   over the villages and current grids (vector tiles, gis/tiles.js). */
(function () {
  "use strict";
  async function getJson(url) {
    const r = await fetch(url, { credentials: "same-origin" });
    if (!r.ok) throw new Error(url + ": " + r.status);
    return r.json();
  }

  function poll(cfg) {
    const statusEl = document.getElementById("run-status");
    if (!statusEl || !["queued", "running"].includes(statusEl.dataset.status)) return;
    const bar = document.getElementById("run-progress");
    const timer = setInterval(async () => {
      try {
        const s = await getJson(cfg.status);
        if (bar) { bar.max = s.total || 1; bar.value = s.done; }
        if (!["queued", "running"].includes(s.status)) { clearInterval(timer); location.reload(); }
      } catch { /* keep polling */ }
    }, 700);
  }

  window.partitionMap = {
    init: async function (map) {
      const cfg = JSON.parse(document.getElementById("map-config").textContent);
      const text = cfg.text;
      poll(cfg);
      map.attributionControl.setPrefix(false);
      window.gridMap.fit(map, cfg.bounds || cfg.extent, { padding: [10, 10] });  // the area partitioned
      const control = L.control.layers({}, {}, { collapsed: window.innerWidth < 700, autoZIndex: false }).addTo(map);
      // villages and the current grids from the vector tiles, under the proposal
      const T = window.gridTiles;
      const villageLayer = T.layer(map, cfg.tiles, "villages", { style: { color: "#333", weight: 2.5, fill: false, dashArray: "6 4", interactive: false }, zIndex: 2 }).addTo(map);
      const currentLayer = T.layer(map, cfg.tiles, "grids", { style: { color: "#555", weight: 1.5, dashArray: "3 4", fill: false, interactive: false }, zIndex: 1 }).addTo(map);
      const proposal = document.getElementById("diff") ? await getJson(cfg.proposal) : null;
      control.addOverlay(villageLayer, text.villages);
      control.addOverlay(currentLayer, text.current);
      if (proposal) {
        const layer = window.gridMap.gridLayer(proposal, text, f => f.properties.changed ? { weight: 3.5, fillOpacity: 0.35 } : {});
        layer.addTo(map);
        control.addOverlay(layer, text.proposal);
        let moved = null;
        if (document.getElementById("moved-list")) {
          try { moved = await getJson(cfg.moved); } catch { /* the proposal still shows */ }
        }
        if (moved) {  // existing households given another grid: what staff check before applying
          const movedLayer = L.geoJSON(moved, {
            pointToLayer: (f, latlng) => L.circleMarker(latlng, {
              radius: 6, color: "#7f1d1d", weight: 2, fillColor: "#f97316", fillOpacity: 0.95 }),
            onEachFeature: (f, l) => {
              const p = f.properties;
              const el = document.createElement("div");  // text nodes: names are data, not markup
              el.textContent = p.id + " " + p.head + ": " + p.from + " \u2192 " + p.to;
              l.bindPopup(el);
            },
          }).addTo(map);
          control.addOverlay(movedLayer, text.moved);
          document.getElementById("map").dataset.movedHouseholds = String(moved.features.length);
        }
        const out = proposal.memberAreasOutOfBand;
        if (out && out.features.length) {  // member areas with too few or too many households
          const outLayer = L.geoJSON(out, {
            pointToLayer: (f, latlng) => L.circleMarker(latlng, {
              radius: 9, color: "#6b21a8", weight: 3, dashArray: "3 2",
              fillColor: f.properties.state === "under" ? "#f39c12" : "#d73027", fillOpacity: 0.6 }),
            onEachFeature: (f, l) => {
              const p = f.properties;
              const el = document.createElement("div");  // text nodes: codes are data, not markup
              el.textContent = text.memberArea + " " + p.area + ": " + p.households + " " + text.householdsUnit +
                " (" + p.band[0] + "\u2013" + p.band[1] + ", " + text[p.state] + ")";
              l.bindPopup(el);
            },
          }).addTo(map);
          control.addOverlay(outLayer, text.memberOut);
        }
        document.getElementById("map").dataset.memberOut = String(out ? out.features.length : 0);
        if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { padding: [10, 10], animate: false });
        document.getElementById("map").dataset.proposalGrids = String(proposal.features.length);
      }
    },
  };
})();
