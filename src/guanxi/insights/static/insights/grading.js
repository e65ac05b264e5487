/* The grade migration Sankey on the grading page, drawn with ECharts from a json_script block
   (no inline scripts: CSP). Clicking a grade "now" or a flow opens the customer list filtered by
   that grade; the table under the chart is the accessible view of the same numbers. */
(function () {
  "use strict";

  function draw(element) {
    if (element.getAttribute("data-gx-drawn") || typeof window.echarts === "undefined") { return; }
    var source = document.getElementById(element.getAttribute("data-gx-sankey"));
    if (!source) { return; }
    var data;
    try {
      data = JSON.parse(source.textContent);
    } catch (error) {
      return;
    }
    if (!data || !data.links || !data.links.length) { return; }
    element.setAttribute("data-gx-drawn", "1");
    element.style.height = "320px";
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      animationDuration: 400,
      tooltip: { trigger: "item", renderMode: "richText" },
      series: [{
        type: "sankey",
        left: 8,
        right: 60,
        nodeAlign: "justify",
        emphasis: { focus: "adjacency" },
        lineStyle: { color: "gradient", curveness: 0.5, opacity: 0.4 },
        label: { fontSize: 12 },
        data: data.nodes.map(function (node) {
          return { name: node.name, url: node.url, cursor: node.url ? "pointer" : "default" };
        }),
        links: data.links.map(function (link) {
          return { source: link.source, target: link.target, value: link.value, url: link.url };
        })
      }]
    });
    chart.on("click", function (params) {
      if (params.data && params.data.url) {
        window.location.assign(params.data.url);
      }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll() {
    document.querySelectorAll("[data-gx-sankey]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
