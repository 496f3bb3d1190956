"""Public images: petitions' pictures (/uploads/) and each petition's share image, the one
Facebook, WhatsApp and X show with a shared link."""

from flask import Response, abort, request
from flask_babel import get_locale

from app.core.i18n import supported_languages
from app.core.urls import absolute_url
from app.models import Petition
from app.petitions.images import share_image_for, share_image_png, stored_image_path
from app.petitions.queries import petition_by_slug
from app.web.caching import public_cache
from app.web.public import bp

ORIGINAL_LOCALE = "en"  # the language petitions are written in (petition_text's original)
FOREVER = 365 * 24 * 3600
SHARE_IMAGE_MAX_AGE = 24 * 3600  # its URL changes with what it shows (`v`)


@bp.get("/uploads/<filename>")
def upload(filename: str):
    """A stored picture. Its name is its content's hash: cached for ever."""
    path = stored_image_path(filename)
    if path is None:
        abort(404)
    try:
        data = path.read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        abort(404)
    response = Response(data, mimetype="image/jpeg")
    response.set_etag(filename.removesuffix(".jpg"))
    response.headers["Cache-Control"] = f"public, max-age={FOREVER}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


def share_image_response(petition: Petition, locale: str) -> Response:
    image = share_image_for(petition, locale)
    response = Response(share_image_png(image), mimetype="image/png")
    response.set_etag(image.key)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def share_locale() -> str:
    """The language asked for with `?lang=` (the original without); 404 for any other."""
    locale = request.args.get("lang", ORIGINAL_LOCALE)
    if locale not in supported_languages():
        abort(404)
    return locale


@bp.get("/petitions/<slug:slug>/share.png")
def share_image(slug: str):
    locale = share_locale()
    petition = petition_by_slug(slug)
    if petition is None or not petition.is_published:
        abort(404)
    response = public_cache(share_image_response(petition, locale), max_age=SHARE_IMAGE_MAX_AGE)
    return response.make_conditional(request)


@bp.app_template_global()
def share_image_url(petition: Petition) -> str:
    """The absolute URL of the petition's share image in the page's language, with a version
    that changes whenever the image does (link previews cache images by URL)."""
    locale = str(get_locale())
    image = share_image_for(petition, locale)
    values = {"v": image.key[:12]}
    if locale != ORIGINAL_LOCALE:
        values["lang"] = locale
    return absolute_url("public.share_image", slug=petition.slug, **values)
