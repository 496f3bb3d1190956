"""Place and time are data: a petition in Los Angeles closes at its own midnight and shows,
counts, exports and prints its dates in Pacific time, and counts as residents the ZIP codes of
its own rule; PARS keeps Philadelphia's (America/New_York, 191)."""

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app import ConfigurationError, create_app
from app.extensions import db
from app.letters.letter import build_letter
from app.models import Petition, PetitionChange, Signature, SignatureStatus
from app.petitions import deadlines
from app.petitions.queries import petition_by_slug
from app.signatures.export import ExportFilters, export_signatures_csv
from app.signatures.stats import dashboard
from tests import instants
from tests.conftest import csrf_token_from, deliver_mail, form_token_from, log_in, sign
from tests.factories import ORGANIZER_PASSWORD, make_organizer, make_petition, make_signature

LA = instants.LOS_ANGELES


def la_time(*args) -> datetime:
    """A wall-clock time in Los Angeles, as an instant in UTC."""
    return datetime(*args, tzinfo=LA).astimezone(UTC)


def make_la_petition(**fields) -> Petition:
    values = {
        "time_zone": "America/Los_Angeles",
        "resident_zip_prefixes": "900 902",
        "resident_label": "Los Angeles",
        "opens_at": instants.LA_OPENS_AT,
        "closes_at": instants.LA_CLOSES_AT,
        "featured": False,
        "organizer_name": "Angelenos Together",
        "letter_body": "We live and work in Los Angeles.\n\nEnd it.",
    }
    values.update(fields)
    return make_petition(**values)


@pytest.fixture
def la_slug(app) -> str:
    with app.app_context():
        return make_la_petition().slug


@pytest.fixture
def pars_slug(app) -> str:
    with app.app_context():
        return make_petition().slug  # America/New_York, 191, "Philadelphia"


def text_of(pdf: bytes) -> str:
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


# --- open and closed, at its own midnight --------------------------------------------------


def test_open_until_its_own_midnight(app, client, clock, la_slug, pars_slug):
    clock.move_to(instants.LA_AFTER_PHILADELPHIA_CLOSED)  # 21:00 in Los Angeles
    assert client.get(f"/petitions/{pars_slug}.json").json["is_open"] is False
    assert client.get(f"/petitions/{la_slug}.json").json["is_open"] is True
    assert sign(client, la_slug, email="evening@example.org").status_code == 303

    clock.move_to(instants.LA_SECOND_BEFORE_CLOSE)
    page = client.get(f"/petitions/{la_slug}").text
    assert "Sign this petition" in page and "1 minute left" in page
    assert sign(client, la_slug, email="last@example.org").status_code == 303
    token = form_token_from(client.get(f"/petitions/{la_slug}").text)

    clock.move_to(instants.LA_AFTER_CLOSE)
    assert client.get(f"/petitions/{la_slug}.json").json["is_open"] is False
    late = sign(client, la_slug, email="late@example.org", form_token=token)
    assert late.status_code == 403
    page = client.get(f"/petitions/{la_slug}").text
    assert "Closed on August 31, 2027." in page and 'class="sign-form"' not in page
    with app.app_context():
        emails = set(db.session.scalars(sa.select(Signature.email)))
    assert emails == {"evening@example.org", "last@example.org"}


def test_a_date_typed_for_the_deadline_is_its_own_midnight(app, runner, la_slug):
    result = runner.invoke(args=["petitions", "set-deadline", la_slug, "2027-08-31"])
    assert result.exit_code == 0, result.output
    assert f"{la_slug} closes 2027-08-31 23:59:59 PDT" in result.output
    with app.app_context():
        petition = petition_by_slug(la_slug)
        assert petition.closes_at == instants.LA_CLOSES_AT
        assert deadlines.is_open(petition, instants.LA_SECOND_BEFORE_CLOSE)
        assert not deadlines.is_open(petition, instants.LA_AFTER_CLOSE)
    # A time without an offset is Los Angeles time; with one, as written.
    runner.invoke(args=["petitions", "set-deadline", la_slug, "2027-12-01T18:00"])
    with app.app_context():
        assert petition_by_slug(la_slug).closes_at == la_time(2027, 12, 1, 18, 0)
    runner.invoke(args=["petitions", "set-deadline", la_slug, "2027-12-01T18:00-05:00"])
    with app.app_context():
        assert petition_by_slug(la_slug).closes_at == datetime(2027, 12, 1, 23, 0, tzinfo=UTC)
    bad = runner.invoke(args=["petitions", "set-deadline", la_slug, "next tuesday"])
    assert bad.exit_code == 2 and "is not a date" in bad.output


