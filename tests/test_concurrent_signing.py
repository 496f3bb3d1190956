"""Many requests with one address at the same instant: the database, not luck, keeps the
one-signature rule. Runs on SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

import threading

import sqlalchemy as sa

from app.extensions import db
from app.models import Signature, SignatureStatus
from tests.conftest import form_token_from
from tests.factories import make_petition


def signatures(app) -> list[Signature]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Signature).order_by(Signature.id)).all()
        db.session.expunge_all()
        return rows


def _sign_at_once(app, slug: str, names: list[str]) -> list[int]:
    """Each name in its own thread, all posting the same address at the same moment."""
    barrier = threading.Barrier(len(names))
    statuses: list[int] = []
    token = form_token_from(app.test_client().get(f"/petitions/{slug}").text)

    def post(name: str) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            f"/petitions/{slug}/sign",
            data={
                "first_name": name,
                "last_name": "Lopez",
                "email": "shared@example.org",
                "zip_code": "19107",
                "name_display": "full",
                "form_token": token,
            },
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=post, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_twenty_threads_with_one_email_and_name_make_one_signature(app):
    with app.app_context():
        slug = make_petition().slug
    statuses = _sign_at_once(app, slug, ["Maria"] * 20)
    assert statuses == [303] * 20
    rows = signatures(app)
    assert len(rows) == 1
    assert rows[0].status == SignatureStatus.PENDING


def test_twenty_threads_with_one_email_and_many_names_make_two_signatures(app):
    with app.app_context():
        slug = make_petition().slug
    statuses = _sign_at_once(app, slug, [f"Person{i}" for i in range(20)])
    assert statuses == [303] * 20
    rows = signatures(app)
    assert sorted(s.household_slot for s in rows) == [1, 2]
