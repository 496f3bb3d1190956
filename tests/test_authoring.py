"""Starting a petition from the web: a draft no one else sees, edited, previewed in both
languages, published; its slug, its targets, its Markdown, and its record of changes."""

import io
import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.core.clock import now
from app.extensions import db
from app.models import (
    FormerSlug,
    Petition,
    PetitionChange,
    PetitionMember,
    Signature,
    TargetTranslation,
)
from app.petitions.queries import petition_by_slug
from tests import instants
from tests.conftest import csrf_token_from, deliver_mail, links_in, log_in, press_button, sign
from tests.factories import ORGANIZER_PASSWORD, make_organizer, make_petition
from tests.smtp_sink import text_of

LIBRARY = {
    "title": "Save the Kensington Library",
    "organizer_name": "Friends of Kensington",
    "slug": "",
    "about": "The library is **closing**.\n\nKeep it open: [why](https://example.org/why).",
    "letter_subject": "Keep the library open",
    "letter_body": "As a resident of Kensington, I ask you to keep the library open.",
    "goal": "500",
    "time_zone": "America/New_York",
    "opens_at": "2027-07-01T09:00",
    "closes_at": "2027-09-30T23:59:59",
    "resident_zip_prefixes": "19125 19134",
    "resident_label": "Kensington",
    "targets-0-position": "1",
    "targets-0-title": "Council Member",
    "targets-0-name": "Maria Quiñones-Sánchez",
    "targets-0-email": "council@phila.gov",
}


def form_fields(**changes) -> dict:
    return {**LIBRARY, **changes}


def post_form(client, path: str, fields: dict, action: str = "save"):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    data = {**fields, "action": action, "csrf_token": csrf_token_from(page.get_data(as_text=True))}
    return client.post(path, data=data)


def start(client, **changes) -> str:
    """Start a petition from the form; returns its slug."""
    response = post_form(client, "/organizer/petitions/new", form_fields(**changes))
    assert response.status_code == 303, response.get_data(as_text=True)
    match = re.fullmatch(r"/organizer/petitions/([a-z0-9-]+)/edit", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def publish(client, slug: str):
    page = client.get(f"/organizer/petitions/{slug}/edit")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(f"/organizer/petitions/{slug}/publish", data={"csrf_token": token})


def edit_fields(client, slug: str) -> dict:
    """What the edit page's form holds, as a browser would send it back."""
    html = client.get(f"/organizer/petitions/{slug}/edit").get_data(as_text=True)
    fields = {}
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) in ("csrf_token", "action"):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag:
            if "checked" in tag:
                fields[name.group(1)] = "y"
            continue
        fields[name.group(1)] = unescape(value.group(1)) if value else ""
    for name, text in re.findall(
        r'<textarea[^>]*name="([^"]+)"[^>]*>\r?\n?(.*?)</textarea>', html, re.S
    ):
        fields[name] = unescape(text)
    for name, option in re.findall(
        r'<select[^>]*name="([^"]+)"[^>]*>.*?<option selected value="([^"]*)"', html, re.S
    ):
        fields[name] = option
    return fields


def main_text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def public_paths(slug: str) -> list[str]:
    return [
        f"/petitions/{slug}",
        f"/petitions/{slug}.json",
        f"/petitions/{slug}/count.json",
        f"/petitions/{slug}/thanks",
        f"/petitions/{slug}/confirm/whatever",
        f"/petitions/{slug}/withdraw/whatever",
    ]


# --- the whole way, in the test client -------------------------------------------------------


