"""The flyer: the petition's title, the first paragraph of its text, who it is addressed to,
and a large QR code to the petition tagged `?source=NAME`, so the signatures it brings show
under that name on the dashboard. In English or in another language of the site, with the
organizers' translation where they wrote one."""

from urllib.parse import urlsplit

import segno
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from app.core.clock import as_utc
from app.core.text_rules import SOURCE_RULE, clean_source
from app.letters.printed.document import (
    BRAND,
    GREY,
    INK,
    PrintedDocument,
    PrintedFile,
    PrintRefused,
    check_language,
    check_paper,
    first_paragraph,
    line_height,
)
from app.models import Petition
from app.petitions.sharing import canonical_url, tagged_url
from app.petitions.translations import petition_text, target_names

MARGIN = 18  # mm
BAND = 24  # mm, the coloured band at the top
QR_LARGEST = 100  # mm
QR_SMALLEST = 70  # mm: still easy for a phone at arm's length
QR_ERROR_LEVEL = "q"  # a quarter of the code may be creased or stained and it still reads
PARAGRAPH_SIZE = 12.5  # pt
PARAGRAPH_LINES = 10  # at most: a flyer is read in passing
TARGETS_LISTED = 4  # more are run together on one paragraph


def flyer_source(name: str | None) -> str:
    """The `?source=` tag a flyer carries: what the petition page keeps (`clean_source`)."""
    source = clean_source(name)
    if source is None:
        raise PrintRefused(SOURCE_RULE, option="source")
    return source


def short_url(url: str) -> str:
    """What people can type: the address without its scheme."""
    parts = urlsplit(url)
    return parts.netloc + parts.path


def flyer_filename(petition: Petition, source: str, language: str, paper: str) -> str:
    return f"{petition.slug}-flyer-{source}-{language}-{paper}.pdf"


def build_flyer(
    petition: Petition, source: str, language: str = "en", paper: str = "letter"
) -> PrintedFile:
    """Raises PrintRefused for a source name the petition page would drop, or an unknown
    language or paper size."""
    source = flyer_source(source)
    check_language(language)
    check_paper(paper)
    with force_locale(language):
        data = _draw(petition, source, language, paper)
    return PrintedFile(flyer_filename(petition, source, language, paper), data)


def _draw(petition: Petition, source: str, language: str, paper: str) -> bytes:
    text = petition_text(petition, language)
    pdf = PrintedDocument(paper, "P", text.title, language)
    pdf.set_author(petition.organizer_name)
    width = pdf.w - 2 * MARGIN

    pdf.set_fill_color(*BRAND)
    pdf.rect(0, 0, pdf.w, BAND, style="F")
    pdf.one_line(MARGIN, 7, width, _("Sign the petition").upper(), 20, bold=True, color=(255,) * 3)

    size, title = pdf.largest_fitting(text.title, width, (30, 27, 24, 21, 18), 4, bold=True)
    pdf.set_text_color(*INK)
    y = pdf.write_lines(MARGIN, BAND + 9, width, title, line_height(size) * 0.95)
    pdf.one_line(MARGIN, y + 2, width, petition.organizer_name, 11, color=GREY)
    y += 2 + line_height(11) + 5

    below_qr = _below_qr_height()
    targets = _target_lines(pdf, petition, language, width)
    targets_height = line_height(10) + len(targets) * line_height(12) + 6 if targets else 0
    # The paragraph takes what the QR code leaves, the code staying at least QR_SMALLEST.
    room = pdf.h - MARGIN - below_qr - QR_SMALLEST - 8 - targets_height - y
    pdf.use(PARAGRAPH_SIZE)
    most_lines = min(max(int(room // line_height(PARAGRAPH_SIZE)), 2), PARAGRAPH_LINES)
    paragraph = pdf.fitted_lines(first_paragraph(text.about), width, most_lines)
    y = pdf.write_lines(MARGIN, y, width, paragraph, line_height(PARAGRAPH_SIZE))

    if targets:
        y += 5
        pdf.one_line(MARGIN, y, width, _("Addressed to"), 10, bold=True, color=BRAND)
        y += line_height(10)
        pdf.use(12)
        y = pdf.write_lines(MARGIN, y, width, targets, line_height(12))

    room = pdf.h - MARGIN - below_qr - y - 8
    side = min(QR_LARGEST, room)
    top = y + 8 + (room - side) / 2  # the code and its lines centred in the space left
    draw_qr(pdf, tagged_url(petition, source), (pdf.w - side) / 2, top, side)
    y = top + side + 3
    pdf.one_line(
        MARGIN,
        y,
        width,
        _("Scan the code with your phone’s camera, or go to"),
        12,
        color=GREY,
        align="C",
    )
    y += line_height(12)
    pdf.one_line(MARGIN, y, width, short_url(canonical_url(petition)), 16, bold=True, align="C")
    y += line_height(16) + 1
    closes = as_utc(petition.closes_at).astimezone(petition.zone).date()
    pdf.one_line(
        MARGIN,
        y,
        width,
        _("Open until %(date)s", date=format_date(closes, "long")),
        11,
        color=GREY,
        align="C",
    )
    return pdf.pdf_bytes()


def _below_qr_height() -> float:
    return 3 + line_height(12) + line_height(16) + 1 + line_height(11)


def _target_lines(pdf: PrintedDocument, petition: Petition, language: str, width: float):
    names = target_names(petition, language)
    pdf.use(12)
    if len(names) <= TARGETS_LISTED:
        return [line for name in names for line in pdf.fitted_lines(name, width, 1)]
    return pdf.fitted_lines(" · ".join(names), width, 3)


def draw_qr(pdf: PrintedDocument, data: str, x: float, y: float, side: float) -> None:
    """The QR code of `data` as filled rectangles (sharp at any printer's resolution), with no
    quiet zone of its own: the page around it is left blank."""
    code = segno.make(data, error=QR_ERROR_LEVEL, micro=False)
    rows = [list(row) for row in code.matrix_iter(border=0)]
    module = side / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for row_number, row in enumerate(rows):
        column = 0
        while column < len(row):
            if not row[column]:
                column += 1
                continue
            start = column
            while column < len(row) and row[column]:
                column += 1
            # A hair taller than a module: no pale seam between rows on screen.
            pdf.rect(
                x + start * module,
                y + row_number * module,
                (column - start) * module,
                module + 0.02,
                style="F",
            )
