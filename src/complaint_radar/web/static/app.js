/* Complaint Radar dashboard behaviour: charts from data-chart options, drill-down clicks, confirmations.
   Served as a file so that the Content-Security-Policy can forbid inline scripts. */
(function () {
  "use strict";

  var charts = [];

  function drill(params) {
    var target = (params.data && params.data.href) || (params.value && params.value.href);
    if (target && target.charAt(0) === "/") {
      window.location.assign(target);
    }
  }

  function initCharts(root) {
    if (typeof window.echarts === "undefined") {
      return;
    }
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.chartReady) {
        return;
      }
      var option = JSON.parse(el.dataset.chart);
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      chart.on("click", drill);
      el.dataset.chartReady = "1";
      charts.push(chart);
    });
  }

  function confirmSubmits(root) {
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) {
          event.preventDefault();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initCharts(document);
    confirmSubmits(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    initCharts(event.target);
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