def test_start_edit_preview_and_publish(app, organizer_client, smtp):
    client = organizer_client
    slug = start(client)
    assert slug == "save-the-kensington-library"

    with app.app_context():
        petition = petition_by_slug(slug)
        assert not petition.is_published
        assert petition.time_zone == "America/New_York"
        assert petition.resident_zip_prefixes == "19125 19134"
        assert petition.opens_at == datetime(2027, 7, 1, 13, 0, tzinfo=UTC)  # 9:00 EDT
        assert [t.full_name for t in petition.targets] == ["Council Member Maria Quiñones-Sánchez"]
        admin = petition.created_by_id
        members = db.session.scalars(
            sa.select(PetitionMember.organizer_id).where(PetitionMember.petition_id == petition.id)
        ).all()
        assert members == [admin] and admin is not None

    # The public sees nothing of a draft.
    for path in public_paths(slug):
        assert client.get(path).status_code == 404, path

    # Edit: a second target, a new subject.
    fields = edit_fields(client, slug)
    assert fields["title"] == LIBRARY["title"]
    assert fields["about"] == LIBRARY["about"]
    assert fields["time_zone"] == "America/New_York"
    assert fields["opens_at"] == "2027-07-01T09:00:00"
    fields["letter_subject"] = "Keep our library open"
    fields |= {
        "targets-1-position": "2",
        "targets-1-title": "Mayor",
        "targets-1-name": "Cherelle Parker",
    }
    response = post_form(client, f"/organizer/petitions/{slug}/edit", fields)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/organizer/petitions/{slug}/edit"

    # Preview, in both languages: the public page, marked, with a form that sends nothing.
    english = client.get(f"/organizer/petitions/{slug}/preview?lang=en")
    assert english.status_code == 200
    html = english.get_data(as_text=True)
    assert "Preview — not published" in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert english.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert "<strong>closing</strong>" in html
    assert "Keep our library open" in html
    assert "Petitioning Council Member Maria Quiñones-Sánchez and 1 other" in html
    assert re.search(r'<button type="submit" class="button" disabled>', html)
    assert f'action="/petitions/{slug}/sign"' not in html
    spanish = client.get(f"/organizer/petitions/{slug}/preview?lang=es")
    assert spanish.status_code == 200
    assert '<html lang="es">' in spanish.get_data(as_text=True)
    assert "Firma esta petición" in spanish.get_data(as_text=True)
    assert client.get(f"/organizer/petitions/{slug}/preview?lang=xx").status_code == 404

    response = publish(client, slug)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/organizer/petitions/{slug}"
    page = client.get(f"/petitions/{slug}")
    assert page.status_code == 200
    assert "Save the Kensington Library" in page.get_data(as_text=True)
    assert client.get(f"/petitions/{slug}.json").json["title"] == LIBRARY["title"]

    # Signed and counted on its own.
    assert sign(client, slug, zip_code="19125").status_code == 303
    deliver_mail(app)
    (link,) = links_in(text_of(smtp.wait_for(1)[0]), "confirm")
    assert press_button(client, link).status_code == 303
    assert client.get(f"/petitions/{slug}/count.json").json["signature_count"] == 1


def test_a_second_petition_is_signed_and_counted_apart_from_pars(app, organizer_client, smtp):
    with app.app_context():
        make_petition(slug="end-the-pars-contract")
    slug = start(organizer_client)
    assert publish(organizer_client, slug).status_code == 303
    visitor = app.test_client()
    assert sign(visitor, slug, email="ana@example.org", zip_code="19134").status_code == 303
    assert sign(visitor, "end-the-pars-contract", email="ana@example.org").status_code == 303
    deliver_mail(app)
    emails = smtp.wait_for(2)
    subjects = sorted(email["Subject"] for email in emails)
    assert any("Save the Kensington Library" in s for s in subjects)
    link = next(
        links_in(text_of(email), "confirm")[0]
        for email in emails
        if "Kensington" in email["Subject"]
    )
    assert press_button(visitor, link).status_code == 303
    assert visitor.get(f"/petitions/{slug}/count.json").json["signature_count"] == 1
    assert visitor.get("/petitions/end-the-pars-contract/count.json").json["signature_count"] == 0
    with app.app_context():
        library = petition_by_slug(slug)
        signature = db.session.scalar(
            sa.select(Signature).where(Signature.petition_id == library.id)
        )
        assert signature.is_resident  # 19134 is one of its prefixes
    dashboard = organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    assert "Kensington residents" in dashboard


