"""A petition's picture, uploaded by organizers and served without its EXIF; the share image
every petition gets for link previews."""

import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.extensions import db
from app.models import PetitionChange, PetitionTranslation
from app.petitions.queries import petition_by_slug
from tests.conftest import csrf_token_from, form_token_from, sign
from tests.factories import make_petition
from tests.test_images import GPS_IFD, photo_with_gps
from tests.test_petition_page import parse

MB = 1024 * 1024
IMG_TAG = re.compile(r'<img class="petition-image" src="(/uploads/[0-9a-f]{20}\.jpg)"([^>]*)>')


@pytest.fixture
def slug(app) -> str:
    with app.app_context():
        return make_petition(slug="end-the-pars-contract", title="Protect Philly").slug


@pytest.fixture
def uploads(app) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])


def encoded(format_: str, size=(800, 600), color="#c33") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format_)
    return out.getvalue()


def upload(client, slug: str, data: bytes, filename: str = "photo.jpg", token: str | None = None):
    if token is None:
        page = client.get(f"/organizer/petitions/{slug}/image")
        token = csrf_token_from(page.get_data(as_text=True))
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(
        {"csrf_token": token, "image": FileStorage(io.BytesIO(data), filename)}
    )
    return client.post(
        f"/organizer/petitions/{slug}/image",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def stored_files(uploads: Path) -> list[str]:
    return sorted(path.name for path in uploads.glob("*.jpg")) if uploads.exists() else []


def image_changes(app) -> list[tuple[str | None, str | None]]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(PetitionChange).where(PetitionChange.what == "image").order_by("id")
        )
        return [(row.old_value, row.new_value) for row in rows]


# --- uploading ---------------------------------------------------------------------------------


def test_an_uploaded_photo_is_served_without_its_gps_position(app, organizer_client, slug):
    original = photo_with_gps("JPEG", size=(1600, 900))
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)

    response = upload(organizer_client, slug, original)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/organizer/petitions/{slug}/image"

    page = organizer_client.get(f"/petitions/{slug}").get_data(as_text=True)
    src, attributes = IMG_TAG.search(page).groups()
    # Turned upright as its EXIF orientation said: 1600x900 stands as 900x1600.
    assert 'width="900" height="1600"' in attributes
    assert 'alt="Protect Philly"' in attributes
    assert page.index("petition-image") < page.index('id="about-heading"')

    served = organizer_client.get(src)
    assert served.status_code == 200
    assert served.mimetype == "image/jpeg"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    again = Image.open(io.BytesIO(served.get_data()))
    assert again.format == "JPEG" and again.size == (900, 1600)
    assert not again.getexif()
    assert not again.getexif().get_ifd(GPS_IFD)
    assert b"PhoneMaker" not in served.get_data()

    unchanged = organizer_client.get(src, headers={"If-None-Match": served.headers["ETag"]})
    assert unchanged.status_code == 304
    assert image_changes(app) == [(None, src.removeprefix("/uploads/"))]


@pytest.mark.parametrize("format_, filename", [("PNG", "a.png"), ("WEBP", "a.webp")])
def test_png_and_webp_are_taken_and_stored_as_jpeg(app, organizer_client, slug, format_, filename):
    response = upload(organizer_client, slug, encoded(format_), filename)
    assert response.status_code == 303
    with app.app_context():
        petition = petition_by_slug(slug)
        assert (petition.image_width, petition.image_height) == (800, 600)
        name = petition.image_filename
    served = organizer_client.get(f"/uploads/{name}")
    assert Image.open(io.BytesIO(served.get_data())).format == "JPEG"


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "GIF")
    return out.getvalue()


@pytest.mark.parametrize(
    "data, filename, message",
    [
        (gif(), "a.gif", "Upload a JPEG, PNG or WebP image."),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "a.svg",
            "This file is not an image we can read.",
        ),
        (b"\xff\xd8\xff\xe0" + b"broken" * 50, "a.jpg", "This file is not an image we can read."),
        (b"", "empty.jpg", "The file is empty."),
        (b"", "", "Choose a picture to upload."),
        (b"\xff\xd8" + b"x" * (5 * MB), "huge.jpg", "The image is larger than 5 MB."),
        # A few kilobytes that claim 40 megapixels: refused from the header, never decoded.
        (encoded("JPEG", (8000, 5000)), "bomb.jpg", "too many pixels (8000 × 5000)"),
        (encoded("JPEG", (2401, 1)), "line.jpg", "too long and narrow (2401 × 1)"),
        (encoded("PNG", (1, 70000)), "column.png", "too long and narrow (1 × 70000)"),
    ],
)
def test_what_is_not_an_image_we_take_is_refused_and_changes_nothing(
    app, organizer_client, slug, uploads, data, filename, message
):
    response = upload(organizer_client, slug, data, filename)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'aria-invalid="true"' in page
    assert stored_files(uploads) == []
    with app.app_context():
        assert petition_by_slug(slug).image_filename is None
    assert image_changes(app) == []


