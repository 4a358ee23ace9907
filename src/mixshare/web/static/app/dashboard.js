// Dashboard charts (Apache ECharts, vendored). Data and labels come from JSON in the page.
(function () {
  "use strict";
  var dataEl = document.getElementById("dashboard-data");
  if (!dataEl || typeof echarts === "undefined") { return; }
  var data = JSON.parse(dataEl.textContent);
  var t = JSON.parse(document.getElementById("dashboard-labels").textContent);
  var PERIOD_COLOURS = { sharp: "#b71c1c", peak: "#ef6c00", flat: "#9e9d24", valley: "#2e7d32", deep_valley: "#1565c0", unpriced: "#9e9e9e" };

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var c = echarts.init(el);
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
  }

  var members = Object.keys(data.tonnes);
  chart("chart-output", {
    tooltip: { trigger: "axis" }, legend: {}, grid: { left: 50, right: 20, bottom: 30 },
    xAxis: { type: "category", data: members }, yAxis: { type: "value", name: "t" },
    series: data.stages.map(function (stage) {
      return { name: t[stage] || stage, type: "bar", stack: "t",
               data: members.map(function (m) { return data.tonnes[m][stage] || 0; }) };
    })
  });
  chart("chart-ontime", {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["45%", "70%"], data: [
      { name: t.on_time, value: data.on_time.on_time, itemStyle: { color: "#2e7d32" } },
      { name: t.late, value: data.on_time.late, itemStyle: { color: "#c62828" } }] }]
  });
  if (data.utilisation) {
    var lines = Object.keys(data.utilisation);
    chart("chart-utilisation", {
      tooltip: {}, grid: { left: 50, right: 20, bottom: 30 },
      xAxis: { type: "category", data: lines },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value} %" } },
      series: [{ type: "bar", data: lines.map(function (l) { return Math.round(data.utilisation[l] * 1000) / 10; }) }]
    });
  }
  var periods = Object.keys(data.energy_cost_by_period || {});
  chart("chart-energy", {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: "65%", data: periods.map(function (p) {
      return { name: t[p] || p, value: Math.round(data.energy_cost_by_period[p]), itemStyle: { color: PERIOD_COLOURS[p] } };
    }) }]
  });
})();