# --- drafts -------------------------------------------------------------------------------


def test_a_draft_is_not_found_anywhere_public(app, organizer_client):
    slug = start(organizer_client)
    visitor = app.test_client()
    for path in public_paths(slug):
        response = visitor.get(path)
        assert response.status_code == 404, path
        assert "Kensington" not in response.get_data(as_text=True), path
    assert visitor.get(f"/petitions/{slug}.json").json["error"] == "Page not found"
    # A valid form with a good token (from any page of the site): still nothing to sign.
    token = csrf_token_from(visitor.get("/organizer/login").get_data(as_text=True))
    response = visitor.post(
        f"/petitions/{slug}/sign",
        data={
            "first_name": "Ana",
            "last_name": "Ruiz",
            "email": "ana@example.org",
            "zip_code": "19125",
            "name_display": "full",
            "csrf_token": token,
        },
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Signature)) == 0


def test_the_home_page_never_shows_a_draft(app, organizer_client):
    assert app.test_client().get("/").status_code == 404  # nothing published yet
    with app.app_context():
        make_petition(slug="older", title="The published one", featured=False)
    slug = start(organizer_client)
    with app.app_context():
        draft = petition_by_slug(slug)
        draft.featured = True  # even featured and newest
        db.session.commit()
    home = app.test_client().get("/")
    assert home.status_code == 200
    assert "The published one" in home.get_data(as_text=True)
    assert "Kensington" not in home.get_data(as_text=True)


