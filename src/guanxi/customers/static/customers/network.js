/* The customer's relationship network, drawn with ECharts from the panel's data-gx-network attribute.
   No inline scripts or styles (CSP): the tooltip is drawn on the canvas (renderMode "richText"),
   and the plain list in the panel stays the accessible, no-JavaScript view of the same data.
   The force layout starts from a circle, not from random points, so a network looks the same on every visit. */
(function () {
  "use strict";

  var SIZES = [44, 28, 18];

  function draw(element) {
    if (element.getAttribute("data-gx-drawn") || typeof window.echarts === "undefined") { return; }
    var graph;
    try {
      graph = JSON.parse(element.getAttribute("data-gx-network"));
    } catch (error) {
      return;
    }
    element.setAttribute("data-gx-drawn", "1");
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      animationDuration: 400,
      tooltip: { renderMode: "richText" },
      legend: [{ data: graph.categories, bottom: 0 }],
      series: [{
        type: "graph",
        layout: "force",
        roam: true,
        draggable: true,
        categories: graph.categories.map(function (name) { return { name: name }; }),
        data: graph.nodes.map(function (node) {
          return {
            id: node.id,
            name: node.name,
            category: node.category,
            symbolSize: SIZES[node.category] || SIZES[2],
            url: node.url,
            cursor: node.url ? "pointer" : "default"
          };
        }),
        links: graph.links.map(function (link) {
          return { source: link.source, target: link.target, label: { show: true, formatter: link.label }, name: link.label };
        }),
        label: { show: true, position: "right", width: 140, overflow: "truncate" },
        edgeSymbol: ["none", "arrow"],
        edgeSymbolSize: 7,
        edgeLabel: { fontSize: 10 },
        lineStyle: { color: "source", curveness: 0.15 },
        emphasis: { focus: "adjacency" },
        force: { initLayout: "circular", repulsion: 260, edgeLength: [70, 150], layoutAnimation: false }
      }]
    });
    chart.on("click", function (params) {
      if (params.dataType === "node" && params.data && params.data.url) {
        window.location.assign(params.data.url);
      }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function drawAll() {
    document.querySelectorAll("[data-gx-network]").forEach(draw);
  }

  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSettle", drawAll);
})();
