"""Signatures per day as an inline SVG bar chart, drawn on the server: no script, no
third-party library, readable by screen readers through its table twin."""

from dataclasses import dataclass, field
from datetime import date, timedelta

WIDTH = 720
HEIGHT = 220
AXIS = 28  # room for labels under the bars
TOP = 22  # room for the peak's label above them
MAX_DAYS = 120
# Fewer days than this are drawn from the left as days of a week-long chart: one day is a
# bar, not the whole width, and the first and last dates (about 80 wide each) stay apart.
MIN_SLOTS = 7


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: date
    count: int


@dataclass(frozen=True)
class Label:
    """A date under the bars: `x` is where its text starts, or ends (`anchor`)."""

    x: float
    anchor: str
    day: date


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    peak: int
    labels: list[Label] = field(default_factory=list)
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
    slot = WIDTH / max(len(days), MIN_SLOTS)
    usable = HEIGHT - AXIS - TOP
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
    labels = [Label(x=0, anchor="start", day=first)]
    if last != first:
        labels.append(Label(x=round(len(days) * slot, 2), anchor="end", day=last))
    return Chart(bars=bars, peak=peak, labels=labels)