def test_the_settings_form_reads_and_writes_its_time(app, organizer_client, la_slug):
    page = organizer_client.get(f"/organizer/petitions/{la_slug}/settings").text
    assert 'value="2027-08-31T23:59:59"' in page
    assert "Pacific Time (America/Los_Angeles)" in page
    form = {
        "csrf_token": csrf_token_from(page),
        "goal": "100",
        "closes_at": "2027-11-30T23:59:59",  # after the change to standard time
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
    response = organizer_client.post(f"/organizer/petitions/{la_slug}/settings", data=form)
    assert response.status_code == 303
    with app.app_context():
        assert petition_by_slug(la_slug).closes_at == la_time(2027, 11, 30, 23, 59, 59)
        change = db.session.scalar(
            sa.select(PetitionChange).where(PetitionChange.what == "deadline")
        )
    assert (change.old_value, change.new_value) == (
        "2027-08-31T23:59:59-07:00",
        "2027-11-30T23:59:59-08:00",
    )


# --- what the public sees --------------------------------------------------------------------


def test_the_page_and_json_say_its_times(app, client, clock, la_slug):
    clock.move_to(la_time(2027, 1, 15, 8, 0))  # an hour before it opens
    page = client.get(f"/petitions/{la_slug}").text
    assert "This petition opens on January 15, 2027 at 9:00\u202fAM, Pacific Time." in page

    clock.move_to(instants.OPEN)
    page = client.get(f"/petitions/{la_slug}").text
    assert "Closes on August 31, 2027 at 11:59\u202fPM, Pacific Time." in page
    assert "Los Angeles ZIP codes start with 900 or 902." in page
    assert "Philadelphia" not in page
    spanish = client.get(f"/petitions/{la_slug}", headers={"Accept-Language": "es"}).text
    assert "31 de agosto de 2027" in spanish and "hora del Pacífico" in spanish

    data = client.get(f"/petitions/{la_slug}.json").json
    assert data["opens_at"] == "2027-01-15T09:00:00-08:00"
    assert data["closes_at"] == "2027-08-31T23:59:59-07:00"


def test_pars_keeps_philadelphia(app, client, clock, pars_slug):
    clock.move_to(instants.OPEN)
    page = client.get(f"/petitions/{pars_slug}").text
    assert "Closes on August 31, 2027 at 11:59\u202fPM, Eastern Time." in page
    assert "Philadelphia ZIP codes start with 191." in page
    assert client.get(f"/petitions/{pars_slug}.json").json["closes_at"] == (
        "2027-08-31T23:59:59-04:00"
    )


def test_signers_are_shown_on_their_day_in_los_angeles(app, client, clock, la_slug):
    with app.app_context():
        make_signature(
            petition_by_slug(la_slug),
            first_name="Late",
            confirmed_at=la_time(2027, 7, 15, 22, 30),  # July 16 in UTC and in Philadelphia
        )
    clock.move_to(instants.LA_AFTER_CLOSE)
    page = client.get(f"/petitions/{la_slug}").text
    assert 'Late Tester <span class="signer-date">July 15, 2027</span>' in page


# --- residents ----------------------------------------------------------------------------


def test_a_rule_of_two_prefixes_counts_both(app, organizer_client, la_slug):
    signer = app.test_client()
    for number, zip_code in enumerate(("90012", "90210", "91101", "19107")):
        response = sign(signer, la_slug, email=f"s{number}@example.org", zip_code=zip_code)
        assert response.status_code == 303
    paper = organizer_client.get(f"/organizer/petitions/{la_slug}/paper")
    response = organizer_client.post(
        f"/organizer/petitions/{la_slug}/paper",
        data={
            "csrf_token": csrf_token_from(paper.text),
            "first_name": "Rosa",
            "last_name": "Parks",
            "zip_code": "90255",
            "email": "",
            "signed_on": "2027-07-04",
            "reason": "",
            "name_display": "hidden",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        flags = dict(db.session.execute(sa.select(Signature.zip_code, Signature.is_resident)).all())
        assert flags == {
            "90012": True,
            "90210": True,
            "91101": False,
            "19107": False,
            "90255": True,
        }
        petition = petition_by_slug(la_slug)
        db.session.execute(
            sa.update(Signature).values(
                status=SignatureStatus.CONFIRMED, confirmed_at=instants.OPEN
            )
        )
        db.session.commit()
        figures = dashboard(petition)
        assert (figures.residents, figures.elsewhere) == (3, 2)
        letter = build_letter(petition, petition.targets[0], instants.OPEN)
        rows = csv_rows("".join(export_signatures_csv(petition, ExportFilters())))
    assert (
        "This letter is signed by 5 people: 3 residents of Los Angeles and 2 supporters "
        "elsewhere." in text_of(letter.data)
    )
    assert {row["zip_code"]: row["resident"] for row in rows} == {
        "90012": "yes",
        "90210": "yes",
        "91101": "no",
        "19107": "no",
        "90255": "yes",
    }
    dashboard_page = organizer_client.get(f"/organizer/petitions/{la_slug}").text
    assert "Los Angeles residents" in dashboard_page
    letters_page = organizer_client.get(f"/organizer/petitions/{la_slug}/letters").text
    assert "3 residents of Los Angeles" in letters_page


# --- the organizers' figures, export and letters -----------------------------------------


def test_the_chart_counts_days_in_los_angeles(app, organizer_client, la_slug):
    with app.app_context():
        la, pars = petition_by_slug(la_slug), make_petition()
        for petition in (la, pars):
            make_signature(petition, confirmed_at=la_time(2027, 7, 15, 22, 30))
            make_signature(petition, confirmed_at=la_time(2027, 7, 15, 23, 59, 59))
            make_signature(petition, confirmed_at=la_time(2027, 7, 16, 0, 0))
        la_days = [(day.isoformat(), count) for day, count in dashboard(la).per_day]
        pars_days = [(day.isoformat(), count) for day, count in dashboard(pars).per_day]
    assert la_days == [("2027-07-15", 2), ("2027-07-16", 1)]
    assert pars_days == [("2027-07-16", 3)]  # the same instants, in Philadelphia
    page = organizer_client.get(f"/organizer/petitions/{la_slug}").text
    assert "<title>2027-07-15: 2</title>" in page and "<title>2027-07-16: 1</title>" in page
    assert "Closes on August 31, 2027 at 11:59\u202fPM, Pacific Time." in page


def test_a_zone_on_the_half_hour_counts_its_own_days(app):
    with app.app_context():
        petition = make_petition(time_zone="Asia/Kolkata")  # +05:30
        make_signature(
            petition,
            created_at=datetime(2027, 7, 15, 18, 29, tzinfo=UTC),  # 23:59 in Kolkata
            confirmed_at=datetime(2027, 7, 15, 18, 29, tzinfo=UTC),
        )
        make_signature(
            petition,
            created_at=datetime(2027, 7, 15, 18, 31, tzinfo=UTC),  # 00:01 the next day
            confirmed_at=datetime(2027, 7, 15, 18, 31, tzinfo=UTC),
        )
        per_day = [(day.isoformat(), count) for day, count in dashboard(petition).per_day]
        rows = csv_rows("".join(export_signatures_csv(petition, ExportFilters())))
    assert per_day == [("2027-07-15", 1), ("2027-07-16", 1)]
    assert [row["created_at"] for row in rows] == [
        "2027-07-15T23:59:00+05:30",
        "2027-07-16T00:01:00+05:30",
    ]


def test_the_csv_says_los_angeles_times_and_filters_its_days(app, la_slug):
    with app.app_context():
        petition = petition_by_slug(la_slug)
        evening = la_time(2027, 7, 15, 22, 30)  # 05:30 UTC on July 16
        make_signature(petition, first_name="Evening", created_at=evening, confirmed_at=evening)
        winter = la_time(2027, 2, 1, 8, 0)
        make_signature(petition, first_name="Winter", created_at=winter, confirmed_at=winter)
        # The hour clocks go back (09:00 UTC): 01:30 comes twice, an hour apart.
        make_signature(
            petition,
            first_name="Daylight",
            created_at=datetime(2027, 11, 7, 8, 30, tzinfo=UTC),
            confirmed_at=datetime(2027, 11, 7, 9, 30, tzinfo=UTC),
        )
        every = csv_rows("".join(export_signatures_csv(petition, ExportFilters())))
        day = ExportFilters(signed_from=date(2027, 7, 15), signed_to=date(2027, 7, 15))
        july_15 = csv_rows("".join(export_signatures_csv(petition, day)))
    times = {row["first_name"]: (row["created_at"], row["confirmed_at"]) for row in every}
    assert times == {
        "Evening": ("2027-07-15T22:30:00-07:00", "2027-07-15T22:30:00-07:00"),
        "Winter": ("2027-02-01T08:00:00-08:00", "2027-02-01T08:00:00-08:00"),
        "Daylight": ("2027-11-07T01:30:00-07:00", "2027-11-07T01:30:00-08:00"),
    }
    assert [row["first_name"] for row in july_15] == ["Evening"]


def test_the_csv_download_is_named_for_its_day(app, organizer_client, clock, la_slug):
    clock.move_to(instants.LA_EVENING_OF_AUGUST_31)
    log_in(organizer_client, "admin@example.org", ORGANIZER_PASSWORD)
    page = organizer_client.get(f"/organizer/petitions/{la_slug}").text
    response = organizer_client.post(
        f"/organizer/petitions/{la_slug}/export.csv",
        data={"csrf_token": csrf_token_from(page), "status": "all"},
    )
    assert response.status_code == 303  # the worker writes it, named for the day it was asked
    deliver_mail(app)
    dashboard = organizer_client.get(f"/organizer/petitions/{la_slug}").text
    link = re.search(r'href="(/organizer/petitions/[^"]+/files/\d+)"', dashboard)
    response = organizer_client.get(link.group(1))
    assert response.status_code == 200
    assert (
        f'filename="{la_slug}-signatures-2027-08-31.csv"'
        in (response.headers["Content-Disposition"])
    )


def test_a_letter_is_dated_in_los_angeles(app, la_slug, pars_slug):
    at = instants.LA_EVENING_OF_AUGUST_31  # September 1 in Philadelphia
    with app.app_context():
        la, pars = petition_by_slug(la_slug), petition_by_slug(pars_slug)
        make_signature(la, zip_code="90012", confirmed_at=instants.OPEN)
        make_signature(pars, confirmed_at=instants.OPEN)
        la_letter = build_letter(la, la.targets[0], at)
        pars_letter = build_letter(pars, pars.targets[0], at)
    assert "August 31, 2027" in text_of(la_letter.data)
    assert la_letter.filename.endswith("-2027-08-31.pdf")
    assert "1 resident of Los Angeles" in text_of(la_letter.data)
    assert "September 1, 2027" in text_of(pars_letter.data)
    assert pars_letter.filename.endswith("-2027-09-01.pdf")


def test_paper_entry_today_is_its_own_day(app, organizer_client, clock, la_slug):
    clock.move_to(datetime(2027, 7, 16, 5, 0, tzinfo=UTC))  # 22:00 on July 15 in LA
    log_in(organizer_client, "admin@example.org", ORGANIZER_PASSWORD)
    page = organizer_client.get(f"/organizer/petitions/{la_slug}/paper").text
    assert 'max="2027-07-15"' in page and 'value="2027-07-15"' in page
    response = organizer_client.post(
        f"/organizer/petitions/{la_slug}/paper",
        data={
            "csrf_token": csrf_token_from(page),
            "first_name": "Rosa",
            "last_name": "Parks",
            "zip_code": "90012",
            "email": "",
            "signed_on": "2027-07-16",
            "reason": "",
            "name_display": "hidden",
        },
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.text


# --- the setting -------------------------------------------------------------------------


def test_new_petitions_take_the_default_time_zone(app, runner):
    app.config["DEFAULT_TIME_ZONE"] = "America/Chicago"
    with app.app_context():
        assert make_petition().time_zone == "America/Chicago"
    # PARS is Philadelphia's, whatever the setting says.
    result = runner.invoke(args=["petitions", "seed-pars", "--closes-at", "2027-09-15T18:00"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        pars = db.session.scalar(
            sa.select(Petition).where(Petition.slug == "end-the-pars-contract")
        )
        assert pars.time_zone == "America/New_York"
        assert pars.closes_at == datetime(2027, 9, 15, 22, 0, tzinfo=UTC)


def test_an_unknown_default_time_zone_is_refused(app_config):
    for wrong in ("Philadelphia", "America", ""):
        with pytest.raises(ConfigurationError, match="DEFAULT_TIME_ZONE"):
            create_app({**app_config, "DEFAULT_TIME_ZONE": wrong})


def test_times_of_no_petition_say_their_zone(app, client, clock):
    clock.move_to(instants.OPEN)
    with app.app_context():
        make_organizer("admin@example.org", admin=True)
    log_in(client, "admin@example.org", ORGANIZER_PASSWORD)
    page = client.get("/organizer/organizers").text
    assert "July 15, 2027, 12:00\u202fPM EDT" in page  # as every instant on these pages


def test_the_zip_code_example_comes_from_the_petitions_own_rule(app, client, la_slug, pars_slug):
    """Los Angeles is not told "like 19107"; Philadelphia still is."""
    response = sign(client, la_slug, zip_code="9000")
    assert response.status_code == 400
    assert "Enter a 5-digit ZIP code, like 90007." in response.text
    assert "19107" not in response.text
    embed = client.get(f"/petitions/{la_slug}/embed").text
    refused = client.post(
        f"/petitions/{la_slug}/embed",
        data={"zip_code": "x", "form_token": form_token_from(embed), "first_name": "Ana"},
    )
    assert "Enter a 5-digit ZIP code, like 90007." in refused.text
    assert "like 19107." in sign(client, pars_slug, zip_code="1910").text


def test_without_a_residency_rule_the_zip_code_is_asked_for_without_an_example(app, client):
    with app.app_context():
        slug = make_petition(resident_zip_prefixes="", resident_label="").slug
    response = sign(client, slug, zip_code="abc")
    assert "Enter a 5-digit ZIP code." in response.text
