"""An upgrade from the oldest schema: a site's rows written at the first migration, as that
schema held them, come through `db upgrade` to the latest, and the site works on them (the
page and its count, a signature made before confirmed after, a new one signed, mail queued
before sent). On a database of its own: SQLite, or PostgreSQL with TEST_DATABASE_URL."""

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import upgrade

from app import create_app
from app.core.email_address import canonical_email
from app.core.links import LinkPurpose, make_token
from app.extensions import db, migrate
from app.models import Outcome, Petition, Signature
from tests import instants
from tests.conftest import deliver_mail, links_in, press_button, sign
from tests.scratch_databases import scratch_database
from tests.smtp_sink import SmtpSink, text_of

SLUG = "end-the-pars-contract"
PENDING_LINK_KEY = "k7Qm2VxR9pLs4TnW8yZc1A"


@pytest.fixture
def old_site(tmp_path: Path, smtp_sink: SmtpSink) -> Iterator[Flask]:
    with scratch_database(tmp_path, "upgraded") as url:
        site = create_app(
            {
                "APP_ENV": "testing",
                "SQLALCHEMY_DATABASE_URI": url,
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": smtp_sink.port,
                "MAIL_TIMEOUT_SECONDS": 5,
                "UPLOAD_FOLDER": str(tmp_path / "uploads"),
            }
        )
        yield site
        with site.app_context():
            db.session.remove()
            db.engine.dispose()


def first_revision() -> str:
    script = ScriptDirectory.from_config(migrate.get_config())
    (base,) = script.get_bases()
    return base


def insert(table: str, **values: Any) -> int:
    """A row as the first migration's tables hold it (the models have moved on since)."""
    columns = ", ".join(values)
    params = ", ".join(f":{name}" for name in values)
    statement = sa.text(f"INSERT INTO {table} ({columns}) VALUES ({params}) RETURNING id")
    return db.session.execute(statement, values).scalar_one()


def old_signature(petition_id: int, **values: Any) -> int:
    row = {
        "petition_id": petition_id,
        "status": "confirmed",
        "channel": "online",
        "name_display": "full",
        "household_slot": 1,
        "zip_code": "19107",
        "is_resident": True,
        "reason": None,
        "wants_updates": False,
        "source": None,
        "locale": "en",
        "created_at": instants.OPEN_MORNING,
        "confirmed_at": instants.OPEN_MORNING,
        "last_emailed_at": None,
    }
    row.update(values)
    return insert("signature", **row)


def write_the_old_site() -> dict[str, int]:
    """The PARS petition as the first schema knew it: three targets, two signatures online
    (one with accents and a Gmail address with a +tag), one on paper, one pending with its
    confirmation email still in the outbox."""
    petition = insert(
        "petition",
        slug=SLUG,
        title="Protect Philly, Don’t Make Police Immigration Agents with PARS",
        organizer_name="New Sanctuary Movement of Philadelphia",
        about="This summer, Philadelphia should join other cities.",
        letter_subject="End the PARS contract",
        letter_body="I am writing you as a resident of Philadelphia.",
        resident_zip_prefix="191",
        resident_area="Philadelphia",
        goal=100,
        opens_at=instants.OPENS_AT,
        closes_at=instants.CLOSES_AT,
        featured=True,
        signature_count=3,
        created_at=instants.OPENS_AT - timedelta(days=2),
    )
    for position, (title, name, email) in enumerate(
        [
            ("Mayor", "Michael Nutter", "mayor@phila.test"),
            ("District Attorney", "Seth Williams", "da@phila.test"),
            ("Judge", "Marsha Neifield", None),
        ],
        start=1,
    ):
        insert(
            "target", petition_id=petition, position=position, title=title, name=name, email=email
        )
    ids = {
        "maria": old_signature(
            petition,
            first_name="María José",
            last_name="Núñez",
            name_key="maría josé núñez",
            email="Maria.Jose+pars@Gmail.com",
            email_canonical="mariajose@gmail.com",
            reason="Mi familia vive aquí.",
            link_key="aZ3kP9mQ2wX7cV5bN1sD4f",
        ),
        "rosa": old_signature(
            petition,
            first_name="Rosa",
            last_name="Parks",
            name_key="rosa parks",
            email="rosa@example.org",
            email_canonical="rosa@example.org",
            link_key="Qw8eR4tY6uI2oP0aS9dF3g",
        ),
        "paper": old_signature(
            petition,
            channel="paper",
            first_name="José",
            last_name="Martí",
            name_key="josé martí",
            email=None,
            email_canonical=None,
            link_key="Zx1cV2bN3mL4kJ5hG6fD7s",
            created_at=instants.OPENS_AT + timedelta(days=3),
            confirmed_at=instants.OPENS_AT + timedelta(days=3),
        ),
        "ana": old_signature(
            petition,
            status="pending",
            first_name="Ana",
            last_name="Lopez",
            name_key="ana lopez",
            email="ana@example.org",
            email_canonical="ana@example.org",
            wants_updates=True,
            link_key=PENDING_LINK_KEY,
            confirmed_at=None,
            last_emailed_at=instants.OPEN_MORNING,
        ),
    }
    ids["petition"] = petition
    ids["outbox"] = insert(
        "outbox_message",
        purpose="confirm_signature",
        recipient="ana@example.org",
        subject="Confirm your signature on Protect Philly (sent before the upgrade)",
        body_text="Hello Ana, please confirm your signature.",
        body_html=None,
        signature_id=ids["ana"],
        status="pending",
        attempts=0,
        created_at=instants.OPEN_MORNING,
        next_attempt_at=instants.OPEN_MORNING,
    )
    db.session.commit()
    return ids


