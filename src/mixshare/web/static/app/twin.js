// Twin charts (Apache ECharts, vendored): per KPI, the two arms per member as bars with their
// 95 % confidence interval as error bars; and the capacity curve of the latest sizing run.
// Data and labels come from JSON in the page; member codes are chart data (text), and
// tooltips go through mixshare.htmlLines (escaped).
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var dataEl = document.getElementById("twin-data");
  if (dataEl) { comparisonCharts(dataEl); }
  var sizeEl = document.getElementById("twin-size-data");
  if (sizeEl) { capacityChart(sizeEl); }

  function comparisonCharts(dataEl) {
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
  }

  // The capacity curve: on-time rate against annual demand, one line per number of lines
  // with its 95 % CI as error bars, the target as a dashed line, overloaded points hollow
  // and each level's smallest center that meets the target as a larger diamond.
  function capacityChart(sizeEl) {
    var el = document.getElementById("chart-twin-size");
    if (!el) { return; }
    var data = JSON.parse(sizeEl.textContent);
    var t = JSON.parse(document.getElementById("twin-size-labels").textContent);
    var levels = data.levels.map(function (kt) { return String(kt); });
    var smallest = {};
    data.smallest.forEach(function (s) { smallest[String(s.demand_kt)] = s.lines; });
    var name = function (n) { return n + " " + t.lines; };
    var series = [];
    data.series.forEach(function (s) {
      series.push({
        name: name(s.lines), type: "line", connectNulls: false,
        data: s.on_time.map(function (v, i) {
          if (!v) { return null; }
          var best = smallest[levels[i]] === s.lines;
          if (best) { return { value: v[0], symbol: "diamond", symbolSize: 14 }; }
          if (s.overloaded[i]) {
            return { value: v[0], symbol: "emptyCircle", symbolSize: 10, itemStyle: { borderWidth: 2 } };
          }
          return { value: v[0], symbol: "circle", symbolSize: 6 };
        }),
        markLine: series.length ? undefined : {
          silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#616161" },
          label: { position: "insideEndTop", formatter: t.target + " " + data.target },
          data: [{ yAxis: data.target }]
        }
      });
    });
    data.series.forEach(function (s) {
      series.push({
        type: "custom", name: name(s.lines), silent: true, z: 10,
        data: s.on_time.map(function (v, i) { return v ? [i, v[1], v[2]] : [i, null, null]; }),
        renderItem: function (params, api) {
          if (api.value(1) === null || isNaN(api.value(1))) { return null; }
          var low = api.coord([api.value(0), api.value(1)]);
          var high = api.coord([api.value(0), api.value(2)]);
          var style = { stroke: api.visual("color"), lineWidth: 1 };
          return { type: "group", children: [
            { type: "line", shape: { x1: low[0], y1: low[1], x2: high[0], y2: high[1] }, style: style },
            { type: "line", shape: { x1: low[0] - 4, y1: low[1], x2: low[0] + 4, y2: low[1] }, style: style },
            { type: "line", shape: { x1: high[0] - 4, y1: high[1], x2: high[0] + 4, y2: high[1] }, style: style }
          ] };
        }
      });
    });
    var c = echarts.init(el);
    c.setOption({
      animation: false,
      tooltip: { trigger: "axis", formatter: function (items) {
        var i = items[0].dataIndex;
        return window.mixshare.htmlLines([levels[i] + " kt"].concat(data.series.map(function (s) {
          var v = s.on_time[i];
          if (!v) { return name(s.lines) + ": —"; }
          return name(s.lines) + ": " + v[0].toFixed(3) + " (" + t.ci + " " + v[1].toFixed(3) + "–" +
            v[2].toFixed(3) + ")" + (s.overloaded[i] ? " · " + t.overloaded : "") +
            (smallest[levels[i]] === s.lines ? " · " + t.smallest : "");
        })));
      } },
      legend: { top: 0, data: data.series.map(function (s) { return name(s.lines); }) },
      grid: { top: 40, left: 60, right: 30, bottom: 40 },
      xAxis: { type: "category", name: t.demand, nameLocation: "middle", nameGap: 26, data: levels },
      yAxis: { type: "value", name: t.on_time, min: 0, max: 1 },
      series: series
    });
    window.addEventListener("resize", function () { c.resize(); });
  }
})();
