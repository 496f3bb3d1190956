"""The letter each target receives, as a PDF: the campaign's letter with the target's own
greeting, how many people signed (residents of its area and elsewhere), then every signer
who agreed to be named, as they chose, with ZIP code, date and reason. Never an email
address; signers who chose not to be shown are counted, not listed.

Signers are read from the database a page at a time. Most rows are drawn with fpdf2's plain
text call; names outside the body font (Chinese, Arabic...) go through its cell layout with
fallback fonts, ten times slower, and only scripts that need it (Arabic, Hebrew, Indic...)
through the shaping engine (HarfBuzz).
"""

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from fpdf import FPDF
from fpdf.fonts import TTFFont

from app.core.clock import local_day
from app.core.english import english_count
from app.core.markdown import markdown_to_text
from app.core.text_rules import neutralise
from app.extensions import db
from app.letters.fonts import BODY_FONT, NEEDS_SHAPING, add_body_font, add_fallback_fonts
from app.models import Channel, NameDisplay, Petition, Signature, SignatureStatus, Target
from app.models.signature import public_name

CHUNK_ROWS = 2000
PAGE_FORMAT = "letter"  # US Letter, for Philadelphia's offices
MARGIN = 20  # mm
LINE = 5.2  # mm, signer list line height at 9 pt
COLUMNS = {"name": (MARGIN, 92), "zip": (114, 20), "date": (136, 40), "how": (178, 18)}
PDF_MIME = "application/pdf"
PAGE_COUNT = "{pages}"  # replaced by the number of pages when the PDF is written


@dataclass(frozen=True)
class LetterSigner:
    name: str  # as the signer chose to show it
    zip_code: str
    signed_on: date
    reason: str | None
    on_paper: bool


@dataclass(frozen=True)
class SignerCounts:
    total: int
    residents: int
    elsewhere: int
    named: int
    on_paper: int

    @property
    def unnamed(self) -> int:
        return self.total - self.named


@dataclass(frozen=True)
class LetterFile:
    filename: str
    data: bytes
    pages: int
    counts: SignerCounts

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _counted(petition: Petition, as_of: datetime) -> list:
    return [
        Signature.petition_id == petition.id,
        Signature.status == SignatureStatus.CONFIRMED,
        Signature.confirmed_at <= as_of,
    ]


def signer_counts(petition: Petition, as_of: datetime) -> SignerCounts:
    total = residents = named = on_paper = 0
    for is_resident, display, channel, count in db.session.execute(
        sa.select(Signature.is_resident, Signature.name_display, Signature.channel, sa.func.count())
        .where(*_counted(petition, as_of))
        .group_by(Signature.is_resident, Signature.name_display, Signature.channel)
    ):
        total += count
        residents += count if is_resident else 0
        named += 0 if display == NameDisplay.HIDDEN else count
        on_paper += count if channel == Channel.PAPER else 0
    return SignerCounts(total, residents, total - residents, named, on_paper)


def named_signers(petition: Petition, as_of: datetime) -> Iterator[LetterSigner]:
    """Every confirmed signer up to `as_of` who agreed to be named, in signing order, read a
    page at a time."""
    conditions = [*_counted(petition, as_of), Signature.name_display != NameDisplay.HIDDEN]
    zone = petition.zone
    last_id = 0
    while True:
        rows = db.session.execute(
            sa.select(
                Signature.id,
                Signature.first_name,
                Signature.last_name,
                Signature.name_display,
                Signature.zip_code,
                Signature.created_at,
                Signature.signed_on,
                Signature.reason,
                Signature.channel,
            )
            .where(*conditions, Signature.id > last_id)
            .order_by(Signature.id)
            .limit(CHUNK_ROWS)
        ).all()
        if not rows:
            return
        for row in rows:
            name = public_name(row.first_name, row.last_name, row.name_display)
            if name is None:  # never: hidden names are not selected
                continue
            yield LetterSigner(
                name=name,
                zip_code=row.zip_code,
                # On paper, the date written on the sheet; online, the day it was made.
                signed_on=row.signed_on or local_day(row.created_at, zone),
                reason=row.reason,
                on_paper=row.channel == Channel.PAPER,
            )
        last_id = rows[-1].id


def greeting_for(target: Target) -> str:
    return f"Dear {target.full_name},"


def counts_sentence(petition: Petition, counts: SignerCounts) -> str:
    people = english_count(counts.total, "%(num)s person", "%(num)s people")
    residents = english_count(counts.residents, "%(num)s resident", "%(num)s residents")
    elsewhere = english_count(counts.elsewhere, "%(num)s supporter", "%(num)s supporters")
    return (
        f"This letter is signed by {people}: {residents} of {petition.resident_label} and "
        f"{elsewhere} elsewhere."
    )


