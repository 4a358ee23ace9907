// Twin charts (Apache ECharts, vendored): per KPI, the two arms per member as bars with their
// 95 % confidence interval as error bars. Data and labels come from JSON in the page; member
// codes are chart data (text), and tooltips go through mixshare.htmlLines (escaped).
(function () {
  "use strict";
  var dataEl = document.getElementById("twin-data");
  if (!dataEl || typeof echarts === "undefined") { return; }
  var data = JSON.parse(dataEl.textContent);
  var t = JSON.parse(document.getElementById("twin-labels").textContent);
  var ARMS = ["standalone", "shared"];
  var COLOURS = { standalone: "#8d6e63", shared: "#1565c0" };
  var members = data.members.map(function (m) { return m === "total" ? t.total : m; });

  function digits(kpi) { return kpi === "on_time_rate" ? 3 : 1; }

  // error bars of one arm: a vertical line low..high with caps, shifted onto its bar
  function errorBars(arm, k, values) {
    return {
      type: "custom", name: t.arms[arm], silent: true, z: 10,
      data: values.map(function (v, i) { return v ? [i, v[1], v[2]] : [i, null, null]; }),
      renderItem: function (params, api) {
        if (api.value(1) === null || isNaN(api.value(1))) { return null; }
        var low = api.coord([api.value(0), api.value(1)]);
        var high = api.coord([api.value(0), api.value(2)]);
        var band = api.size([1, 0])[0];
        var x = low[0] + (k === 0 ? -1 : 1) * band * 0.18;
        var cap = band * 0.06;
        var style = { stroke: "#212121", lineWidth: 1.2 };
        return { type: "group", children: [
          { type: "line", shape: { x1: x, y1: low[1], x2: x, y2: high[1] }, style: style },
          { type: "line", shape: { x1: x - cap, y1: low[1], x2: x + cap, y2: low[1] }, style: style },
          { type: "line", shape: { x1: x - cap, y1: high[1], x2: x + cap, y2: high[1] }, style: style }
        ] };
      }
    };
  }

  data.charted.forEach(function (kpi) {
    var el = document.getElementById("chart-twin-" + kpi);
    if (!el) { return; }
    var per = data.kpis[kpi];
    var series = [];
    ARMS.forEach(function (arm) {
      series.push({ name: t.arms[arm], type: "bar", barGap: "0%", barWidth: "36%",
                    itemStyle: { color: COLOURS[arm] },
                    data: per[arm].map(function (v) { return v ? v[0] : null; }) });
    });
    ARMS.forEach(function (arm, k) { series.push(errorBars(arm, k, per[arm])); });
    var c = echarts.init(el);
    c.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: function (items) {
        var i = items[0].dataIndex;
        return window.mixshare.htmlLines([members[i]].concat(ARMS.map(function (arm) {
          var v = per[arm][i];
          if (!v) { return t.arms[arm] + ": —"; }
          var d = digits(kpi);
          return t.arms[arm] + ": " + v[0].toFixed(d) + " (" + t.ci + " " + v[1].toFixed(d) + "–" + v[2].toFixed(d) + ")";
        })));
      } },
      legend: { top: 0, data: ARMS.map(function (arm) { return t.arms[arm]; }) },
      grid: { top: 40, left: 60, right: 20, bottom: 30 },
      xAxis: { type: "category", data: members, axisLabel: { interval: 0, rotate: members.length > 8 ? 30 : 0 } },
      yAxis: { type: "value", name: t.kpis[kpi] || kpi, min: kpi === "on_time_rate" ? 0 : null,
               max: kpi === "on_time_rate" ? 1 : null },
      series: series
    });
    window.addEventListener("resize", function () { c.resize(); });
  });
})();
