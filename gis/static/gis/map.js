/* Township map: basemaps from settings, data layers from the project's GeoJSON endpoints.
   Works with no basemap reachable: data layers draw on a plain background. */
(function () {
  "use strict";
  const GROUP_COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4"];

  function tianditu(layer, key) {
    return L.tileLayer(
      "https://t{s}.tianditu.gov.cn/" + layer + "_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0" +
      "&LAYER=" + layer + "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=" + key,
      { subdomains: "01234567", maxZoom: 18, attribution: "© 天地图" });
  }

  /* Basemaps from the settings: {layers: name -> layer, initial: the default one}. */
  function basemaps(cfg, text) {
    const layers = {};
    layers[text.none] = L.layerGroup();
    if (cfg.tiandituKey) {
      layers[text.tianditu] = L.layerGroup([tianditu("vec", cfg.tiandituKey), tianditu("cva", cfg.tiandituKey)]);
      layers[text.tiandituImg] = L.layerGroup([tianditu("img", cfg.tiandituKey), tianditu("cia", cfg.tiandituKey)]);
    }
    layers[text.osm] = L.tileLayer(cfg.osmUrl, { maxZoom: 19, attribution: "© OpenStreetMap contributors" });
    const name = cfg.default === "tianditu" && cfg.tiandituKey ? text.tianditu
      : cfg.default === "none" ? text.none : text.osm;
    return { layers: layers, initial: layers[name] };
  }

  function escapeHtml(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  function legend(entries, title) {
    const control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      // Collapsed to its title on phones; a tap opens it.
      const div = L.DomUtil.create("div", "legend" + (window.innerWidth < 700 ? " collapsed" : ""));
      div.innerHTML = '<strong class="legend-title" role="button" tabindex="0">' + escapeHtml(title) + "</strong>" +
        '<div class="legend-body">' + entries.map(e =>
        '<div><i style="background:' + e.fill + ";border-color:" + e.stroke + (e.round ? ";border-radius:50%" : "") + '"></i>' + escapeHtml(e.label) + "</div>").join("") + "</div>";
      div.querySelector(".legend-title").addEventListener("click", () => div.classList.toggle("collapsed"));
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    return control;
  }

  async function fetchJson(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } });
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response.json();
  }

  const BAND_COLORS = { in: "#1a9850", under: "#f39c12", over: "#d73027" };

  const gridMap = {
    map: null, overlays: {}, config: null, control: null,  // control: the layer switcher
    bandColors: BAND_COLORS,
    gridLayer: function (grids, text, extraStyle) {
      return L.geoJSON(grids, {
        style: f => Object.assign({ color: BAND_COLORS[f.properties.band] || "#555", weight: 2,
          fillColor: BAND_COLORS[f.properties.band] || "#999", fillOpacity: 0.18 }, extraStyle ? extraStyle(f) : {}),
        onEachFeature: (f, l) => {
          const p = f.properties;
          l.bindTooltip(escapeHtml(p.code.slice(-3)) + " · " + p.households, { permanent: false, sticky: true });
          const cfg = gridMap.config || {};
          const href = url => url.replace("CODE", encodeURIComponent(p.code));
          const link = (cfg.gridUrl ? '<br><a href="' + href(cfg.gridUrl) + '">' + escapeHtml(text.open) + "</a>" : "") +
            (cfg.appointUrl ? ' · <a href="' + href(cfg.appointUrl) + '">' + escapeHtml(text.appoint) + "</a>" : "");
          l.bindPopup("<b>" + escapeHtml(text.grid || "") + " " + escapeHtml(p.code) + "</b>" + (p.locked ? ' <span class="badge">' + escapeHtml(text.locked) + "</span>" : "") + link +
            "<br>" + p.households + " " + escapeHtml(text.householdsCount) + " · " + p.members + " " + escapeHtml(text.memberAreas || "") +
            (p.groups ? "<br>" + escapeHtml(p.groups.join ? p.groups.join("、") : p.groups) : ""));
        },
      });
    },
    escapeHtml: escapeHtml,
    basemaps: basemaps,
    init: async function (map) {
      const cfg = JSON.parse(document.getElementById("map-config").textContent);
      const text = cfg.text;
      gridMap.map = map; gridMap.config = cfg;
      map.attributionControl.setPrefix(false);
      const bases = basemaps(cfg.basemaps, text);
      bases.initial.addTo(map);
      const e = cfg.extent;
      map.fitBounds([[e[1], e[0]], [e[3], e[2]]], { animate: false });  // an animation would undo the fit to the data below
      const status = document.getElementById("map-status");
      const control = L.control.layers(bases.layers, {}, { collapsed: window.innerWidth < 700 }).addTo(map);
      gridMap.control = control;  // add-ons (gridmap:ready) add their overlays to it
      legend([
        { label: text.villages, fill: "transparent", stroke: "#333" },
        { label: text.groups, fill: "rgba(27,158,119,.25)", stroke: "#1b9e77" },
        { label: text.household, fill: "#2166ac", stroke: "#fff", round: true },
        { label: text.ungrouped, fill: "#d73027", stroke: "#fff", round: true },
      ].concat(cfg.layers.grids ? [
        { label: text.inBand, fill: "rgba(26,152,80,.3)", stroke: BAND_COLORS.in },
        { label: text.underBand, fill: "rgba(243,156,18,.3)", stroke: BAND_COLORS.under },
        { label: text.overBand, fill: "rgba(215,48,39,.3)", stroke: BAND_COLORS.over },
      ] : []), text.legend).addTo(map);
      try {
        const [villages, groups, households, grids] = await Promise.all(
          ["villages", "groups", "households", "grids"].map(n => cfg.layers[n] ? fetchJson(cfg.layers[n]) : null));
        const villageLayer = L.geoJSON(villages, {
          style: { color: "#333", weight: 2.5, fill: false, dashArray: "6 4" },
          onEachFeature: (f, l) => l.bindTooltip(escapeHtml(f.properties.name), { sticky: true }),
        });
        let k = 0;
        const groupLayer = L.geoJSON(groups, {
          style: () => { const c = GROUP_COLORS[k++ % GROUP_COLORS.length]; return { color: c, weight: 1, fillColor: c, fillOpacity: 0.15 }; },
          onEachFeature: (f, l) => l.bindPopup("<b>" + escapeHtml(f.properties.village + " " + f.properties.name) + "</b><br>" +
            escapeHtml(f.properties.code || "") + "<br>" + f.properties.households + " " + escapeHtml(text.householdsCount)),
        });
        const cluster = L.markerClusterGroup({ disableClusteringAtZoom: 17, chunkedLoading: true, showCoverageOnHover: false });
        cluster.addLayer(L.geoJSON(households, {
          pointToLayer: (f, latlng) => L.circleMarker(latlng, {
            radius: 5, weight: 1, color: "#fff", fillOpacity: 0.9,
            fillColor: f.properties.group ? "#2166ac" : "#d73027",
          }),
          onEachFeature: (f, l) => l.bindPopup("<b>" + escapeHtml(f.properties.head || f.id) + "</b> · " + escapeHtml(f.id) + "<br>" +
            escapeHtml((f.properties.village || "") + " " + (f.properties.group || text.ungrouped)) + "<br>" +
            f.properties.members + " " + escapeHtml(text.members) + (f.properties.note ? "<br><i>" + escapeHtml(f.properties.note) + "</i>" : "")),
        }));
        groupLayer.addTo(map);
        control.addOverlay(villageLayer, text.villages);
        control.addOverlay(groupLayer, text.groups);
        gridMap.overlays = { villages: villageLayer, groups: groupLayer, households: cluster };
        if (grids && grids.features.length) {
          const gridLayer = gridMap.gridLayer(grids, text);
          map.removeLayer(groupLayer);
          gridLayer.addTo(map);
          control.addOverlay(gridLayer, text.grids);
          gridMap.overlays.grids = gridLayer;
        }
        villageLayer.addTo(map); cluster.addTo(map);
        control.addOverlay(cluster, text.households);
        const bounds = villageLayer.getBounds();
        if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
        status.textContent = text.loaded + ": " + households.features.length + " " + text.householdsCount;
        status.dataset.households = String(households.features.length);
        document.dispatchEvent(new CustomEvent("gridmap:ready", { detail: gridMap }));
      } catch (err) {
        status.textContent = text.failed + ": " + err.message;
        status.classList.add("error");
      }
    },
  };
  window.gridMap = gridMap;
})();
