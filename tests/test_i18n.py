"""Spanish and English: chosen from the browser, switched and remembered, in pages, form
messages and emails; the catalogs complete."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.extensions import db
from app.models import PetitionTranslation
from app.models.petition import TargetTranslation
from app.petitions.queries import petition_by_slug
from tests.conftest import deliver_mail, sign
from tests.factories import make_petition
from tests.smtp_sink import html_of, text_of

CATALOGS = Path(__file__).resolve().parent.parent / "app" / "translations"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@pytest.fixture
def slug(app):
    with app.app_context():
        petition = make_petition(title="Protect Philly", about="English about.")
        petition.translations.append(
            PetitionTranslation(locale="es", title="Protege a Philly", about="Texto en español.")
        )
        petition.targets[0].translations.append(TargetTranslation(locale="es", title="Alcalde"))
        db.session.commit()
        return petition.slug


def spanish(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-US,es;q=0.9,en;q=0.5"
    return client


def test_the_browsers_language_is_followed(app, client, slug):
    english = client.get(f"/petitions/{slug}").get_data(as_text=True)
    assert '<html lang="en">' in english and "Sign this petition" in english
    html = spanish(client).get(f"/petitions/{slug}").get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "Firma esta petición" in html or "Firma la petición" in html
    assert "Para: Alcalde Michael Nutter y 2 personas más" in html
    assert "<li>District Attorney Seth Williams</li>" in html, "untranslated: as written"
    assert '<h1 lang="es">Protege a Philly</h1>' in html
    assert "Texto en español." in html and "English about." not in html
    assert 'class="letter-text" lang="en"' in html, "the letter stays in English, marked so"


def test_the_switch_is_remembered(app, client, slug):
    response = client.get(f"/language/es?next=/petitions/{slug}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/petitions/{slug}"
    assert "lang=es" in response.headers["Set-Cookie"]
    assert '<html lang="es">' in client.get(f"/petitions/{slug}").get_data(as_text=True)
    client.get("/language/en?next=/")
    assert '<html lang="en">' in client.get(f"/petitions/{slug}").get_data(as_text=True)


def test_the_switch_never_sends_visitors_elsewhere(client):
    for target in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.get("/language/es", query_string={"next": target})
        assert response.headers["Location"] == "/"
    assert client.get("/language/fr").status_code == 404


def test_form_errors_are_in_spanish(app, client, slug):
    spanish(client)
    html = sign(client, slug, first_name="", zip_code="1", name_display="nope").get_data(
        as_text=True
    )
    assert "Escribe tu nombre" in html or "Ingresa tu nombre" in html
    assert "código postal" in html.lower()
    assert "Enter your first name." not in html


def test_a_signer_gets_emails_in_the_language_they_signed_in(app, client, smtp, slug):
    spanish(client)
    sign(client, slug, email="ana@example.org", first_name="Ana")
    deliver_mail(app)
    (email,) = smtp.wait_for(1)
    assert email["Subject"].startswith("Confirma tu firma")
    assert "Protege a Philly" in email["Subject"]
    assert "Hola, Ana" in text_of(email)
    assert '<html lang="es">' in html_of(email)


def test_the_page_dates_and_numbers_are_spanish(app, client, slug):
    html = spanish(client).get(f"/petitions/{slug}").get_data(as_text=True)
    assert "de agosto de 2027" in html


def test_every_message_is_translated_with_the_same_placeholders():
    for po in CATALOGS.glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as file:
            catalog = read_po(file)
        for message in catalog:
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(strings), f"{po.parent.parent.name}: untranslated {ids[0]!r}"
            expected = set(PLACEHOLDER.findall(ids[-1]))
            for string in strings:
                assert set(PLACEHOLDER.findall(string)) <= expected | {"%(num)d", "%(num)s"}, ids


def test_the_pages_after_signing_name_the_petition_in_spanish(app, client, slug):
    html = spanish(client).get(f"/petitions/{slug}/thanks").get_data(as_text=True)
    assert "“Protege a Philly”" in html
    assert "Protect Philly" not in html


def test_a_new_spanish_title_reaches_the_next_confirmation_email(app, client, smtp, slug):
    spanish(client)
    sign(client, slug, email="ana@example.org", first_name="Ana")
    deliver_mail(app)  # an email carries the title of when it is sent
    with app.app_context():
        translation = db.session.scalar(
            db.select(PetitionTranslation).where(PetitionTranslation.locale == "es")
        )
        translation.title = "Protejamos a Filadelfia"
        db.session.commit()
    sign(client, slug, email="bea@example.org", first_name="Bea")
    deliver_mail(app)
    first, second = sorted(smtp.wait_for(2), key=lambda email: "Bea" in text_of(email))
    assert "Protege a Philly" in first["Subject"]
    assert "Protejamos a Filadelfia" in second["Subject"]
    assert "“Protejamos a Filadelfia”" in text_of(second)
    assert "Protejamos a Filadelfia" in html_of(second)


def test_the_seeded_spanish_page_gives_the_officials_spanish_titles(app, client, runner):
    result = runner.invoke(args=["petitions", "seed-pars"])
    assert result.exit_code == 0, result.output
    html = spanish(client).get("/petitions/end-the-pars-contract").get_data(as_text=True)
    assert "Para: Alcalde Michael Nutter y 2 personas más" in html
    for name in ("Alcalde Michael Nutter", "Fiscal de Distrito Seth Williams"):
        assert f"<li>{name}</li>" in html
    assert "<li>Jueza Marsha Neifield</li>" in html
    assert "Mayor Michael Nutter" not in html.replace("Dear Mayor Michael Nutter", "")
    # The letter itself is delivered in English, titles included.
    assert "Dear Mayor Michael Nutter, District Attorney Seth Williams and Judge" in html
    english = client.get(
        "/petitions/end-the-pars-contract", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Petitioning Mayor Michael Nutter and 2 others" in english
    assert "Alcalde" not in english


def test_seeding_translates_only_the_titles_organizers_left_as_they_were(app, client, runner):
    runner.invoke(args=["petitions", "seed-pars"])
    with app.app_context():
        # A database seeded before titles were translated, where an organizer since put
        # someone else at position 2.
        db.session.execute(db.delete(TargetTranslation))
        petition = petition_by_slug("end-the-pars-contract")
        petition.targets[1].title = "Commissioner"
        petition.targets[1].name = "Rebecca Rhynhart"
        db.session.commit()
    result = runner.invoke(args=["petitions", "seed-pars"])
    assert result.exit_code == 0, result.output
    runner.invoke(args=["petitions", "seed-pars"])  # twice: still one title per language
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(TargetTranslation)) == 2
    html = spanish(client).get("/petitions/end-the-pars-contract").get_data(as_text=True)
    assert "<li>Alcalde Michael Nutter</li>" in html
    assert "<li>Commissioner Rebecca Rhynhart</li>" in html
    assert "<li>Jueza Marsha Neifield</li>" in html


def test_a_catalog_missing_or_older_than_its_source_stops_the_session(tmp_path):
    """conftest's check before any test: a missing or stale .mo would show English pages
    where Spanish ones are expected, and the failure would not say why."""
    import os

    from tests.conftest import uncompiled_catalogs

    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog = folder / "messages.po"
    catalog.write_text("")
    assert uncompiled_catalogs(tmp_path) == [catalog]
    compiled = folder / "messages.mo"
    compiled.write_bytes(b"")
    os.utime(catalog, (1_000, 1_000))
    os.utime(compiled, (2_000, 2_000))
    assert uncompiled_catalogs(tmp_path) == []
    os.utime(catalog, (3_000, 3_000))  # edited since it was compiled
    assert uncompiled_catalogs(tmp_path) == [catalog]