def count_on_page(client: Any) -> str:
    page = client.get(f"/petitions/{SLUG}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def test_a_site_at_the_first_migration_upgrades_and_works(old_site, smtp, clock):
    with old_site.app_context():
        upgrade(revision=first_revision())
        tables = set(sa.inspect(db.engine).get_table_names())
        assert tables == {"alembic_version", "petition", "signature", "target", "outbox_message"}
        ids = write_the_old_site()

        upgrade()
        script = ScriptDirectory.from_config(migrate.get_config())
        revision = db.session.scalar(sa.text("SELECT version_num FROM alembic_version"))
        assert revision == script.get_current_head()
        counts = {
            table: db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))  # noqa: S608
            for table in ("petition", "target", "signature", "outbox_message")
        }
        assert counts == {"petition": 1, "target": 3, "signature": 4, "outbox_message": 1}
        petition = db.session.scalars(sa.select(Petition)).one()
        assert petition.signature_count == 3
        assert (petition.resident_zip_prefixes, petition.resident_label) == (
            "191",
            "Philadelphia",
        )
        assert petition.time_zone == "America/New_York"
        assert petition.published_at == petition.created_at  # it was public: still is
        assert petition.share_channel == "facebook"  # PARS asks for Facebook
        assert petition.outcome == Outcome.NONE
        assert [target.email for target in petition.targets] == [
            "mayor@phila.test",
            "da@phila.test",
            None,
        ]
        signatures = {
            row.id: row
            for row in db.session.execute(
                sa.select(
                    Signature.id,
                    Signature.name_key,
                    Signature.email_canonical,
                    Signature.signed_on,
                    Signature.link_key,
                )
            )
        }
        maria = signatures[ids["maria"]]
        assert maria.name_key == "maria jose nunez"  # accents folded since
        assert maria.email_canonical == canonical_email("Maria.Jose+pars@Gmail.com")
        assert signatures[ids["paper"]].signed_on == date(2027, 6, 4)  # the sheet's day
        assert signatures[ids["ana"]].link_key == PENDING_LINK_KEY
        confirm = make_token(LinkPurpose.CONFIRM, PENDING_LINK_KEY)
        db.session.remove()

    client = old_site.test_client()
    html = count_on_page(client)
    assert '<strong class="count-number" data-count>3</strong>' in html
    assert "Petitioning Mayor Michael Nutter and 2 others" in html

    # The email queued before the upgrade goes out as it was written.
    assert deliver_mail(old_site).sent == 1
    (before,) = smtp.wait_for(1)
    assert before["To"] == "ana@example.org"
    assert "(sent before the upgrade)" in before["Subject"]

    # Ana confirms from that email's link: her signature, made before, counts now.
    confirmed = press_button(client, f"http://petitions.test/petitions/{SLUG}/confirm/{confirm}")
    assert confirmed.status_code == 303
    assert '<strong class="count-number" data-count>4</strong>' in count_on_page(client)

    # A new visitor signs, gets the email and confirms.
    signed = sign(client, SLUG, first_name="Li", last_name="Wei", email="li@example.org")
    assert signed.status_code == 303
    assert deliver_mail(old_site).sent == 1
    (link,) = links_in(text_of(smtp.wait_for(2)[1]), "confirm")
    assert press_button(client, link).status_code == 303
    assert '<strong class="count-number" data-count>5</strong>' in count_on_page(client)

    # Someone who signed before cannot sign twice with another spelling of the address.
    again = sign(
        client, SLUG, first_name="María José", last_name="Núñez", email="mariajose@gmail.com"
    )
    assert again.status_code == 303
    with old_site.app_context():
        assert db.session.scalar(sa.text("SELECT count(*) FROM signature")) == 5
