"""Signatures per day as an inline SVG bar chart, drawn on the server: no script, no
third-party library, readable by screen readers through its table twin."""

from dataclasses import dataclass
from datetime import date, timedelta

WIDTH = 720
HEIGHT = 220
AXIS = 28  # room for labels under the bars
MAX_DAYS = 120


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: date
    count: int


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    peak: int
    width: int = WIDTH
    height: int = HEIGHT
    baseline: int = HEIGHT - AXIS

    @property
    def first_day(self) -> date | None:
        return self.bars[0].day if self.bars else None

    @property
    def last_day(self) -> date | None:
        return self.bars[-1].day if self.bars else None


def daily_bars(per_day: list[tuple[date, int]]) -> Chart:
    """Every day from the first signature to the last (empty days included), at most the
    last MAX_DAYS of them."""
    if not per_day:
        return Chart(bars=[], peak=0)
    counts = dict(per_day)
    last = per_day[-1][0]
    first = max(per_day[0][0], last - timedelta(days=MAX_DAYS - 1))
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    peak = max(counts.get(day, 0) for day in days) or 1
    slot = WIDTH / len(days)
    usable = HEIGHT - AXIS - 10
    bars = []
    for index, day in enumerate(days):
        count = counts.get(day, 0)
        height = usable * count / peak
        bars.append(
            Bar(
                x=round(index * slot + slot * 0.1, 2),
                y=round(HEIGHT - AXIS - height, 2),
                width=round(max(slot * 0.8, 1), 2),
                height=round(height, 2),
                day=day,
                count=count,
            )
        )
    return Chart(bars=bars, peak=peak)
