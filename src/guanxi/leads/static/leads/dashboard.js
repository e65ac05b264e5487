/* The leads dashboard's funnel, drawn with ECharts from the page's json_script data (no inline
   scripts: CSP). Each step carries the URL of the lead list behind it; clicking goes there. The
   links under the chart are the same drill-downs without JavaScript. */
(function () {
  "use strict";

  function draw() {
    var element = document.getElementById("gx-leads-funnel");
    var source = document.getElementById("gx-leads-funnel-data");
    if (!element || !source || !window.echarts) { return; }
    var data = JSON.parse(source.textContent);
    element.style.height = "18rem";
    element.style.width = "100%";
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      tooltip: { trigger: "item", renderMode: "richText", formatter: "{b}: {c}" },
      series: [{
        name: data.labels.leads,
        type: "funnel",
        sort: "none",
        minSize: "8%",
        cursor: "pointer",
        label: { show: true, position: "inside", formatter: "{b}: {c}" },
        data: data.steps.map(function (s) { return { name: s.name, value: s.value, url: s.url }; })
      }]
    });
    chart.on("click", function (params) {
      if (params && params.data && params.data.url) { window.location.assign(params.data.url); }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
