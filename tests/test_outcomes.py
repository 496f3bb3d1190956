"""Officials' responses and outcomes: recorded from the organizer pages and the command line,
shown on the public page in both languages and in its JSON; the PDF checked before it is
kept and served only as a download."""

import io
import re
from datetime import date
from html import unescape

import pytest
import sqlalchemy as sa
from fpdf import FPDF
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.extensions import db
from app.models import (
    OutboxMessage,
    Outcome,
    PetitionChange,
    PetitionTranslation,
    TargetResponse,
    TargetTranslation,
    Update,
)
from app.petitions.outcomes import (
    ResponseRefused,
    check_response_pdf,
    record_response,
)
from app.petitions.queries import petition_by_slug
from app.updates.news import outcome_update, response_update
from tests.conftest import csrf_token_from
from tests.factories import make_petition, make_signature

ANSWER = "We have **received** your letter.\n\nThe contract is under review."


def a_pdf(text: str = "Dear petitioners, we received your letter.") -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


@pytest.fixture
def slug(app) -> str:
    with app.app_context():
        petition = make_petition(slug="end-the-pars-contract", title="End the PARS contract")
        db.session.add(
            TargetTranslation(target_id=petition.targets[0].id, locale="es", title="Alcalde")
        )
        db.session.commit()
        return petition.slug


def form_token(client, slug: str) -> str:
    page = client.get(f"/organizer/petitions/{slug}/responses")
    assert page.status_code == 200
    return csrf_token_from(page.get_data(as_text=True))


def post_response(client, slug: str, pdf: bytes | None = None, **fields):
    data = {
        "csrf_token": form_token(client, slug),
        "target": "1",
        "responded_on": "2027-07-14",
        "text": ANSWER,
    }
    data.update(fields)
    if pdf is not None:
        data["pdf"] = FileStorage(
            io.BytesIO(pdf), "scan from the mayor's office.pdf", content_type="application/pdf"
        )
    # Encoded here, in memory: the test client would spool a large body to a temporary file
    # it never closes.
    boundary, body = encode_multipart(data)
    return client.post(
        f"/organizer/petitions/{slug}/responses",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def declare(client, slug: str, outcome: str):
    return client.post(
        f"/organizer/petitions/{slug}/outcome",
        data={"csrf_token": form_token(client, slug), "outcome": outcome},
    )


def spanish_page(client, slug: str) -> str:
    response = client.get(f"/petitions/{slug}", headers={"Accept-Language": "es"})
    return response.get_data(as_text=True)


def english_page(client, slug: str) -> str:
    response = client.get(f"/petitions/{slug}", headers={"Accept-Language": "en"})
    return response.get_data(as_text=True)


# --- the organizer's pages and the public page ------------------------------------------------


def test_a_response_and_an_outcome_are_shown_in_both_languages(app, organizer_client, slug):
    pdf = a_pdf()
    response = post_response(organizer_client, slug, pdf)
    assert response.status_code == 303, response.get_data(as_text=True)
    assert declare(organizer_client, slug, "won").status_code == 303

    public = app.test_client()  # a visitor: no login, no session
    english = english_page(public, slug)
    assert "Response from Mayor Michael Nutter, July 14, 2027" in english
    assert "We have <strong>received</strong> your letter." in english
    assert "Victory!" in english
    assert "This petition won: the officials did what it asked." in english
    assert "The response as a PDF" in english

    spanish = spanish_page(public, slug)
    assert "Alcalde Michael Nutter: respuesta del 14 de julio de 2027" in spanish
    assert "¡Victoria!" in spanish
    assert "La respuesta en PDF" in spanish

    summary = public.get(f"/petitions/{slug}.json").get_json()
    assert summary["outcome"] == "won"
    assert summary["outcome_at"].startswith("2027-07-15T12:")  # in the petition's zone

    # The PDF, as uploaded, as a download under a name of ours.
    with app.app_context():
        response_id = db.session.scalar(sa.select(TargetResponse.id))
    served = public.get(f"/petitions/{slug}/responses/{response_id}.pdf")
    assert served.status_code == 200
    assert served.mimetype == "application/pdf"
    assert served.headers["Content-Disposition"] == (
        'attachment; filename="mayor-michael-nutter-2027-07-14.pdf"'
    )
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.data == pdf
    assert f'href="/petitions/{slug}/responses/{response_id}.pdf"' in english


@pytest.mark.parametrize(
    ("outcome", "english", "spanish"),
    [
        ("answered", "The officials answered", "Los funcionarios respondieron"),
        ("lost", "This petition did not win", "Esta petición no ganó"),
    ],
)
def test_each_outcome_has_its_banner(app, organizer_client, slug, outcome, english, spanish):
    declare(organizer_client, slug, outcome)
    public = app.test_client()
    assert english in english_page(public, slug)
    assert spanish in spanish_page(public, slug)
    assert public.get(f"/petitions/{slug}.json").get_json()["outcome"] == outcome


def test_no_banner_until_an_outcome_is_declared_and_none_clears_it(app, organizer_client, slug):
    public = app.test_client()
    assert "outcome-banner" not in english_page(public, slug)
    assert public.get(f"/petitions/{slug}.json").get_json()["outcome"] == "none"
    declare(organizer_client, slug, "won")
    assert "Victory!" in english_page(public, slug)
    declare(organizer_client, slug, "none")
    assert "outcome-banner" not in english_page(public, slug)
    summary = public.get(f"/petitions/{slug}.json").get_json()
    assert (summary["outcome"], summary["outcome_at"]) == ("none", None)
    with app.app_context():
        changes = db.session.scalars(
            sa.select(PetitionChange.new_value)
            .where(PetitionChange.what == "outcome")
            .order_by(PetitionChange.id)
        ).all()
    assert changes == ["won", "none"]


def test_the_same_day_again_replaces_and_a_response_can_be_deleted(app, organizer_client, slug):
    post_response(organizer_client, slug, a_pdf())
    post_response(organizer_client, slug, text="Corrected: we *will* end it.")
    with app.app_context():
        (response,) = db.session.scalars(sa.select(TargetResponse)).all()
        assert response.text == "Corrected: we *will* end it."
        assert response.has_pdf  # kept: no new PDF was given
        response_id = response.id
    html = english_page(app.test_client(), slug)
    assert "we <em>will</em> end it" in html
    assert "received" not in html

    page = organizer_client.get(f"/organizer/petitions/{slug}/responses").get_data(as_text=True)
    deleted = organizer_client.post(
        f"/organizer/petitions/{slug}/responses/{response_id}/delete",
        data={"csrf_token": csrf_token_from(page)},
    )
    assert deleted.status_code == 303
    assert "Response from" not in english_page(app.test_client(), slug)
    served = app.test_client().get(f"/petitions/{slug}/responses/{response_id}.pdf")
    assert served.status_code == 404


def test_the_page_of_responses_needs_a_login(app, client, slug):
    assert client.get(f"/organizer/petitions/{slug}/responses").status_code == 302
    posted = client.post(
        f"/organizer/petitions/{slug}/responses",
        data={"target": "1", "responded_on": "2027-07-14", "text": ANSWER},
    )
    assert posted.status_code == 302
    assert "/organizer/login" in posted.headers["Location"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TargetResponse)) == 0


