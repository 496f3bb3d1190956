"""The organizer's dashboard and petition settings."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Channel, Petition, PetitionChange, SignatureStatus
from app.organizers.membership import join_petition
from app.petitions.queries import petition_by_slug
from app.signatures.stats import dashboard
from app.web.organizer.chart import WIDTH, Label, daily_bars
from tests.conftest import csrf_token_from, deliver_mail, log_in, sign
from tests.factories import (
    ORGANIZER_PASSWORD,
    PARS_TARGETS,
    make_organizer,
    make_petition,
    make_signature,
)


def test_figures(app):
    with app.app_context():
        petition = make_petition()
        make_signature(petition, zip_code="19107", source="facebook")
        make_signature(petition, zip_code="19107", source="facebook")
        make_signature(petition, zip_code="19143")
        make_signature(petition, zip_code="10001", source="x")
        make_signature(petition, zip_code="19120", channel=Channel.PAPER, source="paper")
        make_signature(petition, status=SignatureStatus.PENDING)
        figures = dashboard(petition)
    assert (figures.confirmed, figures.pending) == (5, 1)
    assert (figures.residents, figures.elsewhere, figures.paper) == (4, 1, 1)
    assert figures.top_zip_codes[0] == ("19107", 2)
    assert dict(figures.by_source) == {"facebook": 2, "direct": 1, "x": 1, "paper": 1}


def test_signatures_per_day_are_philadelphia_days(app):
    with app.app_context():
        petition = make_petition()
        # 01:30 UTC on July 16 is 21:30 on July 15 in Philadelphia.
        late_evening = datetime(2027, 7, 16, 1, 30, tzinfo=UTC)
        next_morning = datetime(2027, 7, 16, 14, 0, tzinfo=UTC)
        make_signature(petition, confirmed_at=late_evening)
        make_signature(petition, confirmed_at=late_evening)
        make_signature(petition, confirmed_at=next_morning)
        per_day = [(day.isoformat(), count) for day, count in dashboard(petition).per_day]
    assert per_day == [("2027-07-15", 2), ("2027-07-16", 1)]


def test_dashboard_page_shows_the_chart_and_tables(app, organizer_client):
    with app.app_context():
        petition = make_petition(title="PARS")
        for zip_code in ("19107", "19107", "08002"):
            make_signature(petition, zip_code=zip_code, source="whatsapp")
        slug = petition.slug
    page = organizer_client.get(f"/organizer/petitions/{slug}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<svg" in html and "<rect" in html
    assert "19107" in html and "whatsapp" in html
    assert "Philadelphia residents" in html
    assert "days left" in html
    assert "<script" not in html.split("</head>")[1]


def _svg_of(html: str) -> str:
    return re.search(r'<figure class="chart">.*?</figure>', html, re.DOTALL).group(0)


def test_one_day_of_signatures_is_one_bar_and_its_date_once(app, organizer_client):
    with app.app_context():
        petition = make_petition()
        for hour in (13, 14, 15):
            make_signature(petition, confirmed_at=datetime(2027, 7, 15, hour, tzinfo=UTC))
        slug = petition.slug
    svg = _svg_of(organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True))
    [bar] = re.findall(r'<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"', svg)
    x, y, width = map(float, bar)
    assert 40 <= width <= WIDTH / 7, "a day's bar, not the whole chart"
    assert x + width <= WIDTH
    assert y >= 20, "below the peak's label (its baseline at 14)"
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert labels.count("2027-07-15") == 1
    assert "Signatures on 2027-07-15: 3." in svg
    assert "from 2027-07-15 to 2027-07-15" not in svg


def test_the_first_and_last_days_are_labelled_apart(app):
    """Each label is about 80 units wide: the first starts at the left, the last ends under
    its bar, and they never overlap; a long run is drawn across the whole width."""
    first = date(2027, 7, 1)
    for days in (2, 3, 6, 7, 30, 200):
        last = first + timedelta(days=days - 1)
        chart = daily_bars([(first, 1), (last, 2)])
        start, end = chart.labels
        shown_from = max(first, last - timedelta(days=119))  # the last 120 days at most
        assert (start.x, start.anchor, start.day) == (0, "start", shown_from)
        assert (end.anchor, end.day) == ("end", last)
        assert end.x - start.x >= 2 * 80, days
        last_bar = chart.bars[-1]
        assert last_bar.x + last_bar.width <= end.x <= WIDTH
        assert len(chart.bars) == min(days, 120)
    assert daily_bars([(first, 5)]).labels == [Label(x=0, anchor="start", day=first)]
    assert daily_bars([(first, 1), (first + timedelta(days=29), 1)]).labels[1].x == WIDTH


def test_dashboard_shows_the_petitions_emails_that_failed_for_good(
    app, organizer_client, smtp, clock
):
    """Why each failed (the server's words, without the address), what it was and when it
    was queued; mail of other petitions and mail that went are not listed."""
    from app.updates.drafts import UpdateText, post_update
    from app.updates.sending import request_sending

    with app.app_context():
        petition = make_petition(title="PARS")
        make_signature(petition, email="gone@example.org", wants_updates=True)
        slug, other = petition.slug, make_petition(title="Other").slug
    smtp.refused.update({"bounced@example.org", "gone@example.org", "elsewhere@example.org"})
    smtp.deferred_at_data.add("full@example.org")
    for email in ("bounced@example.org", "full@example.org", "fine@example.org"):
        sign(organizer_client, slug, email=email)
    sign(organizer_client, other, email="elsewhere@example.org")
    with app.app_context():
        petition = petition_by_slug(slug)
        request_sending(petition, post_update(petition, UpdateText("Delivered", "News."), {}))
    app.config["OUTBOX_GIVE_UP_HOURS"] = 2  # within the organizer's session
    deliver_mail(app)
    clock.shift(timedelta(hours=2, minutes=1))
    deliver_mail(app)

    html = organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    assert "3 emails to signers could not be sent" in html
    assert html.count("Recipient address rejected") == 2
    assert "<td>Confirmation</td>" in html and "<td>Update: Delivered</td>" in html
    assert "gave up after 2 hours" in html and "451 4.3.0" in html
    assert "&lt;[address]&gt;" in html
    for address in ("bounced@", "full@", "gone@", "elsewhere@", "fine@"):
        assert address not in html


def test_settings_are_edited_from_the_web_and_recorded(app, organizer_client):
    with app.app_context():
        petition = make_petition()
        other = make_petition(featured=True)
        slug, other_slug = petition.slug, other.slug
    page = organizer_client.get(f"/organizer/petitions/{slug}/settings")
    html = page.get_data(as_text=True)
    assert 'value="2027-08-31T23:59:59"' in html
    form = {
        "csrf_token": csrf_token_from(html),
        "goal": "2500",
        "closes_at": "2027-09-30T18:00",
        "featured": "y",
        "targets-0-title": "Mayor",
        "targets-0-name": "Cherelle Parker",
        "targets-0-email": "mayor@phila.gov",
        "targets-1-title": "District Attorney",
        "targets-1-name": "Seth Williams",
        "targets-1-email": "da@phila.gov",
        "targets-2-title": "Judge",
        "targets-2-name": "Marsha Neifield",
        "targets-2-email": "",
    }
    response = organizer_client.post(f"/organizer/petitions/{slug}/settings", data=form)
    assert response.status_code == 303
    with app.app_context():
        petition = petition_by_slug(slug)
        assert petition.goal == 2500
        assert petition.closes_at == datetime(2027, 9, 30, 22, 0, tzinfo=UTC)
        assert petition.targets[0].full_name == "Mayor Cherelle Parker"
        assert petition.targets[2].email is None
        assert petition.featured and not petition_by_slug(other_slug).featured
        changes = {
            c.what: (c.old_value, c.new_value, c.actor)
            for c in db.session.scalars(sa.select(PetitionChange))
        }
    assert changes["goal"] == ("100", "2500", "admin@example.org")
    assert changes["deadline"][:2] == ("2027-08-31T23:59:59-04:00", "2027-09-30T18:00:00-04:00")
    assert changes["target 1 name"][:2] == ("Michael Nutter", "Cherelle Parker")
    assert changes["target 3 email"][:2] == ("judge@courts.phila.test", None)
    shown = organizer_client.get(f"/organizer/petitions/{slug}/settings").get_data(as_text=True)
    assert "Cherelle Parker" in shown and "admin@example.org" in shown


def test_settings_refuse_bad_values(app, organizer_client):
    with app.app_context():
        slug = make_petition().slug
    page = organizer_client.get(f"/organizer/petitions/{slug}/settings")
    response = organizer_client.post(
        f"/organizer/petitions/{slug}/settings",
        data={
            "csrf_token": csrf_token_from(page.text),
            "goal": "-5",
            "closes_at": "tomorrow",
            "targets-0-title": "",
            "targets-0-name": "X",
            "targets-0-email": "bad",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Number must be between 1 and 100000000." in html
    assert "Enter a title, like Mayor." in html
    # The summary names the first problem of the targets in words, not as a Python dict.
    summary = html[
        html.index('class="error-summary"') : html.index("</ul>", html.index("error-summary"))
    ]
    assert "Targets: Enter a title, like Mayor." in summary
    assert "{" not in summary
    with app.app_context():
        assert db.session.scalar(sa.select(Petition.goal).where(Petition.slug == slug)) == 100


def test_set_deadline_from_the_command_line_is_recorded(app, runner):
    with app.app_context():
        slug = make_petition().slug
    runner.invoke(args=["petitions", "set-deadline", slug, "2027-10-01"])
    with app.app_context():
        change = db.session.scalar(sa.select(PetitionChange))
        assert change.what == "deadline"
        assert change.actor.startswith("command line (")


def settings_form(client, slug: str, **changes) -> dict:
    """The settings form as its page fills it, with `changes` on top."""
    html = client.get(f"/organizer/petitions/{slug}/settings").get_data(as_text=True)
    form = {
        "csrf_token": csrf_token_from(html),
        "goal": "100",
        "closes_at": "2027-08-31T23:59:59",
    }
    for number, (title, name, _email) in enumerate(PARS_TARGETS):
        form |= {
            f"targets-{number}-title": title,
            f"targets-{number}-name": name,
            f"targets-{number}-email": f"target{number}@example.org",
        }
    return form | changes


@pytest.fixture
def member_client(app, client):
    """A client logged in as an organizer (not an admin) on the team of one petition, while
    another petition (PARS) is featured on the home page."""
    with app.app_context():
        featured = make_petition(slug="end-the-pars-contract", featured=True)
        theirs = make_petition(slug="fund-the-libraries", featured=False)
        join_petition(theirs, make_organizer("member@example.org"))
        db.session.commit()
        assert featured.featured
    log_in(client, "member@example.org", ORGANIZER_PASSWORD)
    return client


def test_only_an_admin_chooses_the_featured_petition(app, client, member_client):
    page = member_client.get("/organizer/petitions/fund-the-libraries/settings").text
    assert 'name="featured"' not in page  # no box to tick
    # A forged form that ticks it anyway changes nothing on the home page.
    form = settings_form(member_client, "fund-the-libraries", featured="y", goal="250")
    response = member_client.post("/organizer/petitions/fund-the-libraries/settings", data=form)
    assert response.status_code == 303
    with app.app_context():
        assert petition_by_slug("end-the-pars-contract").featured
        theirs = petition_by_slug("fund-the-libraries")
        assert not theirs.featured and theirs.goal == 250
        assert "featured" not in {c.what for c in db.session.scalars(sa.select(PetitionChange))}
    assert "end-the-pars-contract" in client.get("/").text


def test_a_draft_is_never_featured(app, organizer_client):
    with app.app_context():
        make_petition(slug="end-the-pars-contract", featured=True)
        slug = make_petition(published_at=None, featured=False).slug
    form = settings_form(organizer_client, slug, featured="y")
    response = organizer_client.post(f"/organizer/petitions/{slug}/settings", data=form)
    assert response.status_code == 409
    assert "A draft cannot be featured" in response.text
    with app.app_context():
        assert petition_by_slug("end-the-pars-contract").featured
        assert not petition_by_slug(slug).featured


@pytest.mark.parametrize(
    "name",
    [
        "Michael\x00Nutter",
        "Michael\x1b[31mNutter",
        "Michael\r\nBcc: x@example.org",
        "Michael\u2028Nutter",
        "Michael \u202eretttuN",
        "Michael\u200bNutter",
    ],
)
def test_the_settings_form_holds_targets_to_the_rules_of_the_authoring_form(
    app, organizer_client, name
):
    with app.app_context():
        slug = make_petition().slug
    form = settings_form(organizer_client, slug, **{"targets-0-name": name, "goal": "300"})
    response = organizer_client.post(f"/organizer/petitions/{slug}/settings", data=form)
    assert response.status_code == 400
    assert "Target 1: Name" in response.text or "Targets:" in response.text
    with app.app_context():
        petition = petition_by_slug(slug)
        assert petition.targets[0].name == "Michael Nutter"
        assert petition.goal == 100


def test_set_target_from_the_command_line_refuses_what_the_forms_refuse(app, runner):
    with app.app_context():
        slug = make_petition().slug
    result = runner.invoke(args=["petitions", "set-target", slug, "1", "--name", "Mike\u202eX"])
    assert result.exit_code != 0
    assert "invisible" in result.output
    with app.app_context():
        assert petition_by_slug(slug).targets[0].name == "Michael Nutter"


def test_organizer_pages_show_every_instant_one_way_in_the_petitions_zone(
    app, organizer_client
):
    """The record of changes, the exports, the letters: "September 30, 2027, 6:00 PM PDT",
    never a raw UTC string, whatever page."""
    with app.app_context():
        slug = make_petition(time_zone="America/Los_Angeles").slug
    form = settings_form(organizer_client, slug, closes_at="2027-09-30T18:00", goal="250")
    assert organizer_client.post(f"/organizer/petitions/{slug}/settings", data=form).status_code
    settings = organizer_client.get(f"/organizer/petitions/{slug}/settings").text
    changes = settings[settings.index("changes-heading") :]
    assert "September 30, 2027, 6:00\u202fPM PDT" in changes  # the new deadline
    assert "August 31, 2027, 8:59\u202fPM PDT" in changes  # the old one, in this petition's zone
    assert "2027-09-30T" not in changes and "+00:00" not in changes
    assert "July 15, 2027, 9:00\u202fAM PDT" in changes  # when it was changed (instants.OPEN)
