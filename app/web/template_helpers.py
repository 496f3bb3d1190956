"""Filters and globals the templates use to show numbers, and times in a petition's zone."""

import re
from datetime import date, datetime, timedelta

from babel.dates import get_timezone_name
from babel.lists import format_list
from babel.numbers import format_percent
from flask import Flask
from flask_babel import (
    format_date,
    format_decimal,
    format_time,
    get_locale,
    ngettext,
)

from app.core.clock import in_zone, zone_of
from app.core.markdown import markdown_to_text, render_markdown
from app.petitions.sharing import share_call


def number(value: int) -> str:
    return format_decimal(value)


def percent(share: float) -> str:
    """A share (0.25) as the reader writes it, to a tenth: "25%", "33.3%"; "33,3 %" in
    Spanish."""
    return format_percent(round(share, 3), locale=get_locale(), decimal_quantization=False)


def local_date(moment: datetime | date, petition=None) -> str:
    """A day in words; an instant is first placed in the petition's zone (the default zone
    without one): `{{ petition.closes_at | local_date(petition) }}`."""
    if isinstance(moment, datetime):
        moment = in_zone(moment, zone_of(petition))
    return format_date(moment, "long", rebase=False)


def local_time(moment: datetime, petition=None) -> str:
    """The time of day in the petition's zone, "11:59 PM"."""
    return format_time(in_zone(moment, zone_of(petition)), "short", rebase=False)


def when(moment: datetime, petition=None) -> str:
    """An instant as the organizer pages show every one: its day, time and zone, in the
    petition's zone (the default zone without one): "August 31, 2027, 11:59 PM EDT"."""
    local = in_zone(moment, zone_of(petition))
    day = format_date(local, "long", rebase=False)
    return f"{day}, {format_time(local, 'short', rebase=False)} {local.tzname()}"


# A recorded change's value that is an instant (a deadline, an opening, when it was
# published), kept as ISO 8601 text with its offset.
_RECORDED_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)")


def change_value(value: str | None, petition=None) -> str:
    """A value in the record of changes, an instant shown as `when` shows it."""
    if value and _RECORDED_INSTANT.fullmatch(value):
        return when(datetime.fromisoformat(value), petition)
    return value or ""


def local_instants(text: str | None, petition=None) -> str:
    """A recorded text with instants in it ("signed from 2027-07-15T14:00:00+00:00 until
    ..."), each shown as `when` shows it."""
    return _RECORDED_INSTANT.sub(
        lambda match: when(datetime.fromisoformat(match.group(0)), petition), text or ""
    )


def zone_name(petition=None) -> str:
    """The petition's zone as its readers call it: "Eastern Time", "hora del Pacífico"."""
    zone = zone_of(petition)
    if zone.key in {"UTC", "Etc/UTC", "Etc/GMT", "GMT"}:
        return "UTC"
    return get_timezone_name(zone, "long", locale=get_locale(), zone_variant="generic")


def listed(items) -> str:
    """Words as a list in the reader's language: "Ana D., Luis N. and Mei O."."""
    return format_list([str(item) for item in items], locale=get_locale())


def zip_prefixes(petition) -> str:
    """The residency rule's ZIP prefixes in words: "191", "900 or 902"."""
    return format_list(petition.resident_zip_prefixes.split(), style="or", locale=get_locale())


def time_left_shown(delta: timedelta) -> tuple[str, int]:
    """The unit and number the page shows of the time left: the largest unit that is at
    least one (what a cached page varies on)."""
    seconds = int(delta.total_seconds())
    days, hours, minutes = seconds // 86400, seconds // 3600, seconds // 60
    if days >= 2:
        return "days", days
    if hours >= 1:
        return "hours", hours
    return "minutes", max(minutes, 1)


def time_left(delta: timedelta) -> str:
    """ "12 days left", "5 hours left", "3 minutes left"."""
    unit, number = time_left_shown(delta)
    if unit == "days":
        return ngettext("%(num)d day left", "%(num)d days left", number)
    if unit == "hours":
        return ngettext("%(num)d hour left", "%(num)d hours left", number)
    return ngettext("%(num)d minute left", "%(num)d minutes left", number)


def first_error(errors) -> str:
    """The first message of a field's errors, however nested: a list of rows (FieldList)
    holds one dict of messages per row."""
    for error in errors.values() if isinstance(errors, dict) else errors:
        found = first_error(error) if isinstance(error, dict | list | tuple) else error
        if found:
            return str(found)
    return ""


def percent_of(count: int, goal: int) -> int:
    return min(100, (count * 100) // goal) if goal else 100


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        first_error=first_error,
        number=number,
        percent=percent,
        listed=listed,
        local_date=local_date,
        local_time=local_time,
        when=when,
        change_value=change_value,
        local_instants=local_instants,
        time_left=time_left,
    )
    app.jinja_env.globals.update(
        current_locale=lambda: str(get_locale()),
        percent_of=percent_of,
        zip_prefixes=zip_prefixes,
        zone_name=zone_name,
        share_call=share_call,
    )
    # Organizers' texts are Markdown: rendered safely, or as plain words (meta descriptions).
    app.jinja_env.filters.update(markdown=render_markdown, markdown_text=markdown_to_text)
