/* The overlays of every map page: cameras (雪亮工程) and their view sectors, service points
   by kind, and the uploaded layers the user's area sees, from the site's vector tiles
   (gis/tiles.js), each a layer of the map's layer switcher. Waits for the page's map
   (township map: gridmap:ready; grid pages: fieldmap:ready; the editor: editor:ready) and
   reads #overlay-config. Every text from the server is escaped. */
(function () {
  "use strict";
  const esc = s => String(s == null ? "" : s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  let started = false;

  function cameraPopup(p, t) {
    return "<b>" + esc(t.camera) + " " + esc(p.ref) + "</b> " + esc(p.name) + "<br>" + esc(t.direction) + " " +
      Math.round(p.direction) + "° · " + esc(t.fov) + " " + Math.round(p.fov) + "° · " + esc(t.range) + " " + Math.round(p.range) + " m";
  }

  /* Uploaded layers: one tile layer, a switcher entry per uploaded layer (hidden ones are
     drawn with no symbol). */
  function uploaded(map, cfg, control, list) {
    if (!list.length) return;
    const hidden = new Set(list.map(l => l.id));
    const grid = window.gridTiles.layer(map, cfg.tiles, "overlay_features", {
      style: p => (hidden.has(p.layer) ? [] : {
        color: p.color, weight: p.weight, fill: !!p.fill, fillColor: p.color, fillOpacity: p.fill ? 0.25 : 0, radius: 5, opacity: 0.9,
      }),
      popup: p => (p.label ? "<b>" + esc(p.label) + "</b>" : ""),
      zIndex: 3,
    }).addTo(map);
    list.forEach(l => {
      const entry = L.layerGroup();
      entry.on("add", () => { hidden.delete(l.id); grid.redraw(); });
      entry.on("remove", () => { hidden.add(l.id); grid.redraw(); });
      control.addOverlay(entry, '<span class="swatch" style="background:' + esc(l.color) + '"></span>' + esc(l.name));
    });
    window.overlayLayers.uploaded = grid;
  }

  async function start(map, control) {
    const raw = document.getElementById("overlay-config");
    if (started || !map || !raw || !window.gridTiles) return;
    started = true;
    const cfg = JSON.parse(raw.textContent), t = cfg.text, T = window.gridTiles;
    if (!control) control = L.control.layers({}, {}, { collapsed: true }).addTo(map);
    const layers = {
      sectors: T.layer(map, cfg.tiles, "camera_sectors", {
        style: { color: "#2171b5", weight: 1, fill: true, fillColor: "#6baed6", fillOpacity: 0.3 }, zIndex: 6 }),
      cameras: T.layer(map, cfg.tiles, "cameras", {
        style: { radius: 4, weight: 2, color: "#08306b", fill: true, fillColor: "#fff", fillOpacity: 1 },
        popup: p => cameraPopup(p, t), zIndex: 8 }),
      servicePoints: T.layer(map, cfg.tiles, "service_points", {
        style: p => ({ radius: 6, weight: 2, color: "#fff", fill: true, fillColor: cfg.kindColors[p.kind] || "#555", fillOpacity: 1 }),
        popup: p => "<b>" + esc(p.name) + "</b><br>" + esc(t.kinds[p.kind] || p.kind) + " · " + esc(p.ref), zIndex: 7 }),
    };
    Object.keys(layers).forEach(name => {
      control.addOverlay(layers[name], t[name]);
      if (cfg.shown) layers[name].addTo(map);
    });
    window.overlayLayers = { map: map, layers: layers, config: cfg };
    try {
      const r = await fetch(cfg.layers, { credentials: "same-origin" });
      if (r.ok) uploaded(map, cfg, control, (await r.json()).layers);
    } catch { /* the page's own layers still draw */ }
    document.dispatchEvent(new CustomEvent("overlays:ready", { detail: window.overlayLayers }));
  }

  document.addEventListener("gridmap:ready", e => start(e.detail.map, e.detail.control));
  document.addEventListener("fieldmap:ready", e => start(e.detail.map, e.detail.control));
  document.addEventListener("editor:ready", () => start(window.gridEditor && window.gridEditor.map, window.gridEditor && window.gridEditor.control));
})();
