/* The best new camera sites on the map: each site numbered by its rank, a circle of the
   distance a new camera is taken to see, and the households it would add (dots in the
   site's colour). Reads the page's #map-config (sites, covers, radius). */
(function () {
  "use strict";
  const COLORS = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999"];
  const esc = s => String(s == null ? "" : s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  document.addEventListener("gridmap:ready", e => {
    const map = e.detail.map, cfg = e.detail.config;
    const color = rank => COLORS[(rank - 1) % COLORS.length];
    // the households the sites would add, alone: the others stay in the layer switcher
    if (e.detail.overlays.households) map.removeLayer(e.detail.overlays.households);
    map.createPane("sites").style.zIndex = 650;
    const group = L.featureGroup().addTo(map);
    cfg.covers.forEach(c => L.circleMarker([c[1], c[0]], { pane: "sites", radius: 5, weight: 1, color: "#fff", fillColor: color(c[2]), fillOpacity: 1 }).addTo(group));
    cfg.sites.forEach(s => {
      L.circle([s.lat, s.lon], { pane: "sites", radius: cfg.radius, color: color(s.rank), weight: 2, fill: true, fillOpacity: 0.08, dashArray: "4 3" }).addTo(group);
      L.marker([s.lat, s.lon], { pane: "sites", icon: L.divIcon({ className: "site-label", html: String(s.rank), iconSize: [24, 24] }) })
        .bindPopup("<b>#" + s.rank + " " + esc(s.label) + "</b><br>+" + s.gained).addTo(group);
    });
    if (cfg.sites.length) map.fitBounds(group.getBounds().pad(0.5), { animate: false, maxZoom: 16 });
    document.body.dataset.sites = String(cfg.sites.length);
    document.body.dataset.covers = String(cfg.covers.length);
  });
})();
