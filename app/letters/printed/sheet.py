"""The paper signature sheet, for tables at events: the petition's summary and the letter's
subject, what is done with the details, and numbered rows whose columns are the fields of
the paper-entry form, with its labels and in its order, so whoever types the sheets in
later reads each row straight into the form. Landscape, as many rows as fit one page."""

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.letters.printed.document import (
    BRAND,
    GREY,
    INK,
    PrintedDocument,
    PrintedFile,
    check_language,
    check_paper,
    first_paragraph,
    line_height,
)
from app.models import NameDisplay, Petition
from app.petitions.sharing import canonical_url
from app.petitions.translations import petition_text, target_names, translation_of
from app.signatures.paper import PAPER_COLUMNS

# The sheet is the paper-entry form on paper: its columns are read from the form itself, so
# the two cannot drift apart. These fields are the organizer's, not the signer's.
MARGIN = 10  # mm
ROW = 9.5  # mm: room to write by hand
HEADER_ROW = 10  # mm
LABEL_SIZES = (8, 7.5, 7, 6.5)  # pt
NUMBER_COLUMN = 8  # mm
TICK = 2.8  # mm, the side of a box to tick
# Shares of the width left for write-in columns; a field added to the form gets DEFAULT_SHARE.
SHARES = {
    "first_name": 1.25,
    "last_name": 1.45,
    "zip_code": 0.9,
    "email": 2.1,
    "signed_on": 0.85,
    "reason": 2.0,
}
DEFAULT_SHARE = 1.2
# What each choice of "Name shown publicly" is called above its box.
SHORT_CHOICES = {
    NameDisplay.HIDDEN.value: _l("no"),
    NameDisplay.FIRST_INITIAL.value: _l("initial"),
    NameDisplay.FULL.value: _l("full"),
}
ZEBRA = (243, 245, 248)


@dataclass(frozen=True)
class SheetColumn:
    field: str
    label: str
    choices: tuple[str, ...] = ()  # boxes to tick, one per choice, labelled


def sheet_columns(language: str = "en") -> list[SheetColumn]:
    """A paper signature's fields in their order (the entry form's), labelled in `language`."""
    with force_locale(language):
        return [
            SheetColumn(
                column.name,
                str(column.label),
                choices=tuple(
                    str(SHORT_CHOICES.get(value, label)) for value, label in column.choices
                ),
            )
            for column in PAPER_COLUMNS
        ]


def sheet_filename(petition: Petition, language: str, paper: str) -> str:
    return f"{petition.slug}-signature-sheet-{language}-{paper}.pdf"


def build_sheet(petition: Petition, language: str = "en", paper: str = "letter") -> PrintedFile:
    """Raises PrintRefused for an unknown language or paper size."""
    check_language(language)
    check_paper(paper)
    with force_locale(language):
        data = _draw(petition, language, paper)
    return PrintedFile(sheet_filename(petition, language, paper), data)


def _draw(petition: Petition, language: str, paper: str) -> bytes:
    text = petition_text(petition, language)
    translation = translation_of(petition.id, language) if text.translated else None
    subject = (translation and translation.letter_subject) or petition.letter_subject
    pdf = PrintedDocument(paper, "L", _("Signature sheet: %(title)s", title=text.title), language)
    pdf.set_author(petition.organizer_name)
    width = pdf.w - 2 * MARGIN
    columns = sheet_columns(language)

    pdf.one_line(MARGIN, MARGIN - 2, width, _("Signature sheet").upper(), 9, bold=True, color=BRAND)
    y = MARGIN - 2 + line_height(9)
    size, title = pdf.largest_fitting(text.title, width, (16, 14, 12), 2, bold=True)
    y = pdf.write_lines(MARGIN, y, width, title, line_height(size))
    pdf.use(9)
    y = pdf.write_lines(
        MARGIN,
        y + 0.5,
        width,
        pdf.fitted_lines(first_paragraph(text.about), width, 3),
        line_height(9),
    )
    letter = _(
        "Our letter, “%(subject)s”, goes to %(targets)s, with the names of the signers who "
        "agree to be named.",
        subject=subject,
        targets=_joined(target_names(petition, language)),
    )
    pdf.use(9)
    y = pdf.write_lines(MARGIN, y + 0.5, width, pdf.fitted_lines(letter, width, 2), line_height(9))
    pdf.use(8, color=GREY)
    notes = [
        _(
            "We use your details only for this petition and never sell or share them. The "
            "officials receive your name as you choose it to be shown, your ZIP code and your "
            "reason; never your email address."
        ),
        *_choice_note(columns),
    ]
    for note in notes:
        y = pdf.write_lines(
            MARGIN, y + 0.5, width, pdf.fitted_lines(note, width, 2), line_height(8)
        )

    footer_top = pdf.h - MARGIN + 1
    y = _table(pdf, columns, y + 3, footer_top - 2)
    pdf.use(8, color=GREY)
    pdf.write_lines(
        MARGIN, footer_top, width / 2, [_short(canonical_url(petition))], line_height(8)
    )
    collected = _("Gathered by: ____________________   Place and date: ____________________")
    pdf.write_lines(pdf.w / 2, footer_top, width / 2, [collected], line_height(8), align="R")
    return pdf.pdf_bytes()


