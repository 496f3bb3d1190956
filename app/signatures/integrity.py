"""The integrity review: are these signatures real? Clusters worth a look, and the
organizers' answers: invalidating a cluster or a selection with a reason, and restoring it.

A cluster is a group of signatures that one signal ties together beyond what ordinary
signers do: one network signing many times in a short window (a household of two never
is one), an email domain far above its share or a throwaway one, a burst well above the
petition's usual rate, one name or one reason many times over, confirmations faster than a
person reads an email. The thresholds are settings (REVIEW_*). Each cluster says its size,
time span, share of the signatures and a sample of the public names in it.
"""

import hashlib
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from app.core.clock import now
from app.core.database import is_postgresql, rows_matched, write_transaction
from app.extensions import db
from app.jobs.files import discard_prepared_files
from app.models import Invalidation, NameDisplay, Petition, Signature, SignatureStatus
from app.models.audit import actor_label, record_change
from app.models.event import EventKind, record_event
from app.models.signature import public_name
from app.petitions.deadlines import is_open
from app.signatures.counting import change_count

# Signatures still in play: invalidated ones are out until restored.
ACTIVE = (SignatureStatus.PENDING, SignatureStatus.CONFIRMED, SignatureStatus.HELD)
SAMPLE_SIZE = 5
# The big free mail services: a large share of any petition's signers use them, which says
# nothing. Throwaway services are told apart by their own list (app.signatures.signals).
COMMON_MAIL_DOMAINS = frozenset(
    "gmail.com googlemail.com yahoo.com ymail.com hotmail.com outlook.com live.com msn.com "
    "icloud.com me.com mac.com aol.com comcast.net verizon.net att.net sbcglobal.net "
    "protonmail.com proton.me gmx.com gmx.net mail.com yandex.com zoho.com".split()
)


@dataclass(frozen=True)
class Selection:
    """Which signatures of a petition: one signal's value, a time span, or ids."""

    network: str | None = None
    domain: str | None = None
    name_key: str | None = None
    reason: str | None = None  # folded: lower case, trimmed
    fast_seconds: int | None = None  # confirmed in fewer seconds than this
    since: datetime | None = None
    until: datetime | None = None
    ids: tuple[int, ...] | None = None

    def conditions(self) -> list[Any]:
        found: list[Any] = []
        if self.network is not None:
            found.append(Signature.network_key == self.network)
        if self.domain is not None:
            found.append(Signature.email_domain == self.domain.lower())
        if self.name_key is not None:
            found.append(Signature.name_key == self.name_key)
        if self.reason is not None:
            found.append(_folded_reason() == self.reason)
        if self.fast_seconds is not None:
            found.append(Signature.confirm_seconds < self.fast_seconds)
        if self.since is not None:
            found.append(Signature.created_at >= self.since)
        if self.until is not None:
            found.append(Signature.created_at < self.until)
        if self.ids is not None:
            found.append(Signature.id.in_(self.ids))
        return found

    def describe(self) -> str:
        parts = []
        if self.network is not None:
            parts.append(f"network {self.network}")
        if self.domain is not None:
            parts.append(f"domain {self.domain}")
        if self.name_key is not None:
            # Not the name itself: the record of changes is read by every organizer.
            digest = hashlib.sha256(self.name_key.encode()).hexdigest()[:8]
            parts.append(f"name {digest}")
        if self.reason is not None:
            parts.append(f"reason {self.reason[:80]!r}")
        if self.fast_seconds is not None:
            parts.append(f"confirmed within {self.fast_seconds} s")
        if self.since is not None or self.until is not None:
            since = self.since.isoformat() if self.since else "the start"
            until = self.until.isoformat() if self.until else "now"
            parts.append(f"signed from {since} until {until}")
        if self.ids is not None:
            parts.append(f"{len(self.ids)} chosen by id")
        return ", ".join(parts)[:300]

    @property
    def is_empty(self) -> bool:
        return not self.conditions()


@dataclass(frozen=True)
class Cluster:
    kind: str  # network, domain, disposable, burst, name, reason, fast
    label: str  # what the organizer reads: the domain, the hour, the reason...
    selection: Selection
    size: int
    held: int
    first_at: datetime
    last_at: datetime
    share: float  # of the petition's signatures in play
    sample: list[str] = field(default_factory=list)

    @property
    def ident(self) -> str:
        """Names it without what is in it (an alert keeps this, not the reason's text)."""
        text = f"{self.kind}:{self.selection.describe()}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def _folded_reason() -> Any:
    return sa.func.lower(sa.func.trim(Signature.reason))


def _in_play(petition: Petition) -> list[Any]:
    return [Signature.petition_id == petition.id, Signature.status.in_(ACTIVE)]


def _setting(name: str) -> Any:
    return current_app.config[name]


