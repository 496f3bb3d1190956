"""The migration that dates paper signatures by their sheet and folds accents in name keys,
run on rows written before it."""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from app.models import Signature
from tests import instants
from tests.conftest import ON_POSTGRESQL
from tests.test_migrations import _fresh_app

BEFORE = "5bf978036190"


def test_paper_dates_and_folded_name_keys(tmp_path, _postgresql_schema, clock, capsys):
    clock.move_to(instants.OPEN_MORNING)
    app = _fresh_app(tmp_path)
    try:
        with app.app_context():
            upgrade(revision=BEFORE)
            petition_id = insert_petition()
            rows = {
                # One email, two names that fold into one: the second keeps its old key.
                "maria": ("María José", "Núñez", "maría josé núñez", "mj@example.org", 1),
                "maria_again": ("Maria Jose", "Nunez", "maria jose nunez", "mj@example.org", 2),
                "zoe": ("Zoë", "Ünal", "zoë ünal", "zoe@example.org", 1),
                "no_email": ("José", "Núñez", "josé núñez", None, 1),
                "erased": ("", "", "", None, 1),
            }
            ids = {}
            for name, (first, last, key, email, slot) in rows.items():
                ids[name] = insert(
                    petition_id,
                    first_name=first,
                    last_name=last,
                    name_key=key,
                    email_canonical=email,
                    household_slot=slot,
                )
            # Paper, stamped at noon of the sheet's day: one in the past, one still to come.
            july_4_noon = datetime(2027, 7, 4, 16, 0, tzinfo=UTC)
            ids["paper"] = insert(
                petition_id, channel="paper", created_at=july_4_noon, confirmed_at=july_4_noon
            )
            ids["paper_today"] = insert(
                petition_id, channel="paper", created_at=instants.OPEN, confirmed_at=instants.OPEN
            )
            db.session.commit()

            capsys.readouterr()
            upgrade()
            log = capsys.readouterr().err
            found = {
                row.id: row
                for row in db.session.execute(
                    sa.select(
                        Signature.id,
                        Signature.name_key,
                        Signature.signed_on,
                        Signature.created_at,
                        Signature.confirmed_at,
                    )
                )
            }
            keys = {name: found[ids[name]].name_key for name in rows}
            assert keys == {
                "maria": "maría josé núñez",  # kept: would collide with maria_again
                "maria_again": "maria jose nunez",
                "zoe": "zoe unal",
                "no_email": "jose nunez",
                "erased": "",
            }
            assert f"name_key kept unchanged for signatures {ids['maria']}:" in log
            paper, today = found[ids["paper"]], found[ids["paper_today"]]
            assert paper.signed_on == date(2027, 7, 4)
            assert paper.created_at == paper.confirmed_at == july_4_noon
            assert today.signed_on == date(2027, 7, 15)
            assert instants.OPEN_MORNING <= today.created_at == today.confirmed_at < instants.OPEN
            assert found[ids["zoe"]].signed_on is None
            db.session.commit()

            downgrade(revision=BEFORE)
            back = dict(db.session.execute(sa.text("SELECT id, name_key FROM signature")).all())
            assert back[ids["zoe"]] == "zoë ünal" and back[ids["no_email"]] == "josé núñez"
            columns = {c["name"] for c in sa.inspect(db.engine).get_columns("signature")}
            assert "signed_on" not in columns
            db.session.commit()
    finally:
        with app.app_context():
            if ON_POSTGRESQL:
                db.session.remove()
                db.drop_all()
                with db.engine.begin() as connection:
                    connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
                db.create_all()
            db.engine.dispose()


def insert_petition() -> int:
    """A petition row as the schema stood before the migration (the model has moved on)."""
    return db.session.execute(
        sa.text(
            "INSERT INTO petition (slug, title, organizer_name, about, letter_subject, "
            "letter_body, resident_zip_prefix, resident_area, goal, opens_at, closes_at, "
            "featured, signature_count, created_at) VALUES ('old', 'Old', 'Org', 'About', "
            "'Subject', 'Body', '191', 'Philadelphia', 100, :opens, :closes, :featured, 0, "
            ":opens) RETURNING id"
        ),
        {"opens": instants.OPENS_AT, "closes": instants.CLOSES_AT, "featured": True},
    ).scalar_one()


def insert(petition_id: int, **values) -> int:
    """A signature row as the schema before the migration holds it (no `signed_on`)."""
    row = {
        "petition_id": petition_id,
        "first_name": "Rosa",
        "last_name": "Parks",
        "name_key": "rosa parks",
        "zip_code": "19121",
        "is_resident": True,
        "status": "confirmed",
        "created_at": instants.OPENS_AT,
        "confirmed_at": instants.OPENS_AT,
    }
    row.update(values)
    inserted = db.session.execute(
        sa.insert(Signature.__table__).values(**row).returning(Signature.__table__.c.id)
    )
    return inserted.scalar_one()
