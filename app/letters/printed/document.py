"""The page both printed documents are drawn on: paper size, the bundled Noto fonts (with
fallbacks for other scripts, shaped by HarfBuzz where a script needs it, as the letters
are), and text that must fit a box."""

from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from fpdf import FPDF

from app.core.markdown import markdown_to_text
from app.letters.fonts import BODY_FONT, NEEDS_SHAPING, add_body_font, add_fallback_fonts

# fpdf2's names for the two sizes organizers print on.
PAPER_SIZES = {"letter": "letter", "a4": "a4"}
PDF_MIME = "application/pdf"
INK = (27, 27, 27)
GREY = (85, 85, 85)
BRAND = (29, 79, 145)  # the site's blue
LINE_SPACING = 1.25
POINT = 25.4 / 72  # mm


class PrintRefused(ValueError):
    """The document cannot be made as asked; `option` names the option at fault."""

    def __init__(self, message, option: str) -> None:
        super().__init__(message)
        self.option = option


@dataclass(frozen=True)
class PrintedFile:
    filename: str
    data: bytes


def check_language(language: str) -> str:
    if language not in current_app.config["LANGUAGES"]:
        raise PrintRefused(
            _l(
                "Choose one of these languages: %(languages)s.",
                languages=", ".join(current_app.config["LANGUAGES"]),
            ),
            option="language",
        )
    return language


def check_paper(paper: str) -> str:
    if paper not in PAPER_SIZES:
        raise PrintRefused(_l("Choose letter or a4 paper."), option="paper")
    return paper


def first_paragraph(markdown: str) -> str:
    """The first paragraph of an organizer's Markdown, as plain text on one line."""
    paragraphs = markdown_to_text(markdown).split("\n\n")
    return " ".join(paragraphs[0].split()) if paragraphs else ""


def line_height(size: float) -> float:
    """mm from one line of `size` pt text to the next."""
    return size * POINT * LINE_SPACING


class PrintedDocument(FPDF):
    def __init__(self, paper: str, orientation: str, title: str, language: str) -> None:
        super().__init__(orientation=orientation, format=PAPER_SIZES[paper], unit="mm")
        self.body_codepoints = add_body_font(self)
        self.has_fallbacks = False
        self.set_auto_page_break(False)
        self.c_margin = 0
        self.shaping = False
        self.set_title(title)
        self.set_creator("Petitions")
        self.set_lang(language)
        self.add_page()

    def use(self, size: float, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
        self.set_font(BODY_FONT, "B" if bold else "", size)
        self.set_text_color(*color)

    def _cover(self, text: str) -> None:
        """Load the fallback fonts the first time a text needs one (the CJK font alone takes
        most of the time a flyer takes to make)."""
        if self.has_fallbacks or all(ord(char) in self.body_codepoints for char in text):
            return
        add_fallback_fonts(self)
        self.has_fallbacks = True

    def _shape_for(self, text: str) -> None:
        self._cover(text)
        shaping = bool(NEEDS_SHAPING.search(text))
        if shaping != self.shaping:
            self.set_text_shaping(shaping)
            self.shaping = shaping

    def lines(self, text: str, width: float) -> list[str]:
        """`text` wrapped to `width` in the current font."""
        if not text:
            return []
        self._shape_for(text)
        lines = self.multi_cell(width, 5, text, align="L", dry_run=True, output="LINES")
        if not isinstance(lines, list):  # fpdf2's hint is one union for every `output`
            raise TypeError(f"multi_cell gave {lines!r} for its lines")
        return lines

    def fitted_lines(self, text: str, width: float, max_lines: int) -> list[str]:
        """At most `max_lines` lines; the last one ends with … when the text is longer."""
        lines = self.lines(text, width)
        if len(lines) <= max_lines:
            return lines
        kept, last = lines[: max_lines - 1], lines[max_lines - 1].rstrip()
        while last and self.get_string_width(last + " …") > width:
            last = last[:-1].rstrip()
        return [*kept, f"{last} …" if last else "…"]

    def largest_fitting(
        self, text: str, width: float, sizes: tuple[float, ...], max_lines: int, bold: bool = False
    ) -> tuple[float, list[str]]:
        """The first size in `sizes` at which `text` fits in `max_lines` (else the last size,
        cut to fit)."""
        for size in sizes:
            self.use(size, bold)
            found = self.lines(text, width)
            if len(found) <= max_lines:
                return size, found
        return sizes[-1], self.fitted_lines(text, width, max_lines)

    def write_lines(
        self, x: float, y: float, width: float, lines: list[str], height: float, align: str = "L"
    ) -> float:
        """Draw `lines` from (x, y), one every `height` mm; returns the y below them."""
        for line in lines:
            self._shape_for(line)
            self.set_xy(x, y)
            self.cell(width, height, line, align=align)
            # cell() may leave a fallback font selected in the page's text state.
            self.current_font_is_set_on_page = False
            y += height
        return y

    def one_line(
        self,
        x: float,
        y: float,
        width: float,
        text: str,
        size: float,
        bold: bool = False,
        color: tuple[int, int, int] = INK,
        align: str = "L",
        smallest: float = 6,
    ) -> None:
        """`text` on one line, made smaller (down to `smallest` pt) until it fits `width`."""
        self._cover(text)
        self.use(size, bold, color)
        while size > smallest and self.get_string_width(text) > width:
            size -= 0.5
            self.use(size, bold, color)
        self.write_lines(x, y, width, self.fitted_lines(text, width, 1), line_height(size), align)

    def box(self, x: float, y: float, side: float) -> None:
        """An empty square to tick."""
        self.set_draw_color(*GREY)
        self.set_line_width(0.25)
        self.rect(x, y, side, side)

    def pdf_bytes(self) -> bytes:
        return bytes(self.output())
