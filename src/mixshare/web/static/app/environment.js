// "VOC by method" (Apache ECharts, vendored): emission factor beside stack monitoring per month.
// Data and labels come from JSON in the page; ECharts draws text, never HTML, from them.
(function () {
  "use strict";
  var dataEl = document.getElementById("voc-data");
  var el = document.getElementById("chart-voc-methods");
  if (!dataEl || !el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(dataEl.textContent);
  var t = JSON.parse(document.getElementById("voc-labels").textContent);
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis", formatter: function (items) {
      var lines = [items.length ? items[0].axisValue : ""];
      items.forEach(function (item) {
        lines.push(item.seriesName + ": " + (item.value === null || item.value === undefined ? "—" : item.value) + " " + data.unit);
      });
      var i = items.length ? items[0].dataIndex : 0;
      lines.push(t["hours with readings"] + ": " + Math.round((data.coverage[i] || 0) * 100) + " %");
      return window.mixshare.htmlLines(lines);
    } },
    animation: false,  // a screenshot or a print shows the figures, not a bar still growing
    legend: { top: 0 }, grid: { left: 55, right: 20, top: 40, bottom: 30 },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", name: data.unit },
    series: [
      { name: t["emission factor"], type: "bar", data: data.factor, itemStyle: { color: "#5c6bc0" } },
      { name: t["stack monitoring"], type: "bar", data: data.stack, itemStyle: { color: "#26a69a" } }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
