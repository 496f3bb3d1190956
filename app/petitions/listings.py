"""Lists of published petitions for the public: the other open ones under the home page's
featured petition, and /petitions with its filters. Each row in the reader's language."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_sqlalchemy.pagination import Pagination

from app.core.clock import now
from app.extensions import db
from app.models import Outcome, Petition, PetitionTranslation, Target, TargetTranslation
from app.petitions import deadlines

PER_PAGE = 20
OTHERS_ON_HOME = 10


def _is_open(at: datetime) -> sa.ColumnElement[bool]:
    return deadlines.open_at(at)


def _is_closed(at: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(Petition.closes_at <= at, Petition.purged_at.is_not(None))


def _has_won(_at: datetime) -> sa.ColumnElement[bool]:
    return Petition.outcome == Outcome.WON


# The filters of /petitions, by the name in `?show=`.
LIST_FILTERS: dict[str, Callable[[datetime], sa.ColumnElement[bool]]] = {
    "open": _is_open,
    "closed": _is_closed,
    "won": _has_won,
}


@dataclass(frozen=True)
class PetitionRow:
    slug: str
    title: str
    title_locale: str  # the language the title is in: the original's or the reader's
    targets: list[str]
    count: int
    is_open: bool
    has_opened: bool
    time_left: timedelta
    outcome: Outcome = Outcome.NONE


def _published() -> sa.Select[Petition]:
    return (
        sa.select(Petition)
        .where(Petition.published_at.is_not(None))
        .options(so.selectinload(Petition.targets))
        .order_by(Petition.published_at.desc(), Petition.id.desc())
    )


def published_petitions(show: str | None, page: int, per_page: int = PER_PAGE) -> Pagination:
    """A page of published petitions, newest first, all or those of a filter of
    LIST_FILTERS (KeyError for another name). A Flask-SQLAlchemy Pagination."""
    query = _published()
    if show is not None:
        query = query.where(LIST_FILTERS[show](now()))
    return db.paginate(query, page=page, per_page=per_page, max_per_page=per_page)


def other_open_petitions(shown: Petition, limit: int = OTHERS_ON_HOME) -> list[Petition]:
    """The open published petitions besides the one `shown`, newest first."""
    query = _published().where(_is_open(now()), Petition.id != shown.id).limit(limit)
    return list(db.session.scalars(query))


def petition_rows(
    petitions: Sequence[Petition], locale: str, original_locale: str = "en"
) -> list[PetitionRow]:
    """What a list shows of each petition, read in two queries for the whole page: titles
    and targets' titles translated where the organizers translated them."""
    titles: dict[int, str] = {}
    target_titles: dict[int, str] = {}
    ids = [petition.id for petition in petitions]
    if ids and locale != original_locale:
        titles = dict(
            db.session.execute(
                sa.select(PetitionTranslation.petition_id, PetitionTranslation.title).where(
                    PetitionTranslation.petition_id.in_(ids),
                    PetitionTranslation.locale == locale,
                )
            ).all()
        )
        target_titles = dict(
            db.session.execute(
                sa.select(TargetTranslation.target_id, TargetTranslation.title)
                .join(Target, Target.id == TargetTranslation.target_id)
                .where(Target.petition_id.in_(ids), TargetTranslation.locale == locale)
            ).all()
        )
    at = now()
    return [
        PetitionRow(
            slug=petition.slug,
            title=titles.get(petition.id, petition.title),
            title_locale=locale if petition.id in titles else original_locale,
            targets=[
                target.full_name_with(target_titles.get(target.id, target.title))
                for target in petition.targets
            ],
            count=petition.signature_count,
            is_open=deadlines.is_open(petition, at),
            has_opened=deadlines.has_opened(petition, at),
            time_left=deadlines.time_left(petition, at),
            outcome=petition.outcome,
        )
        for petition in petitions
    ]