# --- what is refused, clearly -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "That file is not a PDF."),
        (b"%PDF-1.7\nnot really a PDF at all", "That PDF is damaged or empty: it cannot be read."),
        (b"", "The PDF file is empty."),
    ],
)
def test_a_file_that_is_not_a_readable_pdf_is_refused(app, organizer_client, slug, data, message):
    response = post_response(organizer_client, slug, data)
    with app.app_context():
        recorded = db.session.scalar(sa.select(sa.func.count()).select_from(TargetResponse))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert recorded == 0


def test_a_pdf_over_5_mb_is_refused_and_a_huge_body_stopped(app, organizer_client, slug):
    big = a_pdf() + b"%" * (5 * 1024 * 1024)
    response = post_response(organizer_client, slug, big)
    assert response.status_code == 400
    assert "The PDF is larger than 5 MB." in response.get_data(as_text=True)
    huge = a_pdf() + b"%" * (6 * 1024 * 1024)
    assert post_response(organizer_client, slug, huge).status_code == 413
    # Only this page takes files this large: the others keep the usual limit.
    settings = organizer_client.post(
        f"/organizer/petitions/{slug}/settings", data={"goal": "1" * 70_000}
    )
    assert settings.status_code == 413


def test_the_upload_still_needs_its_csrf_token(app, organizer_client, slug):
    response = post_response(organizer_client, slug, a_pdf(), csrf_token="forged")
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_form_mistakes_are_shown_on_the_form(app, organizer_client, slug):
    declare(organizer_client, slug, "won")
    response = post_response(organizer_client, slug, text="   ", responded_on="2030-01-01")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Write what the official answered." in html
    assert re.search(r'<input checked[^>]*value="won"', html)  # the other form as it stands
    future = post_response(organizer_client, slug, responded_on="2030-01-01")
    assert future.status_code == 400
    assert "The date of the response cannot be in the future." in future.get_data(as_text=True)
    stranger = post_response(organizer_client, slug, target="9")
    assert stranger.status_code == 400
    assert "Choose one of the options." in stranger.get_data(as_text=True)
    bad_outcome = declare(organizer_client, slug, "maybe")
    assert bad_outcome.status_code == 400


