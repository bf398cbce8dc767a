/* The appointments page: each post's menu holds only its current holder; typing in the
   search beside it asks the server for residents (the grid's own first, then the rest of
   the village: /grids/<code>/candidates.json) and a pick puts the resident in the menu.
   Keyboard: arrows move through the results, Enter picks, Escape closes. */
(function () {
  "use strict";
  const form = document.getElementById("appointments");
  if (!form) return;
  const text = form.dataset, DEBOUNCE_MS = 250;
  const esc = s => String(s == null ? "" : s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  const label = p => p.name + (p.party_member === "full" ? " · " + text.party : p.party_member ? " · " + text.probationary : "") +
    (p.group_leader ? " · " + text.groupLeader : "");

  form.querySelectorAll(".picker").forEach(picker => {
    const select = picker.querySelector("select"), input = picker.querySelector(".picker-q");
    const list = picker.querySelector(".picker-results");
    let timer = null, controller = null, results = [], active = -1;

    function close() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; }
    function show(found) {
      results = found; active = -1;
      list.innerHTML = found.length ? found.map((p, i) =>
        '<li role="option" id="' + list.id + "-" + i + '" data-index="' + i + '">' + esc(label(p)) +
        '<span class="detail">' + esc(p.household + " · " + p.group) + (p.in_grid ? " · " + esc(text.inGrid) : "") + "</span></li>").join("")
        : '<li class="none">' + esc(text.none) + "</li>";
      list.hidden = false; input.setAttribute("aria-expanded", "true");
    }
    function highlight(i) {
      const items = list.querySelectorAll("li[data-index]");
      if (!items.length) return;
      active = (i + items.length) % items.length;
      items.forEach((li, n) => li.setAttribute("aria-selected", n === active ? "true" : "false"));
      input.setAttribute("aria-activedescendant", items[active].id);
      items[active].scrollIntoView({ block: "nearest" });
    }
    function pick(p) {
      let option = Array.from(select.options).find(o => o.value === String(p.id));
      if (!option) { option = new Option(label(p), String(p.id)); select.add(option); }
      select.value = String(p.id);
      input.value = "";
      close();
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    async function run(q) {
      if (controller) controller.abort();
      controller = new AbortController();
      try {
        const r = await fetch(text.candidates + "?q=" + encodeURIComponent(q), { credentials: "same-origin", signal: controller.signal });
        if (r.ok) show((await r.json()).results);
      } catch (err) { if (err.name !== "AbortError") close(); }
    }
    const ask = () => { clearTimeout(timer); timer = setTimeout(() => run(input.value.trim()), DEBOUNCE_MS); };
    input.addEventListener("input", ask);
    input.addEventListener("focus", ask);  // an empty search lists the grid's own residents
    input.addEventListener("keydown", e => {
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active - 1); }
      else if (e.key === "Enter") { e.preventDefault(); if (results.length && !list.hidden) pick(results[Math.max(active, 0)]); }
      else if (e.key === "Escape") close();
    });
    list.addEventListener("mousedown", e => {
      const li = e.target.closest("li[data-index]");
      if (li) { e.preventDefault(); pick(results[+li.dataset.index]); }
    });
    input.addEventListener("blur", () => setTimeout(close, 150));
  });
})();
