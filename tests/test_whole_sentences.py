"""Spanish written as whole sentences, not assembled from English-shaped parts: an official's
translated title ("Alcaldesa", "Concejal") is only ever placed where Spanish needs neither an
article nor an agreeing adjective, and no sentence has a language's name dropped into it. The
English pages, letters and PDFs stay exactly as they were."""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from app.extensions import db
from app.letters.printed.sheet import build_sheet
from app.models import PetitionTranslation
from app.models.petition import TargetTranslation
from app.petitions.images import share_image_for
from app.petitions.outcomes import record_response
from app.petitions.queries import petition_by_slug
from app.petitions.translations import translated_greeting
from app.updates.news import response_update
from tests.factories import make_petition

SPANISH_TITLES = ("Alcaldesa", "Concejal", "Jueza")
SPANISH_NAMES = "Alcaldesa Karen Bass, Concejal Curren Price y Jueza Marsha Neifield"


@pytest.fixture
def slug(app) -> str:
    """A petition to a mayor, a councilmember and a judge, every text translated."""
    with app.app_context():
        petition = make_petition(slug="protect-la", title="Protect LA")
        mayor, council, _judge = petition.targets
        mayor.title, mayor.name = "Mayor", "Karen Bass"
        council.title, council.name = "Councilmember", "Curren Price"
        for target, title in zip(petition.targets, SPANISH_TITLES, strict=True):
            target.translations.append(TargetTranslation(locale="es", title=title))
        petition.translations.append(
            PetitionTranslation(
                locale="es",
                title="Protejamos a Los Ángeles",
                about="Texto en español.",
                letter_subject="Terminen el contrato",
                letter_body="Les escribimos como residentes.\n\nTerminen el contrato.",
            )
        )
        db.session.commit()
        return petition.slug


def page(client, path: str, language: str) -> str:
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_a_translated_letter_is_addressed_then_greeted_without_agreement(app, client, slug):
    spanish = page(client, f"/petitions/{slug}", "es")
    addressed = f"<p>Para: {SPANISH_NAMES}</p>"
    greeted = "<p>Estimadas autoridades:</p>"
    assert addressed in spanish and greeted in spanish
    assert spanish.index(addressed) < spanish.index(greeted) < spanish.index("Les escribimos")
    assert "Estimados" not in spanish

    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert translated_greeting(["Alcaldesa Karen Bass"]) == [
            "Para: Alcaldesa Karen Bass",
            "Estimada autoridad:",
        ]

    english = page(client, f"/petitions/{slug}", "en")
    assert (
        "<p>Dear Mayor Karen Bass, Councilmember Curren Price and Judge Marsha Neifield:</p>"
    ) in english


def test_a_response_is_headed_by_the_official_then_the_date(app, client, organizer_client, slug):
    with app.test_request_context():
        record_response(petition_by_slug(slug), 1, date(2027, 7, 14), "We read your letter.")
    visitor = app.test_client()
    spanish = page(visitor, f"/petitions/{slug}", "es")
    assert "Alcaldesa Karen Bass: respuesta del 14 de julio de 2027" in spanish
    assert "Respuesta de Alcaldesa" not in spanish
    english = page(visitor, f"/petitions/{slug}", "en")
    assert "Response from Mayor Karen Bass, July 14, 2027" in english
    # The organizers' page names the official as the letter does, in English.
    responses = page(organizer_client, f"/organizer/petitions/{slug}/responses", "es")
    assert "Mayor Karen Bass: respuesta del 14 de julio de 2027" in responses


def test_the_officials_are_named_after_a_label(app, client, slug):
    spanish = page(client, f"/petitions/{slug}", "es")
    assert "Para: Alcaldesa Karen Bass y 2 personas más" in spanish
    assert "dirigida a Alcaldesa" not in spanish
    listed = page(client, "/petitions", "es")
    assert "Para: Alcaldesa Karen Bass, Concejal Curren Price, Jueza Marsha Neifield" in listed

    english = page(client, f"/petitions/{slug}", "en")
    assert "Petitioning Mayor Karen Bass and 2 others" in english
    assert "To Mayor Karen Bass, Councilmember Curren Price" in page(client, "/petitions", "en")

    with app.test_request_context():
        petition = petition_by_slug(slug)
        assert share_image_for(petition, "es").addressed_to == (
            "Para: Alcaldesa Karen Bass y 2 más"
        )
        assert share_image_for(petition, "en").addressed_to == "To Mayor Karen Bass and 2 others"


