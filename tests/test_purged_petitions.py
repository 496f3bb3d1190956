"""After a purge: erasing again erases whatever is left, and the petition never takes
signatures again, whatever its deadline says."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Petition, Signature, SignatureStatus
from app.petitions.queries import petition_by_slug, petition_for_visitors
from app.signatures.signing import PetitionNotOpen, SignerDetails, sign_petition
from tests import instants
from tests.conftest import csrf_token_from, form_token_from, sign
from tests.factories import make_petition, make_signature

PURGE = ["signatures", "purge", "--yes", "--delivered-by-hand"]


def signatures_with_names(app) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(Signature).where(Signature.first_name != "")
        )


@pytest.fixture
def purged(app, runner, clock) -> str:
    """A petition whose signers' data was erased once the count was final."""
    with app.app_context():
        petition = make_petition()
        for _ in range(3):
            make_signature(petition)
        slug = petition.slug
    clock.move_to(instants.AFTER_GRACE)
    result = runner.invoke(args=[*PURGE[:2], slug, *PURGE[2:]])
    assert result.exit_code == 0, result.output
    assert "personal data of 3 signatures erased" in result.output
    return slug


def purge(runner, slug: str):
    return runner.invoke(args=[*PURGE[:2], slug, *PURGE[2:]])


def test_purging_again_erases_what_was_left_and_says_how_much(app, runner, purged):
    with app.app_context():
        # Taken after the first purge (as a reopened petition could before this was refused).
        make_signature(petition_by_slug(purged), first_name="Late", reason="Late reason")
        make_signature(
            petition_by_slug(purged), status=SignatureStatus.PENDING, email="late@example.org"
        )
    assert signatures_with_names(app) == 2

    again = purge(runner, purged)
    assert again.exit_code == 0, again.output
    assert "personal data of 1 signature erased" in again.output
    assert signatures_with_names(app) == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 4
        assert db.session.scalar(sa.select(Petition.signature_count)) == 4

    nothing_left = purge(runner, purged)
    assert nothing_left.exit_code == 0, nothing_left.output
    assert "personal data of 0 signatures erased" in nothing_left.output


def test_a_purged_petition_with_a_future_deadline_takes_no_signatures(app, client):
    """A petition purged and then reopened (before reopening was refused) stays closed."""
    with app.app_context():
        purged = make_petition(purged_at=instants.OPEN - timedelta(days=1)).slug
        open_one = make_petition().slug
    page = client.get(f"/petitions/{purged}").text
    assert "Petition Closed" in page and 'action="/petitions/' not in page
    assert client.get(f"/petitions/{purged}.json").json["is_open"] is False

    token = form_token_from(client.get(f"/petitions/{open_one}").text)
    refused = sign(client, purged, form_token=token)
    assert refused.status_code == 403
    assert "no longer takes signatures" in refused.text
    with app.app_context():
        details = SignerDetails("Ana", "Diaz", "ana@example.org", "19107")
        with pytest.raises(PetitionNotOpen):
            sign_petition(petition_for_visitors(purged), details)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0


def settings_form(page_html: str, **changes) -> dict:
    form = {
        "csrf_token": csrf_token_from(page_html),
        "goal": "100",
        "closes_at": "2027-08-31T23:59:59",
        "targets-0-title": "Mayor",
        "targets-0-name": "Michael Nutter",
        "targets-0-email": "mayor@phila.gov",
        "targets-1-title": "District Attorney",
        "targets-1-name": "Seth Williams",
        "targets-1-email": "da@phila.gov",
        "targets-2-title": "Judge",
        "targets-2-name": "Marsha Neifield",
        "targets-2-email": "",
    }
    form.update(changes)
    return form


def test_the_settings_form_refuses_to_reopen_a_purged_petition(app, purged, organizer_client):
    path = f"/organizer/petitions/{purged}/settings"
    page = organizer_client.get(path).text
    reopen = settings_form(page, goal="5000", closes_at="2027-12-31T23:59:59")
    refused = organizer_client.post(path, data=reopen)
    assert refused.status_code == 409
    assert "cannot take signatures again" in refused.text
    with app.app_context():
        petition = petition_by_slug(purged)
        assert petition.goal == 100, "nothing of the form was saved"
        assert petition.closes_at == instants.CLOSES_AT

    earlier = settings_form(page, goal="5000", closes_at="2027-08-30T12:00")
    assert organizer_client.post(path, data=earlier).status_code == 303
    with app.app_context():
        petition = petition_by_slug(purged)
        assert petition.goal == 5000 and petition.closes_at < instants.CLOSES_AT


def test_the_command_refuses_to_reopen_a_purged_petition(app, runner, purged):
    result = runner.invoke(args=["petitions", "set-deadline", purged, "2027-12-31"])
    assert result.exit_code == 1
    assert "cannot take signatures again" in result.output
    with app.app_context():
        assert petition_by_slug(purged).closes_at == instants.CLOSES_AT
    earlier = runner.invoke(args=["petitions", "set-deadline", purged, "2027-08-30"])
    assert earlier.exit_code == 0, earlier.output


def test_a_deadline_that_is_not_purged_still_moves_freely(app, runner, clock):
    with app.app_context():
        slug = make_petition().slug
    clock.move_to(instants.AFTER_GRACE)
    result = runner.invoke(args=["petitions", "set-deadline", slug, "2027-12-31"])
    assert result.exit_code == 0, result.output
