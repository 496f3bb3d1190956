"""Paper signatures, deletion on a signer's request, and the purge of a finished petition."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.core.clock import now
from app.extensions import db
from app.letters.letter import build_letter, named_signers, signer_counts, signers_csv
from app.models import Channel, OutboxMessage, Petition, Signature, SignatureStatus
from app.petitions.queries import petition_by_slug
from app.signatures.export import ExportFilters, export_signatures_csv
from app.signatures.stats import dashboard
from tests import instants
from tests.conftest import csrf_token_from, log_in
from tests.factories import ORGANIZER_PASSWORD, make_organizer, make_petition, make_signature
from tests.test_letters import text_of


def post_form(client, page_path: str, path: str, data: dict, **kwargs):
    page = client.get(page_path)
    return client.post(path, data={"csrf_token": csrf_token_from(page.text), **data}, **kwargs)


# --- paper -------------------------------------------------------------------------------


def enter_paper(client, slug: str, **fields):
    """Post the paper-signature form with Rosa Parks' sheet, changed by `fields`."""
    values = {
        "first_name": "Rosa",
        "last_name": "Parks",
        "zip_code": "19121",
        "email": "",
        "signed_on": "2027-07-04",
        "reason": "",
        "name_display": "hidden",
    }
    values.update(fields)
    path = f"/organizer/petitions/{slug}/paper"
    return post_form(client, path, path, values)


def test_a_paper_signature_is_counted_and_marked(app, organizer_client):
    with app.app_context():
        slug = make_petition().slug
    response = enter_paper(
        organizer_client, slug, reason="Signed at the July 4 rally", name_display="full"
    )
    assert response.status_code == 303
    with app.app_context():
        signature = db.session.scalar(sa.select(Signature))
        assert signature.channel == Channel.PAPER
        assert signature.status == SignatureStatus.CONFIRMED
        assert signature.email is None
        assert signature.is_resident
        assert signature.signed_on == date(2027, 7, 4)  # the sheet's date, kept as written
        entered = instants.OPEN
        assert entered <= signature.created_at == signature.confirmed_at <= now()
        assert petition_by_slug(slug).signature_count == 1
    assert client_count(organizer_client, slug) == 1


def client_count(client, slug):
    return client.get(f"/petitions/{slug}.json").json["signature_count"]


def test_paper_signature_with_an_email_that_already_signed_is_refused(app, organizer_client):
    with app.app_context():
        petition = make_petition()
        make_signature(petition, first_name="Rosa", last_name="Parks", email="rosa@example.org")
        slug = petition.slug
    response = enter_paper(organizer_client, slug, email="Rosa@example.org")
    assert response.status_code == 409
    assert "already signed" in response.get_data(as_text=True)
    assert client_count(organizer_client, slug) == 1


@pytest.mark.parametrize(
    ("signed_on", "message"),
    [
        ("2027-09-01", "after the petition closed"),
        ("2027-07-16", "cannot be in the future"),  # tomorrow, in Philadelphia
        ("2027-05-31", "before the petition opened"),
    ],
)
def test_paper_signature_dated_outside_the_petition_is_refused(
    app, organizer_client, signed_on, message
):
    with app.app_context():
        slug = make_petition().slug
    response = enter_paper(organizer_client, slug, signed_on=signed_on)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'id="error-summary"' in html
    assert client_count(organizer_client, slug) == 0


def logged_in_at(app, client, clock, instant):
    """An admin's client, logged in at `instant` (sessions last 12 hours)."""
    clock.move_to(instant)
    with app.app_context():
        make_organizer("admin@example.org", admin=True)
    assert log_in(client, "admin@example.org", ORGANIZER_PASSWORD).status_code == 302
    return client


def test_paper_signature_dated_the_last_day_is_taken_after_the_deadline(app, client, clock):
    with app.app_context():
        slug = make_petition().slug
    # sheets from the last day's rally, entered the next day
    organizer_client = logged_in_at(app, client, clock, instants.IN_GRACE)
    assert enter_paper(organizer_client, slug, signed_on="2027-08-31").status_code == 303
    assert (
        enter_paper(organizer_client, slug, first_name="Late", signed_on="2027-09-01").status_code
        == 400
    )
    assert client_count(organizer_client, slug) == 1


