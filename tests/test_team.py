"""A petition's team: who manages it, added and removed from its Team page, recorded."""

import re

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.models import PetitionChange, PetitionMember
from app.organizers.membership import join_petition
from app.petitions.queries import petition_by_slug
from tests.conftest import csrf_token_from, deliver_mail, log_in
from tests.factories import ORGANIZER_PASSWORD, make_organizer, make_petition
from tests.smtp_sink import text_of


@pytest.fixture
def slug(app):
    """A petition that ana@ manages; bo@ and cy@ have accounts but no part in it."""
    with app.app_context():
        petition = make_petition(title="Fix the buses")
        join_petition(petition, make_organizer("ana@example.org"))
        make_organizer("bo@example.org")
        make_organizer("cy@example.org")
        db.session.commit()
        return petition.slug


def team_page(client, slug):
    page = client.get(f"/organizer/petitions/{slug}/team")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def add(client, slug, email):
    token = csrf_token_from(team_page(client, slug))
    return client.post(
        f"/organizer/petitions/{slug}/team", data={"email": email, "csrf_token": token}
    )


def member_ids(app, slug) -> dict[str, int]:
    from app.models import Organizer

    with app.app_context():
        petition = petition_by_slug(slug)
        rows = db.session.execute(
            sa.select(Organizer.email, Organizer.id)
            .join(PetitionMember, PetitionMember.organizer_id == Organizer.id)
            .where(PetitionMember.petition_id == petition.id)
        )
        return dict(rows.all())


def remove(client, slug, organizer_id):
    token = csrf_token_from(team_page(client, slug))
    return client.post(
        f"/organizer/petitions/{slug}/team/{organizer_id}/remove", data={"csrf_token": token}
    )


def test_a_member_adds_an_organizer_who_then_sees_the_petition(app, client, slug):
    log_in(client, "bo@example.org", ORGANIZER_PASSWORD)
    assert "Fix the buses" not in client.get("/organizer/").get_data(as_text=True)
    client.post(
        "/organizer/logout",
        data={"csrf_token": csrf_token_from(client.get("/organizer/").get_data(as_text=True))},
    )

    log_in(client, "ana@example.org", ORGANIZER_PASSWORD)
    assert "Team" in client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    response = add(client, slug, "Bo@Example.org")
    assert response.status_code == 303
    page = team_page(client, slug)
    assert "bo@example.org may now manage this petition." in page
    assert "ana@example.org (you)" in page and "bo@example.org" in page
    assert set(member_ids(app, slug)) == {"ana@example.org", "bo@example.org"}
    with app.app_context():
        change = db.session.scalar(
            sa.select(PetitionChange).where(
                PetitionChange.what == "member added", PetitionChange.new_value == "bo@example.org"
            )
        )
        assert change.actor == "ana@example.org"

    client.post("/organizer/logout", data={"csrf_token": csrf_token_from(page)})
    log_in(client, "bo@example.org", ORGANIZER_PASSWORD)
    assert "Fix the buses" in client.get("/organizer/").get_data(as_text=True)
    assert client.get(f"/organizer/petitions/{slug}").status_code == 200


@pytest.mark.parametrize(
    ("email", "status", "message"),
    [
        ("ana@example.org", 409, "ana@example.org already manages this petition."),
        ("", 400, "Enter an email address."),
        ("not an address", 400, "valid"),
    ],
)
def test_adding_refuses_clearly(app, client, slug, email, status, message):
    log_in(client, "ana@example.org", ORGANIZER_PASSWORD)
    response = add(client, slug, email)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert set(member_ids(app, slug)) == {"ana@example.org"}


def test_adding_tells_nothing_of_whether_an_address_has_an_account(app, client, slug, smtp):
    """An account, a disabled one, or none (then invited): the same answer each time."""
    from app.models import Organizer

    with app.app_context():
        db.session.scalar(
            sa.select(Organizer).where(Organizer.email == "cy@example.org")
        ).is_enabled = False
        db.session.commit()
    log_in(client, "ana@example.org", ORGANIZER_PASSWORD)
    answers = []
    for email in ("bo@example.org", "cy@example.org", "newcomer@example.org"):
        response = add(client, slug, email)
        answers.append((response.status_code, response.headers.get("Location")))
        page = team_page(client, slug).replace(email, "EMAIL")
        answers.append(page.count("EMAIL may now manage this petition."))
    assert answers[0::2] == [(303, f"/organizer/petitions/{slug}/team")] * 3
    assert answers[1::2] == [1, 1, 1]
    assert "disabled" not in team_page(client, slug)  # an admin's to know
    assert set(member_ids(app, slug)) == {
        "ana@example.org",
        "bo@example.org",
        "cy@example.org",
        "newcomer@example.org",
    }
    # The newcomer was invited, to choose a password; the disabled account still cannot log in.
    deliver_mail(app)
    invitation = smtp.wait_for(1)[-1]
    assert invitation["To"] == "newcomer@example.org"
    text = text_of(invitation)
    assert 'ana@example.org invited you to help manage the petition "Fix the buses".' in text
    link = re.search(r"https?://\S+/organizer/set-password/\S+", text)
    assert link
    assert log_in(app.test_client(), "cy@example.org", ORGANIZER_PASSWORD).status_code == 401


def test_removing_a_member_but_never_the_last(app, client, slug):
    log_in(client, "ana@example.org", ORGANIZER_PASSWORD)
    ids = member_ids(app, slug)
    refused = remove(client, slug, ids["ana@example.org"])
    assert refused.status_code == 409
    assert "This is the last member of the team" in refused.get_data(as_text=True)

    add(client, slug, "bo@example.org")
    ids = member_ids(app, slug)
    assert remove(client, slug, ids["bo@example.org"]).status_code == 303
    assert set(member_ids(app, slug)) == {"ana@example.org"}
    with app.app_context():
        assert db.session.scalar(
            sa.select(PetitionChange).where(
                PetitionChange.what == "member removed",
                PetitionChange.old_value == "bo@example.org",
            )
        )
    assert remove(client, slug, ids["bo@example.org"]).status_code == 404  # already gone

    # Leaving the team oneself: back to the list, where the petition no longer is.
    add(client, slug, "bo@example.org")
    left = remove(client, slug, ids["ana@example.org"])
    assert left.status_code == 303 and left.headers["Location"] == "/organizer/"
    assert client.get(f"/organizer/petitions/{slug}/team").status_code == 404


def test_admins_manage_the_team_of_any_petition(app, organizer_client, slug):
    page = team_page(organizer_client, slug)
    assert "ana@example.org" in page and "(you)" not in page
    assert add(organizer_client, slug, "cy@example.org").status_code == 303
    assert set(member_ids(app, slug)) == {"ana@example.org", "cy@example.org"}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(email=st.text(max_size=300))
def test_fuzzed_team_additions_never_cause_a_500(app, organizer_client, slug, email):
    token = csrf_token_from(team_page(organizer_client, slug))
    response = organizer_client.post(
        f"/organizer/petitions/{slug}/team", data={"email": email, "csrf_token": token}
    )
    assert response.status_code in (303, 400, 409), response.status_code
