/* Township map: basemaps from settings, data layers from the site's vector tiles
   (gis/tiles.js): village outlines, groups, grids in band colours, households (counted per
   cell below the village zoom). Works with no basemap reachable: data layers draw on a
   plain background. Dispatches "gridmap:ready" (detail: window.gridMap) once drawn. */
(function () {
  "use strict";
  const GROUP_COLORS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#1f78b4"];

  function tianditu(layer, key) {
    return L.tileLayer(
      "https://t{s}.tianditu.gov.cn/" + layer + "_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0" +
      "&LAYER=" + layer + "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=" + key,
      { subdomains: "01234567", maxZoom: 18, attribution: "© 天地图" });
  }

  /* A notice over the map while the basemap's tiles fail (no network, the tile server
     blocked): the data layers still draw, and the user learns why the map is blank. */
  const FAILED_TILES = 3;  // tiles failed, none loaded, since the view last changed
  function watchTiles(layer, text) {
    let failed = 0, loaded = 0, dismissed = false;
    const notice = show => {
      const map = layer._map;
      if (!map) return;
      let div = map.getContainer().querySelector(".basemap-notice");
      if (!div && show) {
        div = L.DomUtil.create("div", "basemap-notice", map.getContainer());
        div.setAttribute("role", "status");
        // the map stays usable under it (clicks pass through), but for its close button
        div.innerHTML = '<button type="button" class="close" aria-label="×">×</button>';
        div.append(text.basemapFailed);
        const close = div.querySelector(".close");
        L.DomEvent.disableClickPropagation(close);
        close.addEventListener("click", () => { div.hidden = true; dismissed = true; });
      }
      if (div) div.hidden = !show || dismissed;
    };
    layer.on("loading", () => { failed = 0; loaded = 0; });
    layer.on("tileerror", () => { failed += 1; if (!loaded && failed >= FAILED_TILES) notice(true); });
    layer.on("tileload", () => { loaded += 1; notice(false); });
    layer.on("remove", () => notice(false));
    return layer;
  }

  /* Basemaps from the settings: {layers: name -> layer, initial: the default one}. */
  function basemaps(cfg, text) {
    const layers = {}, watch = l => watchTiles(l, text);
    layers[text.none] = L.layerGroup();
    if (cfg.localUrl) {  // the county's own tiles (an MBTiles file served by the site)
      layers[text.local] = watch(L.tileLayer(cfg.localUrl, { maxZoom: 19, attribution: cfg.localAttribution || "" }));
    }
    if (cfg.tiandituKey) {
      layers[text.tianditu] = L.layerGroup([watch(tianditu("vec", cfg.tiandituKey)), watch(tianditu("cva", cfg.tiandituKey))]);
      layers[text.tiandituImg] = L.layerGroup([watch(tianditu("img", cfg.tiandituKey)), watch(tianditu("cia", cfg.tiandituKey))]);
    }
    layers[text.osm] = watch(L.tileLayer(cfg.osmUrl, { maxZoom: 19, attribution: "© OpenStreetMap contributors" }));
    const name = cfg.default === "tianditu" && cfg.tiandituKey ? text.tianditu
      : cfg.default === "local" && cfg.localUrl ? text.local
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
      const head = div.querySelector(".legend-title");
      const toggle = () => head.setAttribute("aria-expanded", String(!div.classList.toggle("collapsed")));
      head.setAttribute("aria-expanded", String(window.innerWidth >= 700));
      head.addEventListener("click", toggle);
      head.addEventListener("keydown", e => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(); } });
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    return control;
  }

  const BAND_COLORS = { in: "#1a9850", under: "#f39c12", over: "#d73027" };
  const bandStyle = band => ({ color: BAND_COLORS[band] || "#555", weight: 2, fill: true, fillColor: BAND_COLORS[band] || "#999", fillOpacity: 0.18 });

  /* A grid's tooltip and popup (from its tile or GeoJSON properties): code, counts, links. */
  function gridTooltip(p) {
    return escapeHtml(p.code.slice(-3)) + " · " + p.households;
  }

  function gridPopup(p, text) {
    const cfg = gridMap.config || {};
    const href = url => url.replace("CODE", encodeURIComponent(p.code));
    const link = (cfg.gridUrl ? '<br><a href="' + href(cfg.gridUrl) + '">' + escapeHtml(text.open) + "</a>" : "") +
      (cfg.appointUrl ? ' · <a href="' + href(cfg.appointUrl) + '">' + escapeHtml(text.appoint) + "</a>" : "");
    return "<b>" + escapeHtml(text.grid || "") + " " + escapeHtml(p.code) + "</b>" + (p.locked ? ' <span class="badge">' + escapeHtml(text.locked) + "</span>" : "") + link +
      "<br>" + p.households + " " + escapeHtml(text.householdsCount) + " · " + p.members + " " + escapeHtml(text.memberAreas || "") +
      (p.groups ? "<br>" + escapeHtml(p.groups.join ? p.groups.join("、") : p.groups) : "");
  }

  function householdPopup(p, text) {
    return "<b>" + escapeHtml(p.head || p.id) + "</b> · " + escapeHtml(p.id) + "<br>" +
      escapeHtml((p.village || "") + " " + (p.group || text.ungrouped)) + "<br>" +
      p.members + " " + escapeHtml(text.members) + (p.note ? "<br><i>" + escapeHtml(p.note) + "</i>" : "");
  }

  /* The township map's data layers, from the vector tiles (gis/tiles.js). The outlines are
     drawn as 512-pixel tiles of the zoom below (a quarter of the requests, as the editor
     does); households stay on 256-pixel tiles, whose zoom decides counts or points. */
  function dataLayers(map, cfg, text) {
    const T = window.gridTiles, url = cfg.tiles;
    return {
      villages: T.layer(map, url, "villages", {
        style: { color: "#333", weight: 2.5, fill: false, dashArray: "6 4", interactive: false },
        tooltip: p => escapeHtml(p.name), zIndex: 4, big: true }),
      groups: T.layer(map, url, "groups", {
        style: p => { const c = GROUP_COLORS[p.id % GROUP_COLORS.length]; return { color: c, weight: 1, fill: true, fillColor: c, fillOpacity: 0.15 }; },
        popup: p => "<b>" + escapeHtml(p.village + " " + p.name) + "</b><br>" + escapeHtml(p.code || "") + "<br>" + p.households + " " + escapeHtml(text.householdsCount),
        zIndex: 1, big: true }),
      grids: T.layer(map, url, "grids", {
        style: p => bandStyle(p.band), tooltip: gridTooltip, popup: p => gridPopup(p, text), zIndex: 2, big: true }),
      households: T.layer(map, url, "households", {
        style: p => (p.n ? [] : { radius: 5, weight: 1, color: "#fff", fill: true, fillOpacity: 0.9, fillColor: p.group ? "#2166ac" : "#d73027" }),
        popup: p => householdPopup(p, text), counts: true, zIndex: 5 }),
    };
  }

  const gridMap = {
    map: null, overlays: {}, config: null, control: null,  // control: the layer switcher
    bandColors: BAND_COLORS,
    /* Grids as GeoJSON (a partition run's proposal): the same style, tooltip and popup. */
    gridLayer: function (grids, text, extraStyle) {
      return L.geoJSON(grids, {
        style: f => Object.assign(bandStyle(f.properties.band), extraStyle ? extraStyle(f) : {}),
        onEachFeature: (f, l) => {
          l.bindTooltip(gridTooltip(f.properties), { permanent: false, sticky: true });
          l.bindPopup(gridPopup(f.properties, text));
        },
      });
    },
    escapeHtml: escapeHtml,
    basemaps: basemaps,
    /* Fit a map to [min lon, min lat, max lon, max lat] (not animated: a fit while an
       animation runs is dropped by Leaflet). */
    fit: function (map, e, options) {
      map.fitBounds([[e[1], e[0]], [e[3], e[2]]], Object.assign({ animate: false }, options || {}));
    },
    init: async function (map) {
      const cfg = JSON.parse(document.getElementById("map-config").textContent);
      const text = cfg.text;
      gridMap.map = map; gridMap.config = cfg;
      map.attributionControl.setPrefix(false);
      const bases = basemaps(cfg.basemaps, text);
      bases.initial.addTo(map);
      gridMap.fit(map, cfg.bounds || cfg.extent, { padding: [10, 10] });
      const status = document.getElementById("map-status");
      // the tile layers set their own stacking (zIndex): the switcher leaves it alone
      const control = L.control.layers(bases.layers, {}, { collapsed: window.innerWidth < 700, autoZIndex: false }).addTo(map);
      gridMap.control = control;  // add-ons (gridmap:ready) add their overlays to it
      legend([
        { label: text.villages, fill: "transparent", stroke: "#333" },
        { label: text.groups, fill: "rgba(27,158,119,.25)", stroke: "#1b9e77" },
        { label: text.household, fill: "#2166ac", stroke: "#fff", round: true },
        { label: text.ungrouped, fill: "#d73027", stroke: "#fff", round: true },
      ].concat(cfg.hasGrids ? [
        { label: text.inBand, fill: "rgba(26,152,80,.3)", stroke: BAND_COLORS.in },
        { label: text.underBand, fill: "rgba(243,156,18,.3)", stroke: BAND_COLORS.under },
        { label: text.overBand, fill: "rgba(215,48,39,.3)", stroke: BAND_COLORS.over },
      ] : []), text.legend).addTo(map);
      const layers = dataLayers(map, cfg, text);
      // with grids, they replace the village groups on the map (groups stay in the switcher)
      const shown = ["villages", cfg.hasGrids ? "grids" : "groups", "households"];
      ["villages", "groups"].concat(cfg.hasGrids ? ["grids"] : [], ["households"]).forEach(n => {
        control.addOverlay(layers[n], text[n]);
        if (shown.includes(n)) layers[n].addTo(map);
        gridMap.overlays[n] = layers[n];
      });
      await window.gridTiles.loaded(shown.map(n => layers[n]));
      status.textContent = text.loaded + ": " + cfg.households + " " + text.householdsCount;
      status.dataset.households = String(cfg.households);
      // the side panel's households outside every group: a click shows one on the map
      document.querySelectorAll("#outside-groups button[data-lat]").forEach(b => b.addEventListener("click", () => {
        const at = L.latLng(+b.dataset.lat, +b.dataset.lon);
        map.setView(at, Math.max(map.getZoom(), 17), { animate: false });
        L.popup().setLatLng(at).setContent("<b>" + escapeHtml(b.textContent) + "</b><br>" + escapeHtml(text.ungrouped)).openOn(map);
        map.getContainer().scrollIntoView({ block: "nearest" });
      }));
      document.dispatchEvent(new CustomEvent("gridmap:ready", { detail: gridMap }));
    },
  };
  window.gridMap = gridMap;
})();
