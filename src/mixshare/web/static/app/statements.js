// A statement's cost breakdown (Apache ECharts, vendored): one slice per kind of charge. Data
// and labels come from JSON in the page (strict CSP: no inline code); names are set as data,
// which ECharts draws as text, never as HTML.
(function () {
  "use strict";
  var dataEl = document.getElementById("statement-data");
  var el = document.getElementById("chart-statement");
  if (!dataEl || !el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(dataEl.textContent);
  var t = JSON.parse(document.getElementById("statement-labels").textContent);
  var parts = data.parts.filter(function (p) { return p.amount > 0; });
  var chart = echarts.init(el);
  chart.setOption({
    animation: false,
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    legend: { bottom: 0 },
    series: [{
      type: "pie", radius: ["35%", "65%"],
      data: parts.map(function (p) {
        return { name: t[p.category] || p.category, value: p.amount, itemStyle: { color: p.colour } };
      })
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
