/* Field page (grid leader, member, cadres): the grid outline, its households coloured by
   member area, and the visit form's point (my location, or a tap on the map).
   Works with no basemap reachable: the data layers draw on a plain background. */
(function () {
  "use strict";
  const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
    "#8c564b", "#e377c2", "#bcbd22", "#7f7f7f"];  // = views.MEMBER_COLORS, field.css
  const esc = s => window.gridMap.escapeHtml(s);
  const areaColor = n => (n ? COLORS[(n - 1) % COLORS.length] : "#555");

  async function getJson(url) {
    const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } });
    if (!r.ok) throw new Error(url + ": " + r.status);
    return r.json();
  }

  function legend(cfg) {
    const control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      const div = L.DomUtil.create("div", "legend field-legend");
      div.innerHTML = "<strong>" + esc(cfg.text.legend) + "</strong>" + cfg.areas.map(a =>
        '<div><span class="area" data-area="' + a.number + '" style="background:' + areaColor(a.number) + '">' + a.number +
        "</span>" + esc(cfg.text.memberArea + " " + a.number) + (a.name ? '<span class="legend-name"> · ' + esc(a.name) + "</span>" : "") + "</div>").join("") +
        '<div><i style="background:transparent;border-color:#333"></i>' + esc(cfg.text.grid) + "</div>";
      return div;
    };
    return control;
  }

  function popup(f, text) {
    const p = f.properties;
    return "<b>" + esc(p.head || f.id) + "</b> · " + esc(f.id) + "<br>" + esc(p.address) +
      (p.phone ? "<br>" + esc(p.phone) : "") +
      (p.member_area ? "<br>" + esc(text.memberArea) + " " + p.member_area : "") +
      (p.tags.length ? "<br>" + p.tags.map(esc).join("、") : "") +
      "<br>" + esc(text.lastVisit) + ": " + esc(p.last_visit || text.never);
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
    markers: {},
    init: async function (map) {
      fieldMap.map = map;
      const cfg = JSON.parse(document.getElementById("field-config").textContent);
      const text = cfg.text, status = document.getElementById("map-status");
      map.attributionControl.setPrefix(false);
      const bases = window.gridMap.basemaps(cfg.basemaps, text);
      bases.initial.addTo(map);
      const e = cfg.extent;
      // not animated: a fit while a zoom animation runs is dropped by Leaflet
      map.fitBounds([[e[1], e[0]], [e[3], e[2]]], { animate: false });
      const control = L.control.layers(bases.layers, {}, { collapsed: true }).addTo(map);
      legend(cfg).addTo(map);
      visitPoint(map, text);
      try {
        const [outline, households] = await Promise.all([getJson(cfg.outline), getJson(cfg.households)]);
        const gridLayer = L.geoJSON(outline, { style: { color: "#333", weight: 2.5, fillColor: "#fff", fillOpacity: 0.25, dashArray: "6 4" }, interactive: false }).addTo(map);
        const points = L.geoJSON(households, {
          pointToLayer: (f, latlng) => L.circleMarker(latlng, {
            radius: 7, weight: 1.5, color: f.properties.overdue ? "#000" : "#fff", fillOpacity: 0.95,
            fillColor: areaColor(f.properties.member_area), bubblingMouseEvents: false,
          }),
          onEachFeature: (f, l) => {
            fieldMap.markers[f.id] = l;
            l.bindPopup(popup(f, text));
            l.on("click", () => selectHousehold(f.id));
          },
        }).addTo(map);
        control.addOverlay(gridLayer, text.grid);
        control.addOverlay(points, text.households);
        const bounds = gridLayer.getBounds();
        map.invalidateSize();  // the page may have reflowed since the map was created
        if (bounds.isValid()) map.fitBounds(bounds.extend(points.getBounds()), { padding: [12, 12], animate: false });
        status.textContent = text.loaded + ": " + households.features.length + " " + text.householdsCount;
        status.dataset.households = String(households.features.length);
      } catch (err) {
        status.textContent = text.failed + ": " + err.message;
        status.classList.add("error");
      }
      document.querySelectorAll("#household-list .hh-name").forEach(b => b.addEventListener("click", () => {
        const id = b.closest("li").dataset.household, m = fieldMap.markers[id];
        selectHousehold(id);
        if (m) {
          document.getElementById("map-section").scrollIntoView({ behavior: "smooth" });
          map.setView(m.getLatLng(), Math.max(map.getZoom(), 17));
          m.openPopup();
        }
      }));
      // add-ons (the incident overlay) draw on this map, as gridmap:ready on the township map
      document.dispatchEvent(new CustomEvent("fieldmap:ready", { detail: fieldMap }));
    },
  };
  window.fieldMap = fieldMap;
})();
