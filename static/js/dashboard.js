// Manager dashboard chart. The numbers come from the JSON block the server renders; the table below the
// chart shows the same numbers for screen readers and printing.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("wait-chart-data");
  const canvas = document.getElementById("wait-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  // Chart.js would inject a <style> element, which the Content-Security-Policy forbids.
  Chart.platform.disableCSSInjection = true;
  const data = JSON.parse(source.textContent);
  const chart = new Chart(canvas, {
    type: "line",
    data: {
      labels: data.labels,
      datasets: [
        { label: "Median (days)", data: data.median, borderColor: "#0b4f6c", fill: false },
        { label: "90th percentile (days)", data: data.p90, borderColor: "#b02a37", borderDash: [6, 4], fill: false },
      ],
    },
    options: { responsive: false, animation: false, scales: { yAxes: [{ ticks: { beginAtZero: true } }] } },
  });
  canvas.dataset.points = String(chart.data.labels.length);
});