def test_the_pdf_check_itself(app):
    with app.test_request_context():
        check_response_pdf(a_pdf())
        for data in (b"", b"GIF89a", b"%PDF-1.4\n%%EOF", b"%PDF" + b"\x00" * 100):
            with pytest.raises(ResponseRefused):
                check_response_pdf(data)


# --- the command line ----------------------------------------------------------------------


def test_respond_and_outcome_from_the_command_line(app, runner, slug, tmp_path):
    answer = tmp_path / "answer.md"
    answer.write_text("The District Attorney *agrees*.", encoding="utf-8")
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(a_pdf())
    result = runner.invoke(
        args=[
            "petitions", "respond", slug, "2", str(answer),
            "--date", "2027-07-01", "--pdf", str(letter),
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        "response from District Attorney Seth Williams on 2027-07-01 recorded, with the PDF"
        in result.output
    )
    result = runner.invoke(args=["petitions", "outcome", slug, "answered"])
    assert result.exit_code == 0, result.output
    assert f"{slug}: outcome answered" in result.output

    html = english_page(app.test_client(), slug)
    assert "Response from District Attorney Seth Williams, July 1, 2027" in html
    assert "The District Attorney <em>agrees</em>." in html
    assert "The officials answered" in html
    with app.app_context():
        actor = db.session.scalar(
            sa.select(PetitionChange.actor).where(PetitionChange.what == "target 2 response")
        )
    assert actor.startswith("command line")


def test_the_command_line_refuses_clearly(app, runner, slug, tmp_path):
    answer = tmp_path / "answer.md"
    answer.write_text("Yes.", encoding="utf-8")
    not_pdf = tmp_path / "letter.pdf"
    not_pdf.write_bytes(b"just text")
    cases = [
        (["petitions", "respond", slug, "7", str(answer)], "This petition has no target 7."),
        (
            ["petitions", "respond", slug, "1", str(answer), "--pdf", str(not_pdf)],
            "That file is not a PDF.",
        ),
        (["petitions", "respond", "nope", "1", str(answer)], "no petition with slug 'nope'"),
        (["petitions", "outcome", slug, "maybe"], "'maybe' is not one of"),
    ]
    for args, message in cases:
        result = runner.invoke(args=args)
        assert result.exit_code != 0, args
        assert message in result.output, result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(TargetResponse)) == 0


# --- the hook for updates ------------------------------------------------------------------------


def test_a_response_makes_an_update_in_each_language(app, slug):
    with app.test_request_context():
        petition = petition_by_slug(slug)
        response = record_response(petition, 1, date(2027, 7, 14), ANSWER, a_pdf())
        english = response_update(petition, response.id, "en")
        spanish = response_update(petition, response.id, "es")
        petition.outcome = Outcome.WON
        won = outcome_update(petition, "es")
    assert english.title == "Mayor Michael Nutter responded to our petition"
    assert english.body.startswith(
        "On July 14, 2027, Mayor Michael Nutter responded to our petition. Their words:"
    )
    assert "> We have **received** your letter.\n>\n> The contract is under review." in english.body
    assert f"(http://petitions.test/petitions/{slug}/responses/{response.id}.pdf)" in english.body
    assert spanish.title == "Respuesta a nuestra petición: Alcalde Michael Nutter"
    assert "14 de julio de 2027" in spanish.body
    assert won.title == "¡Victoria!"


# --- telling signers: a draft update filled in from a response or the outcome -----------------


def form_fields(html: str) -> dict[str, str]:
    """The update form's fields as the page fills them in."""
    fields = {}
    for name in ("title", "es_title"):
        found = re.search(rf'<input[^>]*\bname="{name}"[^>]*\bvalue="([^"]*)"', html)
        fields[name] = unescape(found.group(1)) if found else ""
    for name in ("body", "es_body"):
        found = re.search(rf'<textarea[^>]*\bname="{name}"[^>]*>\r?\n?(.*?)</textarea>', html, re.S)
        fields[name] = unescape(found.group(1)) if found else ""
    return fields


