"""Images people upload, and the share image every petition gets.

An upload is never served as sent: Pillow decodes it, turns it upright, and encodes a fresh
JPEG from the pixels alone, so EXIF (GPS position, camera, owner) and anything hidden in the
file stay behind. Organizers photograph people at rallies; where they stood must not leak.
"""

import hashlib
import io
import unicodedata
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask_babel import gettext as _
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Refused from the header, before a pixel is decoded: a few kilobytes of JPEG can claim 40
# million pixels, and decoding them would take hundreds of megabytes. 30 megapixels takes
# what phones save (12 and 24 megapixels, 5712x4284 at most) and most cameras.
MAX_PIXELS = 30_000_000
MAX_MEGAPIXELS = MAX_PIXELS // 1_000_000
# A picture this many times longer one way than the other has nothing to show on a page (and
# shrunk to the page's width, a 2401x1 picture would be 0 pixels high).
MAX_ASPECT_RATIO = 10
PAGE_WIDTH = 1200
SHARE_SIZE = (1200, 630)
FONTS = Path(__file__).resolve().parents[2] / "static" / "fonts"
# EXIF orientations that turn the picture a quarter: its width on the page is its height.
_QUARTER_TURNS = {5, 6, 7, 8}
_ORIENTATION = 0x0112


class ImageRefused(ValueError):
    """Not an image we take; the message says why, for the person who sent it (in their
    language)."""


@dataclass(frozen=True)
class StoredImage:
    data: bytes
    width: int
    height: int
    sha256: str

    @property
    def filename(self) -> str:
        return f"{self.sha256[:20]}.jpg"


