"""What came of a petition: the officials' responses, recorded per target, and the outcome
the organizers declare (won, answered, lost). Each service opens its write transaction,
records the change in the petition's record (app.models.audit) and commits; the web and the command
line call the same ones.

A response may carry the official's letter as a PDF. It is served to the public, so it must
be one: it starts with %PDF, pypdf can read its pages, and it is at most 5 MB."""

import io
import warnings
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from slugify import slugify

from app.core.clock import now
from app.core.database import write_transaction
from app.core.markdown import render_markdown
from app.core.urls import absolute_url
from app.extensions import db
from app.models import Outcome, Petition, Target, TargetResponse
from app.models.audit import actor_label, record_change
from app.models.event import EventKind, record_event

MAX_PDF_BYTES = 5 * 1024 * 1024
MAX_TEXT_CHARACTERS = 20_000
PDF_MIME = "application/pdf"


class ResponseRefused(ValueError):
    """The response cannot be recorded as given; the message says why, for the organizer.
    `field` names the form field at fault, if one is."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def check_response_pdf(data: bytes) -> None:
    """Raise ResponseRefused unless `data` is a readable PDF of at most 5 MB."""
    if not data:
        raise ResponseRefused(_l("The PDF file is empty."), "pdf")
    if len(data) > MAX_PDF_BYTES:
        raise ResponseRefused(_l("The PDF is larger than 5 MB."), "pdf")
    if not data.startswith(b"%PDF-"):
        raise ResponseRefused(_l("That file is not a PDF."), "pdf")
    from pypdf import PdfReader  # the PDF reader, only when a PDF is checked

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a reader's grumbles about a file it can read
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise ResponseRefused(
                    _l("That PDF is protected by a password: upload one anyone can open."), "pdf"
                )
            pages = len(reader.pages)
    except ResponseRefused:
        raise
    except Exception:  # noqa: BLE001  (pypdf raises many kinds on a broken file)
        pages = 0
    if pages < 1:
        raise ResponseRefused(_l("That PDF is damaged or empty: it cannot be read."), "pdf")


def _target_at(petition: Petition, position: int) -> Target:
    target = next((t for t in petition.targets if t.position == position), None)
    if target is None:
        raise ResponseRefused(_l("This petition has no target %(position)d.", position=position))
    return target


def _check_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ResponseRefused(_l("Write what the official answered."), "text")
    if len(text) > MAX_TEXT_CHARACTERS:
        raise ResponseRefused(
            _l("Use at most %(max)d characters.", max=MAX_TEXT_CHARACTERS), "text"
        )
    return text


def _check_date(petition: Petition, responded_on: date) -> None:
    if responded_on > now().astimezone(petition.zone).date():
        raise ResponseRefused(
            _l("The date of the response cannot be in the future."), "responded_on"
        )


def record_response(
    petition: Petition,
    position: int,
    responded_on: date,
    text: str,
    pdf: bytes | None = None,
) -> TargetResponse:
    """Record what the target at `position` answered on `responded_on`: a new response, or
    the one of that day replaced (its PDF kept unless another is given). Committed."""
    text = _check_text(text)
    _check_date(petition, responded_on)
    target = _target_at(petition, position)
    if pdf is not None:
        check_response_pdf(pdf)  # before the write transaction: parsing takes a moment
    try:
        return _write_response(petition, target, responded_on, text, pdf)
    except sa.exc.IntegrityError:
        # Another organizer recorded this day's response a moment ago: replace it.
        db.session.rollback()
        return _write_response(petition, target, responded_on, text, pdf)


def _write_response(
    petition: Petition, target: Target, responded_on: date, text: str, pdf: bytes | None
) -> TargetResponse:
    actor = actor_label()
    with write_transaction():
        response = db.session.scalar(
            sa.select(TargetResponse).where(
                TargetResponse.target_id == target.id, TargetResponse.responded_on == responded_on
            )
        )
        old = None
        if response is None:
            response = TargetResponse(target_id=target.id, responded_on=responded_on)
        else:
            old = _described(response.responded_on, response.text, response.has_pdf)
        response.text = text
        response.recorded_at = now()
        response.recorded_by = actor
        if pdf is not None:
            response.pdf_data = pdf
            response.pdf_size = len(pdf)
        db.session.add(response)
        db.session.flush()
        record_event(
            petition.id,
            EventKind.PETITION_RESPONSE,
            response_id=response.id,
            target_position=target.position,
        )
        record_change(
            petition,
            f"target {target.position} response",
            old,
            _described(responded_on, text, response.has_pdf),
        )
        return response


def delete_response(petition: Petition, response_id: int) -> bool:
    """Remove a response recorded by mistake; False if it was already gone. Committed."""
    with write_transaction():
        response = response_of(petition, response_id)
        if response is None:
            return False
        record_change(
            petition,
            f"target {response.target.position} response deleted",
            _described(response.responded_on, response.text, response.has_pdf),
            None,
        )
        db.session.delete(response)
        return True


def declare_outcome(petition: Petition, outcome: Outcome) -> bool:
    """Declare what came of the petition (Outcome.NONE clears it); False if it already was
    that. Committed."""
    with write_transaction():
        if petition.outcome == outcome:
            return False
        record_change(petition, "outcome", petition.outcome.value, outcome.value)
        record_event(petition.id, EventKind.PETITION_OUTCOME, outcome=outcome.value)
        petition.outcome = outcome
        petition.outcome_at = None if outcome == Outcome.NONE else now()
        return True


def _described(responded_on: date, text: str, has_pdf: bool) -> str:
    words = " ".join(text.split())
    return f"{responded_on.isoformat()}{' (PDF)' if has_pdf else ''}: {words}"


def response_of(petition: Petition, response_id: int) -> TargetResponse | None:
    return db.session.scalar(
        sa.select(TargetResponse)
        .join(Target, Target.id == TargetResponse.target_id)
        .where(TargetResponse.id == response_id, Target.petition_id == petition.id)
    )


# --- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownResponse:
    """A response as the public page shows it."""

    id: int
    target_id: int
    responded_on: date
    text: str
    html: Markup
    pdf_size: int | None
    pdf_url: str | None


def responses_by_target(petition: Petition) -> dict[int, list[ShownResponse]]:
    """Each target's responses (by target id), oldest first; the PDFs are not loaded."""
    rows = db.session.execute(
        sa.select(
            TargetResponse.id,
            TargetResponse.target_id,
            TargetResponse.responded_on,
            TargetResponse.text,
            TargetResponse.pdf_size,
        )
        .join(Target, Target.id == TargetResponse.target_id)
        .where(Target.petition_id == petition.id)
        .order_by(TargetResponse.responded_on, TargetResponse.id)
    ).all()
    shown: dict[int, list[ShownResponse]] = {}
    for row in rows:
        pdf_url = None
        if row.pdf_size is not None:
            pdf_url = absolute_url("public.response_pdf", slug=petition.slug, response_id=row.id)
        shown.setdefault(row.target_id, []).append(
            ShownResponse(
                id=row.id,
                target_id=row.target_id,
                responded_on=row.responded_on,
                text=row.text,
                html=render_markdown(row.text),
                pdf_size=row.pdf_size,
                pdf_url=pdf_url,
            )
        )
    return shown


@dataclass(frozen=True)
class ResponsePdf:
    filename: str
    data: bytes


def response_pdf(petition: Petition, response_id: int) -> ResponsePdf | None:
    """A response's PDF, named safely ('mayor-michael-nutter-2027-03-03.pdf'), or None."""
    response = response_of(petition, response_id)
    if response is None or response.pdf_data is None:
        return None
    name = slugify(response.target.full_name, max_length=80) or "response"
    return ResponsePdf(f"{name}-{response.responded_on.isoformat()}.pdf", response.pdf_data)
