"""Counts in words: "1 signature", "2 signatures", never "1 signatures" or "signature(s)", in
English and in Spanish, wherever a number meets a noun: organizers' messages, the letter
(English only, as it is delivered) and its email."""

import io

import pytest
from pypdf import PdfReader

from app.extensions import db
from app.letters.letter import SignerCounts, build_letter, counts_sentence
from app.petitions.queries import petition_by_slug
from tests import instants
from tests.conftest import csrf_token_from, prepared_letter
from tests.factories import (
    ORGANIZER_PASSWORD,
    PARS_TARGETS,
    make_organizer,
    make_petition,
    make_signature,
)

MESSAGES = {
    "en": {
        "saved": ("Saved: 1 change.", "Saved: 2 changes."),
        "erased": (
            "Personal data of 1 signature erased; the counts remain.",
            "Personal data of 2 signatures erased; the counts remain.",
        ),
    },
    "es": {
        "saved": ("Guardado: 1 cambio.", "Guardado: 2 cambios."),
        "erased": (
            "Se borraron los datos personales de 1 firma; los conteos se conservan.",
            "Se borraron los datos personales de 2 firmas; los conteos se conservan.",
        ),
    },
}
LANGUAGES = pytest.mark.parametrize("language", ["en", "es"])


def in_language(client, language: str):
    client.get(f"/language/{language}?next=/organizer/")
    return client


def post_from(client, page: str, action: str, data: dict):
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(action, data={"csrf_token": token, **data}, follow_redirects=True)


def settings_form(goal: int, closes_at: str = "2027-08-31T23:59:59") -> dict:
    """The settings as the factory made them (targets without addresses), but the goal and
    the deadline."""
    form = {"goal": str(goal), "closes_at": closes_at, "featured": "y"}
    for number, (title, name, _email) in enumerate(PARS_TARGETS):
        form.update({f"targets-{number}-title": title, f"targets-{number}-name": name})
    return form


@LANGUAGES
def test_settings_saved(app, organizer_client, language):
    with app.app_context():
        petition = make_petition()
        for target in petition.targets:
            target.email = None
        db.session.commit()
        slug = petition.slug
    client = in_language(organizer_client, language)
    page = f"/organizer/petitions/{slug}/settings"
    one, two = MESSAGES[language]["saved"]
    assert one in post_from(client, page, page, settings_form(goal=200)).text
    changed_twice = settings_form(goal=300, closes_at="2027-09-30T18:00")
    html = post_from(client, page, page, changed_twice).text
    assert two in html and "(s)" not in html


@pytest.mark.parametrize("signers", [1, 2])
def test_letter_counts_on_the_letters_page(app, organizer_client, signers):
    with app.app_context():
        petition = make_petition()
        for _ in range(signers):
            make_signature(petition, zip_code="19107")
            make_signature(petition, zip_code="10001")
        slug = petition.slug
    html = organizer_client.get(f"/organizer/petitions/{slug}/letters").get_data(as_text=True)
    if signers == 1:
        assert "2 signers in all" in html
        assert "1 resident of Philadelphia" in html
        assert "1 supporter elsewhere" in html
    else:
        assert "4 signers in all" in html
        assert "2 residents of Philadelphia" in html
        assert "2 supporters elsewhere" in html
    assert "(s)" not in html
    in_language(organizer_client, "es")
    html = organizer_client.get(f"/organizer/petitions/{slug}/letters").get_data(as_text=True)
    if signers == 1:
        assert "1 residente de Philadelphia" in html and "1 simpatizante de otros" in html
    else:
        assert "2 residentes de Philadelphia" in html and "2 simpatizantes de otros" in html


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("signers", [1, 2])
def test_signatures_erased(app, client, clock, language, signers):
    from tests.conftest import log_in

    clock.move_to(instants.AFTER_GRACE)  # before logging in: sessions last 12 hours
    with app.app_context():
        petition = make_petition()
        for _ in range(signers):
            make_signature(petition)
        slug = petition.slug
        make_organizer("admin@example.org", admin=True)
    log_in(client, "admin@example.org", ORGANIZER_PASSWORD)
    in_language(client, language)
    dashboard = f"/organizer/petitions/{slug}"
    html = post_from(
        client, dashboard, f"{dashboard}/purge", {"understood": "y", "delivered_by_hand": "y"}
    ).text
    assert MESSAGES[language]["erased"][signers - 1] in html


@pytest.mark.parametrize(
    ("counts", "sentence"),
    [
        (
            SignerCounts(total=1, residents=1, elsewhere=0, named=1, on_paper=0),
            "This letter is signed by 1 person: 1 resident of Philadelphia and "
            "0 supporters elsewhere.",
        ),
        (
            SignerCounts(total=2, residents=1, elsewhere=1, named=2, on_paper=0),
            "This letter is signed by 2 people: 1 resident of Philadelphia and "
            "1 supporter elsewhere.",
        ),
        (
            SignerCounts(total=4, residents=2, elsewhere=2, named=0, on_paper=0),
            "This letter is signed by 4 people: 2 residents of Philadelphia and "
            "2 supporters elsewhere.",
        ),
        (
            SignerCounts(total=1200, residents=1000, elsewhere=200, named=0, on_paper=0),
            "This letter is signed by 1,200 people: 1,000 residents of Philadelphia and "
            "200 supporters elsewhere.",
        ),
    ],
)
def test_the_letter_counts_its_signers_in_words(app, counts, sentence):
    with app.app_context():
        assert counts_sentence(make_petition(), counts) == sentence


@LANGUAGES
def test_the_letter_and_its_email_stay_english_for_a_spanish_organizer(
    app, organizer_client, language
):
    with app.app_context():
        petition = make_petition()
        make_signature(petition, zip_code="19107")
        slug = petition.slug
    html = in_language(organizer_client, language).get(f"/organizer/petitions/{slug}/letters")
    assert "This letter is signed by 1 person: 1 resident of Philadelphia and 0 supporters" in (
        html.text
    )
    pdf = prepared_letter(app, organizer_client, slug).data
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split()
    )
    assert "This letter is signed by 1 person: 1 resident of Philadelphia" in text


def test_the_pdf_says_1_resident(app):
    with app.app_context():
        petition = make_petition()
        make_signature(petition, zip_code="10001")
        letter = build_letter(petition_by_slug(petition.slug), petition.targets[0], instants.OPEN)
    text = " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(letter.data)).pages).split()
    )
    assert "signed by 1 person: 0 residents of Philadelphia and 1 supporter elsewhere." in text