def test_publishing_refuses_what_signers_could_not_use(app, organizer_client, clock):
    slug = start(
        organizer_client,
        about="",
        letter_body="",
        closes_at="2027-07-10T12:00",
        **{"targets-0-title": "", "targets-0-name": "", "targets-0-email": ""},
    )
    page = organizer_client.get(f"/organizer/petitions/{slug}/edit").get_data(as_text=True)
    assert "Before it can be published:" in page
    response = publish(organizer_client, slug)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/organizer/petitions/{slug}/edit"
    messages = main_text(organizer_client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Write what the petition is about." in messages
    assert "Write the letter." in messages
    assert "Add at least one target" in messages
    assert "Its closing time has passed" in messages  # the clock says July 15
    with app.app_context():
        assert not petition_by_slug(slug).is_published
    assert app.test_client().get(f"/petitions/{slug}").status_code == 404


def test_publishing_twice_changes_nothing(app, organizer_client):
    slug = start(organizer_client)
    publish(organizer_client, slug)
    with app.app_context():
        first = petition_by_slug(slug).published_at
    response = publish(organizer_client, slug)
    assert response.status_code == 303
    assert "already published" in organizer_client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        assert petition_by_slug(slug).published_at == first


# --- slugs --------------------------------------------------------------------------------


def test_slugs_are_made_from_the_title_and_kept_unique(app, organizer_client):
    assert start(organizer_client) == "save-the-kensington-library"
    assert start(organizer_client) == "save-the-kensington-library-2"
    assert start(organizer_client, title="¡Salvemos la biblioteca!") == "salvemos-la-biblioteca"
    assert start(organizer_client, title="🎉🎉🎉") == "petition"
    assert start(organizer_client, title="New") == "new-2"  # /organizer/petitions/new is the form
    long_title = "Word " * 30
    long_slug = start(organizer_client, title=long_title)
    assert len(long_slug) <= 80 and not long_slug.endswith("-")
    assert len(start(organizer_client, title=long_title)) <= 80


def test_a_slug_typed_is_tidied_and_a_taken_one_refused(app, organizer_client):
    assert start(organizer_client, slug="Our Library!") == "our-library"
    response = post_form(
        organizer_client, "/organizer/petitions/new", form_fields(slug="our-library")
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "The address our-library is not available. Try our-library-2." in html
    assert 'value="Save the Kensington Library"' in html  # what was typed is kept
    response = post_form(organizer_client, "/organizer/petitions/new", form_fields(slug="---"))
    assert response.status_code == 409
    assert "Use lower-case letters, digits and hyphens" in response.get_data(as_text=True)


def test_another_teams_draft_is_not_given_away_by_its_slug(app, client):
    """A taken slug is answered as any unavailable one: nothing says a petition has it."""
    with app.app_context():
        make_petition(slug="secret-plan", title="Secret plan", published_at=None)
        make_organizer("outsider@example.org")
    log_in(client, "outsider@example.org", ORGANIZER_PASSWORD)
    html = post_form(client, "/organizer/petitions/new", form_fields(slug="secret-plan")).text
    reserved = post_form(client, "/organizer/petitions/new", form_fields(slug="new")).text
    assert "The address secret-plan is not available. Try secret-plan-2." in html
    assert "The address new is not available. Try new-2." in reserved
    assert "Another petition" not in html and "Secret plan" not in html


def test_a_published_petition_s_old_slug_redirects_for_good(app, organizer_client):
    slug = start(organizer_client)
    publish(organizer_client, slug)
    fields = edit_fields(organizer_client, slug) | {"slug": "keep-kensington-reading"}
    response = post_form(organizer_client, f"/organizer/petitions/{slug}/edit", fields)
    assert response.status_code == 303
    assert response.headers["Location"] == "/organizer/petitions/keep-kensington-reading/edit"

    visitor = app.test_client()
    page = visitor.get(f"/petitions/{slug}?source=facebook")
    assert page.status_code == 301
    assert page.headers["Location"] == "/petitions/keep-kensington-reading?source=facebook"
    data = visitor.get(f"/petitions/{slug}.json")
    assert data.status_code == 301
    assert data.headers["Location"] == "/petitions/keep-kensington-reading.json"
    assert visitor.get(f"/petitions/{slug}/count.json").status_code == 301
    assert visitor.get("/petitions/keep-kensington-reading").status_code == 200
    # A form sent to the old address is sent on, data and all.
    assert visitor.post(f"/petitions/{slug}/sign", data={}).status_code == 308

    with app.app_context():
        petition = petition_by_slug("keep-kensington-reading")
        assert db.session.scalar(sa.select(FormerSlug.slug)) == slug
        change = db.session.scalar(sa.select(PetitionChange).where(PetitionChange.what == "slug"))
        assert (change.old_value, change.new_value) == (slug, "keep-kensington-reading")
        assert change.actor == "admin@example.org"
        assert petition.slug == "keep-kensington-reading"

    # The old slug stays the petition's: no one else can take it...
    response = post_form(organizer_client, "/organizer/petitions/new", form_fields(slug=slug))
    assert response.status_code == 409
    assert start(organizer_client) == f"{slug}-2"
    # ...and it can take it back, which ends the redirect.
    fields = edit_fields(organizer_client, "keep-kensington-reading") | {"slug": slug}
    post_form(organizer_client, "/organizer/petitions/keep-kensington-reading/edit", fields)
    assert visitor.get(f"/petitions/{slug}").status_code == 200
    assert visitor.get("/petitions/keep-kensington-reading").status_code == 301


def test_a_draft_s_slug_changes_without_leaving_a_redirect(app, organizer_client):
    slug = start(organizer_client)
    fields = edit_fields(organizer_client, slug) | {"slug": "kensington"}
    post_form(organizer_client, f"/organizer/petitions/{slug}/edit", fields)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(FormerSlug)) == 0
        assert petition_by_slug("kensington") is not None
    assert app.test_client().get(f"/petitions/{slug}").status_code == 404


# --- targets without JavaScript ----------------------------------------------------------------


def test_targets_are_added_removed_and_reordered_without_javascript(app, organizer_client):
    client = organizer_client
    fields = form_fields()
    # "Add a target" sends the form back with one more row, saving nothing.
    response = post_form(client, "/organizer/petitions/new", fields, action="add-target")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="targets-1-title"' in html
    assert 'value="Save the Kensington Library"' in html
    assert "Nothing is saved until you save" in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Petition)) == 0

    fields |= {
        "targets-1-position": "2",
        "targets-1-title": "Mayor",
        "targets-1-name": "Cherelle Parker",
        "targets-2-position": "3",
        "targets-2-title": "Council President",
        "targets-2-name": "Kenyatta Johnson",
    }
    slug = start(client, **fields)
    with app.app_context():
        petition = petition_by_slug(slug)
        mayor = next(t for t in petition.targets if t.name == "Cherelle Parker")
        mayor.translations.append(TargetTranslation(locale="es", title="Alcaldesa"))
        db.session.commit()

    # Put the mayor first, remove the council member, keep the council president.
    fields = edit_fields(client, slug)
    assert fields["targets-1-name"] == "Cherelle Parker"
    fields["targets-1-position"] = "1"
    fields["targets-0-position"] = "2"
    fields["targets-0-remove"] = "y"
    fields["targets-2-position"] = "3"
    assert post_form(client, f"/organizer/petitions/{slug}/edit", fields).status_code == 303
    with app.app_context():
        petition = petition_by_slug(slug)
        assert [(t.position, t.full_name) for t in petition.targets] == [
            (1, "Mayor Cherelle Parker"),
            (2, "Council President Kenyatta Johnson"),
        ]
        assert [t.title for t in petition.targets[0].translations] == ["Alcaldesa"]


