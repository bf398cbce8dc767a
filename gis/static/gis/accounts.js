// The area pickers of the account form (households/accounts/forms.py): the role decides which
// pickers show (township, village, grid, member area); a township narrows the villages
// offered; a village's grids and a grid's member areas come from the server, which checks
// the submitted area against the same lists.
(function () {
  "use strict";
  const form = document.getElementById("account-form");
  if (!form) {
    return;
  }
  const LEVELS = ["county", "township", "village", "grid", "member"];
  const PICKERS = { township: 1, village: 2, grid: 3, member: 4 }; // index in LEVELS
  const { role, township, village, grid, member } = form.elements;
  let grids = [];

  function picked(select) {
    const option = select.options[select.selectedIndex];
    return option && option.value ? option.dataset : null;
  }

  function showPickers() {
    const depth = LEVELS.indexOf((picked(role) || {}).level);
    Object.entries(PICKERS).forEach(function ([name, needs]) {
      form.querySelector('[data-field="' + name + '"]').hidden = depth < needs;
    });
  }

  function fill(select, values, keep) {
    const blank = select.options[0] ? select.options[0].textContent : "—";
    select.replaceChildren(new Option(blank, ""));
    values.forEach(function (value) {
      select.add(new Option(value, value, false, value === keep));
    });
  }

  function filterVillages() {
    const chosen = picked(township);
    Array.from(village.options).forEach(function (option) {
      if (!option.value) {
        return;
      }
      const match = !chosen || option.dataset.township === chosen.code;
      option.hidden = !match;
      option.disabled = !match;
      if (!match && option.selected) {
        village.value = "";
      }
    });
  }

  function fillMembers() {
    const chosen = grids.find(function (g) {
      return g.code === grid.value;
    });
    fill(member, chosen ? chosen.areas.map(String) : [], member.value);
  }

  function loadGrids() {
    const chosen = picked(village);
    if (!chosen) {
      grids = [];
      fill(grid, [], "");
      fillMembers();
      return;
    }
    fetch(form.dataset.gridsUrl.replace("CODE", chosen.code), { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : { grids: [] };
      })
      .then(function (data) {
        grids = data.grids;
        const codes = grids.map(function (g) {
          return g.code;
        });
        fill(grid, codes, grid.value);
        fillMembers();
      });
  }

  role.addEventListener("change", showPickers);
  township.addEventListener("change", function () {
    filterVillages();
    loadGrids();
  });
  village.addEventListener("change", loadGrids);
  grid.addEventListener("change", fillMembers);
  showPickers();
  filterVillages();
  if (picked(village)) {
    loadGrids();
  }
})();