def test_a_paper_signature_entered_before_noon_counts_everywhere_at_once(app, client, clock):
    """The page, the letter, the CSV and the dashboard agree the moment it is entered, and
    no time in the CSV lies in the future (it used to be stamped at noon of its day)."""
    organizer_client = logged_in_at(app, client, clock, instants.OPEN_MORNING)
    yesterday = instants.OPEN_MORNING - timedelta(days=1)
    with app.app_context():
        petition = make_petition()
        for first in ("Ana", "Luis"):
            make_signature(petition, first_name=first, created_at=yesterday, confirmed_at=yesterday)
        slug = petition.slug
    response = enter_paper(organizer_client, slug, signed_on="2027-07-15", name_display="full")
    assert response.status_code == 303
    count = client_count(organizer_client, slug)
    assert count == 3
    with app.app_context():
        petition = petition_by_slug(slug)
        as_of = now()
        assert signer_counts(petition, as_of).total == count
        text = " ".join(text_of(build_letter(petition, petition.targets[0], as_of).data).split())
        assert f"This letter is signed by {count} people" in text
        assert "Rosa Parks 19121 2027-07-15 paper" in text
        figures = dashboard(petition)
        assert figures.confirmed == count
        assert figures.per_day == [(date(2027, 7, 14), 2), (date(2027, 7, 15), 1)]
        rows = list(
            csv.DictReader(
                io.StringIO(
                    "".join(export_signatures_csv(petition, ExportFilters())).lstrip("\ufeff")
                )
            )
        )
        exported = now()
    assert len([row for row in rows if row["status"] == "confirmed"]) == count
    for row in rows:
        for column in ("created_at", "confirmed_at"):
            assert datetime.fromisoformat(row[column]) <= exported, (column, row[column])
    paper = rows[-1]
    assert (paper["channel"], paper["paper_signed_on"]) == ("paper", "2027-07-15")
    assert paper["created_at"].startswith("2027-07-15T09:30")
    assert rows[0]["paper_signed_on"] == ""


def test_the_letter_dates_a_paper_signature_by_its_sheet(app, organizer_client):
    with app.app_context():
        slug = make_petition().slug
    enter_paper(organizer_client, slug, signed_on="2027-07-04", name_display="full")
    with app.app_context():
        petition = petition_by_slug(slug)
        [signer] = named_signers(petition, now())
        assert (signer.name, signer.signed_on, signer.on_paper) == (
            "Rosa Parks",
            date(2027, 7, 4),
            True,
        )
        officials = "".join(signers_csv(petition, now()))
    assert "Rosa Parks,19121,2027-07-04,,yes" in officials


# --- likely duplicates on paper ---------------------------------------------------------


def test_the_same_sheet_entered_twice_is_shown_before_it_is_added(app, organizer_client):
    with app.app_context():
        slug = make_petition().slug
    assert enter_paper(organizer_client, slug).status_code == 303
    again = enter_paper(organizer_client, slug)
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "Rosa Parks" in html and "19121" in html and "2027-07-04" in html and "paper" in html
    assert "This is a different person: add anyway" in html
    assert client_count(organizer_client, slug) == 1
    anyway = enter_paper(organizer_client, slug, add_anyway="y")
    assert anyway.status_code == 303
    assert client_count(organizer_client, slug) == 2


