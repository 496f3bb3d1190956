"""What organizers print for the street and events: a flyer whose QR code leads to the
petition, and a paper signature sheet whose columns are those of the paper-entry form.

The PDF library and its fonts load only here: views and commands import this package when
they use it, so every other page and command starts without them.
"""

from app.letters.printed.document import PAPER_SIZES, PrintedFile, PrintRefused
from app.letters.printed.flyer import build_flyer
from app.letters.printed.sheet import build_sheet, sheet_columns

__all__ = [
    "PAPER_SIZES",
    "PrintRefused",
    "PrintedFile",
    "build_flyer",
    "build_sheet",
    "sheet_columns",
]
