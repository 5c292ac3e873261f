"""Server-rendered SVG line charts for outcome measures (no JavaScript, no CDN). Pure Python."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    label: str
    value: float


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    points: list[Point]
    y_ticks: list[Tick]
    left: int
    bottom: int

    @property
    def polyline(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)


def line_chart(
    series: list[tuple[str, float]],
    low: float,
    high: float,
    *,
    width: int = 420,
    height: int = 180,
    ticks: int = 5,
) -> LineChart:
    """Place (label, value) pairs evenly along x, scaled to the instrument's range on y."""
    left, right, top, bottom = 40, 40, 10, height - 30
    plot_width, plot_height = width - left - right, bottom - top
    span = (high - low) or 1
    count = len(series)
    points = [
        Point(
            x=left + (plot_width * index / (count - 1) if count > 1 else plot_width / 2),
            y=bottom - (value - low) / span * plot_height,
            label=label,
            value=value,
        )
        for index, (label, value) in enumerate(series)
    ]
    step = span / (ticks - 1)
    y_ticks = [
        Tick(y=bottom - (step * i) / span * plot_height, label=f"{low + step * i:g}")
        for i in range(ticks)
    ]
    return LineChart(width, height, points, y_ticks, left, bottom)
