/* Value pages: the calibration chart (predicted vs actual purchases per frequency bucket), drawn with
   ECharts from the data-gx-calibration attribute. No inline scripts or styles (CSP); the table below
   the chart is the accessible, no-JavaScript view of the same figures. */
(function () {
  "use strict";

  function draw(element) {
    if (element.getAttribute("data-gx-drawn") || typeof window.echarts === "undefined") { return; }
    var data;
    try {
      data = JSON.parse(element.getAttribute("data-gx-calibration"));
    } catch (error) {
      return;
    }
    element.setAttribute("data-gx-drawn", "1");
    if (!element.clientHeight) { element.style.height = "22rem"; }  /* CSSOM, allowed by the CSP */
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      animationDuration: 300,
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { data: [data.names.predicted, data.names.actual], bottom: 0 },
      grid: { left: 48, right: 16, top: 24, bottom: 64 },
      xAxis: { type: "category", data: data.labels, name: data.x_title, nameLocation: "middle", nameGap: 28 },
      yAxis: { type: "value", name: data.y_title, nameLocation: "end" },
      series: [
        { name: data.names.predicted, type: "line", data: data.predicted, symbolSize: 8 },
        { name: data.names.actual, type: "bar", data: data.actual, barMaxWidth: 36, itemStyle: { opacity: 0.7 } }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll() {
    document.querySelectorAll("[data-gx-calibration]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
  document.addEventListener("htmx:afterSettle", drawAll);
}());