def test_a_target_needs_a_title_and_a_name(app, organizer_client):
    response = post_form(
        organizer_client,
        "/organizer/petitions/new",
        form_fields(**{"targets-0-title": "", "targets-0-email": "not an email"}),
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="error-summary"' in html
    assert "Target 1: Title: Enter a title, like Mayor." in html
    assert "Target 1: Email (optional): Enter an email address like name@example.com." in html
    assert 'href="#targets-0-title"' in html


def test_the_form_explains_each_mistake(app, organizer_client):
    response = post_form(
        organizer_client,
        "/organizer/petitions/new",
        form_fields(
            title="",
            time_zone="Mars/Olympus_Mons",
            closes_at="2027-06-01T00:00",
            resident_zip_prefixes="19x",
            goal="0",
        ),
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for message in (
        "Write a title.",
        "Choose a time zone from the list.",
        "The petition must close after it opens.",
        "Write the first digits of the ZIP codes",
        "Use a number from 1 to 100,000,000.",
    ):
        assert message in html, message


# --- times in the petition's zone ---------------------------------------------------------------


def test_dates_are_read_in_the_time_zone_chosen(app, organizer_client):
    slug = start(
        organizer_client,
        time_zone="America/Los_Angeles",
        opens_at="2027-07-01T00:00",
        closes_at="2027-08-31T23:59:59",
    )
    with app.app_context():
        petition = petition_by_slug(slug)
        assert petition.time_zone == "America/Los_Angeles"
        assert petition.closes_at == datetime(2027, 9, 1, 6, 59, 59, tzinfo=UTC)  # PDT is -7
    fields = edit_fields(organizer_client, slug)
    assert fields["closes_at"] == "2027-08-31T23:59:59"  # shown back in its own zone


@pytest.fixture
def chicago_default(app):
    app.config["DEFAULT_TIME_ZONE"] = "America/Chicago"


def test_a_new_petition_starts_in_the_default_time_zone(app, chicago_default, organizer_client):
    html = organizer_client.get("/organizer/petitions/new").get_data(as_text=True)
    assert re.search(r'<option selected value="America/Chicago">', html)
    common = html.index("America/Los_Angeles")
    assert common < html.index("Africa/Abidjan")  # the US zones come first


# --- the record of a published petition's changes -----------------------------------------------


def test_edits_are_recorded_once_published_only(app, organizer_client):
    slug = start(organizer_client)
    fields = edit_fields(organizer_client, slug) | {"goal": "600"}
    post_form(organizer_client, f"/organizer/petitions/{slug}/edit", fields)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PetitionChange)) == 0
    publish(organizer_client, slug)
    fields = edit_fields(organizer_client, slug) | {
        "goal": "700",
        "about": "Changed text.",
        "targets-0-email": "",
    }
    response = post_form(organizer_client, f"/organizer/petitions/{slug}/edit", fields)
    assert response.status_code == 303
    with app.app_context():
        changes = {
            change.what: (change.old_value, change.new_value, change.actor)
            for change in db.session.scalars(sa.select(PetitionChange))
        }
    assert changes["goal"] == ("600", "700", "admin@example.org")
    assert changes["about"][1] == "Changed text."
    assert changes["target 1 email"] == ("council@phila.gov", None, "admin@example.org")
    assert changes["published"][0] is None
    page = organizer_client.get(f"/organizer/petitions/{slug}/edit").get_data(as_text=True)
    assert "Record of changes" in page


