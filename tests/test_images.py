"""Uploaded images are re-encoded from their pixels (no EXIF, no GPS); share images are drawn."""

import io

import pytest
from PIL import Image

from app.core.images import SHARE_SIZE, ImageRefused, draw_share_image, reencode_upload

GPS_IFD = 0x8825


def photo_with_gps(format_: str = "JPEG", size=(1600, 900)) -> bytes:
    image = Image.new("RGB", size, "#3a7")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotated 90 degrees
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (39.0, 57.0, 9.0), 3: "W", 4: (75.0, 9.0, 54.0)})
    out = io.BytesIO()
    image.save(out, format_, exif=exif)
    return out.getvalue()


@pytest.mark.parametrize("format_", ["JPEG", "PNG", "WEBP"])
def test_an_upload_is_served_without_its_exif_and_gps(format_):
    original = photo_with_gps(format_)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # it was there
    stored = reencode_upload(original)
    again = Image.open(io.BytesIO(stored.data))
    assert again.format == "JPEG"
    assert not again.getexif()
    assert b"PhoneMaker" not in stored.data
    # Turned upright from the orientation tag, then at most 1200 wide.
    assert (stored.width, stored.height) == again.size
    assert stored.width <= 1200
    assert stored.height > stored.width
    assert stored.filename.endswith(".jpg") and stored.sha256.startswith(stored.filename[:20])


def test_transparency_becomes_white():
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    stored = reencode_upload(out.getvalue())
    assert Image.open(io.BytesIO(stored.data)).getpixel((5, 5))[0] > 240


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty"),
        (b"GIF89a" + b"\0" * 100, "not an image"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not an image"),
        (b"\xff\xd8\xff\xe0" + b"broken" * 20, "not an image"),
        (b"x" * (5 * 1024 * 1024 + 1), "larger than 5 MB"),
    ],
)
def test_what_is_not_an_accepted_image_is_refused_with_a_reason(data, message):
    with pytest.raises(ImageRefused, match=message):
        reencode_upload(data)


def test_a_gif_is_refused_even_when_it_decodes():
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "GIF")
    with pytest.raises(ImageRefused, match="JPEG, PNG or WebP"):
        reencode_upload(out.getvalue())


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ((8000, 5000), "too many pixels"),
        ((2401, 1), "too long and narrow"),
        ((1, 2401), "too long and narrow"),
    ],
)
def test_pictures_are_refused_by_their_size_before_decoding(size, message):
    out = io.BytesIO()
    Image.new("RGB", size, "#3a7").save(out, "JPEG")
    with pytest.raises(ImageRefused, match=message):
        reencode_upload(out.getvalue())


@pytest.mark.parametrize("size", [(4032, 3024), (5712, 4284), (3024, 4032)])
def test_a_phone_photo_is_taken_whole_at_the_page_width(size):
    """12 and 24 megapixels, as phones save them: decoded at a smaller scale (JPEG draft),
    still at least the page's width."""
    stored = reencode_upload(photo_with_gps(size=size))
    # Orientation 6 turns it a quarter: its width becomes its height.
    assert stored.width == 1200
    assert stored.height == round(1200 * size[0] / size[1])


def test_a_decompression_bomb_is_refused_before_decoding():
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")
    with pytest.raises(ImageRefused):
        reencode_upload(out.getvalue())


@pytest.mark.parametrize(
    "title", ["Protect Philly", "حماية فيلادلفيا", "保护费城", "x" * 300, "Word " * 80]
)
def test_share_images_are_1200_by_630_whatever_the_title(title):
    png = draw_share_image(
        title=title,
        kicker="Petition",
        addressed_to="To Mayor Michael Nutter and 2 others",
        call_to_action="Sign the petition",
        organizer="New Sanctuary Movement of Philadelphia",
        picture=reencode_upload(photo_with_gps()).data,
    )
    assert Image.open(io.BytesIO(png)).size == SHARE_SIZE


@pytest.mark.parametrize(
    "title, size",
    [
        ("Protect Philly", 66),
        ("Protect Philly, Don’t Make Police Immigration Agents with PARS", 56),
        ("Protege a Philly, no conviertas a la policía en agentes de inmigración con PARS", 56),
    ],
)
def test_a_share_image_title_is_drawn_whole_when_a_smaller_size_holds_it(title, size):
    from app.core.images import _title_layout

    _, used, lines = _title_layout(title, 640)  # beside a picture
    assert used == size
    assert " ".join(lines) == title


def test_only_a_title_too_long_for_every_size_is_cut():
    from app.core.images import _title_layout

    _, used, lines = _title_layout("Word " * 80, 640)
    assert used == 48 and len(lines) == 5 and lines[-1].endswith("…")
