/* The incident overlay of every map page: clustered markers (fill: category, ring: state),
   a heat layer of the server's per-cell counts, and a time window. Its own script: it waits
   for the page's map (township map: gridmap:ready; grid pages: fieldmap:ready; the editor:
   editor:ready) and reads #incident-overlay-config. Every text from the server is escaped. */
(function () {
  "use strict";
  const WINDOWS = [7, 30, 90, 365, 0];  // days; 0: all
  const esc = s => String(s == null ? "" : s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  let started = false;

  async function getJson(url) {
    const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } });
    if (!r.ok) throw new Error(r.status);
    return r.json();
  }

  function popup(f, cfg) {
    const p = f.properties, t = cfg.text, cat = cfg.categories[p.category] || {};
    return '<div class="inc-pop"><b>' + esc(cat.name || p.category) + "</b> · " + esc(t.states[p.state] || p.state) +
      " · " + esc(t.tiers[p.tier] || p.tier) + (p.overdue ? ' <span class="badge bad">' + esc(t.overdue) + "</span>" : "") +
      "<br>" + esc(p.text) + '<br><span class="muted small">' + esc(p.reported || "") +
      '</span> <a href="' + cfg.detail.replace("ID", encodeURIComponent(f.id)) + '">' + esc(t.view) + "</a></div>";
  }

  function marker(f, latlng, cfg) {
    const p = f.properties, cat = cfg.categories[p.category] || {};
    return L.circleMarker(latlng, {
      radius: p.overdue ? 9 : 7, weight: 3, color: cfg.stateColors[p.state] || "#555",
      fillColor: cat.color || "#555", fillOpacity: 0.95, className: "inc-marker inc-" + p.state,
    });
  }

  function panel(cfg, state, redraw) {
    const t = cfg.text, control = L.control({ position: "topright" });
    control.onAdd = function () {
      const div = L.DomUtil.create("div", "leaflet-bar inc-panel" + (window.innerWidth < 700 ? " collapsed" : ""));
      div.innerHTML = '<strong class="inc-title" role="button" tabindex="0">⚑ ' + esc(t.title) + ' <span class="inc-count"></span></strong>' +
        '<div class="inc-body"><label><input type="checkbox" name="markers" checked> ' + esc(t.markers) + "</label>" +
        '<label><input type="checkbox" name="heat"> ' + esc(t.heat) + "</label>" +
        '<label><input type="checkbox" name="open"> ' + esc(t.open) + "</label>" +
        "<label>" + esc(t.window) + ' <select name="days">' + WINDOWS.map(d => '<option value="' + d + '"' + (d === state.days ? " selected" : "") + ">" +
        (d ? d + " " + esc(t.days) : esc(t.all)) + "</option>").join("") + "</select></label>" +
        '<div class="inc-legend">' + Object.keys(cfg.stateColors).map(s => '<span><i style="border-color:' + cfg.stateColors[s] + '"></i>' +
        esc(t.states[s] || s) + "</span>").join("") + "</div></div>";
      div.querySelector(".inc-title").addEventListener("click", () => div.classList.toggle("collapsed"));
      div.querySelectorAll("input,select").forEach(el => el.addEventListener("change", () => {
        state.markers = div.querySelector("[name=markers]").checked;
        state.heat = div.querySelector("[name=heat]").checked;
        state.open = div.querySelector("[name=open]").checked;
        state.days = Number(div.querySelector("[name=days]").value);
        redraw();
      }));
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      state.div = div;
      return div;
    };
    return control;
  }

  function start(map) {
    const raw = document.getElementById("incident-overlay-config");
    if (started || !map || !raw) return;
    started = true;
    const cfg = JSON.parse(raw.textContent);
    const state = { markers: true, heat: false, open: false, days: cfg.days, div: null };
    // clusters of incidents look unlike the households' (a flag, ringed red when overdue)
    const icon = c => {
      const late = c.getAllChildMarkers().some(m => m.feature && m.feature.properties.overdue);
      return L.divIcon({ html: "⚑" + c.getChildCount(), className: "inc-cluster" + (late ? " late" : ""), iconSize: [34, 22] });
    };
    const cluster = L.markerClusterGroup ? L.markerClusterGroup({
      disableClusteringAtZoom: 17, showCoverageOnHover: false, maxClusterRadius: 40, iconCreateFunction: icon,
    }) : L.featureGroup();
    let heat = null, seq = 0;
    const query = () => (state.days ? "&days=" + state.days : "") + (state.open ? "&open=1" : "");
    async function redraw() {
      const mine = ++seq;
      const count = state.div && state.div.querySelector(".inc-count");
      try {
        const [points, cells] = await Promise.all([
          getJson(cfg.features + query()),
          state.heat ? getJson(cfg.heat + query()) : null,
        ]);
        if (mine !== seq) return;  // a later change won
        cluster.clearLayers();
        cluster.addLayer(L.geoJSON(points, {
          pointToLayer: (f, ll) => marker(f, ll, cfg),
          onEachFeature: (f, l) => l.bindPopup(popup(f, cfg)),
        }));
        if (state.markers) cluster.addTo(map); else map.removeLayer(cluster);
        if (heat) { map.removeLayer(heat); heat = null; }
        if (cells && L.heatLayer) {
          const max = Math.max(1, ...cells.features.map(f => f.properties.weight));
          heat = L.heatLayer(cells.features.map(f => [f.geometry.coordinates[1], f.geometry.coordinates[0], f.properties.weight]),
            { radius: 22, blur: 18, max: max, minOpacity: 0.3 }).addTo(map);
        }
        if (count) count.textContent = "(" + points.features.length + ")";
        document.body.dataset.incidents = String(points.features.length);
      } catch (err) {
        if (count) count.textContent = "(" + cfg.text.failed + ": " + err.message + ")";
      }
    }
    panel(cfg, state, redraw).addTo(map);
    redraw();
    window.incidentOverlay = { map: map, cluster: cluster, redraw: redraw, state: state };
  }

  document.addEventListener("gridmap:ready", e => start(e.detail.map));
  document.addEventListener("fieldmap:ready", e => start(e.detail.map));
  document.addEventListener("editor:ready", () => start(window.gridEditor && window.gridEditor.map));
})();
