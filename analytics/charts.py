"""Bar charts as SVG geometry, computed on the server: the dashboard needs no JavaScript and
no chart library, and what it draws is in the page for tests and screen readers alike."""

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 220
MARGIN_TOP = 24
MARGIN_BOTTOM = 40
MARGIN_LEFT = 160  # horizontal charts: room for the labels
ROW = 28


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str  # the value as printed
    x: float
    y: float
    width: float
    height: float
    label_x: float
    label_y: float
    value_x: float
    value_y: float
    show_label: bool = True


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    width: int
    height: int
    horizontal: bool
    bars: list[Bar]
    empty: bool
    baseline: float  # y of the axis (vertical charts) or x (horizontal ones)

    @property
    def description(self) -> str:
        return f"{self.title}: " + ", ".join(f"{bar.label} {bar.shown}" for bar in self.bars)


def columns(
    name: str, title: str, points: Sequence[tuple[str, float]], *, shown=lambda v: f"{v:g}"
) -> Chart:
    """Vertical bars, one per point, left to right (days, histogram buckets)."""
    top = max((value for _, value in points), default=0)
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    slot = (WIDTH - 20) / max(1, len(points))
    every = max(1, round(len(points) / 12))  # at most about 12 labels under the axis
    bars = []
    for n, (label, value) in enumerate(points):
        height = plot_height * value / top if top else 0
        x = 10 + n * slot + slot * 0.1
        bars.append(
            Bar(
                label=label,
                value=value,
                shown=shown(value),
                x=round(x, 1),
                y=round(MARGIN_TOP + plot_height - height, 1),
                width=round(slot * 0.8, 1),
                height=round(height, 1),
                label_x=round(x + slot * 0.4, 1),
                label_y=HEIGHT - MARGIN_BOTTOM + 16,
                value_x=round(x + slot * 0.4, 1),
                value_y=round(MARGIN_TOP + plot_height - height - 4, 1),
                show_label=n % every == 0,
            )
        )
    return Chart(name, title, WIDTH, HEIGHT, False, bars, not top, baseline=HEIGHT - MARGIN_BOTTOM)


def rows(
    name: str, title: str, points: Sequence[tuple[str, float]], *, shown=lambda v: f"{v:g}"
) -> Chart:
    """Horizontal bars, one per labelled row, top to bottom (statuses, decisions)."""
    top = max((value for _, value in points), default=0)
    plot_width = WIDTH - MARGIN_LEFT - 60
    bars = []
    for n, (label, value) in enumerate(points):
        width = plot_width * value / top if top else 0
        y = 10 + n * ROW
        bars.append(
            Bar(
                label=label,
                value=value,
                shown=shown(value),
                x=MARGIN_LEFT,
                y=y,
                width=round(width, 1),
                height=ROW - 8,
                label_x=MARGIN_LEFT - 8,
                label_y=y + ROW / 2,
                value_x=round(MARGIN_LEFT + width + 6, 1),
                value_y=y + ROW / 2,
            )
        )
    height = 20 + len(points) * ROW
    return Chart(name, title, WIDTH, height, True, bars, not top, baseline=MARGIN_LEFT)


def duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