def test_a_body_over_six_megabytes_gets_a_clear_page_not_an_error(app, organizer_client, slug):
    response = upload(organizer_client, slug, b"x" * (6 * MB + 1), "huge.jpg")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "The image is larger than 5 MB." in page
    assert "<h1>Picture</h1>" in page
    with app.app_context():
        assert petition_by_slug(slug).image_filename is None


def test_other_forms_keep_the_small_body_limit(app, client, slug):
    page = client.get(f"/petitions/{slug}")
    token = form_token_from(page.get_data(as_text=True))
    response = sign(client, slug, form_token=token, reason="x" * (70 * 1024))
    assert response.status_code == 413


def test_the_upload_needs_its_form_token(app, organizer_client, slug, uploads):
    response = upload(organizer_client, slug, encoded("PNG"), "a.png", token="forged")
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert stored_files(uploads) == []


def test_a_replaced_picture_is_deleted_unless_another_petition_shows_it(
    app, organizer_client, slug, uploads
):
    with app.app_context():
        other = make_petition(featured=False).slug
    first, second = encoded("PNG", color="#123"), encoded("PNG", color="#456")
    upload(organizer_client, slug, first, "a.png")
    upload(organizer_client, other, first, "a.png")  # the same picture, stored once
    (shared,) = stored_files(uploads)

    upload(organizer_client, slug, second, "b.png")
    assert len(stored_files(uploads)) == 2 and shared in stored_files(uploads)

    upload(organizer_client, other, second, "b.png")
    assert shared not in stored_files(uploads)
    assert len(stored_files(uploads)) == 1


def test_removing_the_picture(app, organizer_client, slug, uploads):
    upload(organizer_client, slug, encoded("PNG"), "a.png")
    (name,) = stored_files(uploads)
    page = organizer_client.get(f"/organizer/petitions/{slug}/image").get_data(as_text=True)
    assert f'src="/uploads/{name}"' in page
    token = csrf_token_from(page)

    response = organizer_client.post(
        f"/organizer/petitions/{slug}/image/remove", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert stored_files(uploads) == []
    assert "petition-image" not in organizer_client.get(f"/petitions/{slug}").get_data(as_text=True)
    assert organizer_client.get(f"/uploads/{name}").status_code == 404
    assert image_changes(app) == [(None, name), (name, None)]
    again = organizer_client.post(
        f"/organizer/petitions/{slug}/image/remove", data={"csrf_token": token}
    )
    assert "This petition has no picture." in organizer_client.get(
        again.headers["Location"]
    ).get_data(as_text=True)


def test_the_dashboard_links_to_the_picture_page(organizer_client, slug):
    page = organizer_client.get(f"/organizer/petitions/{slug}").get_data(as_text=True)
    assert f'href="/organizer/petitions/{slug}/image"' in page


@pytest.mark.parametrize(
    "name",
    [
        "..%2Fconfig.py",
        "0123456789abcdef012.jpg",
        "0123456789ABCDEF0123.jpg",
        "0123456789abcdef0123.png",
        "0123456789abcdef0123.jpg",  # the right shape, but not stored
        "share",
    ],
)
def test_uploads_serves_only_stored_pictures(app, client, uploads, name):
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "share").mkdir()
    assert client.get(f"/uploads/{name}").status_code == 404


# --- the share image ---------------------------------------------------------------------------


def share_png(client, url: str) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "image/png"
    return Image.open(io.BytesIO(response.get_data()))


def meta_of(client, path: str, language: str = "en") -> dict[str, str]:
    html = client.get(path, headers={"Accept-Language": language}).get_data(as_text=True)
    return parse(html).meta


def local(url: str) -> str:
    return url.removeprefix("http://petitions.test")


