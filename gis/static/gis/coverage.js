/* Coverage dashboard: the table of a place's units (sortable, with its total), the map
   coloured by any column (legend with class breaks, figures on hover, a click drills down),
   and switchable heat layers (hexagons counted by PostGIS; a village's households one by
   one when zoomed in, for roles that see households). Dispatches "coverage:place" (detail:
   {level, code}) after each drill-down. Works without a basemap. */
(function () {
  "use strict";
  const PALETTES = {  // = layers/coverage/report.py
    true: ["#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c"],
    false: ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"],
    null: ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"],
  };
  const HEAT = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"];
  const NO_VALUE = "#cccccc";
  const CHILD = { county: "township", township: "village", village: "grid", grid: "grid" };
  const cfg = JSON.parse(document.getElementById("coverage-config").textContent);
  const state = { level: cfg.level, code: cfg.code, column: cfg.column, sort: null, desc: false,
    data: JSON.parse(document.getElementById("coverage-first").textContent), areas: null };
  const byKey = Object.fromEntries(cfg.indicators.map(i => [i.key, i]));
  let map, areaLayer, heatLayer, pointLayer;

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  function shown(key, v) {
    const i = byKey[key];
    if (v == null) return "—";
    if (i.kind === "share") return (v * 100).toFixed(1) + "%";
    if (i.kind === "mean") return v.toFixed(key === "mean_rating" ? 2 : 1);
    return String(Math.round(v));
  }

  function query(extra) {
    const p = new URLSearchParams({ level: state.level });
    if (state.code) p.set("code", state.code);
    Object.entries(extra || {}).forEach(([k, v]) => { if (v !== "" && v != null) p.set(k, v); });
    return p.toString();
  }

  async function getJSON(url) {
    const r = await fetch(url, { credentials: "same-origin" });
    if (!r.ok) throw new Error(url + ": " + r.status + " " + (await r.text()));
    return r.json();
  }

  /* ---- table ---- */
  function renderTable() {
    const table = document.getElementById("coverage-table");
    const rows = state.data.rows.slice();
    if (state.sort) {
      const k = state.sort;
      rows.sort((a, b) => {
        const x = a[k], y = b[k];
        if (x == null) return 1;
        if (y == null) return -1;
        const c = typeof x === "string" ? x.localeCompare(y, "zh") : x - y;
        return state.desc ? -c : c;
      });
    }
    const keys = cfg.indicators.map(i => i.key);
    table.tBodies[0].innerHTML = rows.map(r =>
      '<tr data-code="' + esc(r.code) + '"><td><a href="#" class="drill">' + esc(r.name) + "</a></td>" +
      keys.map(k => '<td class="num">' + shown(k, r[k]) + "</td>").join("") + "</tr>").join("");
    table.tFoot.rows[0].innerHTML = "<th>" + esc(cfg.text.total) + "</th>" +
      keys.map(k => '<td class="num">' + shown(k, state.data.total[k]) + "</td>").join("");
    table.tHead.querySelectorAll("th").forEach(th => {
      th.classList.toggle("sorted", th.dataset.sort === state.sort);
      th.classList.toggle("desc", th.dataset.sort === state.sort && state.desc);
    });
  }

  function crumbs(place) {
    const nav = document.getElementById("crumbs");
    nav.innerHTML = place.parents.map(p =>
      '<a href="?level=' + p[0] + (p[1] ? "&code=" + p[1] : "") + '" data-level="' + p[0] + '" data-code="' + esc(p[1]) + '">' +
      esc(p[2]) + "</a> › ").join("") + '<b id="place-name">' + esc(place.name) + "</b>";
    document.getElementById("place-title").textContent = place.name;
    const q = query({ column: state.column });
    ["xlsx", "csv", "report"].forEach(k => {
      const a = document.getElementById("export-" + k);
      a.href = a.href.split("?")[0] + "?" + q;
    });
  }

  /* ---- map ---- */
  function colour(v, breaks, good) {
    if (v == null || !breaks.length) return NO_VALUE;
    const pal = PALETTES[good];
    const i = breaks.findIndex(b => v <= b);
    return pal[Math.min(pal.length - 1, (i < 0 ? breaks.length - 1 : i) + pal.length - breaks.length)];
  }

  function legendHtml(title, breaks, fmt, colours) {
    let lower = null;
    return "<strong>" + esc(title) + "</strong>" + breaks.map((b, n) => {
      const row = '<div><i style="background:' + colours(b, n) + '"></i>' +
        (lower == null ? "≤ " + fmt(b) : fmt(lower) + " – " + fmt(b)) + "</div>";
      lower = b;
      return row;
    }).join("");
  }

  function drawAreas() {
    if (areaLayer) areaLayer.remove();
    const data = state.areas;
    const key = state.column, ind = byKey[key];
    const breaks = data.breaks[key] || [];
    areaLayer = L.geoJSON(data, {
      style: f => ({ color: "#333", weight: 1, fillOpacity: 0.7, fillColor: colour(f.properties.values[key], breaks, ind.good) }),
      onEachFeature: (f, l) => {
        const v = f.properties.values;
        l.bindTooltip("<b>" + esc(f.properties.name) + "</b><br>" + esc(ind.label) + ": " + shown(key, v[key]) +
          (key !== "households" ? "<br>" + esc(byKey.households.label) + ": " + shown("households", v.households) : ""),
        { sticky: true });
        l.on("click", () => drill(f.properties.code));
      },
    }).addTo(map);
    document.getElementById("legend").innerHTML = legendHtml(ind.label, breaks, b => shown(key, b), b => colour(b, breaks, ind.good));
    const b = areaLayer.getBounds();
    if (b.isValid()) map.fitBounds(b, { animate: false, padding: [8, 8] });
  }

  async function loadPlace(level, code, push) {
    state.level = level; state.code = code || "";
    const status = document.getElementById("coverage-status");
    status.textContent = "…";
    try {
      const [table, areas] = await Promise.all([
        getJSON(cfg.urls.table + "?" + query()),
        getJSON(cfg.urls.areas + "?" + query()),
      ]);
      state.data = table; state.areas = areas;
      renderTable(); crumbs(table.place); drawAreas();
      status.textContent = "";
      if (push) history.pushState({ level: level, code: code }, "", cfg.urls.page + "?" + query({ column: state.column }));
      document.dispatchEvent(new CustomEvent("coverage:place", { detail: { level: level, code: state.code } }));
      refreshHeat();
    } catch (e) {
      status.textContent = e.message;
    }
  }

  function drill(code) {
    if (state.level === "grid") {
      window.location.href = cfg.urls.grid.replace("CODE", code);
      return;
    }
    loadPlace(CHILD[state.level], code, true);
  }

  /* ---- heat layers ---- */
  function snap(v, step, up) { return (up ? Math.ceil(v / step) : Math.floor(v / step)) * step; }

  async function refreshHeat() {
    const layer = document.getElementById("heat").value;
    if (heatLayer) { heatLayer.remove(); heatLayer = null; }
    if (pointLayer) { pointLayer.remove(); pointLayer = null; }
    const legend = document.getElementById("heat-legend");
    legend.innerHTML = "";
    if (!layer) return;
    const z = Math.max(6, Math.min(18, Math.round(map.getZoom())));
    const onePlace = (state.level === "village" || state.level === "grid");
    if (z >= cfg.pointsZoom && onePlace && cfg.canSeeHouseholds && cfg.householdLayers.includes(layer)) {
      return drawPoints(layer);
    }
    const b = map.getBounds(), step = 0.05;  // a coarse bbox: answers are cached per bbox
    const bbox = [snap(b.getWest(), step), snap(b.getSouth(), step), snap(b.getEast(), step, true), snap(b.getNorth(), step, true)]
      .map(v => v.toFixed(2)).join(",");
    const days = document.getElementById("heat-days").value;
    const category = layer === "incidents" ? document.getElementById("heat-category").value : "";
    try {
      const data = await getJSON(cfg.urls.heat + "?" + query({ layer: layer, z: z, bbox: bbox, days: days, category: category }));
      const breaks = data.breaks;
      const col = n => HEAT[Math.min(HEAT.length - 1, Math.max(0, breaks.findIndex(b => n <= b)) + HEAT.length - breaks.length)];
      heatLayer = L.geoJSON(data, {
        style: f => ({ stroke: false, fillOpacity: 0.75, fillColor: col(f.properties.n) }),
        onEachFeature: (f, l) => l.bindTooltip(String(f.properties.n)),
      }).addTo(map);
      heatLayer.bringToFront();
      legend.innerHTML = legendHtml(cfg.heat[layer], breaks, String, b => col(b));
      legend.dataset.cells = String(data.features.length);
    } catch (e) {
      document.getElementById("coverage-status").textContent = e.message;
    }
  }

  async function drawPoints(layer) {
    const village = state.level === "village" ? state.code : state.code.slice(0, 12);
    const data = await getJSON(cfg.urls.households + "?code=" + village);
    const keep = { density: () => true, no_member: p => !p.member, not_visited: p => !p.visited }[layer];
    const inPlace = p => state.level !== "grid" || p.grid === state.code;
    pointLayer = L.geoJSON(data, {
      filter: f => inPlace(f.properties) && keep(f.properties),
      pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 4, weight: 1, color: "#fff", fillColor: "#bd0026", fillOpacity: 0.9 }),
      onEachFeature: (f, l) => l.bindTooltip(esc(f.id)),
    }).addTo(map);
    document.getElementById("heat-legend").innerHTML = "<strong>" + esc(cfg.heat[layer]) + "</strong><div>" +
      pointLayer.getLayers().length + " " + esc(cfg.text.households) + "</div>";
  }

  function init(m) {
    map = m;
    map.attributionControl.setPrefix(false);
    window.coverage.map = map;
    renderTable();
    document.getElementById("coverage-table").addEventListener("click", e => {
      const th = e.target.closest("th[data-sort]");
      if (th) {
        state.desc = state.sort === th.dataset.sort ? !state.desc : th.dataset.sort !== "name";
        state.sort = th.dataset.sort;
        renderTable();
        return;
      }
      const a = e.target.closest("a.drill");
      if (a) { e.preventDefault(); drill(a.closest("tr").dataset.code); }
    });
    document.getElementById("crumbs").addEventListener("click", e => {
      const a = e.target.closest("a[data-level]");
      if (a) { e.preventDefault(); loadPlace(a.dataset.level, a.dataset.code, true); }
    });
    document.getElementById("column").addEventListener("change", e => {
      state.column = e.target.value;
      drawAreas();
      crumbs(state.data.place || { parents: [], name: document.getElementById("place-title").textContent });
    });
    document.getElementById("heat").addEventListener("change", refreshHeat);
    document.getElementById("heat-days").addEventListener("change", refreshHeat);
    document.getElementById("heat-category").addEventListener("change", refreshHeat);
    map.on("moveend", () => { if (document.getElementById("heat").value) refreshHeat(); });
    window.addEventListener("popstate", e => { if (e.state) loadPlace(e.state.level, e.state.code, false); });
    history.replaceState({ level: state.level, code: state.code }, "");
    getJSON(cfg.urls.areas + "?" + query()).then(areas => {
      state.areas = areas;
      drawAreas();
      document.dispatchEvent(new CustomEvent("coverage:place", { detail: { level: state.level, code: state.code } }));
      document.body.dataset.coverageReady = "1";
    });
  }

  window.coverage = { init: init, state: state, refreshHeat: refreshHeat };
})();
