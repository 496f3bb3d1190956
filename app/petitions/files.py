"""Petitions as files: the TOML format of campaigns/pars.toml (described in
docs/organizers.md, "Petition files"). A file is read and checked whole, each problem named
by its key; a petition is made from it (`create_from_file`) or written back to one
(`dump_petition`), and the PARS petition is seeded from its file the same way (`seed_pars`)."""

import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import tomli_w
from flask import current_app

from app.core.clock import as_utc, default_time_zone, is_time_zone, now
from app.core.database import write_transaction
from app.core.email_address import InvalidEmail, normalize_email
from app.core.text_rules import has_control_characters, is_one_line
from app.extensions import db
from app.models import (
    FormerSlug,
    Petition,
    PetitionTranslation,
    Target,
    TargetTranslation,
)
from app.petitions.lifecycle import mark_published, publish_problems
from app.petitions.queries import petition_by_slug
from app.petitions.sharing import SHARE_CHANNELS

CAMPAIGNS_FOLDER = Path(__file__).resolve().parents[2] / "campaigns"
PARS_FILE = CAMPAIGNS_FOLDER / "pars.toml"
ORIGINAL_LOCALE = "en"
MAX_TARGETS = 12
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # app.web.routing.SlugConverter's
ZIP_PREFIX = re.compile(r"\d{1,5}")
MONTH_DAY = re.compile(r"(\d\d)-(\d\d)")
DATE_IN_QUOTES = re.compile(r"\d{4}-\d\d-\d\d", re.ASCII)
DATE_TIME_IN_QUOTES = re.compile(
    r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d{1,6})?)?(Z|[+-]\d\d:\d\d)?", re.ASCII
)

# Each text key: its column's length (None: no limit).
_TEXTS = {
    "title": 200,
    "organizer": 200,
    "about": None,
    "letter_subject": 200,
    "letter_body": None,
}
_KEYS = {
    *_TEXTS,
    "slug",
    "goal",
    "time_zone",
    "resident_zip_prefixes",
    "resident_label",
    "opens_at",
    "closes_at",
    "closes_yearly",
    "share_channel",
    "contact_email",
    "targets",
    "translations",
}
_TARGET_KEYS = {"title", "name", "email"}
_TRANSLATION_KEYS = {"title", "about", "letter_subject", "letter_body", "target_titles"}


