// Text from the server is data, never markup: every page script builds HTML through these.
// Order numbers, codes, reasons and notes are typed by members (competitors of each other)
// and shown to the center's staff; one unescaped string is an account takeover.
(function () {
  "use strict";
  var ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" };

  // The value as HTML text, safe inside elements and quoted attributes.
  function escapeHtml(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return ENTITIES[c];
    });
  }

  // Lines of text as HTML (for ECharts tooltips, which take an HTML string): escaped, <br> between.
  function htmlLines(lines) {
    return lines.map(escapeHtml).join("<br>");
  }

  // A new element holding ``text`` as text (textContent never parses markup).
  function element(tag, text) {
    var node = document.createElement(tag);
    if (text !== undefined) { node.textContent = String(text === null ? "" : text); }
    return node;
  }

  window.mixshare = Object.freeze({ escapeHtml: escapeHtml, htmlLines: htmlLines, element: element });
})();
