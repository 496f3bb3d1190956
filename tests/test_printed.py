"""Flyers and paper signature sheets: the flyer's QR code read back from the rendered page
(PDFium draws it, OpenCV decodes it), the sheet's columns read back with pypdf."""

import io
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy
import pypdfium2
import pytest
from flask_babel import force_locale
from pypdf import PdfReader

from app.extensions import db
from app.letters.printed import PrintRefused, build_flyer, build_sheet
from app.models import PetitionTranslation
from app.models.petition import TargetTranslation
from app.petitions.queries import petition_by_slug
from app.web.organizer.forms import PaperSignatureForm
from tests.conftest import (
    deliver_mail,
    form_token_from,
    links_in,
    path_of,
    press_button,
)
from tests.factories import make_petition
from tests.smtp_sink import text_of

BASE = "http://petitions.test"
# Points per page: (width, height).
LETTER, A4 = (612, 792), (595, 842)


def qr_code_in(pdf: bytes) -> str:
    """What a phone reads from the first page printed at 100 dpi ('' if nothing)."""
    document = pypdfium2.PdfDocument(pdf)
    page = document[0]
    try:
        image = numpy.asarray(page.render(scale=100 / 72, grayscale=True).to_pil())
    finally:
        page.close()
        document.close()
    found, _points, _code = cv2.QRCodeDetector().detectAndDecode(image)
    return found


def pages_of(pdf: bytes) -> list:
    return PdfReader(io.BytesIO(pdf)).pages


def flat_text(pdf: bytes) -> str:
    # Extraction puts NULs between runs of the fallback fonts (Chinese...).
    text = " ".join(page.extract_text() for page in pages_of(pdf)).replace("\x00", "")
    return " ".join(text.split())


def size_of(pdf: bytes) -> tuple[int, int]:
    (page,) = pages_of(pdf)
    return round(page.mediabox.width), round(page.mediabox.height)


def paper_form_labels(locale: str) -> list[str]:
    """The paper-entry form's fields as an organizer sees them, in order, without its own
    control (add anyway)."""
    with force_locale(locale):
        form = PaperSignatureForm(formdata=None, meta={"csrf": False})
        return [str(f.label.text) for f in form if f.name not in {"csrf_token", "add_anyway"}]


def in_order(text: str, words: list[str]) -> bool:
    position = 0
    for word in words:
        position = text.find(word, position)
        if position < 0:
            return False
        position += len(word)
    return True


@pytest.fixture
def slug(app) -> str:
    with app.app_context():
        petition = make_petition(
            title="Protect Philly",
            about="Philadelphia should *end* the PARS agreement.\n\nA second paragraph.",
            letter_subject="End the PARS contract",
        )
        db.session.add(
            PetitionTranslation(
                petition_id=petition.id,
                locale="es",
                title="Protege a Philly",
                about="Filadelfia debería **terminar** el acuerdo PARS.\n\nOtro párrafo.",
                letter_subject="Terminen el contrato PARS",
            )
        )
        for target, title in zip(petition.targets, ("Alcalde", "Fiscal", "Jueza"), strict=True):
            db.session.add(TargetTranslation(target_id=target.id, locale="es", title=title))
        db.session.commit()
        return petition.slug


# --- the flyer -----------------------------------------------------------------------------


@pytest.mark.parametrize(("paper", "size"), [("letter", LETTER), ("a4", A4)])
def test_the_flyer_command_writes_a_qr_code_to_the_tagged_petition(
    app, runner, slug, tmp_path, paper, size
):
    output = tmp_path / "flyer.pdf"
    result = runner.invoke(
        args=[
            "petitions",
            "flyer",
            slug,
            "--source",
            "library",
            "--output",
            str(output),
            "--paper",
            paper,
        ]
    )
    assert result.exit_code == 0, result.output
    pdf = output.read_bytes()
    assert qr_code_in(pdf) == f"{BASE}/petitions/{slug}?source=library"
    assert size_of(pdf) == size
    text = flat_text(pdf)
    assert "Protect Philly" in text
    assert "Philadelphia should end the PARS agreement." in text, "plain text, no Markdown"
    assert "A second paragraph" not in text, "the first paragraph only"
    assert "Mayor Michael Nutter" in text and "Judge Marsha Neifield" in text
    assert f"petitions.test/petitions/{slug}" in text, "the address, to type by hand"
    assert "August 31, 2027" in text


def test_the_flyer_in_spanish_uses_the_organizers_translation(app, slug):
    with app.app_context():
        flyer = build_flyer(petition_by_slug(slug), "mercado", "es", "a4")
    assert flyer.filename == f"{slug}-flyer-mercado-es-a4.pdf"
    assert qr_code_in(flyer.data) == f"{BASE}/petitions/{slug}?source=mercado"
    text = flat_text(flyer.data)
    assert "Protege a Philly" in text
    assert "Filadelfia debería terminar el acuerdo PARS." in text
    assert "Alcalde Michael Nutter" in text and "Jueza Marsha Neifield" in text
    assert "31 de agosto de 2027" in text
    assert "Protect Philly" not in text


