"""Rows for tests, with sensible defaults and any field overridable."""

import itertools
import secrets

from app.core.email_address import canonical_email
from app.extensions import db
from app.models import NameDisplay, Petition, Signature, SignatureStatus, Target
from app.signatures.signing import is_resident, name_key
from tests import instants

_sequence = itertools.count(1)

PARS_TARGETS = (
    ("Mayor", "Michael Nutter", "mayor@phila.test"),
    ("District Attorney", "Seth Williams", "da@phila.test"),
    ("Judge", "Marsha Neifield", "judge@courts.phila.test"),
)


def make_petition(**fields) -> Petition:
    number = next(_sequence)
    values = {
        "slug": f"petition-{number}",
        "title": f"Test petition {number}",
        "organizer_name": "New Sanctuary Movement of Philadelphia",
        "about": "First paragraph.\n\nSecond paragraph.",
        "letter_subject": "End the PARS contract",
        "letter_body": "I am writing you as a resident of Philadelphia.\n\nEnd it.",
        "goal": 100,
        "opens_at": instants.OPENS_AT,
        "closes_at": instants.CLOSES_AT,
        "featured": True,
        "published_at": instants.OPENS_AT,
        "share_channel": "facebook",  # as PARS asks
    }
    values.update(fields)
    petition = Petition(**values)
    for position, (title, name, email) in enumerate(PARS_TARGETS, start=1):
        petition.targets.append(Target(position=position, title=title, name=name, email=email))
    db.session.add(petition)
    db.session.commit()
    return petition


def make_signature(petition: Petition, **fields) -> Signature:
    number = next(_sequence)
    first = fields.pop("first_name", f"Signer{number}")
    last = fields.pop("last_name", "Tester")
    email = fields.pop("email", f"signer{number}@example.org")
    zip_code = fields.pop("zip_code", "19107")
    status = fields.pop("status", SignatureStatus.CONFIRMED)
    values = {
        "petition": petition,
        "first_name": first,
        "last_name": last,
        "name_key": name_key(first, last),
        "email": email,
        "email_canonical": canonical_email(email) if email else None,
        "zip_code": zip_code,
        "is_resident": is_resident(petition, zip_code),
        "name_display": NameDisplay.FULL,
        "status": status,
        "link_key": secrets.token_urlsafe(16),
        "created_at": instants.OPEN,
        "confirmed_at": instants.OPEN if status == SignatureStatus.CONFIRMED else None,
    }
    values.update(fields)
    signature = Signature(**values)
    db.session.add(signature)
    if status == SignatureStatus.CONFIRMED:
        petition.signature_count += 1
    db.session.commit()
    return signature


ORGANIZER_PASSWORD = "correct horse battery staple"


def make_organizer(
    email: str = "organizer@example.org",
    *,
    admin: bool = False,
    password: str | None = ORGANIZER_PASSWORD,
):
    from app.organizers import create_organizer

    organizer = create_organizer(email, password, admin=admin)
    db.session.commit()
    return organizer