def test_an_online_signer_without_accents_is_a_likely_duplicate(app, organizer_client):
    with app.app_context():
        petition = make_petition()
        make_signature(
            petition, first_name="María José", last_name="Núñez", zip_code="19107", email="mj@x.org"
        )
        slug = petition.slug
    response = enter_paper(
        organizer_client, slug, first_name="Maria Jose", last_name="NUNEZ", zip_code="19107"
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "María José Núñez" in html and "online" in html
    assert client_count(organizer_client, slug) == 1


def test_an_online_signers_email_with_the_name_without_accents_is_already_signed(
    app, organizer_client
):
    with app.app_context():
        petition = make_petition()
        make_signature(petition, first_name="María José", last_name="Núñez", email="mj@example.org")
        slug = petition.slug
    for tick in ("", "y"):  # the same person: "add anyway" does not add them
        response = enter_paper(
            organizer_client,
            slug,
            first_name="Maria Jose",
            last_name="Nunez",
            email="MJ@example.org",
            add_anyway=tick,
        )
        assert response.status_code == 409
        assert "already signed" in response.get_data(as_text=True)
    assert client_count(organizer_client, slug) == 1


def test_a_household_member_on_the_same_email_is_shown_then_added(app, organizer_client):
    with app.app_context():
        petition = make_petition()
        make_signature(petition, first_name="Carmen", last_name="Parks", email="home@example.org")
        slug = petition.slug
    shown = enter_paper(organizer_client, slug, email="home@example.org")
    assert shown.status_code == 409 and "Carmen Parks" in shown.get_data(as_text=True)
    added = enter_paper(organizer_client, slug, email="home@example.org", add_anyway="y")
    assert added.status_code == 303
    with app.app_context():
        slots = db.session.scalars(sa.select(Signature.household_slot).order_by(Signature.id)).all()
    assert slots == [1, 2]


def test_paper_form_explains_bad_fields(app, organizer_client):
    with app.app_context():
        slug = make_petition().slug
    response = enter_paper(
        organizer_client, slug, first_name="=evil", last_name="", zip_code="x", signed_on="soon"
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "cannot start with =" in html and "Enter the last name." in html


# --- deletion on request -------------------------------------------------------------------


def test_find_and_delete_a_signer_on_request(app, organizer_client):
    with app.app_context():
        petition = make_petition()
        make_signature(petition, first_name="Keep", last_name="Me", email="keep@example.org")
        make_signature(petition, first_name="Erase", last_name="Me", email="erase.me@gmail.com")
        slug = petition.slug
    signers = f"/organizer/petitions/{slug}/signers"
    by_email = organizer_client.get(f"{signers}?q=Erase.Me%2Bpars@googlemail.com").text
    assert "erase.me@gmail.com" in by_email and "keep@example.org" not in by_email
    by_name = organizer_client.get(f"{signers}?q=me").text
    assert "Keep Me" in by_name and "Erase Me" in by_name
    assert "No signature matches" in organizer_client.get(f"{signers}?q=zzz").text

    with app.app_context():
        erase_id = db.session.scalar(sa.select(Signature.id).where(Signature.first_name == "Erase"))
    response = post_form(organizer_client, signers, f"{signers}/{erase_id}/delete", {})
    assert response.status_code == 303
    assert client_count(organizer_client, slug) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 1
    export = post_form(
        organizer_client,
        f"/organizer/petitions/{slug}",
        f"/organizer/petitions/{slug}/export.csv",
        {"status": "all"},
    )
    assert "erase.me" not in export.get_data(as_text=True)


def test_a_signer_is_found_by_name_with_or_without_accents(app, organizer_client):
    with app.app_context():
        petition = make_petition()
        make_signature(petition, first_name="María José", last_name="Núñez")
        slug = petition.slug
    signers = f"/organizer/petitions/{slug}/signers"
    for query in ("María", "maria jose", "NUÑEZ", "Nunez"):
        assert "María José Núñez" in organizer_client.get(signers, query_string={"q": query}).text


def test_deleting_a_signature_of_another_petition_does_nothing(app, organizer_client):
    with app.app_context():
        mine = make_petition()
        other = make_petition()
        theirs = make_signature(other).id
        slug = mine.slug
    signers = f"/organizer/petitions/{slug}/signers"
    post_form(organizer_client, signers, f"{signers}/{theirs}/delete", {})
    with app.app_context():
        assert db.session.get(Signature, theirs) is not None


# --- purge ---------------------------------------------------------------------------------


@pytest.fixture
def finished(app):
    """A petition with signers of every kind, its count final."""
    with app.app_context():
        petition = make_petition()
        for zip_code, source in [("19107", "facebook"), ("19107", None), ("10001", "x")]:
            make_signature(
                petition,
                zip_code=zip_code,
                source=source,
                reason="Secret reason",
                first_name="Namely",
                last_name="Secret",
            )
        make_signature(petition, status=SignatureStatus.PENDING, email="pending@example.org")
        make_signature(petition, channel=Channel.PAPER, email=None, zip_code="19143")
        db.session.add(
            OutboxMessage(
                purpose="confirm_signature",
                recipient="pending@example.org",
                subject="s",
                body_text="b",
                signature_id=db.session.scalar(sa.select(sa.func.max(Signature.id))),
            )
        )
        db.session.commit()
        return petition.slug


def test_purge_is_refused_before_the_count_is_final(app, runner, finished, clock):
    clock.move_to(instants.IN_GRACE)
    result = runner.invoke(args=["signatures", "purge", finished, "--yes"])
    assert result.exit_code == 1
    assert "The petition is not over" in result.output


def test_purge_erases_names_and_addresses_and_keeps_the_counts(app, runner, finished, clock):
    clock.move_to(instants.AFTER_GRACE)
    with app.app_context():
        before = dashboard(petition_by_slug(finished))
    refused = runner.invoke(args=["signatures", "purge", finished, "--yes"])
    assert refused.exit_code == 1
    assert "The final letters have not been delivered" in refused.output
    result = runner.invoke(args=["signatures", "purge", finished, "--yes", "--delivered-by-hand"])
    assert result.exit_code == 0, result.output
    assert "personal data of 4 signatures erased" in result.output
    with app.app_context():
        petition = petition_by_slug(finished)
        after = dashboard(petition)
        assert petition.signature_count == 4
        assert petition.purged_at is not None
        assert (after.confirmed, after.residents, after.elsewhere, after.paper) == (
            before.confirmed,
            before.residents,
            before.elsewhere,
            before.paper,
        )
        assert after.top_zip_codes == before.top_zip_codes
        assert after.by_source == before.by_source
        assert after.per_day == before.per_day
        leftovers = db.session.execute(
            sa.text(
                "SELECT count(*) FROM signature WHERE email IS NOT NULL"
                " OR email_canonical IS NOT NULL OR first_name <> '' OR last_name <> ''"
                " OR name_key <> '' OR reason IS NOT NULL"
            )
        ).scalar()
        assert leftovers == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Signature)
                .where(Signature.status == SignatureStatus.PENDING)
            )
            == 0
        )
    again = runner.invoke(args=["signatures", "purge", finished, "--yes", "--delivered-by-hand"])
    assert again.exit_code == 0, again.output
    assert "personal data of 0 signatures erased" in again.output, "nothing was left"
    page = app.test_client().get(f"/petitions/{finished}").get_data(as_text=True)
    assert "Secret" not in page and "4 people signed" in page