def test_a_long_text_and_many_targets_still_leave_a_large_readable_code(app):
    with app.app_context():
        petition = make_petition(
            title=("A very long title " * 11).strip(),  # 200 characters at most
            about=("A paragraph that goes on and on. " * 80),
            slug="long-one",
        )
        flyer = build_flyer(petition, "street_team-2", "en", "letter")
    assert qr_code_in(flyer.data) == f"{BASE}/petitions/long-one?source=street_team-2"
    assert len(pages_of(flyer.data)) == 1
    assert "…" in flat_text(flyer.data), "the paragraph is cut, visibly"


def test_other_scripts_are_drawn_and_the_code_still_reads(app):
    with app.app_context():
        petition = make_petition(title="请签名 – وقّعوا العريضة", slug="scripts")
        flyer = build_flyer(petition, "flyer")
    assert qr_code_in(flyer.data) == f"{BASE}/petitions/scripts?source=flyer"
    assert "请签名" in flat_text(flyer.data)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--source", "bad name"], "source name"),
        (["--source", "x" * 33], "source name"),
        (["--source", "ok", "--language", "fr"], "en, es"),
        (["--source", "ok", "--paper", "a3"], "letter"),
    ],
)
def test_the_flyer_command_refuses_bad_options(app, runner, slug, tmp_path, arguments, message):
    output = tmp_path / "flyer.pdf"
    result = runner.invoke(args=["petitions", "flyer", slug, "--output", str(output), *arguments])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not output.exists()


def test_a_missing_petition_is_an_error(runner, tmp_path):
    result = runner.invoke(
        args=["petitions", "flyer", "nope", "--source", "x", "--output", str(tmp_path / "f.pdf")]
    )
    assert result.exit_code == 1
    assert "no petition with slug 'nope'" in result.output


def test_the_source_is_what_the_petition_page_keeps(app, slug):
    with app.app_context():
        petition = petition_by_slug(slug)
        flyer = build_flyer(petition, " Library-Table ")
        assert qr_code_in(flyer.data) == f"{BASE}/petitions/{slug}?source=library-table"
        with pytest.raises(PrintRefused) as refused:
            build_flyer(petition, "café")
        assert refused.value.option == "source"


# --- the sheet -----------------------------------------------------------------------------


def test_the_sheet_command_writes_the_paper_form_columns(app, runner, slug, tmp_path):
    output = tmp_path / "sheet.pdf"
    result = runner.invoke(args=["petitions", "sheet", slug, "--output", str(output)])
    assert result.exit_code == 0, result.output
    pdf = output.read_bytes()
    width, height = size_of(pdf)
    assert (width, height) == LETTER or (height, width) == LETTER
    (page,) = pages_of(pdf)
    assert page.mediabox.width > page.mediabox.height or page.rotation in (90, 270), "landscape"

    text = flat_text(pdf)
    with app.app_context():
        labels = paper_form_labels("en")
    assert labels == [
        "First name",
        "Last name",
        "ZIP code",
        "Email (optional)",
        "Date signed",
        "Reason (optional)",
        "Name shown publicly",
    ]
    header = text[text.index(labels[0]) :]
    assert in_order(header, labels), "the form's labels, in the form's order"
    assert "Add anyway" not in text
    numbers = [int(n) for n in re.findall(r"\b\d{1,2}\b", header.split(labels[-1], 1)[1])]
    assert numbers[:3] == [1, 2, 3] and max(numbers) >= 12, "numbered rows, a page of them"
    assert "Protect Philly" in text
    assert "Philadelphia should end the PARS agreement." in text
    assert "End the PARS contract" in text
    assert "never sell or share" in text
    assert "never your email address" in text


def test_the_sheet_in_spanish_on_a4(app, slug):
    with app.app_context():
        sheet = build_sheet(petition_by_slug(slug), "es", "a4")
        labels = paper_form_labels("es")
    assert sheet.filename == f"{slug}-signature-sheet-es-a4.pdf"
    assert labels[:3] == ["Nombre", "Apellido", "Código postal (ZIP)"]
    text = flat_text(sheet.data)
    assert in_order(text[text.index(labels[0]) :], labels)
    assert "Protege a Philly" in text
    assert "Terminen el contrato PARS" in text
    assert "Alcalde Michael Nutter" in text
    assert sorted(size_of(sheet.data)) == sorted(A4)


def test_the_sheet_command_refuses_an_unknown_language(runner, slug, tmp_path):
    output = tmp_path / "sheet.pdf"
    result = runner.invoke(
        args=["petitions", "sheet", slug, "--output", str(output), "--language", "de"]
    )
    assert result.exit_code == 2
    assert "en, es" in result.output
    assert not output.exists()


