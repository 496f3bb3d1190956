"""Synthetic confirmed signatures, for benchmarks and load tests (`signatures fake`).

A fake is marked by its email address (fake<N>@example.org, a domain no one receives mail
at) and its link key (fake<N>); it counts like any other signature, so fakes never go on a
petition real people signed unless forced.
"""

import random
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa

from app.core.clock import now
from app.core.database import write_transaction
from app.extensions import db
from app.models import Channel, NameDisplay, Petition, Signature, SignatureStatus
from app.signatures.counting import change_count
from app.signatures.signing import is_resident

FIRST_NAMES = (
    "María",
    "José",
    "Thị",
    "Wei",
    "Amina",
    "John",
    "Fatima",
    "Luis",
    "Ana",
    "Kofi",
    "Nguyễn",
    "Olga",
    "Mohammed",
    "Carmen",
    "David",
    "Li",
    "Sofía",
    "Ahmed",
)
LAST_NAMES = (
    "López",
    "Nguyễn",
    "Smith",
    "Wang",
    "Diallo",
    "García",
    "Kim",
    "Okafor",
    "Rossi",
    "Haddad",
    "Johnson",
    "Pérez",
    "Chen",
    "Ivanova",
    "Brown",
    "Santos",
)
SOURCES = (None, "facebook", "x", "whatsapp", "email", "copy")
BATCH = 5000


class FakeSignaturesRefused(Exception):
    pass


def _is_fake() -> sa.ColumnElement[bool]:
    # Erased signatures have neither column left: they count as real.
    return sa.and_(
        sa.func.coalesce(Signature.link_key, "").like("fake%"),
        sa.func.coalesce(Signature.email_canonical, "").like("fake%@example.org"),
    )


def real_signature_count(petition: Petition) -> int:
    """How many signatures on this petition are not fakes made here."""
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Signature)
        .where(Signature.petition_id == petition.id, sa.not_(_is_fake()))
    ).scalar_one()


def fake_signatures_refusal(petition: Petition, *, force: bool = False) -> str | None:
    """Why fakes may not go on this petition, or None if they may."""
    if petition.purged_at is not None:
        return "Signers' personal data on this petition was erased: it takes no signatures."
    real = 0 if force else real_signature_count(petition)
    if real:
        return (
            f"{petition.slug} has {real} signature{'' if real == 1 else 's'} that "
            f"{'is' if real == 1 else 'are'} not fake: fakes would be counted, exported and "
            "delivered with them."
        )
    return None


def add_fake_signatures(
    petition: Petition,
    count: int,
    seed: int = 1,
    *,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert `count` confirmed signatures in batches; the count is kept exact. Refused on a
    petition with real signatures unless `force`, and on an erased one. `progress` is told
    how many are in after each batch."""
    refusal = fake_signatures_refusal(petition, force=force)
    if refusal:
        raise FakeSignaturesRefused(refusal)
    rng = random.Random(seed)  # not for security # noqa: S311 # nosec B311
    start: int = db.session.execute(
        sa.select(sa.func.coalesce(sa.func.max(Signature.id), 0))
    ).scalar_one()
    moment = now()
    prefixes = petition.resident_prefixes or ("191",)
    added = 0
    while added < count:
        size = min(BATCH, count - added)
        rows = []
        for offset in range(size):
            number = start + added + offset + 1
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            if rng.random() < 0.7:  # a resident's
                prefix = prefixes[0] if len(prefixes) == 1 else rng.choice(prefixes)
                digits = 5 - len(prefix)
                rest = f"{rng.randrange(10**digits):0{digits}d}" if digits > 0 else ""
                zip_code = prefix + rest
            else:
                zip_code = f"{rng.randrange(10000, 99999)}"
            signed = moment - timedelta(minutes=rng.randrange(60 * 24 * 30))
            rows.append(
                {
                    "petition_id": petition.id,
                    "status": SignatureStatus.CONFIRMED,
                    "channel": Channel.ONLINE,
                    "first_name": first,
                    "last_name": last,
                    "name_key": f"fake {number}",
                    "name_display": rng.choice(list(NameDisplay)),
                    "email": f"fake{number}@example.org",
                    "email_canonical": f"fake{number}@example.org",
                    "household_slot": 1,
                    "zip_code": zip_code,
                    "is_resident": is_resident(petition, zip_code),
                    "reason": "Because trust keeps us safe." if rng.random() < 0.2 else None,
                    "wants_updates": False,
                    "source": rng.choice(SOURCES),
                    "locale": "en",
                    "link_key": f"fake{number}",
                    "created_at": signed,
                    "confirmed_at": signed,
                }
            )
        with write_transaction() as session:
            # A Core insert of many rows: the driver's batch path, not the ORM's, on both
            # databases.
            session.connection().execute(sa.insert(Signature.__table__), rows)
            change_count(petition.id, size)
        added += size
        if progress is not None:
            progress(added)
    return added