class PetitionFileError(ValueError):
    """A file that cannot become a petition; `problems` name each key at fault."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


@dataclass(frozen=True)
class TargetEntry:
    title: str
    name: str
    email: str | None = None


@dataclass(frozen=True)
class TranslationEntry:
    title: str
    about: str
    letter_subject: str | None = None
    letter_body: str | None = None
    # By position, as the targets are listed; None leaves that one's title as written.
    target_titles: tuple[str | None, ...] = ()


@dataclass(frozen=True)
class PetitionFile:
    slug: str
    title: str
    organizer: str
    about: str
    letter_subject: str
    letter_body: str
    goal: int
    time_zone: str
    resident_zip_prefixes: tuple[str, ...]
    resident_label: str
    opens_at: datetime | None  # None: when it is created
    closes_at: datetime | None
    closes_yearly: tuple[int, int] | None  # (month, day): the next one, at 23:59:59
    targets: tuple[TargetEntry, ...]
    translations: dict[str, TranslationEntry] = field(default_factory=dict)
    share_channel: str | None = None  # app.petitions.sharing.SHARE_CHANNELS; None: anywhere
    contact_email: str | None = None  # the Reply-To of what goes to the officials

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def deadline(self, at: datetime | None = None) -> datetime:
        """closes_at, or the next yearly deadline still to come at `at`."""
        if self.closes_at is not None:
            return self.closes_at
        if self.closes_yearly is None:  # a file read has one or the other
            raise ValueError("neither closes_at nor closes_yearly")
        month, day = self.closes_yearly
        return next_yearly_deadline(month, day, self.zone, at)


def next_yearly_deadline(
    month: int, day: int, zone: ZoneInfo, at: datetime | None = None
) -> datetime:
    """The next `month`-`day`, 23:59:59 in `zone`, still to come at `at` (a February 29
    waits for a leap year)."""
    moment = as_utc(at or now()).astimezone(zone)
    for year in range(moment.year, moment.year + 9):
        try:
            deadline = datetime(year, month, day, 23, 59, 59, tzinfo=zone)
        except ValueError:
            continue
        if deadline > moment:
            return as_utc(deadline)
    raise ValueError(f"no {month:02}-{day:02} in the coming years")


# --- reading -------------------------------------------------------------------------------


class _Reader:
    """Takes values out of a parsed file, noting each problem under its key."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {message}")

    def unknown_keys(self, table: Mapping[str, object], known: set[str], prefix: str = "") -> None:
        for key in table:
            if key not in known:
                self.fail(f"{prefix}{key}", "unknown key (a typo?)")

    def text(
        self,
        table: Mapping[str, object],
        key: str,
        where: str,
        limit: int | None,
        required: bool = True,
    ) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                self.fail(where, "missing")
            return None
        if not isinstance(value, str):
            self.fail(where, "must be text in quotes")
            return None
        value = value.strip()
        if not value:
            if required:
                self.fail(where, "is empty")
            return None
        if limit is None:  # paragraphs (about, letter_body): newlines and tabs are text
            if has_control_characters(value, allow_newlines=True):
                self.fail(where, "has control characters (they often come with pasting)")
                return None
        elif not is_one_line(value):
            self.fail(
                where,
                "must be one line of visible text: no control characters, line separators, "
                "direction marks or zero-width spaces",
            )
            return None
        if limit is not None and len(value) > limit:
            self.fail(where, f"is {len(value)} characters long; at most {limit}")
            return None
        return value

    def instant(
        self, table: Mapping[str, object], key: str, zone: ZoneInfo | None, end_of_day: bool
    ) -> datetime | None:
        value = table.get(key)
        if value is None:
            return None
        if isinstance(value, str):
            value = _date_in_quotes(value)
        if isinstance(value, datetime):
            if value.tzinfo is None:
                if zone is None:
                    return None  # the time zone's own problem is noted already
                value = value.replace(tzinfo=zone)
            return as_utc(value)
        if isinstance(value, date):
            if zone is None:
                return None
            moment = time(23, 59, 59) if end_of_day else time(0, 0)
            return as_utc(datetime.combine(value, moment, tzinfo=zone))
        self.fail(
            key,
            "must be a date and time in the petition's time zone (2027-08-31T23:59:59), with "
            "an offset (2027-08-31T23:59:59-04:00), or a date (2027-08-31: the end of that day)",
        )
        return None


def _date_in_quotes(text: str) -> date | datetime | None:
    """A date or date-time written in quotes, as people write TOML ("2027-08-31"), in the
    shapes TOML has without quotes (and without the seconds); None for anything else."""
    text = text.strip().upper()
    try:
        if DATE_IN_QUOTES.fullmatch(text):
            return date.fromisoformat(text)
        if DATE_TIME_IN_QUOTES.fullmatch(text):
            return datetime.fromisoformat(text)
    except ValueError:  # such as 2027-08-32
        return None
    return None