def letter_filename(petition: Petition, target: Target, on: date) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", target.full_name.lower()).strip("-")
    return f"{petition.slug}-{target.position}-{name}-{on.isoformat()}.pdf"


class _LetterDocument(FPDF):
    def __init__(self, running_title: str) -> None:
        super().__init__(format=PAGE_FORMAT, unit="mm")
        self.running_title = running_title
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN)
        self.body_codepoints = add_body_font(self)
        add_fallback_fonts(self)
        self.c_margin = 0  # text starts exactly at its column, drawn either way
        self.alias_nb_pages(PAGE_COUNT)  # wide enough for thousands of pages
        self.shaping = False

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(BODY_FONT, size=8)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"{self.running_title} · page {self.page_no()} of {PAGE_COUNT}", align="C")
        self.set_text_color(0, 0, 0)

    def is_plain(self, text: str) -> bool:
        """Drawn by the body font alone, left to right, no shaping needed."""
        return all(ord(char) in self.body_codepoints for char in text)

    def _laid_out(self) -> None:
        # cell() and multi_cell() may leave a fallback font selected in the page's text
        # state; text() trusts that state, so make it select the body font again.
        self.current_font_is_set_on_page = False
        self._shape(False)

    def _shape_for(self, text: str) -> None:
        self._shape(bool(NEEDS_SHAPING.search(text)))

    def _shape(self, on: bool) -> None:
        if on != self.shaping:
            self.set_text_shaping(on)
            self.shaping = on

    def plain_width(self, text: str) -> float:
        """Width in mm of body-font text: fpdf2's own sum of advance widths, without its
        layout machinery (the letter measures hundreds of thousands of strings)."""
        font = self.current_font
        if not isinstance(font, TTFFont):
            raise TypeError(f"plain text is measured in the body font, not in {font!r}")
        widths = font.cw
        return sum(widths[ord(char)] for char in text) * self.font_size_pt * 0.001 / self.k

    def wrap_plain(self, text: str, width: float) -> list[str]:
        lines, current = [], ""
        for word in text.split():
            candidate = f"{current} {word}" if current else word
            if current and self.plain_width(candidate) > width:
                lines.append(current)
                candidate = word
            current = candidate
        return [*lines, current] if current else lines

    def put(self, x: float, y: float, width: float, text: str) -> None:
        """One line of text in a column, cut to fit."""
        if self.is_plain(text):
            while len(text) > 1 and self.plain_width(text) > width:
                text = text[:-2] + "…"
            self.text(x, y + LINE * 0.72, text)
            return
        self._shape_for(text)
        self.set_xy(x, y)
        self.cell(width, LINE, text[:60])
        self._laid_out()

    def paragraph(self, text: str, height: float = 5.5) -> None:
        self._shape_for(text)
        self.multi_cell(0, height, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self._laid_out()

    def wrapped_lines(self, width: float, text: str) -> list[str]:
        if self.is_plain(text):
            return self.wrap_plain(text, width)
        self._shape_for(text)
        lines = self.multi_cell(width, LINE, text, align="L", dry_run=True, output="LINES")
        self._laid_out()
        if not isinstance(lines, list):  # fpdf2's hint is one union for every `output`
            raise TypeError(f"multi_cell gave {lines!r} for its lines")
        return lines

    def block(self, x: float, y: float, width: float, text: str) -> None:
        if self.is_plain(text):
            for number, text_line in enumerate(self.wrap_plain(text, width)):
                self.text(x, y + LINE * (number + 0.72), text_line)
            return
        self.set_xy(x, y)
        self._shape_for(text)
        self.multi_cell(width, LINE, text, align="L")
        self._laid_out()


def _paragraphs(text: str) -> list[str]:
    return [" ".join(block.split()) for block in text.split("\n\n") if block.strip()]


# Told (signers listed so far, signers to list) as the letter's list grows, a page of
# CHUNK_ROWS at a time (between the queries, so it may write to the database).
ListProgress = Callable[[int, int], None]


def build_letter(
    petition: Petition, target: Target, as_of: datetime, progress: ListProgress | None = None
) -> LetterFile:
    """The PDF for one target, listing signatures confirmed up to `as_of`."""
    counts = signer_counts(petition, as_of)
    day = local_day(as_of, petition.zone)
    pdf = _LetterDocument(f"{petition.letter_subject} — {target.full_name}")
    pdf.set_title(f"{petition.letter_subject}: letter to {target.full_name}")
    pdf.set_author(petition.organizer_name)
    pdf.set_creator("Petitions")
    pdf.set_lang("en-US")
    pdf.add_page()

    pdf.set_font(BODY_FONT, size=9)
    pdf.set_text_color(70, 70, 70)
    pdf.paragraph(f"{petition.title}\n{petition.organizer_name}", height=4.5)
    pdf.set_text_color(0, 0, 0)
    pdf.ln(4)
    pdf.set_font(BODY_FONT, size=11)
    pdf.paragraph(f"{day:%B} {day.day}, {day.year}")
    pdf.ln(2)
    pdf.paragraph(f"To: {target.full_name}")
    pdf.ln(4)
    pdf.set_font(BODY_FONT, "B", 13)
    pdf.paragraph(petition.letter_subject, height=7)
    pdf.ln(2)
    pdf.set_font(BODY_FONT, size=11)
    pdf.paragraph(greeting_for(target))
    for paragraph in _paragraphs(markdown_to_text(petition.letter_body)):
        pdf.ln(2.5)
        pdf.paragraph(paragraph)
    pdf.ln(4)
    pdf.set_font(BODY_FONT, "B", 11)
    pdf.paragraph(counts_sentence(petition, counts))
    pdf.set_font(BODY_FONT, size=11)
    if counts.unnamed:
        pdf.paragraph(
            f"{counts.unnamed:,} of them asked not to be named publicly; they are counted, "
            "not listed."
        )
    if counts.on_paper:
        pdf.paragraph(f"{counts.on_paper:,} signed on paper, at events.")
    pdf.ln(2)
    pdf.paragraph(f"Delivered on their behalf by {petition.organizer_name}.")

    _signer_list(pdf, petition, as_of, counts, progress)
    return LetterFile(
        filename=letter_filename(petition, target, day),
        data=bytes(pdf.output()),
        pages=pdf.page_no(),
        counts=counts,
    )


def _list_header(pdf: _LetterDocument, y: float) -> float:
    pdf.set_font(BODY_FONT, "B", 9)
    for key, label in (("name", "Name"), ("zip", "ZIP code"), ("date", "Signed"), ("how", "")):
        x, width = COLUMNS[key]
        pdf.put(x, y, width, label)
    pdf.set_draw_color(150, 150, 150)
    pdf.line(MARGIN, y + LINE, pdf.w - MARGIN, y + LINE)
    pdf.set_font(BODY_FONT, size=9)
    return y + LINE + 1


def _signer_list(
    pdf: _LetterDocument,
    petition: Petition,
    as_of: datetime,
    counts: SignerCounts,
    progress: ListProgress | None = None,
) -> None:
    pdf.set_auto_page_break(False)
    bottom = pdf.h - MARGIN - 4
    pdf.add_page()
    pdf.set_font(BODY_FONT, "B", 12)
    pdf.paragraph(f"Signers ({counts.named:,} named of {counts.total:,})", height=7)
    y = _list_header(pdf, pdf.get_y() + 1)
    reason_x = COLUMNS["name"][0] + 4
    reason_width = pdf.w - MARGIN - reason_x
    if progress is not None:
        progress(0, counts.named)
    for listed, signer in enumerate(named_signers(petition, as_of), start=1):
        if progress is not None and listed % CHUNK_ROWS == 0:
            progress(listed, counts.named)
        reason = f"“{signer.reason}”" if signer.reason else None
        reason_lines = pdf.wrapped_lines(reason_width, reason) if reason else []
        if y + LINE * (1 + len(reason_lines)) > bottom:
            pdf.add_page()
            y = _list_header(pdf, MARGIN)
        pdf.put(COLUMNS["name"][0], y, COLUMNS["name"][1], signer.name)
        pdf.put(COLUMNS["zip"][0], y, COLUMNS["zip"][1], signer.zip_code)
        pdf.put(COLUMNS["date"][0], y, COLUMNS["date"][1], signer.signed_on.isoformat())
        if signer.on_paper:
            pdf.put(COLUMNS["how"][0], y, COLUMNS["how"][1], "paper")
        y += LINE
        if reason and reason_lines:
            pdf.set_text_color(60, 60, 60)
            pdf.block(reason_x, y, reason_width, reason)
            pdf.set_text_color(0, 0, 0)
            y += LINE * len(reason_lines)
    if counts.named == 0:
        pdf.put(MARGIN, y, 150, "No signer asked to be named.")
    if progress is not None:
        progress(counts.named, counts.named)


def signers_csv(petition: Petition, as_of: datetime) -> Iterator[str]:
    """The same named signers as the letters, as CSV for officials who ask for data."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(("name", "zip_code", "signed_on", "reason", "signed_on_paper"))
    for number, signer in enumerate(named_signers(petition, as_of), start=1):
        writer.writerow(
            (
                neutralise(signer.name or ""),
                signer.zip_code,
                signer.signed_on.isoformat(),
                neutralise(signer.reason or ""),
                "yes" if signer.on_paper else "no",
            )
        )
        if number % CHUNK_ROWS == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
