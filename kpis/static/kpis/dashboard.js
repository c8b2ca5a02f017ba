// The KPI trend chart (ECharts, served by the app). Redrawn when the figures refresh.
(function () {
  "use strict";
  var chart = null;

  function draw() {
    var el = document.getElementById("kpi-trend");
    var data = document.getElementById("kpi-trend-data");
    if (!el || !data || typeof echarts === "undefined") return;
    var trend = JSON.parse(data.textContent);
    var zh = (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0;
    if (!chart) {
      chart = echarts.init(el, null, { locale: zh ? "ZH" : "EN", renderer: "svg" });
      window.addEventListener("resize", function () { chart.resize(); });
    }
    var suffix = trend.unit === "percent" ? "%" : trend.unit === "hours" ? " h" : "";
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + suffix; } },
      grid: { left: 48, right: 24, top: 24, bottom: 32 },
      xAxis: { type: "category", data: trend.points.map(function (p) { return p.day; }) },
      yAxis: {
        type: "value",
        axisLabel: { formatter: "{value}" + suffix },
        // Keep the target line in view even when every day is far from it.
        max: function (v) { return Math.ceil(Math.max(v.max, trend.target) * 1.1); },
        min: 0
      },
      series: [{
        name: trend.name,
        type: "line",
        connectNulls: false,
        data: trend.points.map(function (p) { return p.value; }),
        markLine: { symbol: "none", silent: true, data: [{ yAxis: trend.target, name: "target" }] }
      }]
    });
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.body.addEventListener("htmx:afterSwap", draw);
})();