def find_clusters(petition: Petition) -> list[Cluster]:
    """Every cluster worth a look on this petition, largest first."""
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(Signature).where(*_in_play(petition))
    )
    if not total:
        return []
    candidates = [
        *_network_selections(petition),
        *_domain_selections(petition, total),
        *_burst_selections(petition),
        *_same_text_selections(petition),
        *_fast_selections(petition),
    ]
    clusters = [
        _cluster(petition, kind, label, selection, total) for kind, label, selection in candidates
    ]
    return sorted(clusters, key=lambda cluster: -cluster.size)


def _grouped(petition: Petition, column: Any, *where: Any, minimum: int) -> list[sa.Row[Any]]:
    return list(
        db.session.execute(
            sa.select(column.label("value"), sa.func.count().label("size"))
            .where(*_in_play(petition), column.is_not(None), *where)
            .group_by(column)
            .having(sa.func.count() >= minimum)
        )
    )


def _network_selections(petition: Petition) -> list[tuple[str, str, Selection]]:
    """Networks with REVIEW_NETWORK_MIN signatures within any REVIEW_NETWORK_WINDOW_MINUTES."""
    minimum = _setting("REVIEW_NETWORK_MIN")
    window = timedelta(minutes=_setting("REVIEW_NETWORK_WINDOW_MINUTES"))
    found = []
    for row in _grouped(petition, Signature.network_key, minimum=minimum):
        times = sorted(
            db.session.scalars(
                sa.select(Signature.created_at).where(
                    *_in_play(petition), Signature.network_key == row.value
                )
            )
        )
        if _most_within(times, window) >= minimum:
            found.append(("network", row.value, Selection(network=row.value)))
    return found


def _most_within(times: Sequence[datetime], window: timedelta) -> int:
    """The most of these (sorted) instants that fall in one span of `window`."""
    most, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] > window:
            start += 1
        most = max(most, end - start + 1)
    return most


def _domain_selections(petition: Petition, total: int) -> list[tuple[str, str, Selection]]:
    found = []
    disposable = _grouped(
        petition,
        Signature.email_domain,
        Signature.disposable_domain.is_(True),
        minimum=_setting("REVIEW_DISPOSABLE_MIN"),
    )
    for row in disposable:
        found.append(("disposable", row.value, Selection(domain=row.value)))
    share = _setting("REVIEW_DOMAIN_SHARE")
    for row in _grouped(
        petition,
        Signature.email_domain,
        Signature.disposable_domain.is_(False),
        minimum=_setting("REVIEW_DOMAIN_MIN"),
    ):
        if row.value not in COMMON_MAIL_DOMAINS and row.size / total >= share:
            found.append(("domain", row.value, Selection(domain=row.value)))
    return found


def _hour_of(column: Any) -> Any:
    if is_postgresql():
        return sa.func.date_trunc("hour", column)
    return sa.func.strftime("%Y-%m-%d %H:00:00", column)


def _burst_selections(petition: Petition) -> list[tuple[str, str, Selection]]:
    """Hours with REVIEW_BURST_FACTOR times the petition's usual (median) hourly count."""
    hour = _hour_of(Signature.created_at)
    rows = list(
        db.session.execute(
            sa.select(hour.label("hour"), sa.func.count().label("size"))
            .where(*_in_play(petition))
            .group_by(hour)
        )
    )
    if len(rows) < 3:
        return []  # no usual rate yet to be well above
    usual = statistics.median(row.size for row in rows)
    found = []
    for row in rows:
        if row.size >= _setting("REVIEW_BURST_MIN") and row.size >= usual * _setting(
            "REVIEW_BURST_FACTOR"
        ):
            start = _as_instant(row.hour)
            selection = Selection(since=start, until=start + timedelta(hours=1))
            found.append(("burst", start.isoformat(), selection))
    return found