# --- from the dashboard ----------------------------------------------------------------------


def test_the_dashboard_offers_the_flyer_and_the_sheet(organizer_client, slug):
    html = organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    assert f'action="/organizer/petitions/{slug}/flyer.pdf"' in html
    assert f'formaction="/organizer/petitions/{slug}/sheet.pdf"' in html
    assert 'name="source"' in html and 'value="flyer"' in html
    assert 'name="language"' in html and 'name="paper"' in html


def test_the_flyer_is_downloaded_from_the_dashboard(organizer_client, slug):
    response = organizer_client.get(
        f"/organizer/petitions/{slug}/flyer.pdf?source=Market&language=es&paper=a4"
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert f'filename="{slug}-flyer-market-es-a4.pdf"' in response.headers["Content-Disposition"]
    assert qr_code_in(response.data) == f"{BASE}/petitions/{slug}?source=market"
    assert "Protege a Philly" in flat_text(response.data)


def test_the_sheet_is_downloaded_from_the_dashboard(organizer_client, slug):
    # The form's source box goes along with the sheet's button too; the sheet ignores it.
    response = organizer_client.get(
        f"/organizer/petitions/{slug}/sheet.pdf?source=bad+name&language=en&paper=letter"
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert in_order(flat_text(response.data), ["First name", "Last name", "ZIP code"])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("source=bad+name&language=en&paper=letter", "Use 1 to 32 letters, digits, - or _"),
        ("source=&language=en&paper=letter", "Enter a source name"),
        ("source=ok&language=fr&paper=letter", "Choose one of the options."),
        ("source=ok&language=en&paper=a3", "Choose one of the options."),
    ],
)
def test_a_bad_flyer_request_shows_the_form_again(organizer_client, slug, query, message):
    response = organizer_client.get(f"/organizer/petitions/{slug}/flyer.pdf?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert message in response.get_data(as_text=True)


def test_a_bad_sheet_request_is_400(organizer_client, slug):
    response = organizer_client.get(f"/organizer/petitions/{slug}/sheet.pdf?language=xx")
    assert response.status_code == 400
    assert "Choose one of the options." in response.get_data(as_text=True)


def test_printing_needs_a_login(client, slug):
    response = client.get(f"/organizer/petitions/{slug}/flyer.pdf?source=x")
    assert response.status_code == 302
    assert "/organizer/login" in response.headers["Location"]


def test_printing_an_unknown_petition_is_404(organizer_client):
    assert organizer_client.get("/organizer/petitions/nope/sheet.pdf").status_code == 404


# --- the flyer at work -----------------------------------------------------------------------


def test_signatures_through_the_flyer_show_under_its_source(app, organizer_client, slug, smtp):
    flyer = organizer_client.get(f"/organizer/petitions/{slug}/flyer.pdf?source=library")
    scanned = qr_code_in(flyer.data)

    phone = app.test_client()
    page = phone.get(path_of(scanned))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert re.search(r'name="source"[^>]*value="library"', html)
    form = {
        "form_token": form_token_from(html),
        "first_name": "Rosa",
        "last_name": "Parks",
        "email": "rosa@example.org",
        "zip_code": "19107",
        "name_display": "full",
        "source": "library",
    }
    assert phone.post(f"/petitions/{slug}/sign", data=form).status_code == 303
    deliver_mail(app)
    (confirm_url,) = links_in(text_of(smtp.wait_for(1)[0]), "confirm")
    assert press_button(phone, confirm_url).status_code == 303

    dashboard = organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    assert re.search(r'<td>library</td><td class="num">1</td>', dashboard)


def test_the_pdf_library_loads_only_when_something_is_printed(tmp_path):
    """Every other page and command starts without fpdf2, its fonts and segno."""
    script = f"""
import sys
from app import create_app
from app.extensions import db
from tests.factories import make_organizer, make_petition, ORGANIZER_PASSWORD
from tests.conftest import log_in
app = create_app({{"APP_ENV": "testing",
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path / "lazy.sqlite3"}"}})
with app.app_context():
    db.create_all()
    slug = make_petition().slug
    make_organizer("admin@example.org", admin=True)
client = app.test_client()
log_in(client, "admin@example.org", ORGANIZER_PASSWORD)
assert client.get("/organizer/petitions/" + slug).status_code == 200
assert client.get("/petitions/" + slug).status_code == 200
print(sorted(name for name in ("fpdf", "segno", "app.letters.printed") if name in sys.modules))
assert client.get("/organizer/petitions/" + slug + "/sheet.pdf").status_code == 200
print(sorted(name for name in ("fpdf", "segno", "app.letters.printed") if name in sys.modules))
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["[]", "['app.letters.printed', 'fpdf', 'segno']"]
