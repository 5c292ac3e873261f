// Front-desk week calendar. Every action is a plain link or form (it works without this file);
// this adds: the filters apply on change, arrow keys move between slots, Escape cancels a move.
document.addEventListener("DOMContentLoaded", () => {
  const filters = document.querySelector("[data-calendar-filters]");
  if (filters) {
    filters.querySelectorAll("select").forEach((select) => {
      select.addEventListener("change", () => filters.requestSubmit());
    });
  }

  const grid = document.querySelector("[data-testid=calendar] table");
  if (grid) {
    grid.addEventListener("keydown", (event) => {
      const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      const step = moves[event.key];
      const cell = event.target.closest("td");
      if (!step || !cell) return;
      const row = cell.parentElement;
      let rowIndex = row.sectionRowIndex;
      let colIndex = cell.cellIndex;
      const rows = grid.tBodies[0].rows;
      // Walk in the arrow's direction to the next cell holding something to act on.
      for (let i = 0; i < 200; i += 1) {
        rowIndex += step[0];
        colIndex += step[1];
        if (rowIndex < 0 || rowIndex >= rows.length || colIndex < 1 || colIndex >= row.cells.length) return;
        const target = rows[rowIndex].cells[colIndex].querySelector("a, button");
        if (target) {
          event.preventDefault();
          target.focus();
          return;
        }
      }
    });
  }

  const cancel = document.querySelector("[data-calendar-cancel]");
  if (cancel && document.querySelector("[data-testid=moving]")) {
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") window.location.assign(cancel.href);
    });
  }
});