def _joined(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s and %(last)s", first=", ".join(names[:-1]), last=names[-1])


def _short(url: str) -> str:
    return url.split("://", 1)[-1]


def _choice_note(columns: list[SheetColumn]) -> list[str]:
    shown = next((c for c in columns if c.field == "name_display"), None)
    if shown is None:
        return []
    return [
        _(
            "%(column)s: tick “%(full)s” for your full name or “%(initial)s” for your first "
            "name and last initial; with “%(hidden)s” or no tick, your name is not shown.",
            column=shown.label,
            full=SHORT_CHOICES[NameDisplay.FULL.value],
            initial=SHORT_CHOICES[NameDisplay.FIRST_INITIAL.value],
            hidden=SHORT_CHOICES[NameDisplay.HIDDEN.value],
        )
    ]


def _widths(pdf: PrintedDocument, columns: list[SheetColumn], width: float) -> list[float]:
    """Columns of boxes get what their labels need; write-in columns share the rest."""
    fixed = {}
    pdf.use(7.5)
    for index, column in enumerate(columns):
        if not column.choices:
            continue
        boxes = sum(pdf.get_string_width(c) + TICK + 3 for c in column.choices) + 2
        pdf.use(8, bold=True)
        fixed[index] = max(boxes, pdf.get_string_width(column.label) + 4, 16)
        pdf.use(7.5)
    left = width - NUMBER_COLUMN - sum(fixed.values())
    shares = {
        index: SHARES.get(column.field, DEFAULT_SHARE)
        for index, column in enumerate(columns)
        if index not in fixed
    }
    total = sum(shares.values())
    return [fixed.get(index) or left * shares[index] / total for index in range(len(columns))]


def _table(pdf: PrintedDocument, columns: list[SheetColumn], top: float, bottom: float) -> float:
    width = pdf.w - 2 * MARGIN
    widths = _widths(pdf, columns, width)
    rows = int((bottom - top - HEADER_ROW) // ROW)
    row = (bottom - top - HEADER_ROW) / rows  # the page filled to its foot
    pdf.set_fill_color(*BRAND)
    pdf.rect(MARGIN, top, width, HEADER_ROW, style="F")
    x: float = MARGIN + NUMBER_COLUMN
    for column, column_width in zip(columns, widths, strict=True):
        # Whole labels, on two lines if need be: they are the form's words.
        size, label = pdf.largest_fitting(column.label, column_width - 3, LABEL_SIZES, 2, True)
        pdf.set_text_color(255, 255, 255)
        label_y = top + (HEADER_ROW - len(label) * line_height(size)) / 2
        pdf.write_lines(x + 1.5, label_y, column_width - 3, label, line_height(size))
        x += column_width
    y = top + HEADER_ROW
    for number in range(1, rows + 1):
        if number % 2 == 0:
            pdf.set_fill_color(*ZEBRA)
            pdf.rect(MARGIN, y, width, row, style="F")
        pdf.one_line(
            MARGIN,
            y + row - line_height(7) - 0.8,
            NUMBER_COLUMN - 1.5,
            str(number),
            7,
            color=GREY,
            align="R",
        )
        x = MARGIN + NUMBER_COLUMN
        for column, column_width in zip(columns, widths, strict=True):
            if column.choices:
                _choice_boxes(pdf, x + 1.5, y, row, column.choices)
            x += column_width
        y += row
    _rules(pdf, widths, top, y, row)
    return y


def _choice_boxes(
    pdf: PrintedDocument, x: float, y: float, row: float, choices: tuple[str, ...]
) -> None:
    box_y = y + (row - TICK) / 2
    for choice in choices:
        pdf.box(x, box_y, TICK)
        pdf.use(7.5, color=GREY)
        label_width = pdf.get_string_width(choice)
        pdf.write_lines(x + TICK + 0.8, box_y, label_width + 1, [choice], TICK)
        x += TICK + 3 + label_width


def _rules(
    pdf: PrintedDocument, widths: list[float], top: float, bottom: float, row: float
) -> None:
    """The grid: a line under each row, and between columns."""
    pdf.set_draw_color(150, 150, 150)
    pdf.set_line_width(0.2)
    right = pdf.w - MARGIN
    y = top + HEADER_ROW
    while y <= bottom + 0.01:
        pdf.line(MARGIN, y, right, y)
        y += row
    x: float = MARGIN + NUMBER_COLUMN
    pdf.line(x, top + HEADER_ROW, x, bottom)
    for column_width in widths[:-1]:
        x += column_width
        pdf.line(x, top + HEADER_ROW, x, bottom)
    pdf.set_draw_color(*INK)
    pdf.rect(MARGIN, top, right - MARGIN, bottom - top)