def test_a_purged_petition_s_deadline_cannot_move_into_the_future(app, organizer_client, clock):
    with app.app_context():
        petition = make_petition(slug="erased", closes_at=instants.OPENS_AT.replace(month=7))
        petition.purged_at = instants.OPEN
        db.session.commit()
    fields = edit_fields(organizer_client, "erased") | {"closes_at": "2027-12-31T23:59:59"}
    fields = {k: v for k, v in fields.items() if not k.endswith("-email")}  # .test is refused
    response = post_form(organizer_client, "/organizer/petitions/erased/edit", fields)
    assert response.status_code == 409
    assert "cannot take signatures again" in response.get_data(as_text=True)


# --- Markdown on the page, plain in the letter --------------------------------------------------


def test_markdown_is_rendered_and_nothing_in_it_runs(app, organizer_client):
    slug = start(
        organizer_client,
        about=(
            "<script>alert(1)</script>\n\n"
            "[click me](javascript:alert(2))\n\n"
            '<a href="https://evil.example" onclick="steal()">raw link</a>\n\n'
            '<img src=x onerror="alert(3)">\n\n'
            "[our site](https://example.org)"
        ),
        letter_body="Dear all, <b>bold?</b>\n\n<iframe src=https://evil.example></iframe>",
    )
    publish(organizer_client, slug)
    html = app.test_client().get(f"/petitions/{slug}").get_data(as_text=True)
    body = html[html.index('<div class="petition-body">') :]
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "javascript:" not in body.lower().replace("[click me](javascript:alert(2))", "")
    assert 'href="javascript' not in html.lower()
    assert "<img" not in body and "<iframe" not in body and "<b>" not in body
    assert not re.search(r"<[a-z][^>]*\bon(click|error)=", body)  # as text only, no tags
    assert "&lt;a href=" in body
    assert '<a href="https://example.org" rel="nofollow noopener">our site</a>' in body


def test_pars_text_renders_the_same_paragraphs_as_before(app, runner):
    runner.invoke(args=["petitions", "seed-pars"], catch_exceptions=False)
    with app.app_context():
        petition = petition_by_slug("end-the-pars-contract")
        about, letter = petition.about, petition.letter_body
    html = app.test_client().get("/petitions/end-the-pars-contract").get_data(as_text=True)

    def shown(section: str) -> list[str]:
        return [
            " ".join(unescape(text).split()) for text in re.findall(r"<p>(.*?)</p>", section, re.S)
        ]

    def before(text: str) -> list[str]:  # what the page showed: one <p> per blank-line block
        return [" ".join(block.split()) for block in text.split("\n\n") if block.strip()]

    about_html = html[html.index('id="about-heading"') : html.index('class="letter"')]
    letter_html = html[html.index('class="letter-text"') : html.index('id="signers-heading"')]
    assert shown(about_html) == before(about)
    assert shown(letter_html)[1:] == before(letter)  # after the greeting


def test_the_letter_pdf_has_the_words_without_the_markup(app, organizer_client):
    from app.letters.letter import build_letter

    slug = start(
        organizer_client, letter_body="Please **act now**.\n\nRead [the report](https://a.org)."
    )
    with app.app_context():
        petition = petition_by_slug(slug)
        letter = build_letter(petition, petition.targets[0], instants.OPEN)
    text = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(letter.data)).pages
    ).replace("\n", " ")
    assert "Please act now." in text
    assert "Read the report." in text
    assert "**" not in text and "](" not in text


