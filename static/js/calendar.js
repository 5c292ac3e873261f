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
    const rows = grid.tBodies[0].rows;
    const actionIn = (r, c) => rows[r].cells[c].querySelector("a, button");
    grid.addEventListener("keydown", (event) => {
      const cell = event.target.closest("td");
      if (!cell) return;
      const r0 = cell.parentElement.sectionRowIndex;
      const c0 = cell.cellIndex;
      const columns = cell.parentElement.cells.length;
      let target = null;
      if (event.key === "ArrowUp" || event.key === "ArrowDown") {
        // The next filled half hour of the same day.
        const step = event.key === "ArrowUp" ? -1 : 1;
        for (let r = r0 + step; r >= 0 && r < rows.length && !target; r += step) target = actionIn(r, c0);
      } else if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
        // The next day with something to act on, at the nearest time to this one.
        const step = event.key === "ArrowLeft" ? -1 : 1;
        for (let c = c0 + step; c >= 1 && c < columns && !target; c += step) {
          for (let d = 0; d < rows.length && !target; d += 1) {
            if (r0 - d >= 0) target = actionIn(r0 - d, c);
            if (!target && r0 + d < rows.length) target = actionIn(r0 + d, c);
          }
        }
      } else {
        return;
      }
      if (target) {
        event.preventDefault();
        target.focus();
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