def _check_dimensions(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise ImageRefused(
            _(
                "The image has too many pixels (%(width)d × %(height)d): use one of at most "
                "%(most)d megapixels, as a phone takes.",
                width=width,
                height=height,
                most=MAX_MEGAPIXELS,
            )
        )
    if max(width, height) > MAX_ASPECT_RATIO * min(width, height):
        raise ImageRefused(
            _(
                "The image is too long and narrow (%(width)d × %(height)d): use one at most "
                "%(ratio)d times as wide as it is high, or as high as it is wide.",
                width=width,
                height=height,
                ratio=MAX_ASPECT_RATIO,
            )
        )


def _decode(data: bytes) -> Image.Image:
    """The upload's pixels, upright, after its header passed the checks. A JPEG is decoded
    at the smallest scale (1/2, 1/4, 1/8) still at least the page's width: a 24-megapixel
    photo then takes a sixteenth of the memory."""
    with warnings.catch_warnings():
        # Pillow only warns below twice its limit; a bomb is refused, not decoded.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        picture = Image.open(io.BytesIO(data))
    if picture.format not in ACCEPTED_FORMATS:
        raise ImageRefused(_("Upload a JPEG, PNG or WebP image."))
    _check_dimensions(picture.width, picture.height)
    if picture.format == "JPEG":
        turned = picture.getexif().get(_ORIENTATION) in _QUARTER_TURNS
        picture.draft("RGB", (1, PAGE_WIDTH) if turned else (PAGE_WIDTH, 1))
    picture.load()
    ImageOps.exif_transpose(picture, in_place=True)
    return picture


def reencode_upload(data: bytes) -> StoredImage:
    """A clean JPEG at most PAGE_WIDTH wide from an uploaded JPEG, PNG or WebP; ImageRefused
    for anything else, too large, or broken."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRefused(_("The image is larger than 5 MB."))
    if not data:
        raise ImageRefused(_("The file is empty."))
    try:
        picture = _decode(data)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused(_("The image has too many pixels.")) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise ImageRefused(_("This file is not an image we can read.")) from None
    if picture.mode not in ("RGB", "L"):
        background = Image.new("RGB", picture.size, "white")
        rgba = picture.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        picture = background
    elif picture.mode != "RGB":
        picture = picture.convert("RGB")
    if picture.width > PAGE_WIDTH:
        picture = picture.resize(
            (PAGE_WIDTH, round(picture.height * PAGE_WIDTH / picture.width)),
            Image.Resampling.LANCZOS,
        )
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    encoded = out.getvalue()
    return StoredImage(encoded, picture.width, picture.height, hashlib.sha256(encoded).hexdigest())


# The bundled Noto fonts by script (Pillow has no font fallback): a title is drawn in the font
# of the first script it uses beyond Latin.
_SCRIPT_FONTS = {
    "ARABIC": "NotoSansArabic-Regular.ttf",
    "HEBREW": "NotoSansHebrew-Regular.ttf",
    "DEVANAGARI": "NotoSansDevanagari-Regular.ttf",
    "THAI": "NotoSansThai-Regular.ttf",
    "ETHIOPIC": "NotoSansEthiopic-Regular.ttf",
    "CJK": "NotoSansCJK-Regular-subset.otf",
    "HANGUL": "NotoSansCJK-Regular-subset.otf",
    "HIRAGANA": "NotoSansCJK-Regular-subset.otf",
    "KATAKANA": "NotoSansCJK-Regular-subset.otf",
}


@cache
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / name), size)


def _font_for(text: str, size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    for char in text:
        if ord(char) < 0x0250:
            continue
        script = unicodedata.name(char, "").split(" ")[0]
        if script in _SCRIPT_FONTS:
            return _font(_SCRIPT_FONTS[script], size)
    return _font("NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf", size)


def _wrapped(text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int) -> list[str]:
    """Lines of `text` that fit `width` pixels, the last one cut with an ellipsis if needed."""
    words = text.split()
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while font.getlength(line) > width:  # one word longer than the line (CJK, URLs)
            cut = len(line) - 1
            while cut > 1 and font.getlength(line[:cut]) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and font.getlength(last + "…") > width:
            last = last[:-1]
        lines[-1] = last.rstrip() + "…"
    return lines


# The title's sizes, largest first, with the lines each may take: the largest that holds the
# whole title is used; a title too long even for the last is cut with an ellipsis.
_TITLE_SIZES = ((66, 3), (56, 4), (48, 5))


def _title_layout(title: str, width: int) -> tuple[ImageFont.FreeTypeFont, int, list[str]]:
    for size, max_lines in _TITLE_SIZES:
        font = _font_for(title, size, bold=True)
        lines = _wrapped(title, font, width, max_lines + 1)
        if len(lines) <= max_lines:
            return font, size, lines
    size, max_lines = _TITLE_SIZES[-1]
    font = _font_for(title, size, bold=True)
    return font, size, _wrapped(title, font, width, max_lines)


def draw_share_image(
    *,
    title: str,
    kicker: str,
    addressed_to: str,
    call_to_action: str,
    organizer: str,
    picture: bytes | None = None,
) -> bytes:
    """A 1200x630 PNG for link previews (Facebook, WhatsApp, X): the title large, who it is
    addressed to and who started it, a call to action; the petition's own picture on the right
    when it has one."""
    canvas = Image.new("RGB", SHARE_SIZE, "#1d4f91")
    draw = ImageDraw.Draw(canvas)
    text_width = 1056
    if picture:
        with Image.open(io.BytesIO(picture)) as photo:
            side = ImageOps.fit(photo.convert("RGB"), (420, 630))
        canvas.paste(side, (780, 0))
        text_width = 640
    margin = 72
    y = 60
    draw.text((margin, y), kicker.upper(), font=_font_for(kicker, 28, bold=True), fill="#ffd166")
    y += 56
    title_font, size, title_lines = _title_layout(title, text_width)
    for line in title_lines:
        draw.text((margin, y), line, font=title_font, fill="white")
        y += int(size * 1.12)
    small = _font_for(addressed_to, 28)
    y = max(y + 16, 380)
    for line in _wrapped(addressed_to, small, text_width, 2):
        draw.text((margin, y), line, font=small, fill="#dfe8f5")
        y += 38
    button_top = 520
    organizer_font = _font_for(organizer, 24)
    # The organizer on a line of their own when there is room, else beside the button.
    own_line = y + 32 <= button_top - 8
    if own_line:
        for line in _wrapped(organizer, organizer_font, text_width, 1):
            draw.text((margin, y), line, font=organizer_font, fill="#dfe8f5")
    button_font = _font_for(call_to_action, 34, bold=True)
    button_width = int(button_font.getlength(call_to_action)) + 60
    draw.rounded_rectangle(
        (margin, button_top, margin + button_width, button_top + 64), 12, fill="#ffd166"
    )
    draw.text((margin + 30, button_top + 10), call_to_action, font=button_font, fill="#143a6b")
    if not own_line:
        beside = _wrapped(organizer, organizer_font, text_width - button_width - 40, 1)
        if beside:
            draw.text(
                (margin + button_width + 32, button_top + 20),
                beside[0],
                font=organizer_font,
                fill="#dfe8f5",
            )
    out = io.BytesIO()
    canvas.save(out, "PNG", optimize=True)
    return out.getvalue()
