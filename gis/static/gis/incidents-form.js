/* Incident pages: the report form's map (the phone's position, a tap on the map, or
   coordinates pasted from a map app in GCJ-02, converted on the server), the incident page's
   small map, and the tracking-code box. Works with no basemap reachable. */
(function () {
  "use strict";

  function baseMap(id, cfg) {
    const map = L.map(id, { zoomControl: true });
    map.attributionControl.setPrefix(false);
    const bases = window.gridMap.basemaps(cfg.basemaps, cfg.text);
    bases.initial.addTo(map);
    L.control.layers(bases.layers, {}, { collapsed: true }).addTo(map);
    return map;
  }

  function reportForm() {
    const form = document.getElementById("report-form");
    const raw = document.getElementById("report-config");
    if (!form || !raw) return;
    const cfg = JSON.parse(raw.textContent), text = cfg.text;
    const map = baseMap("report-map", cfg);
    const e = cfg.extent;
    map.fitBounds([[e[1], e[0]], [e[3], e[2]]], { animate: false });
    const field = n => form.querySelector("[name=" + n + "]");
    const where = document.getElementById("where-text");
    let pin = null;
    function set(lat, lon, how, crs, label) {
      field("lon").value = Number(lon).toFixed(7); field("lat").value = Number(lat).toFixed(7);
      field("located_by").value = how; field("crs").value = crs;
      const ll = L.latLng(lat, lon);
      if (pin) pin.setLatLng(ll); else pin = L.marker(ll, {
        icon: L.divIcon({ className: "visit-pin", html: "📍", iconSize: [22, 22], iconAnchor: [11, 22] }),
      }).addTo(map);
      where.textContent = label + ": " + field("lat").value + ", " + field("lon").value;
    }
    map.on("click", ev => set(ev.latlng.lat, ev.latlng.lng, "map", "EPSG:4326", text.here));
    document.getElementById("use-location").addEventListener("click", () => {
      if (!navigator.geolocation) { where.textContent = text.noGps; return; }
      where.textContent = text.locating;
      navigator.geolocation.getCurrentPosition(
        pos => {  // browsers report WGS84
          set(pos.coords.latitude, pos.coords.longitude, "gps", "EPSG:4326", text.here);
          map.setView([pos.coords.latitude, pos.coords.longitude], 17, { animate: false });
        },
        err => { where.textContent = text.noGps + ": " + err.message; },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
    document.getElementById("use-app-coords").addEventListener("click", () => {
      const parts = document.getElementById("app-coords").value.split(/[,，\s]+/).filter(Boolean).map(Number);
      if (parts.length !== 2 || parts.some(isNaN)) { where.textContent = text.noGps; return; }
      // shown where the app showed it (GCJ-02 is ~600 m off here); the server converts it
      set(parts[1], parts[0], "app", "gcj02", text.here + " (GCJ-02)");
    });
    if (field("lon").value && field("lat").value) {
      set(+field("lat").value, +field("lon").value, field("located_by").value || "map", field("crs").value || "EPSG:4326", text.here);
      if ((field("crs").value || "EPSG:4326") === "EPSG:4326") map.setView([+field("lat").value, +field("lon").value], 17, { animate: false });
    }
  }

  function incidentMap() {
    const raw = document.getElementById("incident-point");
    if (!raw || !document.getElementById("incident-map")) return;
    const p = JSON.parse(raw.textContent);
    const cfg = JSON.parse(document.getElementById("report-config").textContent);
    const map = baseMap("incident-map", cfg);
    map.setView([p.lat, p.lon], 16, { animate: false });
    L.circleMarker([p.lat, p.lon], { radius: 9, color: "#fff", weight: 2, fillColor: "#c0392b", fillOpacity: 0.95 }).addTo(map);
  }

  function trackForm() {
    const form = document.getElementById("track-form");
    if (!form) return;
    form.addEventListener("submit", ev => {
      ev.preventDefault();
      const code = form.code.value.trim().toUpperCase().replace(/[-\s]/g, "");
      if (code) location.href = form.dataset.base + encodeURIComponent(code) + "/";
    });
  }

  reportForm();
  incidentMap();
  trackForm();
})();
