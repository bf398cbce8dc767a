/* The overlay map page: township staff place, move, change and delete cameras and service
   points. New points are placed with Leaflet-Geoman's marker tool; a click on a point
   fills its form (and makes it draggable); a form is posted as a page and the server
   checks it (a refused value comes back named under its field). */
(function () {
  "use strict";
  const esc = s => String(s == null ? "" : s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const FORMS = { cameras: "camera-form", "service-points": "service-form" };

  function setPoint(form, latlng) {
    form.querySelector("[name=lon]").value = latlng.lng.toFixed(7);
    form.querySelector("[name=lat]").value = latlng.lat.toFixed(7);
  }

  function show(kind) {
    Object.keys(FORMS).forEach(k => { document.getElementById(FORMS[k]).hidden = k !== kind; });
    return document.getElementById(FORMS[kind]);
  }

  function editPoint(kind, f, marker) {
    const form = show(kind);
    form.action = form.dataset.edit.replace("/0/", "/" + f.id + "/");
    Object.keys(f.properties).forEach(k => {
      const input = form.querySelector("[name=" + k + "]");
      if (input) input.value = f.properties[k];
    });
    setPoint(form, marker.getLatLng());
    const del = document.getElementById("delete-form");
    del.action = del.dataset[kind === "cameras" ? "cameras" : "servicePoints"].replace("/0/", "/" + f.id + "/");
    del.hidden = false;
    marker.dragging.enable();
    marker.on("dragend", () => setPoint(form, marker.getLatLng()));
  }

  async function points(map, cfg, kind, style) {
    const r = await fetch(cfg.points[kind], { credentials: "same-origin" });
    if (!r.ok) return null;
    const data = await r.json();
    return L.geoJSON(data, {
      pointToLayer: (f, ll) => L.marker(ll, { icon: L.divIcon({ className: "overlay-handle " + style, iconSize: [14, 14] }), draggable: false, pmIgnore: true }),
      onEachFeature: (f, l) => l.on("click", () => editPoint(kind, f, l)).bindTooltip(esc(f.properties.external_ref + " " + f.properties.name)),
    }).addTo(map);
  }

  document.addEventListener("gridmap:ready", async e => {
    const map = e.detail.map, cfg = e.detail.config;
    const status = document.getElementById("map-status");
    if (!cfg.editable) return;
    const handles = {
      cameras: await points(map, cfg, "cameras", "camera"),
      "service-points": await points(map, cfg, "service-points", "service"),
    };
    document.body.dataset.handles = String(Object.values(handles).reduce((n, g) => n + (g ? g.getLayers().length : 0), 0));
    let placing = null;
    const place = kind => {
      placing = kind;
      const form = show(kind);
      form.action = form.dataset.new;
      form.reset();
      document.getElementById("delete-form").hidden = true;
      map.pm.enableDraw("Marker", { snappable: false, continueDrawing: false });
      if (status) status.textContent = "…";
    };
    document.getElementById("add-camera").addEventListener("click", () => place("cameras"));
    document.getElementById("add-service").addEventListener("click", () => place("service-points"));
    map.on("pm:create", ev => {
      const form = document.getElementById(FORMS[placing || "cameras"]);
      setPoint(form, ev.layer.getLatLng());
      ev.layer.dragging && ev.layer.dragging.enable();
      ev.layer.on("dragend", () => setPoint(form, ev.layer.getLatLng()));
      map.pm.disableDraw();
      form.querySelector("[name=external_ref]").focus();
    });
  });
})();
