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

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
PAGE_WIDTH = 1200
SHARE_SIZE = (1200, 630)
FONTS = Path(__file__).resolve().parents[2] / "static" / "fonts"


class ImageRefused(ValueError):
    """Not an image we take; the message says why, for the person who sent it."""


@dataclass(frozen=True)
class StoredImage:
    data: bytes
    width: int
    height: int
    sha256: str

    @property
    def filename(self) -> str:
        return f"{self.sha256[:20]}.jpg"


def reencode_upload(data: bytes) -> StoredImage:
    """A clean JPEG at most PAGE_WIDTH wide from an uploaded JPEG, PNG or WebP; ImageRefused
    for anything else, too large, or broken."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRefused("The image is larger than 5 MB.")
    if not data:
        raise ImageRefused("The file is empty.")
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its limit; a bomb is refused, not decoded.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
        with probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ImageRefused("Upload a JPEG, PNG or WebP image.")
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRefused("The image has too many pixels.")
            probe.load()
            picture = ImageOps.exif_transpose(probe)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRefused("The image has too many pixels.") from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise ImageRefused("This file is not an image we can read.") from None
    if picture.mode not in ("RGB", "L"):
        background = Image.new("RGB", picture.size, "white")
        rgba = picture.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        picture = background
    picture = picture.convert("RGB")
    if picture.width > PAGE_WIDTH:
        picture = picture.resize(
            (PAGE_WIDTH, round(picture.height * PAGE_WIDTH / picture.width)), Image.LANCZOS
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
    addressed to, a call to action; the petition's own picture on the right when it has one."""
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
    size = 66 if len(title) < 70 else 54
    title_font = _font_for(title, size, bold=True)
    for line in _wrapped(title, title_font, text_width, 4 if size == 54 else 3):
        draw.text((margin, y), line, font=title_font, fill="white")
        y += int(size * 1.12)
    small = _font_for(addressed_to, 28)
    y = max(y + 16, 380)
    for line in _wrapped(addressed_to, small, text_width, 2):
        draw.text((margin, y), line, font=small, fill="#dfe8f5")
        y += 38
    button_font = _font_for(call_to_action, 34, bold=True)
    button_width = int(button_font.getlength(call_to_action)) + 60
    draw.rounded_rectangle((margin, 520, margin + button_width, 584), 12, fill="#ffd166")
    draw.text((margin + 30, 530), call_to_action, font=button_font, fill="#143a6b")
    organizer_font = _font_for(organizer, 24)
    organizer_line = _wrapped(organizer, organizer_font, text_width - button_width - 40, 1)
    if organizer_line:
        draw.text(
            (margin + button_width + 32, 540),
            organizer_line[0],
            font=organizer_font,
            fill="#dfe8f5",
        )
    out = io.BytesIO()
    canvas.save(out, "PNG", optimize=True)
    return out.getvalue()
