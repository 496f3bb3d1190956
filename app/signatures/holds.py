"""Quiet holds: signatures taken as any other (the same thank-you page) but with no email
and out of the count, until an organizer releases them (each then gets its confirmation
email) or invalidates them. A signature is held when its network or email domain is held on
its petition, or when its network has signed beyond its allowance there: a burst
(NETWORK_ALLOWANCE_BURST, "20 per 10 minutes") or a sustained rate
(NETWORK_ALLOWANCE_SUSTAINED, "100 per day"). Bots learn nothing from the answer.

The checks ride on the one statement signing makes anyway (is this address already on the
petition?), so a hold costs no extra round trip.
"""

from datetime import datetime, timedelta
from functools import cache
from typing import Any

import sqlalchemy as sa
from flask import current_app
from limits import parse

from app.core.clock import now
from app.core.database import write_transaction
from app.extensions import db
from app.models import Hold, HoldKind, Petition, Signature, SignatureStatus
from app.models.audit import actor_label, record_change
from app.petitions.deadlines import count_is_final
from app.signatures import emails

_PETITION: sa.BindParameter[int] = sa.bindparam("petition_id")


def _count(*conditions: Any) -> sa.ScalarSelect[int]:
    return (
        sa.select(sa.func.count())
        .select_from(Signature)
        .where(Signature.petition_id == _PETITION, *conditions)
        .scalar_subquery()
    )


@cache
def sign_checks() -> sa.Select[Any]:
    """Signing's one look before it writes: the petition's page version, signatures with this
    address, holds on this network or domain, and this network's signatures in the burst and
    sustained windows."""
    held = (
        sa.select(sa.func.count())
        .select_from(Hold)
        .where(
            Hold.petition_id == _PETITION,
            sa.or_(
                sa.and_(Hold.kind == HoldKind.NETWORK, Hold.value == sa.bindparam("network_key")),
                sa.and_(Hold.kind == HoldKind.DOMAIN, Hold.value == sa.bindparam("email_domain")),
            ),
        )
        .scalar_subquery()
    )
    network = Signature.network_key == sa.bindparam("network_key")
    # The petition as it is now: a signer's request may have read it a moment ago, or be
    # using a copy its process kept (app.petitions.queries.kept_petition_for_visitors).
    page_version = sa.select(Petition.page_version).where(Petition.id == _PETITION)
    return sa.select(
        page_version.scalar_subquery().label("page_version"),
        _count(Signature.email_canonical == sa.bindparam("email_canonical")).label("same_address"),
        held.label("held"),
        _count(network, Signature.created_at >= sa.bindparam("burst_since")).label("burst"),
        _count(network, Signature.created_at >= sa.bindparam("sustained_since")).label("sustained"),
    )


class ReleaseRefused(Exception):
    pass


@cache
def _parsed(allowance: str) -> tuple[int, timedelta]:
    limit = parse(allowance)
    return limit.amount, timedelta(seconds=limit.get_expiry())


def _allowance(setting: str) -> tuple[int, timedelta]:
    """An allowance setting, "20 per 10 minutes", as (20, 10 minutes)."""
    return _parsed(current_app.config[setting])


def check_values(values: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The parameters of `sign_checks()` for a new signature's values."""
    _burst, burst_window = _allowance("NETWORK_ALLOWANCE_BURST")
    _sustained, sustained_window = _allowance("NETWORK_ALLOWANCE_SUSTAINED")
    return {
        "petition_id": values["petition_id"],
        "email_canonical": values["email_canonical"],
        "network_key": values["network_key"],
        "email_domain": values["email_domain"],
        "burst_since": at - burst_window,
        "sustained_since": at - sustained_window,
    }


def is_held(checks: sa.Row[Any]) -> bool:
    burst, _window = _allowance("NETWORK_ALLOWANCE_BURST")
    sustained, _window = _allowance("NETWORK_ALLOWANCE_SUSTAINED")
    return bool(checks.held) or checks.burst >= burst or checks.sustained >= sustained


def holds_of(petition: Petition) -> list[Hold]:
    return list(
        db.session.scalars(
            sa.select(Hold).where(Hold.petition_id == petition.id).order_by(Hold.created_at)
        )
    )


def add_hold(petition: Petition, kind: HoldKind, value: str, *, actor: str | None = None) -> bool:
    """Hold new signatures from a network (its key) or an email domain on this petition.
    False if it was held already."""
    value = value.strip().lower()
    with write_transaction() as session:
        exists = session.scalar(
            sa.select(Hold.id).where(
                Hold.petition_id == petition.id, Hold.kind == kind, Hold.value == value
            )
        )
        if exists is not None:
            return False
        who = actor or actor_label()
        session.add(Hold(petition_id=petition.id, kind=kind, value=value, actor=who))
        record_change(petition, f"hold {kind.value}", None, value, actor=who)
    return True


def remove_hold(petition: Petition, hold_id: int, *, actor: str | None = None) -> bool:
    """Stop holding; signatures already held stay held until released or invalidated."""
    with write_transaction() as session:
        hold = session.get(Hold, hold_id)
        if hold is None or hold.petition_id != petition.id:
            return False
        record_change(petition, f"hold {hold.kind.value} removed", hold.value, None, actor=actor)
        session.delete(hold)
    return True


def held_count(petition: Petition) -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Signature)
        .where(Signature.petition_id == petition.id, Signature.status == SignatureStatus.HELD)
    ).scalar_one()


def held_signatures(petition: Petition, limit: int | None = None) -> list[Signature]:
    query = (
        sa.select(Signature)
        .where(Signature.petition_id == petition.id, Signature.status == SignatureStatus.HELD)
        .order_by(Signature.id)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def release_held(
    petition: Petition, ids: list[int] | None = None, *, actor: str | None = None
) -> int:
    """Release held signatures (those of `ids`, else all): each becomes pending and gets its
    confirmation email, as if it had just signed. Returns how many. Refused once the count
    is final: the emails' links could no longer confirm anything."""
    if count_is_final(petition):
        raise ReleaseRefused("The count is final: held signatures can no longer be confirmed.")
    with write_transaction() as session:
        query = sa.select(Signature).where(
            Signature.petition_id == petition.id, Signature.status == SignatureStatus.HELD
        )
        if ids is not None:
            query = query.where(Signature.id.in_(ids))
        released = list(session.scalars(query.with_for_update()))
        at = now()
        for signature in released:
            signature.status = SignatureStatus.PENDING
            signature.last_emailed_at = at
            emails.queue_confirmation(signature.email or "", signature.id)
        if released:
            record_change(petition, "held signatures released", None, len(released), actor=actor)
    return len(released)