# --- who may use these pages ---------------------------------------------------------------------


def test_the_pages_need_a_login(app, client):
    for path in ("/organizer/petitions/new",):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/organizer/login")


def test_any_organizer_may_start_a_petition(app, client):
    from tests.conftest import log_in

    with app.app_context():
        make_organizer("volunteer@example.org")
    assert log_in(client, "volunteer@example.org", ORGANIZER_PASSWORD).status_code == 302
    slug = start(client)
    with app.app_context():
        petition = petition_by_slug(slug)
        creator = db.session.scalar(
            sa.select(PetitionMember.organizer_id).where(PetitionMember.petition_id == petition.id)
        )
        assert creator == petition.created_by_id


# --- bad input: a clear 4xx, never a 500 ----------------------------------------------------------

FORM_FIELDS = [
    "title",
    "organizer_name",
    "slug",
    "about",
    "letter_subject",
    "letter_body",
    "goal",
    "time_zone",
    "opens_at",
    "closes_at",
    "resident_zip_prefixes",
    "resident_label",
    "targets-0-id",
    "targets-0-position",
    "targets-0-title",
    "targets-0-name",
    "targets-0-email",
    "targets-0-remove",
    "targets-1-position",
    "targets-1-title",
    "targets-1-name",
    "targets-²-title",
    "targets-99999-name",
    "targets--1-title",
    "action",
]


def fuzzed_fields():
    from hypothesis import strategies as st

    from tests.test_bad_input import any_text

    return st.fixed_dictionaries(
        {},
        optional={name: any_text for name in FORM_FIELDS}
        | {
            "opens_at": st.one_of(any_text, st.datetimes().map(lambda d: d.isoformat()[:19])),
            "closes_at": st.one_of(any_text, st.datetimes().map(lambda d: d.isoformat()[:19])),
            "time_zone": st.one_of(any_text, st.sampled_from(["Asia/Tokyo", "Pacific/Kiritimati"])),
            "action": st.one_of(any_text, st.just("add-target")),
        },
    )


