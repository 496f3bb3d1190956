"""Synthetic confirmed signatures, for benchmarks and load tests (`signatures fake`)."""

import random
from datetime import timedelta

import sqlalchemy as sa

from app.clock import now
from app.counting import change_count
from app.database import begin_write
from app.extensions import db
from app.models import Channel, NameDisplay, Petition, Signature, SignatureStatus

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


def add_fake_signatures(petition: Petition, count: int, seed: int = 1) -> int:
    """Insert `count` confirmed signatures in batches; the count is kept exact."""
    rng = random.Random(seed)  # not for security # noqa: S311 # nosec B311
    start = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Signature.id), 0)))
    moment = now()
    added = 0
    while added < count:
        size = min(BATCH, count - added)
        rows = []
        for offset in range(size):
            number = start + added + offset + 1
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            zip_code = (
                f"191{rng.randrange(100):02d}"
                if rng.random() < 0.7
                else f"{rng.randrange(10000, 99999)}"
            )
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
                    "is_resident": zip_code.startswith("191"),
                    "reason": "Because trust keeps us safe." if rng.random() < 0.2 else None,
                    "wants_updates": False,
                    "source": rng.choice(SOURCES),
                    "locale": "en",
                    "link_key": f"fake{number}",
                    "created_at": signed,
                    "confirmed_at": signed,
                }
            )
        begin_write()
        # A Core insert of many rows: the driver's batch path, not the ORM's, on both databases.
        db.session.connection().execute(sa.insert(Signature.__table__), rows)
        change_count(petition.id, size)
        db.session.commit()
        added += size
    return added
