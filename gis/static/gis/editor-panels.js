/* Grid editor, side panel: the grid list, draft status and actions, versions, history,
   the selected grid's tools, the move box and a version compare. Pure rendering from the
   editor's state (gis/editor.js); times arrive formatted by the server (configured zone). */
(function () {
  "use strict";

  window.gridEditorPanels = function (ed, h) {
    const { T, $, esc, bandOf, personName, villageOf, tally } = h;

    function options(list, selected) {
      return list.map(([value, label]) => '<option value="' + esc(value) + '"' + (String(value) === String(selected) ? " selected" : "") + ">" + esc(label) + "</option>").join("");
    }

    function renderList(counts) {
      const many = ed.cfg.villages.length > 1;
      let village = null;
      const rows = Object.keys(ed.grids).sort().map(code => {
        const head = many && villageOf(code) !== village
          ? '<tr class="village-row"><th colspan="4">' + esc((ed.villages[village = villageOf(code)] || {}).name || village) + "</th></tr>" : "";
        const c = counts[code] || { n: 0, areas: {} };
        const meta = ed.grids[code];
        const band = bandOf(code, c.n);
        const loads = Object.keys(c.areas).sort((x, y) => x - y).map(n => c.areas[n]).join(" ");
        const leader = meta.leader ? esc(personName(code, meta.leader)) + (meta.leader_confirmed ? "" : ' <i class="muted">(' + esc(T.proposed) + ")</i>") : "—";
        return head + '<tr data-code="' + code + '" class="' + (code === ed.current ? "current" : "") + '"><td><a href="#" data-pick="' + code + '">' +
          esc(code.slice(-3)) + "</a>" + (meta.locked ? ' <span class="badge lock">' + esc(T.locked) + "</span>" : "") +
          '</td><td><span class="badge band-' + band + ' count">' + c.n + '</span></td><td class="loads">' + loads +
          "</td><td>" + leader + "</td></tr>";
      });
      $("grid-list").tBodies[0].innerHTML = rows.join("");
    }

    /* The draft must be updated first: a newer version, or households or groups changed. */
    const needsUpdate = v => v && v.draft && (v.draft.current !== v.draft.base || !!v.draft.outdated);

    function renderDraft() {
      const parts = [], notes = [];
      let ops = 0, undone = 0, outdated = false;
      for (const code of ed.cfg.villages) {
        const v = ed.villages[code];
        if (!v || !v.draft) continue;
        ops += v.draft.ops.length; undone += v.draft.undone.length;
        if (needsUpdate(v)) outdated = true;
        if (v.draft.outdated) notes.push(v.draft.outdated);
        if (ed.cfg.villages.length === 1 || v.draft.ops.length)
          parts.push((ed.cfg.villages.length > 1 ? esc(v.name) + ": " : "") + v.draft.ops.length + " " + esc(T.edits) +
            " · " + esc(T.basedOn) + " " + v.draft.base + (v.draft.current !== v.draft.base ? " · <strong>" + esc(T.outdated) + " (" + v.draft.current + ")</strong>" : ""));
      }
      const status = $("draft-status");
      status.innerHTML = esc(T.draft) + ": " + (parts.join("<br>") || "0 " + esc(T.edits));
      status.dataset.ops = String(ops);
      const note = notes.join(" ");  // not twice: the alert may already say it
      $("draft-outdated").hidden = !note || (!$("editor-message").hidden && $("editor-message").textContent === note);
      $("draft-outdated").textContent = note;
      $("undo-button").disabled = ed.busy || !ops;
      $("redo-button").disabled = ed.busy || !undone;
      $("submit-button").disabled = ed.busy || !ops;
      $("discard-button").disabled = ed.busy || !ops;
      $("rebase-button").hidden = !outdated;
      $("rebase-button").disabled = ed.busy;
      const last = lastOp();
      $("undo-button").title = last ? T.undoOp + ": " + last : T.undoOp;
      renderVersions();
      renderHistory();
    }

    function lastOp() {
      for (const code of ed.cfg.villages.slice().reverse()) {
        const v = ed.villages[code];
        if (v && v.draft && v.draft.ops.length) return v.draft.ops[v.draft.ops.length - 1];
      }
      return "";
    }

    function renderVersions() {
      const items = [];
      for (const code of ed.cfg.villages) {
        const v = ed.villages[code];
        if (!v || !v.versions) continue;
        v.versions.forEach(ver => {
          const current = !ver.to;
          items.push('<li data-village="' + code + '" data-version="' + ver.number + '"><strong>' +
            (ed.cfg.villages.length > 1 ? esc(v.name) + " " : "") + "v" + ver.number + "</strong> " +
            "<time>" + esc(ver.from) + "</time> · " + esc(ver.source) + (ver.by ? " · " + esc(ver.by) : "") +
            (current ? ' <span class="badge ok">' + esc(T.current) + "</span>" : "") +
            (ver.note ? '<br><span class="muted">' + esc(ver.note.slice(0, 120)) + "</span>" : "") +
            '<br><button type="button" data-act="show">' + esc(T.show) + "</button>" +
            (current ? "" : ' <button type="button" data-act="compare">' + esc(T.compare) + '</button> <button type="button" data-act="restore" class="edit-only">' + esc(T.restore) + "</button>") +
            "</li>");
        });
      }
      $("versions").innerHTML = items.join("");
      $("versions").querySelectorAll("button").forEach(b => { b.disabled = ed.busy; });
    }

    function renderHistory() {
      const items = [];
      for (const code of ed.cfg.villages) {
        const v = ed.villages[code];
        if (v && v.history) v.history.forEach(e => items.push(e));
      }
      items.sort((x, y) => (x.ts < y.ts ? 1 : -1));
      $("history").innerHTML = items.slice(0, 40).map(e => "<li><time>" + esc(e.at) +
        "</time> " + esc(e.user) + " · " + esc(e.action) + "<br>" + esc(e.summary) + "</li>").join("");
    }

    function candidates(code) {
      const v = ed.villages[villageOf(code)];
      return v && v.people ? v.people.candidates.map(c => [c[0], c[1]]) : [];
    }

    function renderGridPanel(counts) {
      const code = ed.current;
      $("grid-panel").hidden = !code;
      if (!code) return;
      const meta = ed.grids[code];
      const c = counts[code] || { n: 0, areas: {} };
      const band = bandOf(code, c.n);
      $("grid-title").textContent = code + (meta.locked ? " · " + T.locked : "");
      $("grid-facts").innerHTML = '<span class="badge band-' + band + '">' + c.n + " " + esc(T.households) + " · " +
        esc(T[band === "in" ? "inBand" : band]) + "</span> " + Object.keys(c.areas).length + " " + esc(T.members) +
        (ed.groups[code] && ed.groups[code].length ? "<br>" + esc(ed.groups[code].join("、")) : "");
      $("lock-button").textContent = meta.locked ? T.unlock : T.lock;
      const others = Object.keys(ed.grids).filter(g => g !== code && villageOf(g) === villageOf(code)).sort();
      $("merge-with").innerHTML = options(others.map(g => [g, g.slice(-3) + " (" + ((counts[g] || {}).n || 0) + ")"]));
      const people = [["", T.none]].concat(candidates(code));
      $("leader-select").innerHTML = options(people, meta.leader || "");
      const members = meta.members || {};
      $("member-selects").innerHTML = Object.keys(c.areas).sort((x, y) => x - y).map(n =>
        "<label>" + esc(T.area) + " " + n + " (" + c.areas[n] + ')<select data-area="' + n + '">' +
        options(people, members[n] ? members[n][0] : "") + "</select></label>").join("");
      ["split-button", "split-line-button", "merge-button", "redraw-button"].forEach(id => { $(id).disabled = ed.busy || meta.locked; });
      ["lock-button", "leader-select"].forEach(id => { $(id).disabled = ed.busy || ed.readOnly; });
      $("member-selects").querySelectorAll("select").forEach(s => { s.disabled = ed.busy || ed.readOnly; });
    }

    function fillAreas(counts) {
      const g = $("move-grid").value;
      const c = (counts || tally())[g] || { areas: {} };
      const keep = $("move-area").value;
      $("move-area").innerHTML = options([["", T.nearest]].concat(
        Object.keys(c.areas).sort((x, y) => x - y).map(n => [n, T.area + " " + n + " (" + c.areas[n] + ")"]),
        [["new", T.newArea]]), keep);
    }

    function renderSelection(counts) {
      const n = ed.selected.size;
      $("move-box").hidden = !n;
      $("selected-count").textContent = String(n);
      $("move-button").disabled = ed.busy;
      if (!n) return;
      const sel = $("move-grid");
      const keep = sel.value || ed.current || "";
      const villages = new Set([...ed.selected].map(hid => ed.households.get(hid).village));
      const codes = Object.keys(ed.grids).filter(g => villages.has(villageOf(g))).sort();
      sel.innerHTML = options(codes.map(g => [g, g.slice(-3) + " · " + ((counts[g] || {}).n || 0) + (ed.grids[g].locked ? " · " + T.locked : "")]), keep);
      fillAreas(counts);
    }

    const who = p => (p ? esc(p.name) + (p.confirmed ? "" : ' <i class="muted">(' + esc(T.proposed) + ")</i>") : "—");

    /* Version `number` against the current one: households moved, member areas, posts. */
    function showCompare(data, number) {
      $("compare-box").hidden = false;
      $("compare-title").textContent = "v" + number + " → v" + data.current + ": " + data.moved.length + " " + T.moved +
        " · " + data.areas.length + " " + T.areasChanged + " · " + data.posts.length + " " + T.postsChanged;
      $("compare-table").tBodies[0].innerHTML = data.moved.slice(0, 500).map(m =>
        "<tr><td>" + esc(m[1]) + "</td><td>" + esc(m[2]) + "</td><td>" + esc(m[3].slice(-3)) + "</td><td>" + esc((m[4] || "—").slice(-3)) + "</td></tr>").join("");
      $("compare-moved").hidden = !data.moved.length;
      $("compare-areas").hidden = !data.areas.length;
      $("compare-areas").tBodies[0].innerHTML = data.areas.map(a =>
        '<tr data-grid="' + esc(a.grid) + '"><td>' + esc(a.grid.slice(-3)) + "</td><td>" + a.before + " → " + a.after + "</td><td>" + a.households + "</td></tr>").join("");
      $("compare-posts").hidden = !data.posts.length;
      $("compare-posts").tBodies[0].innerHTML = data.posts.map(p =>
        '<tr data-post="' + esc(p.post) + '"><td>' + esc(p.post.slice(12)) + "</td><td>" + esc(p.role === "leader" ? T.leader : T.member) +
        "</td><td>" + who(p.before) + "</td><td>" + who(p.after) + "</td></tr>").join("");
    }

    return { renderList, renderDraft, renderGridPanel, renderSelection, fillAreas, showCompare };
  };
})();
