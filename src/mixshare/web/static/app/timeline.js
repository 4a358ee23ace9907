// A member's orders on a timeline: ordered → due, with the plan's expected completion.
(function () {
  "use strict";
  var el = document.getElementById("timeline");
  if (!el || typeof echarts === "undefined") { return; }
  var rows = JSON.parse(document.getElementById("timeline-data").textContent);
  var t = JSON.parse(document.getElementById("timeline-labels").textContent);
  var names = rows.map(function (r) { return r.number; });
  var c = echarts.init(el);
  c.setOption({
    tooltip: { trigger: "item" }, legend: {},
    grid: { left: 150, right: 30, top: 40, bottom: 40 },
    xAxis: { type: "time" }, yAxis: { type: "category", data: names, inverse: true },
    dataZoom: [{ type: "slider", yAxisIndex: 0, start: 0, end: Math.min(100, 2000 / Math.max(rows.length, 1)) }],
    series: [
      { name: t.due, type: "scatter", symbol: "diamond", symbolSize: 12, itemStyle: { color: "#1f6feb" },
        data: rows.map(function (r, i) { return [r.due, i]; }) },
      { name: t.expected, type: "scatter", symbolSize: 10,
        data: rows.filter(function (r) { return r.expected; }).map(function (r) {
          return { value: [r.expected, names.indexOf(r.number)], itemStyle: { color: r.expected > r.due ? "#c62828" : "#2e7d32" } };
        }) }
    ]
  });
  window.addEventListener("resize", function () { c.resize(); });
})();