def parse_petition_file(text: str) -> PetitionFile:
    """A petition file's content, checked. Raises PetitionFileError naming every problem."""
    try:
        content = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PetitionFileError([f"not valid TOML: {error}"]) from None
    read = _Reader()
    read.unknown_keys(content, _KEYS)
    texts = {key: read.text(content, key, key, limit) for key, limit in _TEXTS.items()}

    slug = read.text(content, "slug", "slug", 80)
    if slug is not None and not SLUG.fullmatch(slug):
        read.fail("slug", "use lower-case letters, digits and single hyphens (end-the-contract)")

    goal = content.get("goal", 100)
    if isinstance(goal, bool) or not isinstance(goal, int) or not 1 <= goal <= 100_000_000:
        read.fail("goal", "must be a whole number of signatures, from 1 to 100000000")

    time_zone = content.get("time_zone", default_time_zone())
    zone = None
    if not isinstance(time_zone, str) or not is_time_zone(time_zone):
        read.fail("time_zone", "must be a time zone name such as America/New_York")
    else:
        zone = ZoneInfo(time_zone)

    prefixes = _zip_prefixes(read, content.get("resident_zip_prefixes"))
    label = read.text(content, "resident_label", "resident_label", 80)

    opens_at = read.instant(content, "opens_at", zone, end_of_day=False)
    closes_at = read.instant(content, "closes_at", zone, end_of_day=True)
    closes_yearly = _month_day(read, content.get("closes_yearly"))
    if "closes_at" in content and "closes_yearly" in content:
        read.fail("closes_yearly", "give closes_at or closes_yearly, not both")
    elif "closes_at" not in content and "closes_yearly" not in content:
        read.fail("closes_at", 'missing (or closes_yearly = "08-31" for every year)')
    if opens_at and closes_at and closes_at <= opens_at:
        read.fail("closes_at", "is not after opens_at")

    share_channel = read.text(content, "share_channel", "share_channel", 16, required=False)
    if share_channel is not None and share_channel not in SHARE_CHANNELS:
        read.fail("share_channel", f"one of {', '.join(SHARE_CHANNELS)} (or leave it out)")
    contact_email = _email(read, content, "contact_email", "contact_email")

    targets = _targets(read, content.get("targets", []))
    translations = _translations(read, content.get("translations", {}), len(targets))
    if read.problems:
        raise PetitionFileError(read.problems)
    # A text read as None came with a problem noted, and those were raised above.
    return PetitionFile(
        slug=slug or "",
        title=texts["title"] or "",
        organizer=texts["organizer"] or "",
        about=texts["about"] or "",
        letter_subject=texts["letter_subject"] or "",
        letter_body=texts["letter_body"] or "",
        goal=goal,
        time_zone=time_zone,
        resident_zip_prefixes=prefixes,
        resident_label=label or "",
        opens_at=opens_at,
        closes_at=closes_at,
        closes_yearly=closes_yearly,
        targets=targets,
        translations=translations,
        share_channel=share_channel,
        contact_email=contact_email,
    )


def read_petition_file(path: str | Path) -> PetitionFile:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PetitionFileError([f"cannot read {path}: {error}"]) from None
    return parse_petition_file(text)


def _zip_prefixes(read: _Reader, value: object) -> tuple[str, ...]:
    key = "resident_zip_prefixes"
    if value is None:
        read.fail(key, 'missing: the ZIP code starts that count as residents, e.g. ["191"]')
        return ()
    if not isinstance(value, list) or not value:
        read.fail(key, 'must be a list of ZIP code starts in quotes, e.g. ["191", "190"]')
        return ()
    if not all(isinstance(item, str) and ZIP_PREFIX.fullmatch(item) for item in value):
        read.fail(key, 'each must be 1 to 5 digits in quotes, e.g. ["191", "190"]')
        return ()
    if len(" ".join(value)) > 80:
        read.fail(key, "too many: at most 80 characters in all")
        return ()
    return tuple(dict.fromkeys(value))


def _month_day(read: _Reader, value: object) -> tuple[int, int] | None:
    if value is None:
        return None
    match = MONTH_DAY.fullmatch(value) if isinstance(value, str) else None
    if match:
        month, day = int(match[1]), int(match[2])
        try:
            date(2028, month, day)  # a leap year: 02-29 is a date
        except ValueError:
            pass
        else:
            return month, day
    read.fail("closes_yearly", 'must be a month and day in quotes, e.g. "08-31"')
    return None


def _email(read: _Reader, table: Mapping[str, object], key: str, where: str) -> str | None:
    """An optional address, checked and tidied as the forms do."""
    email = read.text(table, key, where, 254, required=False)
    if email is None:
        return None
    try:
        return normalize_email(email)
    except InvalidEmail as error:
        read.fail(where, str(error))
        return None


def _targets(read: _Reader, value: object) -> tuple[TargetEntry, ...]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        read.fail("targets", "must be [[targets]] tables, each with a title and a name")
        return ()
    if len(value) > MAX_TARGETS:
        read.fail("targets", f"at most {MAX_TARGETS}")
    targets = []
    for number, table in enumerate(value[:MAX_TARGETS], start=1):
        where = f"targets[{number}]"
        read.unknown_keys(table, _TARGET_KEYS, f"{where}.")
        title = read.text(table, "title", f"{where}.title", 120)
        name = read.text(table, "name", f"{where}.name", 120)
        email = _email(read, table, "email", f"{where}.email")
        targets.append(TargetEntry(title or "", name or "", email))
    return tuple(targets)


