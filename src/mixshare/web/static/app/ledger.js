// Energy ledger charts (Apache ECharts, vendored): kWh by TOU period and member, cost by
// period. Data and labels come from JSON in the page; member codes are set as chart data
// (text), never as HTML.
(function () {
  "use strict";
  var dataEl = document.getElementById("ledger-data");
  if (!dataEl || typeof echarts === "undefined") { return; }
  var data = JSON.parse(dataEl.textContent);
  var t = JSON.parse(document.getElementById("ledger-labels").textContent);
  var PERIODS = ["sharp", "peak", "flat", "valley", "deep_valley"];
  var COLOURS = { sharp: "#b71c1c", peak: "#ef6c00", flat: "#9e9d24", valley: "#2e7d32", deep_valley: "#1565c0" };

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var c = echarts.init(el);
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
  }

  var members = data.members.map(function (row) { return row.member; });
  var used = PERIODS.filter(function (p) { return (data.totals.kwh_by_period || {})[p]; });
  chart("chart-ledger-members", {
    tooltip: { trigger: "axis", formatter: function (items) {
      return window.mixshare.htmlLines([items[0].axisValue].concat(items.map(function (i) {
        return i.seriesName + ": " + Math.round(i.value) + " kWh";
      })));
    } },
    legend: { top: 0 }, grid: { top: 50, left: 60, right: 20, bottom: 30 },
    xAxis: { type: "category", data: members }, yAxis: { type: "value", name: "kWh" },
    series: used.map(function (p) {
      return { name: t[p] || p, type: "bar", stack: "kwh", itemStyle: { color: COLOURS[p] },
               data: data.members.map(function (row) { return Math.round(row.kwh_by_period[p] || 0); }) };
    })
  });
  chart("chart-ledger-periods", {
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: "65%", data: used.map(function (p) {
      return { name: t[p] || p, value: Math.round(data.totals.cost_by_period[p] || 0), itemStyle: { color: COLOURS[p] } };
    }) }]
  });
})();
