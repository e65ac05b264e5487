/* Consumption curves of a segment (cohort curve, days between purchases, monthly spend trend with its
   forecast and 90 % interval), drawn with ECharts. One module for every page that shows them: the
   segment page (through segments.js) and the value dashboard's curve card.
   Elements with data-gx-curve="cohort|gaps|trend" are drawn on load: data-gx-source names the
   json_script block with the stored curves, data-gx-labels the one with the chart labels.
   No inline scripts (CSP); without JavaScript the numbers and links stay on the page. */
(function () {
  "use strict";

  function readJson(id) {
    var element = id ? document.getElementById(id) : null;
    if (!element) { return null; }
    try { return JSON.parse(element.textContent); } catch (error) { return null; }
  }

  function monthAxis(n) {
    var months = [];
    for (var i = 0; i < n; i += 1) { months.push(String(i)); }
    return months;
  }

  var OPTIONS = {
    cohort: function (curves, labels) {
      var c = curves.cohort;
      return {
        tooltip: { trigger: "axis", renderMode: "richText" },
        legend: { bottom: 0 },
        grid: { left: 56, right: 56, top: 16, bottom: 64 },
        xAxis: { type: "category", name: labels.month, nameLocation: "middle", nameGap: 28, data: monthAxis(c.months) },
        yAxis: [{ type: "value" }, { type: "value", splitLine: { show: false } }],
        series: [
          { name: labels.spend, type: "line", data: c.spend_per_customer, connectNulls: false },
          { name: labels.cumulative, type: "line", data: c.cumulative_spend_per_customer, lineStyle: { type: "dashed" } },
          { name: labels.purchases, type: "line", yAxisIndex: 1, data: c.purchases_per_customer }
        ]
      };
    },
    gaps: function (curves, labels) {
      var g = curves.interpurchase;
      var names = g.edges.map(function (edge, i) {
        return i + 1 < g.edges.length ? edge + "–" + (g.edges[i + 1] - 1) : edge + " " + labels.more;
      });
      return {
        tooltip: { trigger: "axis", renderMode: "richText" },
        grid: { left: 48, right: 16, top: 16, bottom: 48 },
        xAxis: { type: "category", name: labels.days, nameLocation: "middle", nameGap: 28, data: names },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ name: labels.count, type: "bar", data: g.counts }]
      };
    },
    trend: function (curves, labels) {
      var t = curves.trend;
      var months = t.months.concat(t.forecast_months);
      var pad = t.months.map(function () { return null; });
      var after = t.forecast_months.map(function () { return null; });
      var series = [{ name: labels.actual, type: "bar", data: t.spend.concat(after) }];
      if (t.available) {
        var lower = pad.concat(t.lower);
        var width = pad.concat(t.upper.map(function (u, i) { return u - t.lower[i]; }));
        series.push(
          { name: labels.fitted, type: "line", showSymbol: false, data: t.fitted.concat(after) },
          { name: labels.forecast, type: "line", lineStyle: { type: "dashed" }, data: pad.concat(t.forecast) },
          { name: labels.interval, type: "line", stack: "band", symbol: "none", lineStyle: { opacity: 0 }, data: lower },
          { name: labels.interval, type: "line", stack: "band", symbol: "none", lineStyle: { opacity: 0 }, areaStyle: { opacity: 0.2 }, data: width }
        );
      }
      return {
        tooltip: { trigger: "axis", renderMode: "richText" },
        legend: { bottom: 0 },
        grid: { left: 64, right: 16, top: 16, bottom: 48 },
        xAxis: { type: "category", data: months },
        yAxis: { type: "value" },
        series: series
      };
    }
  };

  /* Draw one chart of ``kind`` into ``element`` (once); false when it cannot be drawn. */
  function draw(element, kind, data, labels) {
    if (element.getAttribute("data-gx-drawn") || typeof window.echarts === "undefined") { return false; }
    if (!data || !OPTIONS[kind]) { return false; }
    element.setAttribute("data-gx-drawn", "1");
    element.style.width = "100%";
    element.style.height = "20rem";
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(OPTIONS[kind](data, labels || {}));
    window.addEventListener("resize", function () { chart.resize(); });
    return true;
  }

  function drawAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-gx-curve]"), function (element) {
      draw(
        element,
        element.getAttribute("data-gx-curve"),
        readJson(element.getAttribute("data-gx-source")),
        readJson(element.getAttribute("data-gx-labels"))
      );
    });
    /* The dashboard's segment picker shows the chosen segment as soon as it is picked. */
    Array.prototype.forEach.call(document.querySelectorAll("[data-gx-curve-picker]"), function (form) {
      var select = form.querySelector("select");
      if (select) { select.addEventListener("change", function () { form.submit(); }); }
    });
  }

  window.GuanxiCurves = { kinds: OPTIONS, draw: draw, readJson: readJson };
  document.addEventListener("DOMContentLoaded", drawAll);
})();
