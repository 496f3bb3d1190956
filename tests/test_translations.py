"""Translating a petition side by side: every text (title, about, letter subject and body, the
targets' titles) per language, the untranslated ones marked, the Spanish page showing what is
translated and the original (marked English) where nothing is."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import PetitionChange, PetitionTranslation, TargetTranslation
from app.petitions.queries import petition_by_slug
from app.petitions.translations import (
    TranslationRefused,
    petition_texts,
    save_translation,
    translation_progress,
    untranslated,
)
from tests.conftest import csrf_token_from, deliver_mail, sign
from tests.factories import make_petition
from tests.smtp_sink import text_of

SPANISH = {
    "title": "Protege a Philly",
    "about": "Primer párrafo.\n\nSegundo párrafo.",
    "letter_subject": "Terminen el contrato de PARS",
    "letter_body": "Les escribo como residente de Filadelfia.\n\nTerminen el contrato.",
}
TARGET_TITLES = ("Alcalde", "Fiscal de Distrito", "Jueza")


@pytest.fixture
def petition(app):
    with app.app_context():
        petition = make_petition(
            title="Protect Philly",
            about="English about.\n\nSecond English paragraph.",
            letter_subject="End the PARS contract",
            letter_body="I am writing you as a resident.\n\nEnd it.",
        )
        return {"slug": petition.slug, "targets": [t.id for t in petition.targets]}


def translation_url(slug: str, locale: str = "es") -> str:
    return f"/organizer/petitions/{slug}/translations/{locale}"


def post_translation(client, slug: str, fields: dict, locale: str = "es"):
    page = client.get(translation_url(slug, locale))
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(translation_url(slug, locale), data={"csrf_token": token, **fields})


def every_text(target_ids) -> dict:
    fields = dict(SPANISH)
    for target_id, title in zip(target_ids, TARGET_TITLES, strict=True):
        fields[f"target_{target_id}"] = title
    return fields


def page_in(client, slug: str, language: str) -> str:
    response = client.get(f"/petitions/{slug}", headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def untranslated_marks(html: str) -> int:
    return html.count('class="status-tag"')


def test_every_text_is_translated_from_the_web(app, organizer_client, petition):
    slug = petition["slug"]
    dashboard = organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    assert "Spanish: 0 of 7 texts translated" in dashboard
    assert f'href="{translation_url(slug)}"' in dashboard

    page = organizer_client.get(translation_url(slug))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert untranslated_marks(html) == 7, "every text marked, in words"
    assert html.count(">Not translated<") == 7
    # The original beside each field, marked as English; the field marked as Spanish.
    assert '<div class="original-text" id="title-original" lang="en">Protect Philly</div>' in html
    assert re.search(r'<input[^>]*id="title"[^>]*lang="es"', html)
    assert "Second English paragraph." in html
    assert "I am writing you as a resident." in html
    assert ">Mayor</div>" in html and ">District Attorney</div>" in html

    response = post_translation(organizer_client, slug, every_text(petition["targets"]))
    assert response.status_code == 303
    saved = organizer_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Saved: 7 changes." in saved
    assert "7 of 7 texts translated." in saved
    assert untranslated_marks(saved) == 0
    assert 'value="Protege a Philly"' in saved
    dashboard = organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    assert "Spanish: 7 of 7 texts translated" in dashboard

    spanish = page_in(organizer_client, slug, "es")
    assert '<h1 lang="es">Protege a Philly</h1>' in spanish
    about = '<div class="markdown" lang="es"><p>Primer párrafo.</p>\n<p>Segundo párrafo.</p>'
    assert about in spanish
    assert '<div class="letter-text" lang="es">' in spanish
    assert "<h3>Terminen el contrato de PARS</h3>" in spanish
    letter = "<p>Les escribo como residente de Filadelfia.</p>\n<p>Terminen el contrato.</p>"
    assert letter in spanish
    # The greeting follows the translated letter, with the officials' Spanish titles.
    assert "Alcalde Michael Nutter, Fiscal de Distrito Seth Williams y Jueza Marsha" in spanish
    assert "<li>Alcalde Michael Nutter</li>" in spanish
    assert "<li>Fiscal de Distrito Seth Williams</li>" in spanish
    assert "A translation of the letter. The officials receive the original" in spanish or (
        "traducción" in spanish.lower()
    )
    for english in ("Protect Philly", "English about.", "End the PARS contract", "resident."):
        assert english not in spanish, english

    english = page_in(organizer_client, slug, "en")
    assert '<h1 lang="en">Protect Philly</h1>' in english
    assert '<div class="letter-text" lang="en">' in english
    assert "<h3>End the PARS contract</h3>" in english
    assert "Dear Mayor Michael Nutter, District Attorney Seth Williams and Judge" in english
    for spanish_text in ("Protege", "Primer párrafo", "Terminen", "Alcalde", "Fiscal", "Jueza"):
        assert spanish_text not in english, spanish_text


def test_each_change_of_a_published_petition_is_recorded(app, organizer_client, petition):
    slug = petition["slug"]
    post_translation(organizer_client, slug, every_text(petition["targets"]))
    post_translation(organizer_client, slug, {"title": "Protejamos a Philly"})
    with app.app_context():
        changes = db.session.scalars(
            sa.select(PetitionChange).order_by(PetitionChange.id)
        ).all()
        recorded = [(c.actor, c.what, c.old_value, c.new_value) for c in changes]
    assert ("admin@example.org", "title (es)", None, "Protege a Philly") in recorded
    assert ("admin@example.org", "letter body (es)", None, SPANISH["letter_body"]) in recorded
    assert ("admin@example.org", "target 2 title (es)", None, "Fiscal de Distrito") in recorded
    assert recorded[-1] == (
        "admin@example.org",
        "title (es)",
        "Protege a Philly",
        "Protejamos a Philly",
    )
    assert len(recorded) == 8
    settings = organizer_client.get(f"/organizer/petitions/{slug}/settings")
    assert "target 2 title (es)" in settings.get_data(as_text=True)


def test_a_drafts_translation_is_not_recorded(app):
    with app.app_context():
        draft = make_petition(published_at=None)
        assert save_translation(draft, "es", {"title": "Borrador"}) == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PetitionChange)) == 0
        assert petition_by_slug(draft.slug).translations[0].title == "Borrador"


def test_an_untranslated_text_shows_the_original_marked_english(app, organizer_client, petition):
    slug = petition["slug"]
    first_target = petition["targets"][0]
    response = post_translation(
        organizer_client,
        slug,
        {"title": "Protege a Philly", f"target_{first_target}": "Alcalde", "about": "  "},
    )
    assert response.status_code == 303
    page = organizer_client.get(translation_url(slug)).get_data(as_text=True)
    assert "2 of 7 texts translated." in page
    assert untranslated_marks(page) == 5
    # The mark is in the field's description, so a screen reader says it too.
    assert 'id="about-status"' in page
    assert re.search(r'<textarea[^>]*aria-describedby="about-original about-status"', page)
    assert not re.search(r'aria-describedby="title-original title-status"', page)

    spanish = page_in(organizer_client, slug, "es")
    assert '<h1 lang="es">Protege a Philly</h1>' in spanish
    assert '<div class="markdown" lang="en"><p>English about.</p>' in spanish
    assert "A translation of the organizers' text" not in spanish
    assert '<div class="letter-text" lang="en">' in spanish
    assert "<h3>End the PARS contract</h3>" in spanish
    assert "Dear Alcalde" not in spanish and "Dear Mayor Michael Nutter, District" in spanish
    assert "<li>Alcalde Michael Nutter</li>" in spanish
    assert "<li>District Attorney Seth Williams</li>" in spanish
    with app.app_context():
        progress = translation_progress(petition_by_slug(slug))
        assert [(p.locale, p.translated, p.total) for p in progress] == [("es", 2, 7)]
        missing = [text.key for text in untranslated(petition_by_slug(slug), "es")]
    assert missing == [
        "about",
        "letter_subject",
        "letter_body",
        f"target-{petition['targets'][1]}",
        f"target-{petition['targets'][2]}",
    ]


def test_a_translated_subject_alone_is_marked_spanish_in_an_english_letter(
    app, organizer_client, petition
):
    slug = petition["slug"]
    post_translation(organizer_client, slug, {"letter_subject": "Terminen el contrato de PARS"})
    spanish = page_in(organizer_client, slug, "es")
    assert '<div class="letter-text" lang="en">' in spanish
    assert '<h3 lang="es">Terminen el contrato de PARS</h3>' in spanish
    assert "<p>I am writing you as a resident.</p>" in spanish
    assert "Dear Mayor Michael Nutter" in spanish, "the English body keeps its English greeting"
    assert '<h1 lang="en">Protect Philly</h1>' in spanish


def test_emptying_every_text_removes_the_translation(app, organizer_client, petition):
    slug = petition["slug"]
    post_translation(organizer_client, slug, every_text(petition["targets"]))
    blank = {key: "" for key in every_text(petition["targets"])}
    response = post_translation(organizer_client, slug, blank)
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PetitionTranslation)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TargetTranslation)) == 0
    spanish = page_in(organizer_client, slug, "es")
    assert '<h1 lang="en">Protect Philly</h1>' in spanish
    assert "<li>Mayor Michael Nutter</li>" in spanish


def test_a_field_the_form_did_not_send_is_left_as_it_was(app, organizer_client, petition):
    """A target added since the page was shown has no field in the POST: its title stays."""
    slug = petition["slug"]
    first_target = petition["targets"][0]
    post_translation(organizer_client, slug, {f"target_{first_target}": "Alcalde"})
    post_translation(organizer_client, slug, {"title": "Protege a Philly"})
    spanish = page_in(organizer_client, slug, "es")
    assert "<li>Alcalde Michael Nutter</li>" in spanish
    assert '<h1 lang="es">Protege a Philly</h1>' in spanish


def test_a_title_translated_without_its_about_keeps_emails_right(app, client, smtp, petition):
    """Only the about text translated: the Spanish confirmation email names the petition by
    its original title, not by an empty one."""
    with app.app_context():
        save_translation(petition_by_slug(petition["slug"]), "es", {"about": "Texto."})
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    sign(client, petition["slug"], email="ana@example.org", first_name="Ana")
    deliver_mail(app)
    (email,) = smtp.wait_for(1)
    assert "Protect Philly" in email["Subject"]
    assert "“Protect Philly”" in text_of(email)


def test_bad_translations_are_refused_with_a_message(app, organizer_client, petition):
    slug = petition["slug"]
    too_long = post_translation(organizer_client, slug, {"title": "x" * 201})
    html = too_long.get_data(as_text=True)
    assert too_long.status_code == 400
    assert "Use at most 200 characters." in html
    assert 'aria-invalid="true"' in html
    control = post_translation(organizer_client, slug, {"letter_subject": "Fin\x07"})
    assert control.status_code == 400
    assert "Remove the control characters" in control.get_data(as_text=True)
    target = petition["targets"][0]
    long_title = post_translation(organizer_client, slug, {f"target_{target}": "y" * 121})
    assert long_title.status_code == 400
    no_token = organizer_client.post(translation_url(slug), data={"title": "Sin token"})
    assert no_token.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PetitionTranslation)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TargetTranslation)) == 0


def test_only_the_languages_petitions_are_translated_into(app, organizer_client, petition):
    slug = petition["slug"]
    for locale in ("en", "fr", "x" * 300):
        assert organizer_client.get(translation_url(slug, locale)).status_code == 404
    assert organizer_client.get(translation_url("no-such-petition")).status_code == 404
    with app.app_context():
        with pytest.raises(TranslationRefused):
            save_translation(petition_by_slug(slug), "en", {"title": "Other"})


def test_the_service_refuses_what_the_columns_cannot_hold(app, petition):
    """The command line and other callers meet the same limits as the form."""
    with app.app_context():
        target_key = f"target-{petition['targets'][0]}"
        with pytest.raises(TranslationRefused) as refused:
            save_translation(
                petition_by_slug(petition["slug"]), "es", {"title": "ok", target_key: "t" * 121}
            )
        assert refused.value.key == target_key
        texts = petition_texts(petition_by_slug(petition["slug"]), "es")
        assert not any(text.is_translated for text in texts), "nothing saved"


def test_the_organizer_side_speaks_spanish_too(app, organizer_client, petition):
    organizer_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    dashboard = organizer_client.get(f"/organizer/petitions/{petition['slug']}")
    assert "Traducción al español: 0 de 7 textos traducidos" in dashboard.get_data(as_text=True)
    page = organizer_client.get(translation_url(petition["slug"]))
    assert page.status_code == 200
    assert 'lang="en">Protect Philly</div>' in page.get_data(as_text=True)


def test_the_seeded_pars_spanish_letter_is_as_before(app, client, runner):
    """PARS has no translated letter: its Spanish page shows the English letter, marked so,
    exactly as before translations of the letter existed (but for the indentation the page
    is sent without: app.web.html_whitespace)."""
    from app.web.html_whitespace import without_indentation

    assert runner.invoke(args=["petitions", "seed-pars"]).exit_code == 0
    html = page_in(client, "end-the-pars-contract", "es")
    assert without_indentation(
        '<p class="translation-note">La carta se entrega a las autoridades en inglés, tal como '
        "está escrita:</p>\n"
        '        <div class="letter-text" lang="en">\n'
        "          <h3>End the PARS contract</h3>\n"
        "          <p>Dear Mayor Michael Nutter, District Attorney Seth Williams and Judge Marsha "
        "Neifield:</p>\n"
        "          <p>I am writing you as a resident of Philadelphia"
    ) in html
    assert '<h1 lang="es">Protege a Philly' in html
    assert "<li>Alcalde Michael Nutter</li>" in html


def test_saving_the_page_unchanged_changes_nothing(app, organizer_client, petition):
    """Browsers send a textarea's lines ended by CR LF: the same text, not a change."""
    slug = petition["slug"]
    post_translation(organizer_client, slug, every_text(petition["targets"]))
    again = every_text(petition["targets"])
    again["about"] = SPANISH["about"].replace("\n", "\r\n")
    again["letter_body"] = SPANISH["letter_body"].replace("\n", "\r\n") + "\r\n"
    response = post_translation(organizer_client, slug, again)
    assert "Saved: 0 changes." in organizer_client.get(response.headers["Location"]).get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PetitionChange)) == 7
