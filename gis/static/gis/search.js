/* The search box of every map page (gis/templates/gis/_map_search.html): households,
   residents, grids, villages and groups of the user's area from /api/search.json, as the
   user types (debounced, the previous request aborted). Arrow keys move through the
   results, Enter picks one, Escape closes the list. Picking a result zooms the page's map
   there and opens it: a popup, unless the page handles "mapsearch:pick" (detail: the
   result; preventDefault) its own way (the grid page opens its household's popup and
   selects it in its list and visit form). */
(function () {
  "use strict";
  const DEBOUNCE_MS = 250;
  const form = document.getElementById("map-search");
  if (!form) return;
  const input = document.getElementById("map-search-input");
  const list = document.getElementById("map-search-results");
  const status = document.getElementById("map-search-status");
  const text = form.dataset;
  let map = null, timer = null, controller = null, results = [], active = -1;

  const esc = s => String(s == null ? "" : s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

  window.addEventListener("map:init", e => { if (!map) map = e.detail.map; });

  function say(message) {
    status.textContent = message || "";
    status.hidden = !message;
  }

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function show(found) {
    results = found;
    active = -1;
    list.innerHTML = found.map((r, i) =>
      '<li role="option" id="map-search-' + i + '" data-index="' + i + '" data-kind="' + esc(r.kind) + '" aria-selected="false">' +
      '<span class="kind">' + esc(text[r.kind] || r.kind) + "</span> <b>" + esc(r.label) + "</b>" +
      '<span class="detail">' + esc(r.detail) + "</span></li>").join("");
    list.hidden = !found.length;
    input.setAttribute("aria-expanded", found.length ? "true" : "false");
    say(found.length ? "" : text.none);
  }

  function highlight(i) {
    const items = list.querySelectorAll("li");
    if (!items.length) return;
    active = (i + items.length) % items.length;
    items.forEach((li, n) => li.setAttribute("aria-selected", n === active ? "true" : "false"));
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  async function run(q) {
    if (controller) controller.abort();
    controller = new AbortController();
    try {
      const r = await fetch(text.url + "?q=" + encodeURIComponent(q), { credentials: "same-origin", signal: controller.signal });
      if (!r.ok) { show([]); say(text.failed + ": " + (await r.text())); return; }
      const data = await r.json();
      if (data.q === input.value.trim()) show(data.results);
    } catch (err) {
      if (err.name !== "AbortError") { show([]); say(text.failed); }
    }
  }

  function pick(r) {
    close();
    input.value = r.label;
    if (!map) return;
    if (r.bbox) map.fitBounds([[r.bbox[1], r.bbox[0]], [r.bbox[3], r.bbox[2]]], { maxZoom: 17, animate: false });
    else map.setView([r.lat, r.lon], Math.max(map.getZoom(), 17), { animate: false });
    map.getContainer().scrollIntoView({ block: "nearest" });
    // the page may open the result its own way (the grid page: its household's popup)
    const event = new CustomEvent("mapsearch:pick", { detail: r, cancelable: true });
    if (!document.dispatchEvent(event)) return;
    const here = location.pathname === r.url || !r.url;
    L.popup({ className: "search-popup", autoPanPaddingTopLeft: [10, 60] }).setLatLng([r.lat, r.lon]).setContent(
      "<b>" + esc(r.label) + "</b> · " + esc(text[r.kind] || r.kind) + "<br>" + esc(r.detail) +
      (here ? "" : '<br><a href="' + esc(r.url) + '">' + esc(text.open) + "</a>")).openOn(map);
  }

  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) { show([]); say(""); close(); return; }
    timer = setTimeout(() => run(q), DEBOUNCE_MS);
  });
  input.addEventListener("keydown", e => {
    if (e.key === "ArrowDown") { e.preventDefault(); if (list.hidden && results.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } highlight(active + 1); }
    else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
    else if (e.key === "Enter") { e.preventDefault(); if (results.length && !list.hidden) pick(results[Math.max(active, 0)]); }
    else if (e.key === "Escape") { close(); }
  });
  // mousedown, not click: the input keeps its focus (and the list is not closed by the blur)
  list.addEventListener("mousedown", e => {
    const li = e.target.closest("li[data-index]");
    if (!li) return;
    e.preventDefault();
    pick(results[+li.dataset.index]);
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
  input.addEventListener("focus", () => { if (results.length && input.value.trim()) { list.hidden = false; input.setAttribute("aria-expanded", "true"); } });
  ["click", "dblclick", "mousedown", "touchstart", "wheel"].forEach(t => form.addEventListener(t, e => e.stopPropagation()));
})();
