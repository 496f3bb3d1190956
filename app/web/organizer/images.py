"""A petition's picture on the organizers' side: upload, replace, remove, and the share image
as link previews will show it (drafts included)."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from werkzeug.exceptions import RequestEntityTooLarge

from app.core.images import MAX_UPLOAD_BYTES, ImageRefused
from app.extensions import csrf
from app.models import Petition
from app.petitions.images import remove_petition_image, set_petition_image
from app.web.form_parts import ButtonForm
from app.web.organizer import bp
from app.web.organizer.access import managed_petition_or_404
from app.web.public.images import share_image_response, share_locale

ACCEPTED_TYPES = "image/jpeg,image/png,image/webp"


class ImageForm(FlaskForm):
    image = FileField(
        _l("Picture"),
        validators=[FileRequired(_l("Choose a picture to upload."))],
        render_kw={"accept": ACCEPTED_TYPES},
    )


def _too_large() -> str:
    return _("The image is larger than 5 MB.")


@bp.route("/petitions/<slug:slug>/image", methods=["GET", "POST"])
@csrf.exempt  # checked below, once this form's larger body is allowed
def image(slug: str):
    petition = managed_petition_or_404(slug)
    if request.method == "POST":
        # The one form that carries a file: every other request stays under
        # MAX_CONTENT_LENGTH. CSRF is checked here because the app-wide check reads the body
        # before any view could raise the limit.
        request.max_content_length = current_app.config["IMAGE_UPLOAD_MAX_BYTES"]
        try:
            csrf.protect()
        except RequestEntityTooLarge:
            form = ImageForm(formdata=None)
            form.image.errors = [_too_large()]
            return _image_page(petition, form, 413)
    form = ImageForm()
    if form.validate_on_submit():
        data = form.image.data.read(MAX_UPLOAD_BYTES + 1)
        try:
            set_petition_image(petition, data, current_user)
        except ImageRefused as refusal:
            form.image.errors = [str(refusal)]
            return _image_page(petition, form, 400)
        flash(_("The picture is saved."), "info")
        return redirect(url_for(".image", slug=slug), 303)
    return _image_page(petition, form, 400 if form.errors else 200)


def _image_page(petition: Petition, form: ImageForm, status: int):
    # formdata=None: the remove button's form never reads this request's (upload) body.
    remove_form = ButtonForm(formdata=None)
    return render_template(
        "organizer/image.html", petition=petition, form=form, remove_form=remove_form
    ), status


@bp.post("/petitions/<slug:slug>/image/remove")
def remove_image(slug: str):
    petition = managed_petition_or_404(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if remove_petition_image(petition, current_user):
        flash(_("The picture is removed."), "info")
    else:
        flash(_("This petition has no picture."), "info")
    return redirect(url_for(".image", slug=slug), 303)


@bp.get("/petitions/<slug:slug>/share.png")
def share_preview(slug: str):
    """The share image of `?lang=`, as a shared link will show it once published."""
    locale = share_locale()
    return share_image_response(managed_petition_or_404(slug), locale)