def count_rows(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_recorded_response_opens_a_filled_in_update(app, organizer_client, slug):
    post_response(organizer_client, slug, a_pdf())
    with app.app_context():
        response_id = db.session.scalar(sa.select(TargetResponse.id))
    page = organizer_client.get(f"/organizer/petitions/{slug}/responses")
    html = page.get_data(as_text=True)
    new_update = f"/organizer/petitions/{slug}/updates/new?response={response_id}"
    assert f'href="{new_update}"' in html
    assert "Tell signers about this response" in html

    form = organizer_client.get(new_update)
    assert form.status_code == 200
    fields = form_fields(form.get_data(as_text=True))
    page_link = f"http://petitions.test/petitions/{slug}#response-{response_id}"
    pdf_link = f"http://petitions.test/petitions/{slug}/responses/{response_id}.pdf"
    assert fields["title"] == "Mayor Michael Nutter responded to our petition"
    assert fields["body"] == (
        "On July 14, 2027, Mayor Michael Nutter responded to our petition. Their words:\n\n"
        "> We have **received** your letter.\n>\n> The contract is under review.\n\n"
        f"[Read the response on the petition's page]({page_link})\n\n"
        f"[Read the response (PDF)]({pdf_link})"
    )
    assert fields["es_title"] == "Respuesta a nuestra petición: Alcalde Michael Nutter"
    assert fields["es_body"] == (
        "El 14 de julio de 2027 recibimos una respuesta a nuestra petición. Remitente: Alcalde "
        "Michael Nutter. Estas son sus palabras:\n\n"
        "> We have **received** your letter.\n>\n> The contract is under review.\n\n"
        f"[Lee la respuesta en la página de la petición]({page_link})\n\n"
        f"[Lee la respuesta (PDF)]({pdf_link})"
    )
    with app.app_context():
        assert count_rows(Update) == 0, "nothing is saved until the organizer saves it"

    # Saved as it was filled in: a draft, emailed to nobody until someone presses send.
    token = csrf_token_from(form.get_data(as_text=True))
    saved = organizer_client.post(new_update, data={"csrf_token": token, **fields})
    assert saved.status_code == 303
    with app.app_context():
        update = db.session.scalar(sa.select(Update))
        assert update.title == fields["title"] and update.body == fields["body"]
        assert update.translation("es").body == fields["es_body"]
        assert update.published_at is None and update.send_requested_at is None
        assert count_rows(OutboxMessage) == 0

    gone = organizer_client.get(f"/organizer/petitions/{slug}/updates/new?response=999")
    assert gone.status_code == 404


def test_the_declared_outcome_opens_a_filled_in_update(app, organizer_client, slug):
    with app.app_context():
        petition = petition_by_slug(slug)
        petition.translations.append(
            PetitionTranslation(locale="es", title="Terminen el contrato de PARS", about="")
        )
        db.session.commit()
    page = organizer_client.get(f"/organizer/petitions/{slug}/responses")
    assert "Tell signers about the outcome" not in page.get_data(as_text=True)

    declare(organizer_client, slug, "won")
    html = organizer_client.get(f"/organizer/petitions/{slug}/responses").get_data(as_text=True)
    new_update = f"/organizer/petitions/{slug}/updates/new?outcome=won"
    assert f'href="{new_update}"' in html
    assert "Tell signers about the outcome" in html

    fields = form_fields(organizer_client.get(new_update).get_data(as_text=True))
    page_link = f"http://petitions.test/petitions/{slug}"
    assert fields["title"] == "Victory!"
    assert fields["body"] == (
        "Our petition “End the PARS contract” won: the officials did what it asked. Thank you "
        f"for signing it.\n\n[See the petition's page]({page_link})"
    )
    assert fields["es_title"] == "¡Victoria!"
    assert fields["es_body"] == (
        "Nuestra petición “Terminen el contrato de PARS” ganó: las autoridades hicieron lo que "
        f"pedía. Gracias por firmarla.\n\n[Ve a la página de la petición]({page_link})"
    )

    # An outcome changed since the button was shown: an empty form, not the wrong news.
    declare(organizer_client, slug, "lost")
    stale = form_fields(organizer_client.get(new_update).get_data(as_text=True))
    assert stale == {"title": "", "es_title": "", "body": "", "es_body": ""}
    lost = form_fields(
        organizer_client.get(f"/organizer/petitions/{slug}/updates/new?outcome=lost").get_data(
            as_text=True
        )
    )
    assert lost["title"] == "This petition did not win"
    assert lost["body"].startswith(
        "The officials did not do what our petition “End the PARS contract” asked."
    )
    with app.app_context():
        assert count_rows(Update) == 0


def test_after_a_win_the_count_shows_the_win_not_a_goal(app, organizer_client, slug):
    with app.app_context():
        petition = petition_by_slug(slug)
        for _ in range(3):
            make_signature(petition)
    public = app.test_client()
    before = english_page(public, slug)
    assert "Let's get to 100!" in before and "data-progress" in before

    declare(organizer_client, slug, "won")
    for html, won, goal in (
        (english_page(public, slug), "This petition won, thanks to everyone who signed.", "get to"),
        (
            spanish_page(public, slug),
            "Esta petición ganó gracias a todas las personas que firmaron.",
            "Lleguemos",
        ),
        (
            public.get(f"/petitions/{slug}/embed").get_data(as_text=True),
            "This petition won, thanks to everyone who signed.",
            "get to",
        ),
    ):
        box = html[html.index('<div class="count"') :]
        box = box[: box.index("</div>")]
        assert '<strong class="count-number" data-count>3</strong>' in box
        assert won in box
        assert goal not in box and "<progress" not in box and "100" not in box
    assert public.get(f"/petitions/{slug}.json").get_json()["goal"] == 100
