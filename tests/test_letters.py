"""The PDF letters: what an official reads, checked by extracting the text (pypdf)."""

import io
import re
from datetime import timedelta

import pytest
from pypdf import PdfReader

from app.core.clock import now
from app.letters.letter import build_letter, named_signers, signer_counts, signers_csv
from app.models import Channel, NameDisplay, SignatureStatus
from app.petitions.queries import petition_by_slug
from tests.factories import make_petition, make_signature


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def petition_slug(app):
    with app.app_context():
        petition = make_petition(
            letter_body="I am writing you as a resident of Philadelphia.\n\nEnd the PARS agreement."
        )
        make_signature(
            petition,
            first_name="María José",
            last_name="Núñez",
            zip_code="19107",
            reason="Por mi familia",
            email="maria@example.org",
        )
        make_signature(
            petition,
            first_name="Bea",
            last_name="Initial",
            zip_code="10001",
            name_display=NameDisplay.FIRST_INITIAL,
            email="bea@example.org",
        )
        make_signature(
            petition,
            first_name="Hidden",
            last_name="Person",
            zip_code="19143",
            name_display=NameDisplay.HIDDEN,
            email="hidden@example.org",
            reason="A reason that would identify me",
        )
        make_signature(
            petition,
            first_name="Rosa",
            last_name="Paper",
            email=None,
            channel=Channel.PAPER,
            zip_code="19121",
        )
        make_signature(
            petition,
            first_name="Pending",
            last_name="Person",
            status=SignatureStatus.PENDING,
            email="pending@example.org",
        )
        return petition.slug


def letters_for(app, slug):
    with app.app_context():
        petition = petition_by_slug(slug)
        return [build_letter(petition, target, now()) for target in petition.targets]


def test_each_target_gets_a_letter_with_their_own_greeting(app, petition_slug):
    letters = letters_for(app, petition_slug)
    greetings = [
        "Dear Mayor Michael Nutter,",
        "Dear District Attorney Seth Williams,",
        "Dear Judge Marsha Neifield,",
    ]
    for letter, greeting in zip(letters, greetings, strict=True):
        text = flat(text_of(letter.data))
        assert greeting in text
        assert "End the PARS contract" in text
        assert "I am writing you as a resident of Philadelphia." in text
        assert "End the PARS agreement." in text
    assert letters[0].filename.startswith(f"{petition_slug}-1-mayor-michael-nutter-")
    assert letters[0].sha256 != letters[1].sha256


def test_the_letter_counts_and_lists_the_public_signers_only(app, petition_slug):
    text = flat(text_of(letters_for(app, petition_slug)[0].data))
    assert (
        "This letter is signed by 4 people: 3 residents of Philadelphia and 1 supporter elsewhere."
    ) in text
    assert "1 of them asked not to be named publicly; they are counted, not listed." in text
    assert "1 signed on paper" in text
    assert "María José Núñez" in text and "Por mi familia" in text and "19107" in text
    assert "Bea I." in text and "Initial" not in text
    assert "Rosa Paper" in text and "paper" in text
    assert "Hidden" not in text and "would identify me" not in text
    assert "Pending" not in text
    assert "@" not in text, "never an email address"
    assert re.search(r"page 1 of \d+", text)


def test_date_in_philadelphia_time_and_page_numbers(app, petition_slug, clock):
    from tests import instants

    clock.move_to(instants.CLOSES_AT + timedelta(hours=2))  # 01:59 on Sept 1 in Philadelphia
    text = flat(text_of(letters_for(app, petition_slug)[0].data))
    assert "September 1, 2027" in text


def test_any_script_prints(app):
    names = [
        ("王", "明"),
        ("Nguyễn", "Thị Lan"),
        ("محمد", "عبد الله"),
        ("김", "민준"),
        ("José", "Núñez"),
        ("Олег", "Петров"),
    ]
    with app.app_context():
        petition = make_petition()
        for first, last in names:
            make_signature(petition, first_name=first, last_name=last, email=None)
        letter = build_letter(petition, petition.targets[0], now())
    text = text_of(letter.data)
    packed = re.sub(r"[\s\x00]", "", text)  # extraction puts gaps between runs of other fonts
    for first, last in [("王", "明"), ("Nguyễn", "Thị Lan"), ("김", "민준"), ("Олег", "Петров")]:
        assert (first + last).replace(" ", "") in packed
    assert "محمد" in text or "دمحم" in text  # shaped right to left; extraction order varies
    fonts = {
        font
        for page in PdfReader(io.BytesIO(letter.data)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert len(fonts) >= 3, "the CJK and Arabic fonts are embedded alongside the body font"


def test_signatures_after_the_cut_off_are_not_in_the_letter(app, clock):
    with app.app_context():
        petition = make_petition()
        make_signature(petition, first_name="Early")
        cut_off = now()
        make_signature(petition, first_name="Late", confirmed_at=cut_off + timedelta(hours=1))
        assert signer_counts(petition, cut_off).total == 1
        assert [s.name for s in named_signers(petition, cut_off)] == ["Early Tester"]


def test_a_letter_with_nobody_named(app):
    with app.app_context():
        petition = make_petition()
        make_signature(petition, name_display=NameDisplay.HIDDEN)
        text = flat(text_of(build_letter(petition, petition.targets[0], now()).data))
    assert "No signer asked to be named." in text


def test_the_officials_csv_has_the_same_signers_and_no_email(app, petition_slug):
    with app.app_context():
        text = "".join(signers_csv(petition_by_slug(petition_slug), now()))
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "name,zip_code,signed_on,reason,signed_on_paper"
    assert len(lines) == 4
    assert "Hidden" not in text and "@" not in text


def test_letters_build_command_writes_pdfs_and_csv(app, runner, petition_slug, tmp_path):
    result = runner.invoke(args=["letters", "build", petition_slug, "--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    pdfs = sorted(tmp_path.glob("*.pdf"))
    assert len(pdfs) == 3
    assert "Dear Judge Marsha Neifield," in flat(text_of(pdfs[2].read_bytes()))
    assert len(list(tmp_path.glob("*-signers-*.csv"))) == 1
    assert "sha256" in result.output
