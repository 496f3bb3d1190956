"""Claiming rows for a while: how several workers share one queue (the outbox's messages, the
background jobs) without two of them taking the same row.

A worker picks the due rows, oldest first, and marks them with a claim token of its own and
a lease (`claimed_until`); a row whose lease ran out (its worker died) is due again. The ids
are picked first, then marked: on PostgreSQL the pick skips rows another worker is claiming
(FOR UPDATE SKIP LOCKED), and it is a statement of its own because inside `id IN (SELECT ...
LIMIT n FOR UPDATE SKIP LOCKED)` PostgreSQL may run the LIMIT once per row of a nested loop,
each run locking n more, and one worker would claim the whole queue (tests/test_outbox.py).
The marking repeats the conditions: PostgreSQL rechecks them on a row another worker claimed
meanwhile, and leaves it. On SQLite the write transaction's lock does the same.

The table needs `id`, `claim_token` and `claimed_until` columns; core knows no model."""

import secrets
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.core.database import read_one_row, write_transaction


def claim_rows(
    model: Any,
    due: sa.ColumnElement[bool],
    *,
    limit: int,
    at: datetime,
    lease: timedelta,
    also: dict[str, Any] | None = None,
) -> str | None:
    """Claim up to `limit` rows of `model` that are `due`, oldest first, until `at + lease`,
    setting `also` on them too, in a write transaction of its own. Returns the claim token,
    by which the caller reads what it took, or None if nothing was due.

    Whether anything is due is read first, outside any transaction: an idle queue, polled
    every second by every worker, then costs one light read instead of the write lock."""
    if read_one_row(sa.select(model.id).where(due).limit(1), {}) is None:
        return None
    token = secrets.token_hex(16)
    with write_transaction() as session:
        ids = session.scalars(
            sa.select(model.id)
            .where(due)
            .order_by(model.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not ids:
            return None
        session.execute(
            sa.update(model)
            .where(model.id.in_(ids), due)
            .values(claim_token=token, claimed_until=at + lease, **(also or {}))
            .execution_options(synchronize_session=False)
        )
    return token
