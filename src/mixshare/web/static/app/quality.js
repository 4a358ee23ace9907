// Quality charts (Apache ECharts, vendored): a batch's curve against its golden envelope, and
// the SPC individuals / moving-range charts. Data and labels come from JSON in the page.
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }

  function json(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function draw(el, option) {
    var c = echarts.init(el);
    c.setOption(option);
    window.addEventListener("resize", function () { c.resize(); });
  }

  function line(name, data, colour, dashed) {
    return { name: name, type: "line", data: data, showSymbol: false,
             lineStyle: { color: colour, type: dashed ? "dashed" : "solid", width: dashed ? 1 : 2 },
             itemStyle: { color: colour } };
  }

  var curve = json("curve-data");
  if (curve) {
    var t = json("curve-labels");
    var xs = curve.seconds.map(function (s) { return Math.round(s); });
    document.querySelectorAll("[data-signal]").forEach(function (el) {
      var s = el.getAttribute("data-signal");
      var series = [line(t.batch, curve.signals[s], "#1565c0", false)];
      if (curve.lower) {
        series.push(line(t.lower, curve.lower[s], "#9e9e9e", true));
        series.push(line(t.upper, curve.upper[s], "#9e9e9e", true));
      }
      draw(el, {
        title: { text: t[s], textStyle: { fontSize: 13 } }, tooltip: { trigger: "axis" },
        legend: { right: 0, top: 0 }, grid: { left: 50, right: 20, top: 40, bottom: 30 },
        xAxis: { type: "category", data: xs, name: "s" }, yAxis: { type: "value", scale: true },
        series: series
      });
    });
  }

  // the axis reaches every limit line (a limit off the axis would not be drawn)
  function bound(pick, value, limits) {
    var found = limits.filter(function (x) { return x !== null && x !== undefined; });
    var edge = pick.apply(null, [value].concat(found));
    var step = Math.pow(10, Math.floor(Math.log10(Math.abs(edge) || 1)) - 1);
    return pick === Math.min ? Math.floor(edge / step) * step : Math.ceil(edge / step) * step;
  }

  var spc = json("spc-data");
  if (spc) {
    var l = json("spc-labels");
    var marks = function (values) {
      return values.filter(function (v) { return v.value !== null && v.value !== undefined; });
    };
    var limits = marks([
      { name: "UCL", value: spc.ucl }, { name: "CL", value: spc.centre }, { name: "LCL", value: spc.lcl },
      { name: "USL", value: spc.usl }, { name: "LSL", value: spc.lsl }
    ]).map(function (m) {
      var spec = m.name === "USL" || m.name === "LSL";
      return { yAxis: m.value, name: m.name, label: { formatter: m.name },
               lineStyle: { color: spec ? "#c62828" : (m.name === "CL" ? "#2e7d32" : "#ef6c00"),
                            type: m.name === "CL" ? "solid" : "dashed" } };
    });
    var points = spc.values.map(function (v, i) {
      var broken = spc.violations[String(i)];
      return broken ? { value: v, rules: broken, itemStyle: { color: "#c62828" }, symbolSize: 9 }
                    : { value: v, rules: [] };
    });
    draw(document.getElementById("spc-individuals"), {
      tooltip: { trigger: "item", formatter: function (p) {
        var text = spc.batches[p.dataIndex] + ": " + p.value + " " + spc.unit;
        // a tooltip formatter returns HTML: the batch code and the unit are typed text
        return window.mixshare.htmlLines([
          p.data.rules.length ? text + " — " + l.rules + " " + p.data.rules.join(", ") : text
        ]);
      } },
      grid: { left: 50, right: 50, bottom: 30 },
      xAxis: { type: "category", data: spc.batches, axisLabel: { show: false } },
      yAxis: { type: "value", name: spc.unit,
               min: function (v) { return bound(Math.min, v.min, [spc.lcl, spc.lsl]); },
               max: function (v) { return bound(Math.max, v.max, [spc.ucl, spc.usl]); } },
      series: [{ name: l.value, type: "line", data: points, symbolSize: 6,
                 markLine: { symbol: "none", silent: true, data: limits } }]
    });
    var ranges = spc.ranges.map(function (r, i) {
      return spc.mr_out.indexOf(i) >= 0 ? { value: r, itemStyle: { color: "#c62828" } } : r;
    });
    draw(document.getElementById("spc-ranges"), {
      tooltip: { trigger: "axis" }, grid: { left: 50, right: 50, bottom: 30 },
      xAxis: { type: "category", data: spc.batches, axisLabel: { show: false } },
      yAxis: { type: "value", name: spc.unit,
               max: function (v) { return bound(Math.max, v.max, [spc.mr_ucl]); } },
      series: [{ name: l.range, type: "line", data: ranges, symbolSize: 6,
                 markLine: { symbol: "none", silent: true, data: [
                   { yAxis: spc.mr_bar, name: "MR̄", lineStyle: { color: "#2e7d32" } },
                   { yAxis: spc.mr_ucl, name: "UCL", lineStyle: { color: "#ef6c00", type: "dashed" } }] } }]
    });
  }
})();