def _fuzz_settings():
    from hypothesis import HealthCheck, settings

    return settings(
        max_examples=80,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def test_fuzzed_new_petitions_never_cause_a_500(app, organizer_client):
    from hypothesis import given

    token = csrf_token_from(organizer_client.get("/organizer/petitions/new").get_data(as_text=True))

    @_fuzz_settings()
    @given(fields=fuzzed_fields())
    def post(fields):
        data = {**LIBRARY, **fields, "csrf_token": token}
        response = organizer_client.post("/organizer/petitions/new", data=data)
        assert response.status_code in (200, 303, 400, 409, 413), response.status_code
        assert "Traceback" not in response.get_data(as_text=True)

    post()


def test_fuzzed_edits_never_cause_a_500(app, organizer_client):
    from hypothesis import given

    slug = start(organizer_client)
    publish(organizer_client, slug)
    path = f"/organizer/petitions/{slug}/edit"
    token = csrf_token_from(organizer_client.get(path).get_data(as_text=True))

    @_fuzz_settings()
    @given(fields=fuzzed_fields())
    def post(fields):
        nonlocal path
        data = {**LIBRARY, "slug": slug, **fields, "csrf_token": token}
        response = organizer_client.post(path, data=data)
        assert response.status_code in (200, 303, 400, 409, 413), response.status_code
        assert "Traceback" not in response.get_data(as_text=True)
        if response.status_code == 303:  # the slug may have changed
            path = response.headers["Location"]

    post()


def test_fuzzed_preview_and_publish_urls_never_cause_a_500(app, organizer_client):
    from urllib.parse import quote

    from hypothesis import given
    from hypothesis import strategies as st

    slug = start(organizer_client)

    @_fuzz_settings()
    @given(text=st.text(max_size=40))
    def visit(text):
        for response in (
            organizer_client.get(f"/organizer/petitions/{slug}/preview?lang={quote(text)}"),
            organizer_client.get(f"/organizer/petitions/{quote(text, safe='')}/edit"),
            organizer_client.post(f"/organizer/petitions/{slug}/publish", data={"x": text}),
        ):
            assert response.status_code < 500, response.status_code

    visit()


@pytest.mark.parametrize("page", ["new", "settings"])
def test_a_row_number_that_is_not_plain_digits_is_ignored(app, organizer_client, page):
    with app.app_context():
        make_petition(slug="pars")
    path = "/organizer/petitions/new" if page == "new" else "/organizer/petitions/pars/settings"
    token = csrf_token_from(organizer_client.get(path).get_data(as_text=True))
    response = organizer_client.post(path, data={"targets-²-title": "Mayor", "csrf_token": token})
    assert response.status_code == 400
    assert 'id="error-summary"' in response.get_data(as_text=True)


def test_two_rows_naming_the_same_target_make_two_targets(app, organizer_client):
    slug = start(organizer_client)
    fields = edit_fields(organizer_client, slug)
    fields |= {
        "targets-1-id": fields["targets-0-id"],  # a forged form
        "targets-1-title": "Mayor",
        "targets-1-name": "Cherelle Parker",
    }
    assert (
        post_form(organizer_client, f"/organizer/petitions/{slug}/edit", fields).status_code == 303
    )
    with app.app_context():
        targets = petition_by_slug(slug).targets
        assert [(t.position, t.name) for t in targets] == [
            (1, "Maria Quiñones-Sánchez"),
            (2, "Cherelle Parker"),
        ]


# --- time zones when starting a petition -------------------------------------------------


def test_the_new_petition_form_leaves_opening_empty_and_says_in_which_zone(organizer_client):
    html = organizer_client.get("/organizer/petitions/new").text
    opens = re.search(r'<input[^>]*name="opens_at"[^>]*>', html).group(0)
    assert 'value="' not in opens or 'value=""' in opens
    assert "Empty: signing opens as soon as it is published." in html
    assert "in the time zone chosen above" in html.lower()


def test_a_blank_opening_in_another_zone_opens_at_once_when_published(
    app, organizer_client, clock
):
    """Pacific time, opening left empty: signing starts as soon as it is published, not
    three hours after (the form once held New York's time, read as Pacific)."""
    # The clock starts at instants.OPEN and ticks; moving it back to OPEN after logging in
    # would date the session cookie in the future, which voids it (itsdangerous).
    started = now()
    slug = start(organizer_client, time_zone="America/Los_Angeles", opens_at="")
    with app.app_context():
        assert petition_by_slug(slug).opens_at <= started + timedelta(seconds=5)
    published = publish(organizer_client, slug)
    assert published.status_code == 303
    dashboard = organizer_client.get(published.headers["Location"]).text
    assert "Published: anyone can now sign it" in dashboard
    assert 'name="form_token"' in organizer_client.get(f"/petitions/{slug}").text


def test_publishing_a_petition_that_opens_later_says_when(app, organizer_client, clock):
    # July 15, 2027: the clock starts at instants.OPEN (not moved back after logging in).
    slug = start(
        organizer_client, time_zone="America/Los_Angeles", opens_at="2027-08-02T09:00"
    )
    with app.app_context():
        # 09:00 Pacific daylight time.
        assert petition_by_slug(slug).opens_at == datetime(2027, 8, 2, 16, 0, tzinfo=UTC)
    dashboard = organizer_client.get(publish(organizer_client, slug).headers["Location"]).text
    assert "anyone can now sign it" not in dashboard
    assert "Published. Signing opens on August 2, 2027 at 9:00" in unescape(dashboard)
    assert "Pacific Time" in dashboard
    page = organizer_client.get(f"/petitions/{slug}").text
    assert 'name="form_token"' not in page and "This petition opens on" in page