def test_every_petition_has_its_own_share_image(app, client, slug):
    with app.app_context():
        other = make_petition(title="Fund the libraries", featured=False).slug
    first = meta_of(client, f"/petitions/{slug}")
    second = meta_of(client, f"/petitions/{other}")
    for meta, path in ((first, slug), (second, other)):
        assert meta["og:image"].startswith(f"http://petitions.test/petitions/{path}/share.png?v=")
        assert meta["twitter:image"] == meta["og:image"]
        assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
        assert meta["og:image:type"] == "image/png"
    assert first["og:image:alt"] == "Protect Philly"
    assert second["og:image:alt"] == "Fund the libraries"

    one, two = (
        share_png(client, local(first["og:image"])),
        share_png(client, local(second["og:image"])),
    )
    assert one.size == two.size == (1200, 630)
    assert one.tobytes() != two.tobytes()


def test_the_share_image_is_cached_by_http_and_on_disk(app, client, slug, uploads):
    path = f"/petitions/{slug}/share.png"
    response = client.get(path)
    assert response.headers["ETag"]
    assert response.headers["Cache-Control"].startswith("public, max-age=86400")
    assert "Set-Cookie" not in response.headers
    assert client.get(path, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    drawn = sorted((uploads / "share").iterdir())
    assert len(drawn) == 1
    assert client.get(path).get_data() == response.get_data()
    assert sorted((uploads / "share").iterdir()) == drawn


def test_an_edit_makes_a_new_share_image_at_a_new_address(app, client, slug, uploads):
    before = meta_of(client, f"/petitions/{slug}")["og:image"]
    old = client.get(local(before))
    with app.app_context():
        petition_by_slug(slug).title = "Protect Philly: end PARS now"
        db.session.commit()
    after = meta_of(client, f"/petitions/{slug}")["og:image"]
    assert after != before
    new = client.get(local(after))
    assert new.headers["ETag"] != old.headers["ETag"]
    assert new.get_data() != old.get_data()
    assert len(list((uploads / "share").iterdir())) == 1  # the old drawing is gone


def test_the_picture_is_part_of_the_share_image(app, organizer_client, slug):
    without = organizer_client.get(f"/petitions/{slug}/share.png").get_data()
    upload(organizer_client, slug, photo_with_gps())
    url = meta_of(organizer_client, f"/petitions/{slug}")["og:image"]
    with_picture = share_png(organizer_client, local(url))
    assert with_picture.size == (1200, 630)
    assert with_picture.tobytes() != Image.open(io.BytesIO(without)).tobytes()


def test_the_spanish_page_shares_a_spanish_image(app, client, slug):
    with app.app_context():
        petition = petition_by_slug(slug)
        petition.translations.append(
            PetitionTranslation(locale="es", title="Protege a Philly", about="Texto.")
        )
        db.session.commit()
    english = meta_of(client, f"/petitions/{slug}", "en")
    spanish = meta_of(client, f"/petitions/{slug}", "es")
    assert "lang=es" in spanish["og:image"] and "lang=" not in english["og:image"]
    assert spanish["og:image:alt"] == "Protege a Philly"
    es = share_png(client, local(spanish["og:image"]))
    en = share_png(client, local(english["og:image"]))
    assert es.size == (1200, 630) and es.tobytes() != en.tobytes()
    assert client.get(f"/petitions/{slug}/share.png?lang=fr").status_code == 404


def test_a_draft_has_no_public_share_image(app, organizer_client):
    with app.app_context():
        draft = make_petition(published_at=None, featured=False).slug
    assert organizer_client.get(f"/petitions/{draft}/share.png").status_code == 404
    assert organizer_client.get("/petitions/nothing-here/share.png").status_code == 404
    # Its organizers see it before publishing.
    preview = share_png(organizer_client, f"/organizer/petitions/{draft}/share.png?lang=es")
    assert preview.size == (1200, 630)


def test_the_picture_page_shows_both_share_images(organizer_client, slug):
    page = organizer_client.get(f"/organizer/petitions/{slug}/image").get_data(as_text=True)
    assert f'src="/organizer/petitions/{slug}/share.png?lang=en"' in page
    assert f'src="/organizer/petitions/{slug}/share.png?lang=es"' in page
    assert 'accept="image/jpeg,image/png,image/webp"' in page
    assert 'enctype="multipart/form-data"' in page
