/* global echarts */
/* Charts of the coverage dashboard (Apache ECharts, vendored): grid sizes against the
   band, member-area loads, visits per month, incidents per month by category, on-time
   closure per unit, and the month-by-month trend. Redrawn on "coverage:place". */
(function () {
  "use strict";
  const cfg = JSON.parse(document.getElementById("coverage-config").textContent);
  const charts = {};
  const T = cfg.chartText || {};

  function chart(id) {
    const el = document.getElementById(id);
    if (!charts[id]) charts[id] = echarts.init(el, null, { renderer: "svg" });
    return charts[id];
  }

  function bar(id, labels, series, extra) {
    chart(id).setOption(Object.assign({
      tooltip: { trigger: "axis" },
      grid: { left: 40, right: 10, top: 30, bottom: 30 },
      legend: { top: 0, type: "scroll" },
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value" },
      series: series,
    }, extra || {}), true);
  }

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  /* The problems list of the place (the page's first one is drawn by the server). */
  function problems(list) {
    const link = it => it.level === "grid" ? cfg.urls.grid.replace("CODE", it.code)
      : cfg.urls.page + "?level=" + it.level + "&code=" + it.code;
    document.getElementById("problem-list").innerHTML = list.map(p =>
      "<details" + (p.count ? " open" : "") + ' data-problem="' + esc(p.key) + '"><summary>' + esc(p.title) +
      ": <b>" + p.count + "</b></summary>" + (p.items.length ? "<ul>" + p.items.map(it =>
        '<li><a href="' + esc(link(it)) + '">' + esc(it.name) + "</a> · " + esc(it.detail) + "</li>").join("") +
        (p.count > p.items.length ? "<li>…</li>" : "") + "</ul>" : "") + "</details>").join("");
  }

  function draw(data) {
    const c = data.charts, t = data.trend;
    const band = c.band || [];
    bar("chart-sizes", c.grid_sizes.map(b => b[0] + "–" + (b[0] + 4)), [{
      type: "bar", name: T.grids, data: c.grid_sizes.map(b => ({
        value: b[1],
        itemStyle: { color: band.length && (b[0] + 4 < band[0] || b[0] > band[1]) ? "#de2d26" : "#31a354" },
      })),
    }]);
    bar("chart-loads", c.member_loads.map(b => String(b[0])), [{ type: "bar", name: T.areas, data: c.member_loads.map(b => b[1]), itemStyle: { color: "#3182bd" } }]);
    bar("chart-visits", c.months, [{ type: "bar", name: T.visits, data: c.visits, itemStyle: { color: "#6baed6" } }]);
    bar("chart-incidents", c.months, Object.entries(c.incidents).map(([name, values]) => ({ type: "bar", stack: "all", name: name, data: values })));
    bar("chart-ontime", c.on_time.map(r => r.name), [{
      type: "bar", name: T.onTime, data: c.on_time.map(r => r.rate == null ? null : Math.round(r.rate * 1000) / 10),
      itemStyle: { color: "#31a354" }, markLine: { data: [{ yAxis: 80 }], symbol: "none", lineStyle: { color: "#de2d26" } },
    }], { yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } } });
    const pct = v => v == null ? null : Math.round(v * 1000) / 10;
    bar("chart-trend", t.months, [
      { type: "line", name: T.inGrid, data: t.series.in_grid, yAxisIndex: 0 },
      { type: "line", name: T.grids, data: t.series.grids, yAxisIndex: 2, lineStyle: { type: "dashed" } },
      { type: "line", name: T.visitRate, data: t.series.visit_rate.map(pct), yAxisIndex: 1 },
      { type: "line", name: T.onTime, data: t.series.on_time_rate.map(pct), yAxisIndex: 1 },
    ], {
      yAxis: [
        { type: "value" },
        { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
        { type: "value", position: "left", offset: 42, splitLine: { show: false } },
      ],
      grid: { left: 90, right: 40, top: 40, bottom: 30 },
    });
    document.body.dataset.chartsReady = "1";
  }

  document.addEventListener("coverage:place", async e => {
    const p = new URLSearchParams({ level: e.detail.level });
    if (e.detail.code) p.set("code", e.detail.code);
    const r = await fetch(cfg.urls.charts + "?" + p, { credentials: "same-origin" });
    if (r.ok) {
      const data = await r.json();
      problems(data.problems);
      draw(data);
    }
  });
  window.addEventListener("resize", () => Object.values(charts).forEach(c => c.resize()));
  window.addEventListener("beforeprint", () => Object.values(charts).forEach(c => c.resize()));
})();
