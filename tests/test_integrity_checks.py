"""The worker's integrity checks: a new cluster gets the organizers one email (at most one
an hour per petition, each cluster told once), and the scheduled recount repairs a count
broken on purpose, records it and tells them."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import CountCheck, IntegrityAlert, Petition, PetitionChange
from app.organizers.membership import join_petition
from app.signatures.alerts import alert_new_clusters, recount_open_petitions
from tests.conftest import deliver_mail, form_token_from, signer_fields
from tests.factories import make_organizer, make_petition, make_signature
from tests.smtp_sink import text_of


@pytest.fixture
def app_config(app_config):
    return {
        **app_config,
        "PROXY_COUNT": 1,
        "REVIEW_NETWORK_MIN": 3,
        "REVIEW_DISPOSABLE_MIN": 3,
    }


@pytest.fixture
def petition_slug(app) -> str:
    with app.app_context():
        petition = make_petition()
        join_petition(petition, make_organizer("team@example.org"))
        db.session.commit()
        return petition.slug


def sign_from(client, slug: str, address: str, email: str, first_name: str) -> None:
    token = form_token_from(client.get(f"/petitions/{slug}").text)
    client.environ_base["HTTP_X_FORWARDED_FOR"] = address
    fields = signer_fields(email=email, first_name=first_name, form_token=token)
    assert client.post(f"/petitions/{slug}/sign", data=fields).status_code == 303


def alerts_sent(app) -> int:
    with app.app_context():
        return alert_new_clusters()


def test_a_new_cluster_is_told_once_and_at_most_hourly(app, client, clock, smtp, petition_slug):
    for n in range(3):
        sign_from(client, petition_slug, f"81.2.69.{n + 1}", f"net{n}@example.org", f"Net{n}")
    assert alerts_sent(app) == 1
    deliver_mail(app)
    alert = next(m for m in smtp.wait_for(4) if m["To"] == "team@example.org")
    assert alert["Subject"].startswith("Signatures worth a look:")
    body = text_of(alert)
    assert "one network signing many times: 3 signatures" in body
    assert f"/organizer/petitions/{petition_slug}/review" in body
    assert "net0@example.org" not in body and "81.2.69" not in body
    assert alerts_sent(app) == 0  # told already

    # A new cluster within the hour waits; after it, only the new one is told.
    for n in range(3):
        sign_from(client, petition_slug, f"45.{n}.7.9", f"drop{n}@mailinator.com", f"Drop{n}")
    assert alerts_sent(app) == 0
    clock.shift(timedelta(minutes=61))
    assert alerts_sent(app) == 1
    deliver_mail(app)
    second = [m for m in smtp.wait_for(8) if m["To"] == "team@example.org"][-1]
    assert "a throwaway email domain: 3 signatures" in text_of(second)
    assert "one network" not in text_of(second)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IntegrityAlert)) == 2


def test_the_scheduled_recount_repairs_a_broken_count(app, smtp, petition_slug):
    with app.app_context():
        petition = db.session.scalar(sa.select(Petition).where(Petition.slug == petition_slug))
        for _ in range(3):
            make_signature(petition)
        db.session.execute(sa.update(Petition).values(signature_count=99))  # broken on purpose
        db.session.commit()
        assert recount_open_petitions() == 1
        db.session.expire_all()
        assert db.session.get(Petition, petition.id).signature_count == 3
        check = db.session.scalar(sa.select(CountCheck))
        assert (check.stored, check.counted) == (99, 3)
        change = db.session.scalar(
            sa.select(PetitionChange).where(PetitionChange.what == "count repaired")
        )
        assert (change.old_value, change.new_value) == ("99", "3")
        assert change.actor == "scheduled recount"
        assert recount_open_petitions() == 0  # right now
    deliver_mail(app)
    (email,) = smtp.wait_for(1)
    assert email["To"] == "team@example.org"
    assert "it said 99, and 3 signatures are confirmed" in text_of(email)


def test_the_worker_runs_both_checks_on_its_schedule(app, runner, petition_slug):
    result = runner.invoke(args=["outbox", "send", "--once"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CountCheck)) == 0
