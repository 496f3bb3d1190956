"""The fonts every PDF we print is set in (the letters to officials, flyers and sheets): the
bundled Noto Sans, and a Noto font per script for names and texts beyond it."""

import re
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import TTFFont

FONT_DIR = Path(__file__).resolve().parents[2] / "static" / "fonts"
BODY_FONT = "NotoSans"
FALLBACK_FONTS = {
    "NotoSansArabic": "NotoSansArabic-Regular.ttf",
    "NotoSansHebrew": "NotoSansHebrew-Regular.ttf",
    "NotoSansDevanagari": "NotoSansDevanagari-Regular.ttf",
    "NotoSansEthiopic": "NotoSansEthiopic-Regular.ttf",
    "NotoSansThai": "NotoSansThai-Regular.ttf",
    "NotoSansCJK": "NotoSansCJK-Regular-subset.otf",
}
# Scripts whose letters change shape or run right to left: drawn through HarfBuzz.
NEEDS_SHAPING = re.compile(
    "[\u0590-\u08ff\u0900-\u0dff\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\ufb1d-\ufdff\ufe70-\ufeff]"
)


def add_body_font(pdf: FPDF) -> frozenset[int]:
    """The body font, regular and bold; the code points it draws."""
    pdf.add_font(BODY_FONT, "", str(FONT_DIR / "NotoSans-Regular.ttf"))
    pdf.add_font(BODY_FONT, "B", str(FONT_DIR / "NotoSans-Bold.ttf"))
    font = pdf.fonts[BODY_FONT.lower()]
    if not isinstance(font, TTFFont):  # it was added from a file: a TrueType font
        raise TypeError(f"{BODY_FONT} is not a TrueType font")
    return frozenset(font.cmap)


def add_fallback_fonts(pdf: FPDF) -> None:
    """A font for each script beyond the body font's, used where it has no glyph."""
    for family, filename in FALLBACK_FONTS.items():
        pdf.add_font(family, "", str(FONT_DIR / filename))
    pdf.set_fallback_fonts(list(FALLBACK_FONTS), exact_match=False)
