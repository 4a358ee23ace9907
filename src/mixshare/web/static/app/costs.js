// Cost sharing chart (Apache ECharts, vendored): each member's share under each rule beside
// its stand-alone cost. Data and labels come from JSON in the page (strict CSP: no inline code).
(function () {
  "use strict";
  var dataEl = document.getElementById("costs-data");
  var el = document.getElementById("chart-costs");
  if (!dataEl || !el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(dataEl.textContent);
  var t = JSON.parse(document.getElementById("costs-labels").textContent);
  var keys = ["stand_alone", "shapley", "nucleolus", "proportional"];
  var colours = { stand_alone: "#9e9e9e", shapley: "#1565c0", nucleolus: "#2e7d32", proportional: "#ef6c00" };
  var chart = echarts.init(el);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "axis" }, legend: { bottom: 0 }, grid: { left: 80, right: 20, top: 40, bottom: 60 },
    xAxis: { type: "category", data: data.members },
    yAxis: { type: "value", name: "yuan" },
    series: keys.map(function (key) {
      return { name: t[key], type: "bar", data: data[key], itemStyle: { color: colours[key] } };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
