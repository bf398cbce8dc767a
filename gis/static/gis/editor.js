/* Grid editor: select households (click or lasso) and move them, split, merge, redraw,
   lock, appoint; live balance before the server confirms; undo/redo; submit a draft as a
   new dated version; show, compare and restore versions. Every edit is checked on the
   server (grids/editing); the browser only previews counts. Works with no basemap.
   A request that fails (network, server, refusal) shows its message and leaves the page
   usable; a draft the village changed under is offered for update. On a phone the
   editor is read-only. The side panel is drawn by gis/editor-panels.js. */
(function () {
  "use strict";
  const T = window.EDITOR_TEXT || {};
  const BAND = { in: "#1a9850", under: "#f39c12", over: "#d73027" };
  const AREA_COLORS = ["#1f78b4", "#e31a1c", "#33a02c", "#ff7f00", "#6a3d9a", "#b15928",
    "#17becf", "#e377c2", "#7f7f7f", "#bcbd22", "#8c564b", "#2ca02c"];
  const $ = id => document.getElementById(id);
  const esc = s => String(s == null ? "" : s).replace(/[&<>"']/g, c => (
    { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

  const ed = {
    map: null, cfg: null, villages: {}, households: new Map(), assign: {}, pending: null,
    grids: {}, geoms: {}, groups: {}, selected: new Set(), current: null, drawMode: null,
    undoStack: [], redoStack: [], busy: false, layers: {}, gridLayers: {}, tokens: {},
    readOnly: false,
  };
  /* Grid labels: none below this zoom (a 50-household grid is then ~30 px across at
     latitude 26°), and above it none that would cover another. */
  const LABEL_MIN_ZOOM = 13;
  const PHONE = "(max-width: 700px)";  // the phone layout of gis/editor.css

  function csrf() {
    const el = document.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }

  function url(village, action) {
    const [name, query] = action.replace(".json", "").split("?");
    return ed.cfg.api.replace("VILLAGE", village).replace("ACTION", name) + (query ? "?" + query : "");
  }

  /* One answer shape for every request: {ok, status, data: {error, kind, ...}}. A network
     failure is status 0; an answer that is not JSON says the server failed. */
  async function api(village, action, body) {
    const v = ed.villages[village];
    const opts = body === undefined ? { credentials: "same-origin" } : {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: JSON.stringify(Object.assign({ revision: v && v.draft ? v.draft.revision : 0 }, body)),
    };
    let r;
    try {
      r = await fetch(url(village, action), opts);
    } catch {
      return { ok: false, status: 0, data: { error: T.networkError, kind: "network" } };
    }
    let data = null;
    try { data = await r.json(); } catch { /* an HTML error page, or nothing */ }
    if (!data || typeof data !== "object" || Array.isArray(data)) data = {};
    if (!r.ok && !data.error) data.error = T.serverError + " (" + r.status + ")";
    if (r.status >= 500) data.kind = "server";
    return { ok: r.ok, status: r.status, data: data };
  }

  /* After a refusal: say why; when the draft on the page is not the stored one, fetch it. */
  async function failed(village, r) {
    message(r.data.error);
    if (["stale", "outdated", "conflict"].includes(r.data.kind)) await reload(village);
  }

  function message(text, kind) {
    const el = $("editor-message");
    el.hidden = !text;
    el.className = "editor-message " + (kind || "error");
    el.textContent = text || "";
    if (text && (kind === "error" || !kind)) el.scrollIntoView({ block: "nearest" });
    if (ed.panels) ed.panels.renderDraft();  // the draft's own note shows when the alert goes
  }

  function showWarnings(list) {
    $("warnings").innerHTML = (list || []).map(w => "<li>" + esc(w) + "</li>").join("");
  }

  const villageOf = code => String(code).slice(0, 12);

  /* ---- state from the server ------------------------------------------------------ */
  function absorb(data) {
    const code = data.village;
    const v = ed.villages[code] = Object.assign(ed.villages[code] || {}, { draft: data.draft });
    ["name", "band", "memberBand", "people", "versions", "history"].forEach(k => {
      if (data[k] !== undefined) v[k] = data[k];
    });
    if (data.households) {
      const now = new Set(data.households.map(h => h[0]));
      ed.households.forEach((h, id) => {  // households no longer in the village (a deletion)
        if (h.village === code && !now.has(id)) { h.marker.remove(); ed.households.delete(id); ed.selected.delete(id); }
      });
      data.households.forEach(h => {
        if (ed.households.has(h[0])) return;
        const marker = L.circleMarker([h[2], h[1]], { radius: 4.5, weight: 1, color: "#fff", fillOpacity: 0.95, renderer: ed.renderer });
        // While drawing, a click on a household is a vertex of the lasso: it must reach the map
        // (geoman), not be swallowed here.
        marker.on("click", ev => { if (ed.drawMode) return; L.DomEvent.stopPropagation(ev); toggle(h[0]); });
        marker.bindTooltip(esc(h[4] || h[3]) + " · " + esc(h[3]), { direction: "top" });
        marker.addTo(ed.layers.households);
        ed.households.set(h[0], { id: h[0], lat: h[2], lon: h[1], ext: h[3], head: h[4], village: code, marker: marker });
      });
    }
    for (const g of Object.keys(ed.grids)) if (villageOf(g) === code && !(g in data.grids)) {
      delete ed.grids[g]; delete ed.geoms[g]; delete ed.groups[g];
    }
    Object.assign(ed.grids, data.grids);
    Object.assign(ed.geoms, data.geoms);
    Object.assign(ed.groups, data.groups || {});
    for (const h of Object.keys(ed.assign)) {  // the village's assignments are replaced whole
      if (villageOf(ed.assign[h][0]) === code && !(h in data.assign)) delete ed.assign[h];
    }
    Object.assign(ed.assign, data.assign);
    if (ed.current && !ed.grids[ed.current]) ed.current = null;
  }

  function effective() { return ed.pending || ed.assign; }

  function tally() {
    const out = {};
    const a = effective();
    for (const hid in a) {
      const [g, n] = a[hid];
      const t = out[g] || (out[g] = { n: 0, areas: {} });
      t.n++; t.areas[n] = (t.areas[n] || 0) + 1;
    }
    return out;
  }

  /* Only grids of loaded villages are drawn here, and a loaded village has its band. */
  function bandOf(code, n) {
    return window.gridBand.state(n, ed.villages[villageOf(code)].band);
  }

  function personName(code, pid) {
    const v = ed.villages[villageOf(code)];
    return pid && v && v.people ? (v.people.names[pid] || "#" + pid) : "";
  }

  /* ---- drawing ------------------------------------------------------------------- */
  function render() {
    const counts = tally();
    ed.layers.grids.clearLayers();
    ed.gridLayers = {};
    Object.keys(ed.grids).sort().forEach(code => {
      const geom = ed.geoms[code];
      if (!geom) return;
      const c = counts[code] || { n: 0, areas: {} };
      const band = bandOf(code, c.n);
      const meta = ed.grids[code];
      const layer = L.geoJSON(geom, {
        style: { color: code === ed.current ? "#111" : BAND[band], weight: code === ed.current ? 3.5 : 2,
          fillColor: BAND[band], fillOpacity: code === ed.current ? 0.22 : 0.12, dashArray: meta.locked ? "6 4" : null },
      });
      layer.on("click", ev => { if (!ed.drawMode) { L.DomEvent.stopPropagation(ev); pickGrid(code); } });
      layer.bindTooltip('<b>' + esc(code.slice(-3)) + (meta.locked ? " · " + esc(T.locked) : "") + '</b><span class="n"> ' + c.n + " · " +
        Object.keys(c.areas).length + "</span>", { permanent: true, direction: "center", className: "grid-label grid-label-" + band });
      layer.addTo(ed.layers.grids);
      ed.gridLayers[code] = layer;
    });
    const a = effective();
    ed.households.forEach(h => {
      const asg = a[h.id];
      const sel = ed.selected.has(h.id);
      h.marker.setStyle({
        fillColor: asg ? AREA_COLORS[(asg[1] - 1 + AREA_COLORS.length) % AREA_COLORS.length] : "#999",
        color: sel ? "#000" : "#fff", weight: sel ? 3 : 1, radius: sel ? 6.5 : 4.5,
      });
    });
    ed.panels.renderList(counts);
    ed.panels.renderDraft();
    ed.panels.renderGridPanel(counts);
    ed.panels.renderSelection(counts);
    declutter();
  }

  /* Labels: the selected grid's first, then the largest; one that would cover a label
     already placed is hidden (it shows again when zooming in). */
  function declutter() {
    if (!ed.map) return;
    const low = ed.map.getZoom() < LABEL_MIN_ZOOM;
    const counts = tally();
    const codes = Object.keys(ed.gridLayers).sort((a, b) => (b === ed.current) - (a === ed.current) ||
      ((counts[b] || {}).n || 0) - ((counts[a] || {}).n || 0) || (a < b ? -1 : 1));
    const placed = [];
    let hidden = 0;
    for (const code of codes) {
      const tip = ed.gridLayers[code].getTooltip();
      const el = tip && tip.getElement();
      if (!el) continue;
      el.classList.remove("label-hidden");
      const box = el.getBoundingClientRect();
      const covers = placed.some(p => box.left < p.right + 2 && box.right > p.left - 2 && box.top < p.bottom + 2 && box.bottom > p.top - 2);
      if ((low && code !== ed.current) || covers) { el.classList.add("label-hidden"); hidden++; } else placed.push(box);
    }
    ed.map.getContainer().dataset.labelsHidden = String(hidden);
  }

  /* ---- selection and editing ----------------------------------------------------- */
  function toggle(hid) {
    if (ed.readOnly) return;
    if (ed.selected.has(hid)) ed.selected.delete(hid); else ed.selected.add(hid);
    render();
  }

  function pickGrid(code) {
    ed.current = code;
    render();
    const row = document.querySelector('#grid-list tr[data-code="' + code + '"]');
    if (row) row.scrollIntoView({ block: "nearest" });
  }

  function inside(lat, lon, ring) {
    let hit = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [yi, xi] = [ring[i].lat, ring[i].lng], [yj, xj] = [ring[j].lat, ring[j].lng];
      if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) hit = !hit;
    }
    return hit;
  }

  function setBusy(b) {
    ed.busy = b;
    document.body.classList.toggle("editor-busy", b);
    $("draft-status").setAttribute("aria-busy", b ? "true" : "false");
  }

  async function edit(village, op, preview) {
    if (ed.busy || ed.readOnly) return false;
    const v = ed.villages[village];
    message("");
    setBusy(true);
    if (preview) { ed.pending = preview; }
    render();
    let r;
    try {
      r = await api(village, "op.json", { op: op, base: v && v.draft ? v.draft.base : null });
    } finally {
      ed.pending = null;
      setBusy(false);
    }
    if (r.ok) {
      absorb(r.data);
      ed.undoStack.push(village); ed.redoStack = [];
      showWarnings(r.data.warnings);
      render();
      return true;
    }
    render();  // the preview is rolled back
    await failed(village, r);
    render();
    return false;
  }

  function nearestArea(hid, grid, a) {
    const h = ed.households.get(hid);
    let best = null, bestD = Infinity;
    for (const other in a) {
      if (a[other][0] !== grid || ed.selected.has(+other)) continue;
      const o = ed.households.get(+other);
      if (!o) continue;
      const d = (o.lat - h.lat) ** 2 + (o.lon - h.lon) ** 2;
      if (d < bestD) { bestD = d; best = a[other][1]; }
    }
    return best || 1;
  }

  async function move() {
    const grid = $("move-grid").value;
    if (!grid || !ed.selected.size) return;
    const area = $("move-area").value;
    const preview = Object.assign({}, ed.assign);
    const tl = tally();
    const maxArea = Math.max(0, ...Object.keys((tl[grid] || { areas: {} }).areas).map(Number));
    for (const hid of ed.selected) {
      preview[hid] = [grid, area === "" ? nearestArea(hid, grid, ed.assign) : area === "new" ? maxArea + 1 : +area];
    }
    const ok = await edit(villageOf(grid), { type: "move", households: [...ed.selected], grid: grid, area: area || null }, preview);
    if (ok) { ed.selected.clear(); render(); }
  }

  function draw(mode) {
    cancelDraw();
    ed.drawMode = mode;
    message(mode === "line" ? T.drawLine : mode === "lasso" ? T.lasso : T.drawPolygon, "info");
    $("lasso-button").setAttribute("aria-pressed", mode === "lasso" ? "true" : "false");
    ed.map.pm.enableDraw(mode === "line" ? "Line" : "Polygon", {
      snappable: false, continueDrawing: false, finishOn: mode === "line" ? "dblclick" : null,
      templineStyle: { color: "#111" }, hintlineStyle: { color: "#111", dashArray: [5, 5] },
      pathOptions: { color: "#111", fillOpacity: 0.05 },
    });
  }

  function cancelDraw() {
    if (ed.map && ed.map.pm) ed.map.pm.disableDraw();
    ed.drawMode = null;
    $("lasso-button").setAttribute("aria-pressed", "false");
  }

  async function drawn(e) {
    const mode = ed.drawMode;
    const layer = e.layer;
    const latlngs = layer.getLatLngs();
    ed.map.removeLayer(layer);
    cancelDraw();
    message("");
    if (mode === "lasso") {
      const ring = latlngs[0];
      ed.households.forEach(h => { if (inside(h.lat, h.lon, ring)) ed.selected.add(h.id); });
      render();
    } else if (mode === "line" && ed.current) {
      await edit(villageOf(ed.current), { type: "split", grid: ed.current, line: latlngs.map(p => [p.lng, p.lat]) });
    } else if (mode === "redraw" && ed.current) {
      const ring = latlngs[0].map(p => [p.lng, p.lat]);
      ring.push(ring[0]);
      await edit(villageOf(ed.current), { type: "redraw", grid: ed.current, polygon: ring });
    }
  }

  async function reload(village) {
    const r = await api(village, "draft.json");
    if (r.ok) absorb(r.data);
    return r;
  }

  async function history(action) {
    if (ed.busy || ed.readOnly) return;
    const stack = action === "undo" ? ed.undoStack : ed.redoStack;
    let village = stack.pop();
    if (!village) {
      village = ed.cfg.villages.find(c => ed.villages[c] && ed.villages[c].draft[action === "undo" ? "ops" : "undone"].length);
    }
    if (!village) return;
    message("");
    setBusy(true); render();
    let r;
    try {
      r = await api(village, action + ".json", {});
    } finally {
      setBusy(false);
    }
    if (r.ok) {
      absorb(r.data);
      (action === "undo" ? ed.redoStack : ed.undoStack).push(village);
      showWarnings([]);
    } else {
      stack.push(village);
      await failed(village, r);
    }
    render();
    if (r.ok) await refreshSide(village);
  }

  async function refreshSide(village) {
    const r = await api(village, "draft.json");  // history and versions
    if (r.ok) { absorb(r.data); render(); }
  }

  /* A token per submit, kept until the server's answer arrives: a retry after a lost
     answer sends the same one, and the server answers with the version it already made. */
  function token() {
    const bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, b => b.toString(16).padStart(2, "0")).join("");
  }

  async function villageAction(action, codes) {
    if (ed.busy) return;
    message("");
    setBusy(true); render();
    const done = [], notes = [];
    try {
      for (const code of codes) {
        const body = {};
        if (action === "submit") body.token = ed.tokens[code] = ed.tokens[code] || token();
        const r = await api(code, action + ".json", body);
        if (action === "submit" && r.status > 0 && r.status < 500) delete ed.tokens[code];
        if (!r.ok) {
          setBusy(false);
          await failed(code, r);  // the draft is kept; the page learns what changed
          return;
        }
        absorb(r.data);
        if (r.data.submitted) done.push((ed.cfg.villages.length > 1 ? ed.villages[code].name + " " : "") + r.data.submitted);
        notes.push(...(r.data.warnings || []));
      }
      ed.undoStack = []; ed.redoStack = [];
      showWarnings(notes);
      if (done.length) message(T.submitted + " " + done.join("、"), "ok");
    } finally {
      setBusy(false);
      render();
    }
  }

  const withOps = () => ed.cfg.villages.filter(c => ed.villages[c] && ed.villages[c].draft.ops.length);

  async function version(li, act) {
    const village = li.dataset.village, number = li.dataset.version;
    if (act === "restore") {
      await edit(village, { type: "restore", version: +number });
      return;
    }
    const r = await api(village, "compare.json?version=" + number);
    if (!r.ok) { message(r.data.error); return; }
    ed.layers.version.clearLayers();
    L.geoJSON(r.data.grids, {
      style: { color: "#5b2c83", weight: 2.5, dashArray: "8 5", fill: false },
      onEachFeature: (f, l) => l.bindTooltip("v" + number + " " + f.id.slice(-3), { sticky: true }),
    }).addTo(ed.layers.version);
    ed.layers.moved.clearLayers();
    if (act === "compare") {
      ed.panels.showCompare(r.data, number);
      r.data.moved.forEach(m => {
        const h = ed.households.get(m[0]);
        if (h) L.circleMarker([h.lat, h.lon], { radius: 9, color: "#5b2c83", weight: 2, fill: false, interactive: false }).addTo(ed.layers.moved);
      });
    } else {
      message(T.versionShown + ": v" + number, "info");
    }
  }

  function bind() {
    $("lasso-button").addEventListener("click", () => (ed.drawMode === "lasso" ? (cancelDraw(), message("")) : draw("lasso")));
    $("clear-button").addEventListener("click", () => { ed.selected.clear(); render(); });
    $("move-grid").addEventListener("change", () => ed.panels.fillAreas());
    $("move-button").addEventListener("click", move);
    $("undo-button").addEventListener("click", () => history("undo"));
    $("redo-button").addEventListener("click", () => history("redo"));
    $("submit-button").addEventListener("click", () => villageAction("submit", withOps()));
    $("discard-button").addEventListener("click", () => { if (window.confirm(T.confirmDiscard)) villageAction("discard", withOps()); });
    $("rebase-button").addEventListener("click", () => villageAction("rebase", ed.cfg.villages.filter(
      c => ed.villages[c] && ed.villages[c].draft.id && (ed.villages[c].draft.current !== ed.villages[c].draft.base || ed.villages[c].draft.outdated))));
    $("split-button").addEventListener("click", () => edit(villageOf(ed.current), { type: "split", grid: ed.current, k: +$("split-k").value || 2 }));
    $("split-line-button").addEventListener("click", () => draw("line"));
    $("redraw-button").addEventListener("click", () => draw("redraw"));
    $("merge-button").addEventListener("click", () => {
      const other = $("merge-with").value;
      if (other) edit(villageOf(ed.current), { type: "merge", grids: [ed.current, other] });
    });
    $("lock-button").addEventListener("click", () => edit(villageOf(ed.current), { type: "lock", grid: ed.current, locked: !ed.grids[ed.current].locked }));
    $("leader-select").addEventListener("change", e => edit(villageOf(ed.current), { type: "leader", grid: ed.current, person: e.target.value ? +e.target.value : null }));
    $("member-selects").addEventListener("change", e => {
      const area = e.target.dataset.area;
      if (area) edit(villageOf(ed.current), { type: "member", grid: ed.current, area: +area, person: e.target.value ? +e.target.value : null });
    });
    $("grid-list").addEventListener("click", e => {
      const a = e.target.closest("[data-pick]");
      if (a) { e.preventDefault(); pickGrid(a.dataset.pick); fit(a.dataset.pick); }
    });
    $("versions").addEventListener("click", e => {
      const b = e.target.closest("button[data-act]");
      if (b) version(b.closest("li"), b.dataset.act);
    });
    $("compare-close").addEventListener("click", () => {
      $("compare-box").hidden = true; ed.layers.version.clearLayers(); ed.layers.moved.clearLayers();
    });
    document.addEventListener("keydown", e => {
      if (e.key === "Escape") { cancelDraw(); message(""); }
      if ((e.ctrlKey || e.metaKey) && e.key === "z" && !ed.readOnly && !e.target.matches("input,select,textarea")) { e.preventDefault(); history(e.shiftKey ? "redo" : "undo"); }
    });
  }

  function fit(code) {
    const g = ed.geoms[code];
    // not animated: Leaflet drops a view change made while a zoom animation runs
    if (g) ed.map.fitBounds(L.geoJSON(g).getBounds(), { padding: [30, 30], maxZoom: 17, animate: false });
  }

  /* Load villages' drafts (households, grids, people): their grids leave the tiles for the
     editable layers. Failures are named and the others load. */
  async function loadVillages(codes) {
    codes = codes.filter(c => !ed.villages[c] || !(ed.villages[c].loaded || ed.villages[c].loading));
    if (!codes.length) return;
    codes.forEach(c => { ed.villages[c] = Object.assign(ed.villages[c] || {}, { loading: true }); });
    const answers = await Promise.all(codes.map(c => api(c, "draft.json")));
    const bad = [];
    answers.forEach((r, i) => {
      ed.villages[codes[i]].loading = false;
      if (!r.ok) { bad.push(r); return; }
      absorb(r.data);
      ed.villages[codes[i]].loaded = true;
    });
    Object.keys(ed.grids).forEach(code => ed.tileGrids.setFeatureStyle(code, { stroke: false, fill: false }));
    if (bad.length) message(bad.map(r => r.data.error).join(" ") + " " + T.reloadPage);
    else if ($("editor-message").textContent === T.zoomIn) message("");
    render();
  }

  function loadVisible() {
    if (ed.map.getZoom() < ed.cfg.editZoom) return Promise.resolve();
    const view = ed.map.getBounds();
    return loadVillages(ed.cfg.villages.filter(c => {
      const e = ed.cfg.villageBounds[c];
      return e && view.intersects([[e[1], e[0]], [e[3], e[2]]]);
    }));
  }

  async function init(map) {
    const cfg = ed.cfg = JSON.parse($("editor-config").textContent);
    ed.map = map;
    ed.panels = window.gridEditorPanels(ed, { T, $, esc, bandOf, personName, villageOf, tally });
    ed.readOnly = window.matchMedia(PHONE).matches;
    document.body.classList.toggle("editor-readonly", ed.readOnly);
    $("readonly-note").hidden = !ed.readOnly;
    map.attributionControl.setPrefix(false);
    map.createPane("households").style.zIndex = 450;  // above the grid polygons: clickable
    ed.renderer = L.canvas({ padding: 0.3, tolerance: 4, pane: "households" });
    const bases = window.gridMap.basemaps(cfg.basemaps, cfg.text);  // shared with map.js
    bases.initial.addTo(map);
    // the view first: tile layers added before it would load the default view's tiles too
    window.gridMap.fit(map, cfg.bounds || window.gridMap.config.extent, { padding: [10, 10] });
    ["groups", "villages", "grids", "version", "moved", "households"].forEach(k => { ed.layers[k] = L.featureGroup().addTo(map); });
    ed.control = L.control.layers(bases.layers, { [cfg.text.villages]: ed.layers.villages, [cfg.text.groups]: ed.layers.groups,
      [cfg.text.grids]: ed.layers.grids, [cfg.text.households]: ed.layers.households }, { collapsed: true }).addTo(map);
    map.pm.setGlobalOptions({ snappable: false });
    const compact = () => map.getContainer().classList.toggle("labels-compact", map.getZoom() < 14);
    map.on("zoomend", compact);
    map.on("zoomend moveend", declutter);
    map.on("pm:create", drawn);
    // body[data-draw-mode] says that geoman takes clicks as vertices (lasso, line, redraw)
    map.on("pm:drawstart", () => { document.body.dataset.drawMode = ed.drawMode || "draw"; });
    map.on("pm:drawend", () => { delete document.body.dataset.drawMode; });
    bind();
    // Context from the vector tiles (gis/tiles.js), under the villages being edited:
    // village and group outlines, and the grids of villages not loaded yet.
    map.createPane("context").style.zIndex = 350;  // below the overlay pane (400)
    const VT = window.gridTiles;
    const loadedVillage = code => ed.villages[villageOf(code)] && ed.villages[villageOf(code)].loaded;
    ed.tileGrids = VT.layer(map, cfg.tiles, "grids", {
      style: p => (loadedVillage(p.code) ? [] : { color: BAND[p.band] || "#555", weight: 1.5, fill: true, fillColor: BAND[p.band] || "#999", fillOpacity: 0.12 }),
      tooltip: p => esc(p.code.slice(-3)) + " · " + p.households, featureId: p => p.code, pane: "context", zIndex: 1, big: true });
    const context = [
      // group outlines from the zoom below the village zoom: at the township view the grids
      // (drawn along group lines) show the structure, and 20 tiles fewer load at the start
      VT.layer(map, cfg.tiles, "groups", { style: { color: "#555", weight: 1, dashArray: "2 4", fill: false, interactive: false }, pane: "context", zIndex: 2, minZoom: cfg.editZoom - 1, big: true }),
      VT.layer(map, cfg.tiles, "villages", { style: { color: "#222", weight: 3, fill: false, interactive: false }, pane: "context", zIndex: 3, big: true }),
    ];
    context.forEach(l => l.addTo(ed.layers.villages));
    ed.tileGrids.addTo(map);
    // One village: loaded at once. A township: the villages in view, from the village zoom on.
    if (cfg.villages.length === 1) await loadVillages(cfg.villages);
    else {
      await loadVisible();
      if (!Object.keys(ed.grids).length) message(T.zoomIn, "info");
    }
    map.on("moveend", () => { loadVisible(); });
    await VT.loaded([ed.tileGrids].concat(context));
    compact();
    render();
    window.__readyAt = performance.now();
    document.body.dataset.editorReady = "1";
    document.dispatchEvent(new CustomEvent("editor:ready"));
  }

  ed.init = init;
  ed.loadVillages = loadVillages;
  window.gridEditor = ed;
})();
