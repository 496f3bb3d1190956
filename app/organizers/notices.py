"""Emails to a petition's organizers (not to its signers): an integrity alert, a repaired
count, a milestone reached, the petition closed, a webhook turned off. Each is a .txt and an
.html template named after its purpose, queued in the caller's transaction."""

from typing import Any

import sqlalchemy as sa
from flask import render_template

from app.extensions import db
from app.mail.queue import enqueue_email
from app.models import Organizer, Petition
from app.organizers.membership import members_of


def organizers_to_tell(petition: Petition) -> list[str]:
    """Its organizers (enabled members); a petition without any: the enabled admins."""
    members = [member.email for member in members_of(petition) if member.is_enabled]
    if members:
        return members
    return list(
        db.session.scalars(
            sa.select(Organizer.email)
            .where(Organizer.is_admin.is_(True), Organizer.is_enabled.is_(True))
            .order_by(Organizer.id)
        )
    )


def email_organizers(petition: Petition, purpose: str, subject: str, **context: Any) -> int:
    """Queue email/<purpose>.txt and .html, rendered with `petition` and `context`, to each of
    its organizers; how many."""
    addresses = organizers_to_tell(petition)
    context["petition"] = petition
    body_text = render_template(f"email/{purpose}.txt", **context)
    body_html = render_template(f"email/{purpose}.html", **context)
    for address in addresses:
        enqueue_email(
            purpose=purpose,
            recipient=address,
            subject=subject,
            body_text=body_text,
            body_html=body_html,
        )
    return len(addresses)
