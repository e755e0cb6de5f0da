"""Bar charts drawn on the server as inline SVG geometry: no script, no third-party chart
library, nothing the Content-Security-Policy has to allow. The template draws the rectangles."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 720
HEIGHT = 160
AXIS = 20  # room under the bars for the labels
TOP = 16  # room above the highest bar for its figure
MAX_BAR = 64


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    peak: int
    ticks: list[tuple[float, str]]
    """x positions and texts of the labels shown under the bars (at most ``max_ticks``)."""


def bar_chart(points: Sequence[tuple[str, int]], *, max_ticks: int = 6) -> Chart | None:
    """One bar per point, scaled to the highest; ``None`` when every value is 0."""
    if not any(value for _, value in points):
        return None
    peak = max(value for _, value in points) or 1
    slot = min(WIDTH / len(points), MAX_BAR)
    room = HEIGHT - AXIS - TOP
    bars = []
    for index, (label, value) in enumerate(points):
        height = room * value / peak
        gap = min(2.0, slot / 4)
        y = TOP + room - height
        bars.append(Bar(index * slot + gap / 2, y, slot - gap, height, label, value))
    every = max(1, -(-len(points) // max_ticks))
    ticks = [(bar.x, bar.label) for bar in bars[::every]]
    return Chart(WIDTH, HEIGHT, bars, peak, ticks)
