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


ALWAYS_TAKEN = {
    "sqlite": [
        "CREATE TRIGGER always_taken BEFORE INSERT ON signature BEGIN "
        "SELECT RAISE(ABORT, 'UNIQUE constraint failed: signature.name_key'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION always_taken() RETURNS trigger AS $$ BEGIN "
        "RAISE unique_violation USING MESSAGE = 'always taken'; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER always_taken BEFORE INSERT ON signature "
        "FOR EACH ROW EXECUTE FUNCTION always_taken()",
    ],
}
NOT_TAKEN = {
    "sqlite": ["DROP TRIGGER IF EXISTS always_taken"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS always_taken ON signature",
        "DROP FUNCTION IF EXISTS always_taken()",
    ],
}


def _run_on_the_database(app, statements: dict) -> None:
    with app.app_context(), db.engine.begin() as connection:
        for statement in statements[connection.dialect.name]:
            connection.exec_driver_sql(statement)


def test_a_conflict_that_never_clears_is_answered_not_retried_for_ever(app):
    """The retry on a unique conflict (another request took the slot a moment ago) has a
    bound: when every try conflicts, the visitor is told to send the form again (503), with
    what they typed kept, instead of the request spinning."""
    slug = _slug(app)
    _run_on_the_database(app, ALWAYS_TAKEN)
    answers = []
    try:
        client = app.test_client()
        token = form_token_from(client.get(f"/petitions/{slug}").text)
        form = {
            "first_name": "Ana",
            "last_name": "Lopez",
            "email": "ana@example.org",
            "zip_code": "19107",
            "name_display": "full",
            "form_token": token,
        }
        embed_form = form | {
            "form_token": form_token_from(client.get(f"/petitions/{slug}/embed").text)
        }

        def post_both() -> None:
            answers.append(client.post(f"/petitions/{slug}/sign", data=form))
            answers.append(client.post(f"/petitions/{slug}/embed", data=embed_form))

        worker = threading.Thread(target=post_both, daemon=True)
        worker.start()
        worker.join(timeout=30)
        assert not worker.is_alive(), "a sign request is still retrying"
    finally:
        _run_on_the_database(app, NOT_TAKEN)
    for response in answers:  # the petition's page, the embedded form
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert "could not record your signature" in response.text
        assert 'value="ana@example.org"' in response.text
    assert signatures(app) == []


def _slug(app) -> str:
    with app.app_context():
        return make_petition().slug
