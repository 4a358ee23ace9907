// Plan board: Gantt per line (ECharts custom series), lot details, colour toggle, job polling.
(function () {
  "use strict";
  var PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1",
                 "#ff9da7", "#9c755f", "#bab0ac", "#86bcb6", "#d37295"];
  var PRICE_COLOURS = { sharp: "rgba(183,28,28,0.12)", peak: "rgba(239,108,0,0.10)", flat: "rgba(0,0,0,0.0)",
                        valley: "rgba(46,125,50,0.08)", deep_valley: "rgba(21,101,192,0.10)" };

  var ACTIVE_JOB = { queued: true, running: true };
  var DOWNTIME = "#9e9e9e", CHANGEOVER = "#263238", OFF_SHIFT = "rgba(120,120,120,0.16)", URGENT = "#b71c1c";
  var LABEL_MIN_PX = 56;  // bars narrower than this carry no label (it would not fit)

  // Follow the job until it ends. Its state lives in the database, so any web process answers
  // /api/v1/jobs/{id}. A job the server does not know (404, or an id it cannot be: 422) or one
  // that ended without a plan stops the polling and says so; it never loops.
  function pollJob() {
    var box = document.getElementById("job");
    if (!box || !(ACTIVE_JOB[box.dataset.state] || box.dataset.state === "done")) { return; }
    var states = JSON.parse(box.dataset.states || "{}");
    function setText(id, text) {
      var el = document.getElementById(id);
      if (el) { el.textContent = text; }
    }
    function stop(message) {
      box.dataset.state = "stopped";
      setText("job-error", message);
    }
    function show(job) {
      document.getElementById("job-progress").value = job.progress;
      setText("job-message", job.message);
      setText("job-state", states[job.state] || job.state);
      box.dataset.state = job.state;
      if (job.state === "done" && job.result) {
        var plan = encodeURIComponent(job.result.plan_id);
        // a re-plan with two drafts goes to the side-by-side choice between them
        window.location = job.result.alternative_id ? "/plan/" + plan + "/choose" : "/plan?plan=" + plan;
        return;
      }
      if (ACTIVE_JOB[job.state]) { setTimeout(poll, 500); return; }
      stop(job.error || box.dataset.goneMessage);
    }
    function poll() {
      fetch("/api/v1/jobs/" + encodeURIComponent(box.dataset.jobId), { headers: { Accept: "application/json" } })
        .then(function (r) {
          if (r.status === 404 || r.status === 422) { stop(box.dataset.goneMessage); return; }
          if (!r.ok) { setTimeout(poll, 2000); return; }  // a passing server error: try again, slower
          return r.json().then(show);
        }, function () { setTimeout(poll, 2000); });  // network down for a moment
    }
    setTimeout(poll, box.dataset.state === "done" ? 0 : 500);
  }

  function colourMap(values) {
    var map = {};
    values.sort().forEach(function (v, i) { map[v] = PALETTE[i % PALETTE.length]; });
    return map;
  }

  // The lot's fields in the side panel, built as DOM text (lot codes are member input).
  function details(lot, t) {
    var rows = [["order", lot.order], ["member", lot.member], ["compound", lot.compound], ["stage", lot.stage],
                ["line", lot.line], ["start", lot.start.replace("T", " ")], ["end", lot.end.replace("T", " ")],
                ["due", lot.due.replace("T", " ")], ["kg", lot.kg], ["batches", lot.batches], ["kwh", lot.kwh],
                ["energy_cost", lot.energy_cost], ["locked", lot.locked ? t.yes : t.no], ["late", lot.late ? t.yes : t.no]];
    var title = mixshare.element("h3", lot.code), list = mixshare.element("dl");
    title.dataset.detailLot = lot.code;
    rows.forEach(function (r) { list.append(mixshare.element("dt", t[r[0]]), mixshare.element("dd", r[1])); });
    document.getElementById("lot-details").replaceChildren(title, list);
  }

  // What the tooltip says about a block, as lines of plain text (escaped when joined).
  function tooltipLines(b, t) {
    if (b.kind === "lot") {
      var head = b.item.urgent ? b.item.code + " · " + t.urgent : b.item.code;
      return [head, b.item.compound + " · " + b.item.member, b.start.replace("T", " ") + " – " + b.end.replace("T", " ")];
    }
    if (b.kind === "off_shift") { return [t.off_shift]; }
    if (b.kind === "changeover") {
      var lines = [t.changeover + " " + b.item.from + " → " + b.item.to];
      if (b.item.cleaning_batches) { lines.push(b.item.cleaning_batches + " " + t.cleaning); }
      return lines;
    }
    return [t.downtime + " (" + (t[b.item.kind] || b.item.kind) + ") " + b.item.reason];
  }

  function blocks(data) {
    var items = [];
    (data.off_shift || []).forEach(function (o) { items.push({ kind: "off_shift", line: o.line, start: o.start, end: o.end, item: o }); });
    data.downtimes.forEach(function (d) { items.push({ kind: "downtime", line: d.line, start: d.start, end: d.end, item: d }); });
    data.changeovers.forEach(function (c) { items.push({ kind: "changeover", line: c.line, start: c.start, end: c.end, item: c }); });
    data.lots.forEach(function (l) { items.push({ kind: "lot", line: l.line, start: l.start, end: l.end, item: l }); });
    return items;
  }

  var HEIGHTS = { lot: 0.6, downtime: 0.9, off_shift: 1.0, changeover: 0.35 };
  var labels = [];  // per data index: the text a wide lot bar carries

  // A block as a rectangle; a lot wide enough also carries its order number as a label
  // (canvas text: never parsed as markup).
  function renderItem(params, api) {
    var row = api.value(0), start = api.coord([api.value(1), row]), end = api.coord([api.value(2), row]);
    var kind = api.value(3), height = api.size([0, 1])[1] * HEIGHTS[kind];
    var y = start[1] - height / 2 + (kind === "changeover" ? api.size([0, 1])[1] * 0.3 : 0);
    var rect = echarts.graphic.clipRectByRect({ x: start[0], y: y, width: Math.max(1, end[0] - start[0]), height: height },
      { x: params.coordSys.x, y: params.coordSys.y, width: params.coordSys.width, height: params.coordSys.height });
    if (!rect) { return null; }
    var shape = { type: "rect", shape: rect, style: api.style() };
    var label = labels[params.dataIndex];
    if (kind !== "lot" || !label || rect.width < LABEL_MIN_PX) { return shape; }
    return { type: "group", children: [shape, { type: "text", silent: true, style: {
      text: label, x: rect.x + 4, y: rect.y + rect.height / 2, verticalAlign: "middle", fill: "#fff",
      font: "11px sans-serif", width: rect.width - 8, overflow: "truncate" } }] };
  }

  function blockColour(b, colours, colourBy) {
    if (b.kind === "downtime") { return DOWNTIME; }
    if (b.kind === "changeover") { return CHANGEOVER; }
    if (b.kind === "off_shift") { return OFF_SHIFT; }
    return colours[b.item[colourBy]];
  }

  function blockStyle(b, colours, colourBy) {
    var style = { color: blockColour(b, colours, colourBy), opacity: b.kind === "downtime" ? 0.55 : 1 };
    if (b.kind === "lot" && b.item.urgent) { style.borderColor = URGENT; style.borderWidth = 3; }
    else if (b.item.locked) { style.borderColor = "#000"; }
    return style;
  }

  // The legend as DOM text: one swatch per colour in use, then the block kinds and marks.
  function legend(colours, t) {
    var box = document.getElementById("gantt-legend");
    if (!box) { return; }
    function entry(colour, text, extra) {
      var item = mixshare.element("span"), swatch = mixshare.element("i");
      item.className = "legend-item";
      swatch.className = "swatch" + (extra ? " " + extra : "");
      swatch.style.background = colour;
      item.append(swatch, mixshare.element("span", text));
      return item;
    }
    var entries = Object.keys(colours).sort().map(function (k) { return entry(colours[k], k); });
    entries.push(entry(CHANGEOVER, t.changeover), entry(DOWNTIME, t.downtime), entry(OFF_SHIFT, t.off_shift),
                 entry("#fff", t.urgent, "urgent"), entry("#fff", t.locked, "locked"));
    box.replaceChildren.apply(box, entries);
  }

  function draw(data, t, colourBy) {
    var el = document.getElementById("gantt");
    var chart = echarts.getInstanceByDom(el) || echarts.init(el);
    var colours = colourMap(Array.from(new Set(data.lots.map(function (l) { return l[colourBy]; }))));
    var items = blocks(data);
    var seriesData = items.map(function (b) {
      return { value: [data.lines.indexOf(b.line), b.start, b.end, b.kind],
               itemStyle: blockStyle(b, colours, colourBy), block: b };
    });
    labels = items.map(function (b) { return b.kind === "lot" ? (b.item.urgent ? "! " : "") + b.item.order : ""; });
    legend(colours, t);
    var bands = data.prices.filter(function (p) { return PRICE_COLOURS[p.period]; }).map(function (p) {
      return [{ xAxis: p.start, name: t[p.period] || p.period, itemStyle: { color: PRICE_COLOURS[p.period] } }, { xAxis: p.end }];
    });
    chart.setOption({
      tooltip: { formatter: function (p) {
        var b = p.data && p.data.block;
        return b ? mixshare.htmlLines(tooltipLines(b, t)) : "";
      } },
      legend: { show: false },
      grid: { left: 60, right: 20, top: 30, bottom: 60 },
      dataZoom: [{ type: "slider", xAxisIndex: 0, filterMode: "weakFilter" }, { type: "inside", xAxisIndex: 0, filterMode: "weakFilter" }],
      xAxis: { type: "time", min: data.window.start, max: data.window.end },
      yAxis: { type: "category", data: data.lines, inverse: true },
      series: [{ type: "custom", renderItem: renderItem, encode: { x: [1, 2], y: 0 }, data: seriesData,
                 markArea: { silent: true, label: { show: true, position: "insideTop", fontSize: 9, color: "#888" }, data: bands } }]
    }, true);
    chart.off("click");
    chart.on("click", function (p) { if (p.data.block && p.data.block.kind === "lot") { details(p.data.block.item, t); } });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function board() {
    var dataEl = document.getElementById("gantt-data");
    if (!dataEl || typeof echarts === "undefined") { return; }
    var data = JSON.parse(dataEl.textContent), t = JSON.parse(document.getElementById("gantt-labels").textContent);
    var colourBy = "member";
    draw(data, t, colourBy);
    document.querySelectorAll("[data-colour]").forEach(function (button) {
      button.addEventListener("click", function () {
        document.querySelectorAll("[data-colour]").forEach(function (b) { b.classList.remove("active"); });
        button.classList.add("active");
        colourBy = button.dataset.colour;
        draw(data, t, colourBy);
      });
    });
    document.querySelectorAll("[data-show-lot]").forEach(function (button) {
      button.addEventListener("click", function () {
        var lot = data.lots.find(function (l) { return l.code === button.dataset.showLot; });
        if (lot) { details(lot, t); }
      });
    });
  }

  function rushCompounds() {
    var form = document.querySelector("[data-testid=rush-form]");
    if (!form) { return; }
    var select = form.querySelector("select[name=member]"), list = document.getElementById("compound-options");
    function load() {
      fetch("/compounds/options.json?member=" + encodeURIComponent(select.value))
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (codes) {
          list.replaceChildren.apply(list, codes.map(function (c) {
            var option = document.createElement("option");
            option.value = c;
            return option;
          }));
        });
    }
    select.addEventListener("change", load);
    load();
  }

  pollJob();
  board();
  rushCompounds();
})();