def test_purge_button_for_admins(app, client, finished, clock):
    from tests.conftest import log_in
    from tests.factories import ORGANIZER_PASSWORD, make_organizer

    clock.move_to(instants.AFTER_GRACE)  # before logging in: sessions last 12 hours
    with app.app_context():
        make_organizer("admin@example.org", admin=True)
    log_in(client, "admin@example.org", ORGANIZER_PASSWORD)
    organizer_client = client
    dashboard_path = f"/organizer/petitions/{finished}"
    unticked = post_form(
        organizer_client, dashboard_path, f"{dashboard_path}/purge", {}, follow_redirects=True
    )
    assert "Tick the box to confirm." in unticked.text
    undelivered = post_form(
        organizer_client,
        dashboard_path,
        f"{dashboard_path}/purge",
        {"understood": "y"},
        follow_redirects=True,
    )
    assert "The final letters have not been delivered" in undelivered.text
    done = post_form(
        organizer_client,
        dashboard_path,
        f"{dashboard_path}/purge",
        {"understood": "y", "delivered_by_hand": "y"},
        follow_redirects=True,
    )
    assert "Personal data of 4 signatures erased" in done.text
    with app.app_context():
        assert db.session.scalar(sa.select(Petition.purged_at)) is not None


def test_purge_button_is_for_admins_only(app, client, finished, clock):
    from app.organizers.membership import join_petition
    from app.petitions.queries import petition_by_slug
    from tests.conftest import log_in
    from tests.factories import ORGANIZER_PASSWORD, make_organizer

    clock.move_to(instants.AFTER_GRACE)
    with app.app_context():
        # On the petition's team: it is the admin check that refuses, not membership.
        join_petition(petition_by_slug(finished), make_organizer("plain@example.org"))
        db.session.commit()
    log_in(client, "plain@example.org", ORGANIZER_PASSWORD)
    path = f"/organizer/petitions/{finished}"
    response = post_form(client, path, f"{path}/purge", {"understood": "y"})
    assert response.status_code == 403
    assert "Erase personal data" not in client.get(path).text


# --- deleting a signer takes a confirmation --------------------------------------------------


def test_deleting_a_signer_asks_for_confirmation_first(app, organizer_client):
    with app.app_context():
        petition = make_petition()
        gone = make_signature(petition, first_name="Erase", last_name="Me", email="erase@gmail.com")
        make_signature(petition, first_name="Keep", last_name="Me")
        slug, erase_id = petition.slug, gone.id
    signers = f"/organizer/petitions/{slug}/signers"
    confirm_path = f"{signers}/{erase_id}/delete"
    found = organizer_client.get(f"{signers}?q=erase").text
    assert f'href="{confirm_path}?q=erase"' in found, "a link to the confirmation, not a button"
    assert f'action="{confirm_path}"' not in found

    page = organizer_client.get(confirm_path)
    assert page.status_code == 200
    assert "Erase Me" in page.text and "erase@gmail.com" in page.text
    assert "cannot be undone" in page.text
    assert f'action="{confirm_path}"' in page.text and 'method="post"' in page.text
    with app.app_context():
        assert db.session.get(Signature, erase_id) is not None, "looking deletes nothing"

    no_token = organizer_client.post(confirm_path)
    assert no_token.status_code == 400
    done = organizer_client.post(confirm_path, data={"csrf_token": csrf_token_from(page.text)})
    assert done.status_code == 303 and done.headers["Location"] == signers
    with app.app_context():
        assert db.session.get(Signature, erase_id) is None
        assert petition_by_slug(slug).signature_count == 1
    assert organizer_client.get(confirm_path).status_code == 404, "already gone"


def test_the_confirmation_is_only_for_a_signature_of_this_petition(app, organizer_client):
    with app.app_context():
        mine = make_petition()
        theirs = make_signature(make_petition()).id
        slug = mine.slug
    assert (
        organizer_client.get(f"/organizer/petitions/{slug}/signers/{theirs}/delete").status_code
        == 404
    )
