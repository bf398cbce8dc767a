/* The band rule of the server (grids/partitioning/codes.py, band_state): a grid's household
   count is "under", "in" or "over" its village's band [lo, hi], both ends inside. The band
   itself always comes from the server (the village's draft); there is no default. */
(function () {
  "use strict";
  window.gridBand = {
    state(n, band) {
      const [lo, hi] = band;
      return n < lo ? "under" : n > hi ? "over" : "in";
    },
  };
})();