def _translations(read: _Reader, value: object, target_count: int) -> dict[str, TranslationEntry]:
    if not isinstance(value, dict):
        read.fail("translations", "must be tables such as [translations.es]")
        return {}
    languages = [code for code in current_app.config["LANGUAGES"] if code != ORIGINAL_LOCALE]
    translations = {}
    for locale, table in value.items():
        where = f"translations.{locale}"
        if locale not in languages:
            read.fail(
                where, f"not a language of this site to translate into ({', '.join(languages)})"
            )
            continue
        if not isinstance(table, dict):
            read.fail(where, "must be a table: [translations.es]")
            continue
        read.unknown_keys(table, _TRANSLATION_KEYS, f"{where}.")
        texts = {
            key: read.text(
                table, key, f"{where}.{key}", _TEXTS[key], required=key in ("title", "about")
            )
            for key in ("title", "about", "letter_subject", "letter_body")
        }
        titles = table.get("target_titles", [])
        if not isinstance(titles, list) or not all(isinstance(t, str) for t in titles):
            read.fail(f"{where}.target_titles", 'must be a list of titles in quotes: ["Alcalde"]')
            titles = []
        elif len(titles) > target_count:
            read.fail(f"{where}.target_titles", f"{len(titles)} titles for {target_count} targets")
        elif any(len(t.strip()) > 120 for t in titles):
            read.fail(f"{where}.target_titles", "at most 120 characters each")
        translations[locale] = TranslationEntry(
            # None only with a problem noted: then the file is refused, this entry unused.
            title=texts["title"] or "",
            about=texts["about"] or "",
            letter_subject=texts["letter_subject"],
            letter_body=texts["letter_body"],
            target_titles=tuple(t.strip() or None for t in titles),
        )
    return translations


# --- making petitions ------------------------------------------------------------------------


def slug_taken(slug: str) -> bool:
    """A petition has it, or had it (its old links redirect)."""
    return (
        petition_by_slug(slug) is not None
        or db.session.scalar(sa.select(FormerSlug.id).where(FormerSlug.slug == slug)) is not None
    )


def _new_petition(content: PetitionFile, closes_at: datetime | None) -> Petition:
    petition = Petition(
        slug=content.slug,
        goal=content.goal,
        time_zone=content.time_zone,
        resident_zip_prefixes=" ".join(content.resident_zip_prefixes),
        resident_label=content.resident_label,
        opens_at=content.opens_at or now(),
        closes_at=closes_at or content.deadline(),
        contact_email=content.contact_email,
    )
    _set_texts(petition, content)
    for position, target in enumerate(content.targets, start=1):
        petition.targets.append(
            Target(position=position, title=target.title, name=target.name, email=target.email)
        )
    _set_translations(petition, content)
    return petition


def _set_texts(petition: Petition, content: PetitionFile) -> None:
    petition.title = content.title
    petition.organizer_name = content.organizer
    petition.about = content.about
    petition.letter_subject = content.letter_subject
    petition.letter_body = content.letter_body
    petition.share_channel = content.share_channel


def _set_translations(petition: Petition, content: PetitionFile) -> None:
    """Each language's texts; a target's title is translated only while the target still
    has the title the file gives it (organizers may have put someone else there)."""
    existing = {translation.locale: translation for translation in petition.translations}
    by_position = {target.position: target for target in petition.targets}
    for locale, entry in content.translations.items():
        translation = existing.get(locale)
        if translation is None:
            translation = PetitionTranslation(locale=locale)
            petition.translations.append(translation)
        translation.title = entry.title
        translation.about = entry.about
        if entry.letter_subject is not None:
            translation.letter_subject = entry.letter_subject
        if entry.letter_body is not None:
            translation.letter_body = entry.letter_body
        pairs = zip(content.targets, entry.target_titles, strict=False)
        for position, (original, title) in enumerate(pairs, start=1):
            target = by_position.get(position)
            if title is None or target is None or target.title != original.title:
                continue
            found = next((t for t in target.translations if t.locale == locale), None)
            if found is None:
                found = TargetTranslation(locale=locale)
                target.translations.append(found)
            found.title = title


