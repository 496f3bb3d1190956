"""Campaign content kept in the project, and creating petitions from it."""

import tomllib
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.core.clock import as_utc, now, zone_named
from app.extensions import db
from app.models import Petition, PetitionTranslation, Target
from app.models.petition import TargetTranslation

PARS_FILE = Path(__file__).with_name("pars.toml")
# Translations of the organizers' text and of the targets' titles sit beside it, one per
# language: pars.<locale>.toml.
PARS_SLUG = "end-the-pars-contract"
_TEXT_FIELDS = ("title", "organizer_name", "about", "letter_subject", "letter_body")


def load_pars() -> dict:
    with PARS_FILE.open("rb") as file:
        return tomllib.load(file)


def pars_zone() -> ZoneInfo:
    """The campaign's own time zone (Philadelphia's), whatever DEFAULT_TIME_ZONE says."""
    return zone_named(load_pars()["time_zone"])


def next_pars_deadline(at: datetime | None = None) -> datetime:
    """The next August 31, 23:59:59 in the campaign's time zone, still to come at `at`."""
    content = load_pars()
    zone = zone_named(content["time_zone"])
    moment = as_utc(at or now()).astimezone(zone)
    year = moment.year
    while True:
        deadline = datetime(
            year, content["closes_month"], content["closes_day"], 23, 59, 59, tzinfo=zone
        )
        if deadline > moment:
            return as_utc(deadline)
        year += 1


def _seed_translations(petition: Petition, targets: list[dict]) -> None:
    existing = {translation.locale: translation for translation in petition.translations}
    for path in sorted(Path(__file__).parent.glob("pars.*.toml")):
        locale = path.name.split(".")[1]
        with path.open("rb") as file:
            content = tomllib.load(file)
        translation = existing.get(locale)
        if translation is None:
            translation = PetitionTranslation(locale=locale)
            petition.translations.append(translation)
        translation.title = content["title"].strip()
        translation.about = content["about"].strip()
        _seed_target_titles(petition, locale, targets, content.get("targets", []))


def _seed_target_titles(
    petition: Petition, locale: str, targets: list[dict], translated: list[dict]
) -> None:
    """Each target's title in `locale`, matched by position, for a target still under the
    title the file translates (organizers may have put someone else there)."""
    by_position = {target.position: target for target in petition.targets}
    pairs = zip(targets, translated, strict=False)  # a file may translate the first few only
    for position, (original, title) in enumerate(pairs, start=1):
        target = by_position.get(position)
        if target is None or target.title != original["title"]:
            continue
        translation = next((t for t in target.translations if t.locale == locale), None)
        if translation is None:
            translation = TargetTranslation(locale=locale)
            target.translations.append(translation)
        translation.title = title["title"].strip()


def seed_pars(closes_at: datetime | None = None) -> tuple[Petition, bool]:
    """Create the PARS petition, or refresh its texts from the data file.

    Returns the petition and whether it was created. An existing petition keeps its
    signatures, goal, deadline (unless `closes_at` is given) and its targets as organizers
    edited them; only missing targets are added.
    """
    content = load_pars()
    petition = db.session.scalar(sa.select(Petition).where(Petition.slug == content["slug"]))
    created = petition is None
    if created:
        petition = Petition(
            slug=content["slug"],
            goal=content["goal"],
            resident_zip_prefixes=content["resident_zip_prefix"],
            resident_label=content["resident_area"],
            time_zone=content["time_zone"],
            opens_at=now(),
            closes_at=closes_at or next_pars_deadline(),
            featured=True,
            published_at=now(),
        )
        db.session.add(petition)
    elif closes_at is not None:
        petition.closes_at = closes_at
    for field in _TEXT_FIELDS:
        setattr(petition, field, content[field].strip())
    taken = {target.position for target in petition.targets}
    for position, target in enumerate(content["targets"], start=1):
        if position not in taken:
            petition.targets.append(
                Target(
                    position=position,
                    title=target["title"],
                    name=target["name"],
                    email=target.get("email"),
                )
            )
    _seed_translations(petition, content["targets"])
    db.session.commit()
    return petition, created
