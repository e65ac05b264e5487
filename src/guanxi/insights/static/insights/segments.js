/* Segments: the rule builder's comfort (operators per field, value suggestions, add/remove rows
   without a round trip) and the detail page's charts (ECharts; the consumption curves come from curves.js). The page works without it: plain
   form posts add and remove rows, and the numbers are on the page.
   No inline scripts or styles (CSP): data comes from json_script elements. */
(function () {
  "use strict";

  function readJson(id) {
    var element = document.getElementById(id);
    if (!element) { return null; }
    try { return JSON.parse(element.textContent); } catch (error) { return null; }
  }

  // --- rule builder -------------------------------------------------------------------------

  function fitRow(row, catalogue, tagOps) {
    var field = row.querySelector("[data-gx-field]");
    var op = row.querySelector("[data-gx-op]");
    var value = row.querySelector("[data-gx-value]");
    var spec = catalogue[field.value];
    var allowed = spec ? spec.ops : null;
    Array.prototype.forEach.call(op.options, function (option) {
      var fits = !allowed || allowed.indexOf(option.value) >= 0;
      option.hidden = !fits;
      option.disabled = !fits;
      if (!option.getAttribute("data-gx-label")) { option.setAttribute("data-gx-label", option.textContent); }
      var isTag = spec && spec.type === "tag" && tagOps[option.value];
      option.textContent = isTag ? tagOps[option.value] : option.getAttribute("data-gx-label");
    });
    if (allowed && allowed.indexOf(op.value) < 0) { op.value = allowed[0]; }
    if (spec && spec.list) { value.setAttribute("list", spec.list); } else { value.removeAttribute("list"); }
    value.disabled = op.value === "is_empty";
  }

  function setUpBuilder(form) {
    var catalogue = readJson("gx-segment-fields") || {};
    var tagOps = readJson("gx-segment-tag-ops") || {};
    var container = form.querySelector("[data-gx-conditions]");
    var count = form.querySelector("[data-gx-count]");
    var template = document.getElementById("gx-condition-template");

    function wire(row) {
      fitRow(row, catalogue, tagOps);
      row.querySelector("[data-gx-field]").addEventListener("change", function () { fitRow(row, catalogue, tagOps); });
      row.querySelector("[data-gx-op]").addEventListener("change", function () { fitRow(row, catalogue, tagOps); });
      row.querySelector("[data-gx-remove-row]").addEventListener("click", function (event) {
        event.preventDefault();
        // Keep the indices: an emptied, hidden row is ignored by the server.
        row.querySelector("[data-gx-field]").value = "";
        row.hidden = true;
      });
    }

    Array.prototype.forEach.call(container.querySelectorAll("[data-gx-condition]"), wire);
    var add = form.querySelector("[data-gx-add-row]");
    if (add && template && count) {
      add.addEventListener("click", function (event) {
        event.preventDefault();
        var index = parseInt(count.value, 10) || 0;
        if (index >= 20) { return; }
        var holder = document.createElement("div");
        holder.innerHTML = template.innerHTML.split("__i__").join(String(index));
        var row = holder.firstElementChild;
        container.appendChild(row);
        count.value = String(index + 1);
        wire(row);
        row.querySelector("[data-gx-field]").focus();
      });
    }
  }

  // --- charts -------------------------------------------------------------------------------

  var CHARTS = {
    size: function (data, labels) {
      return {
        tooltip: { trigger: "axis", renderMode: "richText" },
        legend: { bottom: 0 },
        grid: { left: 48, right: 16, top: 16, bottom: 48 },
        xAxis: { type: "category", data: data.dates },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: labels.members || "members", type: "line", data: data.members, showSymbol: false },
          { name: labels.joined || "joined", type: "bar", stack: "flow", data: data.joined },
          { name: labels.left || "left", type: "bar", stack: "flow", data: data.left.map(function (v) { return -v; }) }
        ]
      };
    }
  };

  function draw(element) {
    var kind = element.getAttribute("data-gx-chart");
    var data = readJson(element.getAttribute("data-gx-source"));
    var labels = readJson("gx-segment-labels") || {};
    if (window.GuanxiCurves && window.GuanxiCurves.kinds[kind]) {
      /* The consumption curves: the shared module (insights/curves.js) draws them. */
      window.GuanxiCurves.draw(element, kind, data, labels);
      return;
    }
    if (element.getAttribute("data-gx-drawn") || typeof window.echarts === "undefined") { return; }
    if (!data || !CHARTS[kind]) { return; }
    element.setAttribute("data-gx-drawn", "1");
    element.style.width = "100%";
    element.style.height = "20rem";
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(CHARTS[kind](data, labels));
    window.addEventListener("resize", function () { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-gx-rule-builder]");
    if (form) { setUpBuilder(form); }
    Array.prototype.forEach.call(document.querySelectorAll("[data-gx-chart]"), draw);
  });
})();