def create_from_file(
    path: str | Path,
    closes_at: datetime | None = None,
    *,
    publish: bool = False,
    also: Callable[[Petition], object] | None = None,
) -> Petition:
    """A new petition from a file: a draft, unless `publish` (refused, with nothing made, if
    signers could not use it yet). `also` runs in the same transaction, once the petition
    has its id (the command line adds its team). Raises PetitionFileError."""
    content = read_petition_file(path)
    with write_transaction():
        if slug_taken(content.slug):
            raise PetitionFileError([f"slug: {content.slug!r} is taken by another petition"])
        petition = _new_petition(content, closes_at)
        db.session.add(petition)
        if also is not None:
            db.session.flush()
            also(petition)
        if publish:
            problems = publish_problems(petition)
            if problems:
                raise PetitionFileError([f"cannot publish: {problem}" for problem in problems])
            db.session.flush()
            mark_published(petition)
        return petition


def seed_pars(closes_at: datetime | None = None) -> tuple[Petition, bool]:
    """Create the PARS petition from campaigns/pars.toml (featured and published), or
    refresh its texts from the file.

    Returns the petition and whether it was created. An existing petition keeps its
    signatures, goal, deadline (unless `closes_at` is given) and its targets as organizers
    edited them; only missing targets are added."""
    content = read_petition_file(PARS_FILE)
    with write_transaction():
        petition = petition_by_slug(content.slug)
        if petition is None:
            petition = _new_petition(content, closes_at)
            petition.featured = True
            petition.published_at = now()
            db.session.add(petition)
            return petition, True
        if closes_at is not None:
            petition.closes_at = closes_at
        _set_texts(petition, content)
        taken = {target.position for target in petition.targets}
        for position, target in enumerate(content.targets, start=1):
            if position not in taken:
                petition.targets.append(
                    Target(
                        position=position, title=target.title, name=target.name, email=target.email
                    )
                )
        _set_translations(petition, content)
        return petition, False


# --- writing ---------------------------------------------------------------------------------

def _in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """An offset date-time in the petition's zone: 2027-08-31T23:59:59-04:00."""
    return as_utc(moment).astimezone(zone)


def dump_petition(petition: Petition) -> str:
    """The petition as a file `create_from_file` reads back into the same petition. Texts
    with several lines are written as multi-line strings, paragraphs as typed, unless one
    holds a carriage return (which that form would turn into a plain line end)."""
    content: dict[str, Any] = {
        "slug": petition.slug,
        "title": petition.title,
        "organizer": petition.organizer_name,
        "goal": petition.goal,
        "time_zone": petition.time_zone,
        "resident_zip_prefixes": list(petition.resident_prefixes),
        "resident_label": petition.resident_label,
        "opens_at": _in_zone(petition.opens_at, petition.zone),
        "closes_at": _in_zone(petition.closes_at, petition.zone),
    }
    if petition.share_channel:
        content["share_channel"] = petition.share_channel
    if petition.contact_email:
        content["contact_email"] = petition.contact_email
    content |= {
        "about": petition.about,
        "letter_subject": petition.letter_subject,
        "letter_body": petition.letter_body,
        "targets": [_target(target) for target in petition.targets],
    }
    translations = {
        translation.locale: _translation(petition, translation)
        for translation in sorted(petition.translations, key=lambda t: t.locale)
    }
    if translations:
        content["translations"] = translations
    readable = tomli_w.dumps(content, multiline_strings=True)
    return readable if tomllib.loads(readable) == content else tomli_w.dumps(content)


def _target(target: Target) -> dict[str, str]:
    written = {"title": target.title, "name": target.name}
    if target.email:
        written["email"] = target.email
    return written


def _translation(petition: Petition, translation: PetitionTranslation) -> dict[str, Any]:
    written: dict[str, Any] = {"title": translation.title}
    if translation.letter_subject:
        written["letter_subject"] = translation.letter_subject
    titles = _translated_titles(petition, translation.locale)
    if any(titles):
        written["target_titles"] = titles
    written["about"] = translation.about
    if translation.letter_body:
        written["letter_body"] = translation.letter_body
    return written


def _translated_titles(petition: Petition, locale: str) -> list[str]:
    """Each target's title in `locale`, "" where it has none; trailing ones left off."""
    titles = [
        next((t.title for t in target.translations if t.locale == locale), "")
        for target in petition.targets
    ]
    while titles and not titles[-1]:
        titles.pop()
    return titles