def _as_instant(value: datetime | str) -> datetime:
    """An hour or a time as the database gives it (SQLite: text, or naive), in UTC."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _same_text_selections(petition: Petition) -> list[tuple[str, str, Selection]]:
    minimum = _setting("REVIEW_SAME_TEXT_MIN")
    found = []
    for row in _grouped(petition, Signature.name_key, Signature.name_key != "", minimum=minimum):
        found.append(("name", row.value, Selection(name_key=row.value)))
    for row in _grouped(petition, _folded_reason(), Signature.reason != "", minimum=minimum):
        found.append(("reason", row.value, Selection(reason=row.value)))
    return found


def _fast_selections(petition: Petition) -> list[tuple[str, str, Selection]]:
    seconds = _setting("REVIEW_FAST_CONFIRM_SECONDS")
    selection = Selection(fast_seconds=seconds)
    size = db.session.scalar(
        sa.select(sa.func.count()).where(*_in_play(petition), *selection.conditions())
    )
    if size and size >= _setting("REVIEW_FAST_CONFIRM_MIN"):
        return [("fast", f"< {seconds} s", selection)]
    return []


def _cluster(
    petition: Petition, kind: str, label: str, selection: Selection, total: int
) -> Cluster:
    members = sa.and_(*_in_play(petition), *selection.conditions())
    summary = db.session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count().filter(Signature.status == SignatureStatus.HELD),
            sa.func.min(Signature.created_at),
            sa.func.max(Signature.created_at),
        ).where(members)
    ).one()
    named = db.session.execute(
        sa.select(Signature.first_name, Signature.last_name, Signature.name_display)
        .where(members, Signature.name_display != NameDisplay.HIDDEN)
        .order_by(Signature.id)
        .limit(SAMPLE_SIZE)
    )
    sample = [public_name(*row) or "" for row in named]
    size, held, first_at, last_at = summary
    return Cluster(
        kind=kind,
        label=label,
        selection=selection,
        size=size,
        held=held,
        first_at=_as_instant(first_at),
        last_at=_as_instant(last_at),
        share=size / total,
        sample=sample,
    )


# --- acting on the answer ------------------------------------------------------------------


class NothingSelected(Exception):
    """The selection holds no signature in play."""


class RestoreRefused(Exception):
    pass


def invalidate(
    petition: Petition, selection: Selection, reason: str, *, actor: str | None = None
) -> Invalidation:
    """Take the selected signatures out of the count, the letters, the exports and the API,
    at once, with the reason, in one transaction; recorded with who, why and how many."""
    if selection.is_empty:
        raise NothingSelected(_l("Choose which signatures."))
    who = actor or actor_label()
    with write_transaction() as session:
        invalidation = Invalidation(
            petition_id=petition.id,
            actor=who,
            reason=reason.strip()[:500],
            criteria=selection.describe(),
            signature_count=0,
        )
        session.add(invalidation)
        session.flush()
        # Marked first, status unchanged: the rows are locked from here on, so the number of
        # confirmed ones among them is exact however many confirm meanwhile.
        marked = rows_matched(
            session.execute(
                sa.update(Signature)
                .where(*_in_play(petition), *selection.conditions())
                .values(invalidation_id=invalidation.id)
                .execution_options(synchronize_session=False)
            )
        )
        if not marked:
            raise NothingSelected(_l("No signature in play matches: none is left to invalidate."))
        ours = Signature.invalidation_id == invalidation.id
        confirmed = session.scalar(
            sa.select(sa.func.count()).where(ours, Signature.status == SignatureStatus.CONFIRMED)
        )
        session.execute(
            sa.update(Signature)
            .where(ours)
            .values(status=SignatureStatus.INVALIDATED)
            .execution_options(synchronize_session=False)
        )
        invalidation.signature_count = marked
        if confirmed:
            change_count(petition.id, -confirmed)
        record_event(
            petition.id,
            EventKind.SIGNATURE_INVALIDATED,
            invalidation_id=invalidation.id,
            signatures=marked,
            confirmed=confirmed,
        )
        discard_prepared_files(petition.id)
        record_change(
            petition,
            "signatures invalidated",
            None,
            f"{marked} ({invalidation.criteria}): {invalidation.reason}",
            actor=who,
        )
    return invalidation


def restore(petition: Petition, invalidation_id: int, *, actor: str | None = None) -> int:
    """Put an invalidation's signatures back as they were (counted if they were confirmed),
    while the petition takes signatures. Returns how many."""
    who = actor or actor_label()
    with write_transaction() as session:
        invalidation = session.get(Invalidation, invalidation_id)
        if invalidation is None or invalidation.petition_id != petition.id:
            raise RestoreRefused(_l("No invalidation %(id)s on this petition.", id=invalidation_id))
        if invalidation.restored_at is not None:
            raise RestoreRefused(
                _l("Invalidation %(id)s was restored already.", id=invalidation_id)
            )
        if not is_open(petition):
            raise RestoreRefused(_l("The petition no longer takes signatures."))
        ours = sa.and_(
            Signature.invalidation_id == invalidation.id,
            Signature.status == SignatureStatus.INVALIDATED,
        )
        back = sa.case(
            (Signature.confirmed_at.is_not(None), SignatureStatus.CONFIRMED.value),
            (Signature.last_emailed_at.is_not(None), SignatureStatus.PENDING.value),
            else_=SignatureStatus.HELD.value,
        )
        confirmed = session.scalar(
            sa.select(sa.func.count()).where(ours, Signature.confirmed_at.is_not(None))
        )
        restored = rows_matched(
            session.execute(
                sa.update(Signature)
                .where(ours)
                .values(status=back, invalidation_id=None)
                .execution_options(synchronize_session=False)
            )
        )
        if confirmed:
            change_count(petition.id, confirmed)
        invalidation.restored_at = now()
        invalidation.restored_by = who
        discard_prepared_files(petition.id)
        record_change(
            petition,
            "signatures restored",
            None,
            f"{restored} (invalidation {invalidation.id})",
            actor=who,
        )
    return restored


def invalidations_of(petition: Petition) -> list[Invalidation]:
    return list(
        db.session.scalars(
            sa.select(Invalidation)
            .where(Invalidation.petition_id == petition.id)
            .order_by(Invalidation.id.desc())
        )
    )
