"""Updates on the organizers' side (these views join the organizer blueprint, so they need a
login like every page there): write one in English with its Spanish translation side by side,
preview it as the page and the email show it, send a test to yourself, publish it, and email
it to the signers once, following its progress."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from app.core.markdown import render_markdown
from app.core.text_rules import tidy
from app.models import Petition, Update
from app.updates.drafts import (
    BODY_MAX,
    ORIGINAL_LOCALE,
    TITLE_MAX,
    UpdateRefused,
    UpdateText,
    edit_update,
    post_update,
    publish_update,
    update_of,
)
from app.updates.emails import render_update_email, send_test_email, text_for
from app.updates.news import outcome_update, response_update
from app.updates.queries import sending_progress, updates_of
from app.updates.sending import SendRefused, recipient_estimate, request_sending
from app.web.form_parts import ButtonForm, at_most
from app.web.organizer import bp
from app.web.organizer.access import managed_petition_or_404

TRANSLATION_LOCALE = "es"  # the one other language the site speaks (config LANGUAGES)
_LOCALES = (ORIGINAL_LOCALE, TRANSLATION_LOCALE)


class UpdateForm(FlaskForm):
    title = StringField(
        _l("Title"),
        filters=[tidy],
        validators=[DataRequired(_l("Give the update a title.")), at_most(TITLE_MAX)],
    )
    body = TextAreaField(
        _l("Text (Markdown)"),
        validators=[DataRequired(_l("Write the update's text.")), at_most(BODY_MAX)],
        render_kw={"rows": 14},
    )
    es_title = StringField(
        _l("Title in Spanish"), filters=[tidy], validators=[Optional(), at_most(TITLE_MAX)]
    )
    es_body = TextAreaField(
        _l("Text in Spanish (Markdown)"),
        validators=[Optional(), at_most(BODY_MAX)],
        render_kw={"rows": 14},
    )

    def texts(self) -> tuple[UpdateText, dict[str, UpdateText]]:
        original = UpdateText(self.title.data or "", self.body.data or "")
        spanish = UpdateText(self.es_title.data or "", self.es_body.data or "")
        return original, {TRANSLATION_LOCALE: spanish}


class SendUpdateForm(FlaskForm):
    understood = BooleanField(
        _l("I have checked the preview and the test email: email this update to the signers."),
        validators=[DataRequired(_l("Tick the box to confirm."))],
    )


def _update_or_404(petition: Petition, update_id: int) -> Update:
    update = update_of(petition, update_id)
    if update is None:
        abort(404)
    return update


def _form_page(
    petition: Petition,
    form: UpdateForm,
    update: Update | None,
    status: int,
    filled_in_about: str | None = None,
):
    return render_template(
        "organizer/update_form.html",
        petition=petition,
        form=form,
        update=update,
        filled_in_about=filled_in_about,
    ), status


@bp.get("/petitions/<slug:slug>/updates")
def updates(slug: str):
    petition = managed_petition_or_404(slug)
    found = updates_of(petition)
    return render_template(
        "organizer/updates.html",
        petition=petition,
        updates=found,
        progress=sending_progress(found),
    )


def _filled_in(petition: Petition) -> tuple[str | None, dict[str, str] | None]:
    """What the new update's form is filled in about, and its texts, when the organizer comes
    from a response (`?response=<id>`) or the declared outcome (`?outcome=won`) on the
    responses page; (None, None) for an empty form, as for an outcome changed since its
    button was shown."""
    if (response_id := request.args.get("response", type=int)) is not None:
        try:
            texts = [response_update(petition, response_id, locale) for locale in _LOCALES]
        except LookupError:
            abort(404)
        about = "response"
    elif request.args.get("outcome") == petition.outcome.value:
        drafted = [outcome_update(petition, locale) for locale in _LOCALES]
        texts = [text for text in drafted if text is not None]
        if len(texts) < len(drafted):  # "none" declared
            return None, None
        about = "outcome"
    else:
        return None, None
    original, spanish = texts
    return about, {
        "title": original.title,
        "body": original.body,
        "es_title": spanish.title,
        "es_body": spanish.body,
    }


@bp.route("/petitions/<slug:slug>/updates/new", methods=["GET", "POST"])
def new_update(slug: str):
    petition = managed_petition_or_404(slug)
    about, texts = _filled_in(petition) if request.method == "GET" else (None, None)
    form = UpdateForm(data=texts) if texts else UpdateForm()
    if not form.validate_on_submit():
        status = 400 if form.errors else 200
        return _form_page(petition, form, None, status, filled_in_about=about)
    original, translations = form.texts()
    try:
        update = post_update(petition, original, translations)
    except UpdateRefused as refusal:
        flash(str(refusal), "error")
        return _form_page(petition, form, None, 400)
    flash(_("Draft saved. Check the preview, then publish it."), "info")
    return redirect(url_for(".update", slug=slug, update_id=update.id), 303)


@bp.route("/petitions/<slug:slug>/updates/<int:update_id>/edit", methods=["GET", "POST"])
def edit_update_page(slug: str, update_id: int):
    petition = managed_petition_or_404(slug)
    update = _update_or_404(petition, update_id)
    if request.method == "GET":
        spanish = update.translation(TRANSLATION_LOCALE)
        form = UpdateForm(
            data={
                "title": update.title,
                "body": update.body,
                "es_title": spanish.title if spanish else "",
                "es_body": spanish.body if spanish else "",
            }
        )
    else:
        form = UpdateForm()
    if update.is_sent:
        flash(_("This update was emailed to signers: it cannot change any more."), "error")
        return redirect(url_for(".update", slug=slug, update_id=update.id), 303)
    if not form.validate_on_submit():
        return _form_page(petition, form, update, 400 if form.errors else 200)
    original, translations = form.texts()
    try:
        edit_update(petition, update, original, translations)
    except UpdateRefused as refusal:
        flash(str(refusal), "error")
        return _form_page(petition, form, update, 409)
    flash(_("Update saved."), "info")
    return redirect(url_for(".update", slug=slug, update_id=update.id), 303)


@bp.get("/petitions/<slug:slug>/updates/<int:update_id>")
def update(slug: str, update_id: int):
    petition = managed_petition_or_404(slug)
    update = _update_or_404(petition, update_id)
    return _update_page(petition, update, SendUpdateForm())


def _update_page(petition: Petition, update: Update, send_form: SendUpdateForm, status=200):
    locales = [ORIGINAL_LOCALE] + [t.locale for t in update.translations]
    previews = []
    for locale in locales:
        text = text_for(update, locale)
        previews.append(
            (
                locale,
                text,
                render_markdown(text.body),
                render_update_email(petition, update, locale, None),
            )
        )
    return render_template(
        "organizer/update.html",
        petition=petition,
        update=update,
        previews=previews,
        progress=sending_progress([update]).get(update.id),
        recipients=recipient_estimate(petition),
        send_form=send_form,
    ), status


@bp.post("/petitions/<slug:slug>/updates/<int:update_id>/test")
def test_update(slug: str, update_id: int):
    petition = managed_petition_or_404(slug)
    update = _update_or_404(petition, update_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    count = send_test_email(petition, update, current_user.email)
    flash(
        ngettext(
            "A test email is on its way to %(email)s.",
            "%(num)d test emails (one per language) are on their way to %(email)s.",
            count,
            email=current_user.email,
        ),
        "info",
    )
    return redirect(url_for(".update", slug=slug, update_id=update.id), 303)


@bp.post("/petitions/<slug:slug>/updates/<int:update_id>/publish", endpoint="publish_update")
def publish_update_page(slug: str, update_id: int):
    petition = managed_petition_or_404(slug)
    update = _update_or_404(petition, update_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if publish_update(petition, update):
        flash(_("The update is on the petition's page."), "info")
    else:
        flash(_("The update was already on the petition's page."), "info")
    return redirect(url_for(".update", slug=slug, update_id=update.id), 303)


@bp.post("/petitions/<slug:slug>/updates/<int:update_id>/send")
def send(slug: str, update_id: int):
    petition = managed_petition_or_404(slug)
    update = _update_or_404(petition, update_id)
    form = SendUpdateForm()
    if not form.validate_on_submit():
        return _update_page(petition, update, form, status=400)
    try:
        request_sending(petition, update)
    except SendRefused as refusal:
        flash(str(refusal), "error")
        return _update_page(petition, update, form, status=409)
    flash(
        _("The update is on the page, and its emails are being queued; follow them below."),
        "info",
    )
    return redirect(url_for(".update", slug=slug, update_id=update.id), 303)