def pdf_text(data: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def test_the_spanish_sheet_names_the_officials_after_a_noun(app, slug):
    with app.test_request_context():
        petition = petition_by_slug(slug)
        spanish = pdf_text(build_sheet(petition, "es").data)
        english = pdf_text(build_sheet(petition, "en").data)
    assert (
        "Nuestra carta, “Terminen el contrato”, con los nombres de los firmantes que aceptan "
        f"aparecer, se entrega a estas autoridades: {SPANISH_NAMES}."
    ) in spanish
    assert "va dirigida a Alcaldesa" not in spanish
    assert (
        "Our letter, “End the PARS contract”, goes to Mayor Karen Bass, Councilmember Curren "
        "Price and Judge Marsha Neifield, with the names of the signers who agree to be named."
    ) in english


def test_an_update_about_a_response_reads_right_in_spanish(app, slug):
    with app.test_request_context():
        petition = petition_by_slug(slug)
        response = record_response(petition, 1, date(2027, 7, 14), "We read your letter.")
        spanish = response_update(petition, response.id, "es")
        english = response_update(petition, response.id, "en")
    assert spanish.title == "Respuesta a nuestra petición: Alcaldesa Karen Bass"
    assert spanish.body.startswith(
        "El 14 de julio de 2027 recibimos una respuesta a nuestra petición. Remitente: "
        "Alcaldesa Karen Bass. Estas son sus palabras:\n\n> We read your letter."
    )
    assert english.title == "Mayor Karen Bass responded to our petition"
    assert english.body.startswith(
        "On July 14, 2027, Mayor Karen Bass responded to our petition. Their words:"
    )


# --- languages are named by whole sentences ---------------------------------------------------


def test_the_organizer_pages_name_languages_in_whole_sentences(app, organizer_client, slug):
    pages = {
        "preview": f"/organizer/petitions/{slug}/preview?lang=es",
        "edit": f"/organizer/petitions/{slug}/edit",
        "dashboard": f"/organizer/petitions/{slug}",
        "translation": f"/organizer/petitions/{slug}/translations/es",
        "image": f"/organizer/petitions/{slug}/image",
    }
    spanish = {name: page(organizer_client, path, "es") for name, path in pages.items()}
    assert "Vista previa en inglés" in spanish["preview"]
    assert "Vista previa en español" in spanish["edit"]
    assert "Traducción al español: 7 de 7 textos traducidos" in spanish["dashboard"]
    translation = spanish["translation"]
    assert "<h1>Traducción al español</h1>" in translation
    assert "Donde un texto no tiene traducción, quienes leen en español ven el original." in (
        translation
    )
    assert "Original, en inglés" in translation
    assert "Título de la petición, en español" in translation
    assert "Cargo del destinatario 2, en español" in translation
    assert 'alt="La imagen para compartir en español"' in spanish["image"]
    assert 'alt="La imagen para compartir en inglés"' in spanish["image"]
    for name, html in spanish.items():
        for dropped in ("(Español)", "(Inglés)", "(español)", "Vista previa (", "Traducción ("):
            assert dropped not in html, (name, dropped)

    english = {name: page(organizer_client, path, "en") for name, path in pages.items()}
    preview = page(organizer_client, f"/organizer/petitions/{slug}/preview?lang=en", "en")
    assert "Preview in Spanish" in preview
    assert "Spanish: 7 of 7 texts translated" in english["dashboard"]
    assert "<h1>Spanish translation</h1>" in english["translation"]
    assert "Readers of Spanish see the original wherever a text has no translation." in (
        english["translation"]
    )
    assert "Original, in English" in english["translation"]
    assert "Title of the petition, in Spanish" in english["translation"]
    assert "Title of target 2, in Spanish" in english["translation"]
    assert 'alt="The share image in Spanish"' in english["image"]


def test_every_language_has_its_sentences(app):
    """A language added to LANGUAGES without its sentences fails here, not on a page."""
    from app.petitions.translations import ORIGINAL_LOCALE, PETITION_TEXTS, translation_locales
    from app.web.organizer import languages

    with app.test_request_context():
        for code in app.config["LANGUAGES"]:
            assert languages.preview_in(code) and languages.share_image_in(code)
        assert languages.original_in(ORIGINAL_LOCALE)
        for code in translation_locales():
            assert languages.translation_heading(code) and languages.translation_note(code)
            assert languages.translation_count(code, 1, 2)
            for key in (*PETITION_TEXTS, "target"):
                assert languages.translated_field_label(key, code, 1)
        with pytest.raises(languages.NoSentence):
            languages.preview_in("fr")
