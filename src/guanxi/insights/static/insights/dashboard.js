/* The value dashboard's charts, drawn with ECharts from the page's json_script data (no inline
   scripts: CSP). Every chart element carries the URL of the customer list behind it; clicking it
   goes there. The links under each chart are the same drill-downs without JavaScript. */
(function () {
  "use strict";

  var HEIGHT = "18rem";

  function go(params) {
    if (params && params.data && params.data.url) { window.location.assign(params.data.url); }
  }

  function chartFor(element) {
    element.style.height = HEIGHT;
    element.style.width = "100%";
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.on("click", go);
    window.addEventListener("resize", function () { chart.resize(); });
    return chart;
  }

  var draw = {
    classes: function (chart, data) {
      chart.setOption({
        tooltip: { trigger: "item", renderMode: "richText" },
        legend: { bottom: 0 },
        series: [{
          type: "pie",
          radius: ["35%", "65%"],
          cursor: "pointer",
          label: { formatter: "{b}: {c}" },
          data: data.classes.map(function (s) { return { name: s.name, value: s.value, url: s.url }; })
        }]
      });
    },
    pareto: function (chart, data) {
      if (!data.pareto) { return; }
      var labels = data.labels;
      chart.setOption({
        tooltip: { trigger: "axis", renderMode: "richText" },
        grid: { left: 48, right: 36, top: 24, bottom: 40 },
        xAxis: { type: "value", min: 0, max: 100, name: labels.customer_share + " %", nameLocation: "middle", nameGap: 26 },
        yAxis: { type: "value", name: labels.profit_share + " %" },
        series: [
          { type: "line", showSymbol: false, data: data.pareto.points, areaStyle: { opacity: 0.15 } },
          {
            type: "scatter",
            symbolSize: 14,
            cursor: "pointer",
            data: [{ value: data.pareto.head, url: data.pareto.head_url }],
            markLine: { silent: true, symbol: "none", label: { position: "insideStartTop" }, data: [{ yAxis: 80 }] }
          }
        ]
      });
    },
    rfm: function (chart, data) {
      if (!data.rfm) { return; }
      var scores = [];
      for (var i = 1; i <= data.rfm.bins; i += 1) { scores.push(String(i)); }
      chart.setOption({
        tooltip: { renderMode: "richText" },
        grid: { left: 48, right: 72, top: 24, bottom: 40 },
        xAxis: { type: "category", data: scores, name: data.labels.frequency, nameLocation: "middle", nameGap: 26 },
        yAxis: { type: "category", data: scores, name: data.labels.recency },
        visualMap: { min: 0, max: Math.max(1, data.rfm.max), calculable: false, orient: "vertical", right: 0, top: "middle", itemHeight: 100 },
        series: [{
          type: "heatmap",
          cursor: "pointer",
          label: { show: true },
          data: data.rfm.cells.map(function (c) { return { value: [c[0], c[1], c[2]], url: c[3] }; })
        }]
      });
    },
    clv: function (chart, data) {
      chart.setOption({
        tooltip: { trigger: "item", renderMode: "richText" },
        grid: { left: 48, right: 16, top: 16, bottom: 72 },
        xAxis: { type: "category", data: data.clv.map(function (b) { return b.label; }), axisLabel: { rotate: 40 } },
        yAxis: { type: "value", name: data.labels.customers },
        series: [{
          type: "bar",
          cursor: "pointer",
          data: data.clv.map(function (b) { return { value: b.value, url: b.url }; })
        }]
      });
    },
    grades: function (chart, data) {
      if (!data.grades) { return; }
      chart.setOption({
        tooltip: { trigger: "item", renderMode: "richText" },
        grid: { left: 48, right: 16, top: 16, bottom: 32 },
        xAxis: { type: "category", data: data.grades.map(function (g) { return g.name; }) },
        yAxis: { type: "value", name: data.labels.customers },
        series: [{
          type: "bar",
          cursor: "pointer",
          data: data.grades.map(function (g) { return { value: g.value, url: g.url }; })
        }]
      });
    }
  };

  function drawAll() {
    var source = document.getElementById("gx-dashboard-data");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data;
    try {
      data = JSON.parse(source.textContent);
    } catch (error) {
      return;
    }
    document.querySelectorAll("[data-gx-chart]").forEach(function (element) {
      var kind = element.getAttribute("data-gx-chart");
      if (element.getAttribute("data-gx-drawn") || !draw[kind]) { return; }
      element.setAttribute("data-gx-drawn", "1");
      draw[kind](chartFor(element), data);
    });
  }

  document.addEventListener("DOMContentLoaded", drawAll);
})();
