/* Field page (grid leader, member, cadres): the grid outline and its households coloured by
   member area, from the vector tiles (gis/tiles.js), and the visit form's point (my
   location, or a tap on the map). A household's popup shows what the page's list says of
   it (masked on the server as the user's role requires; tiles carry no personal numbers).
   Works with no basemap reachable: the data layers draw on a plain background. */
(function () {
  "use strict";
  const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
    "#8c564b", "#e377c2", "#bcbd22", "#7f7f7f"];  // = views.MEMBER_COLORS, field.css
  const esc = s => window.gridMap.escapeHtml(s);
  const areaColor = n => (n ? COLORS[(n - 1) % COLORS.length] : "#555");

  function legend(cfg) {
    const control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      // collapsed to its title on phones (it would cover the households); a tap opens it
      const div = L.DomUtil.create("div", "legend field-legend" + (window.innerWidth < 700 ? " collapsed" : ""));
      div.innerHTML = '<strong class="legend-title" role="button" tabindex="0" aria-expanded="' + (window.innerWidth >= 700) + '">' +
        esc(cfg.text.legend) + '</strong><div class="legend-body">' + cfg.areas.map(a =>
        '<div><span class="area" data-area="' + a.number + '" style="background:' + areaColor(a.number) + '">' + a.number +
        "</span>" + esc(cfg.text.memberArea + " " + a.number) + (a.name ? '<span class="legend-name"> · ' + esc(a.name) + "</span>" : "") + "</div>").join("") +
        '<div><i style="background:transparent;border-color:#333"></i>' + esc(cfg.text.grid) + "</div></div>";
      const title = div.querySelector(".legend-title");
      const toggle = () => title.setAttribute("aria-expanded", String(!div.classList.toggle("collapsed")));
      title.addEventListener("click", toggle);
      title.addEventListener("keydown", e => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); toggle(); } });
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    return control;
  }

  const listItem = id => document.querySelector('#household-list li[data-household="' + CSS.escape(id) + '"]');

  /* A household's popup: its tile's properties and, when the list shows it, its line there. */
  function popup(p, text) {
    const li = listItem(p.id), part = sel => (li && li.querySelector(sel) ? li.querySelector(sel).textContent.trim() : "");
    const tags = li ? Array.from(li.querySelectorAll(".tag"), t => t.textContent) : [];
    return "<b>" + esc(p.head || p.id) + "</b> · " + esc(p.id) + (li ? "<br>" + esc(part(".hh-top + .muted")) : "") +
      (part(".pii") ? "<br>" + esc(part(".pii")) : "") +
      (p.area ? "<br>" + esc(text.memberArea) + " " + p.area : "") +
      (tags.length ? "<br>" + tags.map(esc).join("、") : "") +
      (li ? "<br>" + esc(part(".hh-visit")) : "");
  }

  /* The visit form's point: hidden lon/lat inputs, a pin on the map, a line of text. */
  function visitPoint(map, text) {
    const form = document.getElementById("visit");
    if (!form) return;
    const lon = form.querySelector("[name=lon]"), lat = form.querySelector("[name=lat]");
    const where = document.getElementById("where-text"), clear = document.getElementById("clear-location");
    let pin = null;
    function set(latlng, label) {
      lon.value = latlng.lng.toFixed(7); lat.value = latlng.lat.toFixed(7);
      if (pin) pin.setLatLng(latlng); else pin = L.marker(latlng, {
        icon: L.divIcon({ className: "visit-pin", html: "📍", iconSize: [22, 22], iconAnchor: [11, 22] }),
      }).addTo(map);
      where.textContent = label + ": " + lat.value + ", " + lon.value;
      clear.hidden = false;
    }
    map.on("click", e => set(e.latlng, text.here));
    clear.addEventListener("click", () => {
      lon.value = ""; lat.value = ""; where.textContent = where.dataset.empty; clear.hidden = true;
      if (pin) { map.removeLayer(pin); pin = null; }
    });
    document.getElementById("use-location").addEventListener("click", () => {
      if (!navigator.geolocation) { where.textContent = "—"; return; }
      where.textContent = "…";
      navigator.geolocation.getCurrentPosition(
        pos => { const ll = L.latLng(pos.coords.latitude, pos.coords.longitude); set(ll, text.here); map.setView(ll, Math.max(map.getZoom(), 17)); },
        err => { where.textContent = err.message; },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
    if (lon.value && lat.value) set(L.latLng(+lat.value, +lon.value), text.here);
  }

  function selectHousehold(id) {
    const select = document.querySelector("#visit [name=household]");
    if (!select) return;
    const option = Array.from(select.options).find(o => o.textContent.endsWith(" · " + id));
    if (option) select.value = option.value;
  }

  const fieldMap = {
    households: null,
    /* The household ids of this grid drawn on the map. */
    shown: () => window.gridTiles.drawn(fieldMap.households, "id", p => p.grid === fieldMap.cfg.grid),
    init: async function (map) {
      fieldMap.map = map;
      const cfg = fieldMap.cfg = JSON.parse(document.getElementById("field-config").textContent);
      const text = cfg.text, status = document.getElementById("map-status");
      map.attributionControl.setPrefix(false);
      const bases = window.gridMap.basemaps(cfg.basemaps, text);
      bases.initial.addTo(map);
      window.gridMap.fit(map, cfg.bounds || cfg.extent, { padding: [12, 12] });
      const control = fieldMap.control = L.control.layers(bases.layers, {}, { collapsed: true }).addTo(map);
      legend(cfg).addTo(map);
      visitPoint(map, text);
      const T = window.gridTiles;
      const overdue = new Set(Array.from(document.querySelectorAll("#household-list li[data-overdue]"), li => li.dataset.household));
      const mine = p => p.grid === cfg.grid;  // a cadre's tiles hold the village's other grids too
      const gridLayer = T.layer(map, cfg.tiles, "grids", {
        style: p => (p.code === cfg.grid ? { color: "#333", weight: 2.5, fill: true, fillColor: "#fff", fillOpacity: 0.25, dashArray: "6 4", interactive: false } : []),
        zIndex: 1 }).addTo(map);
      const points = fieldMap.households = T.layer(map, cfg.tiles, "households", {
        style: p => (!p.n && mine(p) ? { radius: 7, weight: 1.5, color: overdue.has(p.id) ? "#000" : "#fff", fill: true, fillOpacity: 0.95, fillColor: areaColor(p.area) } : []),
        click: (p, e) => { if (!mine(p)) return; selectHousehold(p.id); map.openPopup(popup(p, text), e.latlng || map.mouseEventToLatLng(e.originalEvent)); },
        minZoom: cfg.pointsZoom, zIndex: 2 }).addTo(map);
      control.addOverlay(gridLayer, text.grid);
      control.addOverlay(points, text.households);
      map.invalidateSize();  // the page may have reflowed since the map was created
      window.gridMap.fit(map, cfg.bounds || cfg.extent, { padding: [12, 12] });
      await T.loaded([gridLayer, points]);
      status.textContent = text.loaded + ": " + cfg.households + " " + text.householdsCount;
      status.dataset.households = String(cfg.households);
      document.querySelectorAll("#household-list .hh-name").forEach(b => b.addEventListener("click", () => {
        const li = b.closest("li"), id = li.dataset.household;
        selectHousehold(id);
        const at = L.latLng(+li.dataset.lat, +li.dataset.lon);
        document.getElementById("map-section").scrollIntoView({ behavior: "smooth" });
        map.setView(at, Math.max(map.getZoom(), 17), { animate: false });
        map.openPopup(popup({ id: id, head: b.textContent.trim(), area: +(li.querySelector(".area") || {}).textContent || null }, text), at);
      }));
      // a household picked in the search box: marked in the list, chosen in the visit form
      document.addEventListener("mapsearch:pick", e => {
        const r = e.detail;
        if (r.kind !== "household" && r.kind !== "resident") return;
        document.querySelectorAll("#household-list li.hit").forEach(li => li.classList.remove("hit"));
        const li = listItem(r.id);
        if (!li) return;
        li.classList.add("hit");
        selectHousehold(r.id);
        e.preventDefault();
        const head = li.querySelector(".hh-name").textContent.trim();
        L.popup({ autoPanPaddingTopLeft: [10, 60] }).setLatLng([r.lat, r.lon])
          .setContent(popup({ id: r.id, head: head, area: +(li.querySelector(".area") || {}).textContent || null }, text)).openOn(map);
      });
      // add-ons (the incident overlay) draw on this map, as gridmap:ready on the township map
      document.dispatchEvent(new CustomEvent("fieldmap:ready", { detail: fieldMap }));
    },
  };
  window.fieldMap = fieldMap;
})();
