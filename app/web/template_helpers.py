"""Filters and globals the templates use to show numbers and Philadelphia times."""

from datetime import date, datetime, timedelta

from flask import Flask
from flask_babel import format_date, format_decimal, format_time, get_locale, ngettext

from app.core.clock import in_philadelphia


def number(value: int) -> str:
    return format_decimal(value)


def philly_date(moment: datetime | date) -> str:
    """A day in words; an instant is first placed in Philadelphia."""
    if isinstance(moment, datetime):
        moment = in_philadelphia(moment)
    return format_date(moment, "long")


def philly_time(moment: datetime) -> str:
    return format_time(in_philadelphia(moment), "short")


def time_left(delta: timedelta) -> str:
    """ "12 days left", "5 hours left", "3 minutes left": the largest unit that is at least one."""
    seconds = int(delta.total_seconds())
    days, hours, minutes = seconds // 86400, seconds // 3600, seconds // 60
    if days >= 2:
        return ngettext("%(num)d day left", "%(num)d days left", days)
    if hours >= 1:
        return ngettext("%(num)d hour left", "%(num)d hours left", hours)
    return ngettext("%(num)d minute left", "%(num)d minutes left", max(minutes, 1))


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs; the template escapes each."""
    return [" ".join(block.split()) for block in text.split("\n\n") if block.strip()]


def percent_of(count: int, goal: int) -> int:
    return min(100, (count * 100) // goal) if goal else 100


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        number=number,
        paragraphs=paragraphs,
        philly_date=philly_date,
        philly_time=philly_time,
        time_left=time_left,
    )
    app.jinja_env.globals.update(
        current_locale=lambda: str(get_locale()),
        percent_of=percent_of,
    )
