// A batch's mixing curve (Apache ECharts, vendored): five 1 Hz signals on a shared time axis.
// Data and labels come from JSON in the page; nothing here builds markup.
(function () {
  "use strict";
  var dataEl = document.getElementById("curve-data");
  var el = document.getElementById("chart-curve");
  if (!dataEl || !el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(dataEl.textContent);
  var t = JSON.parse(document.getElementById("curve-labels").textContent);
  var SIGNALS = ["power_kw", "temperature_c", "ram_position_mm", "ram_pressure_bar", "rotor_rpm"];
  var AXIS = { power_kw: 0, temperature_c: 1, ram_position_mm: 2, ram_pressure_bar: 2, rotor_rpm: 2 };
  var seconds = data.power_kw.map(function (_, i) { return Math.round(i / data.hz * 10) / 10; });
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: SIGNALS.map(function (s) { return t[s]; }) },
    grid: { left: 60, right: 110, bottom: 40 },
    xAxis: { type: "category", data: seconds, name: t.seconds },
    yAxis: [
      { type: "value", name: t.power_kw },
      { type: "value", name: t.temperature_c, position: "right" },
      { type: "value", position: "right", offset: 55, splitLine: { show: false } }
    ],
    series: SIGNALS.map(function (s) {
      return { name: t[s], type: "line", showSymbol: false, yAxisIndex: AXIS[s], data: data[s] };
    })
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
