"""A petition's webhooks (/organizer/petitions/<slug>/webhooks): its endpoints with their
status and recent deliveries; add one (its secret shown once), rotate a secret (shown once),
remove one, turn a disabled one on again, resend a delivery (app.events.webhooks)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from app.events.webhooks import (
    EVENT_KINDS,
    WebhookRefused,
    add_endpoint,
    enable_endpoint,
    endpoint_of,
    endpoints_of,
    recent_deliveries,
    remove_endpoint,
    resend,
    rotate_secret,
)
from app.models import Petition
from app.web.form_parts import ButtonForm
from app.web.organizer import bp
from app.web.organizer.access import managed_petition_or_404


class WebhookForm(FlaskForm):
    url = StringField(
        _l("The receiver's URL"),
        filters=[lambda value: value.strip() if value else value],
        validators=[DataRequired(_l("Give the receiver's URL."))],
    )
    events = SelectMultipleField(
        _l("Events to send"),
        choices=[SelectChoice(kind, kind) for kind in EVENT_KINDS],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
        validators=[DataRequired(_l("Choose at least one event to send."))],
    )
    personal_data = BooleanField(
        _l(
            "Send signers' personal data (names, email addresses, ZIP codes, comments); each "
            "delivery that carries it is recorded with the petition's exports"
        )
    )


def _actor() -> str:
    return current_user.email


def _page(petition: Petition, form: WebhookForm, status: int = 200, **extra):
    endpoints = endpoints_of(petition)
    return render_template(
        "organizer/webhooks.html",
        petition=petition,
        form=form,
        button=ButtonForm(),
        endpoints=endpoints,
        deliveries={endpoint.id: recent_deliveries(endpoint) for endpoint in endpoints},
        **extra,
    ), status


@bp.get("/petitions/<slug:slug>/webhooks")
def webhooks(slug: str):
    petition = managed_petition_or_404(slug)
    return _page(petition, WebhookForm(formdata=None))


@bp.post("/petitions/<slug:slug>/webhooks")
def add_webhook(slug: str):
    petition = managed_petition_or_404(slug)
    form = WebhookForm()
    if not form.validate_on_submit():
        return _page(petition, form, 400)
    try:
        endpoint, secret = add_endpoint(
            petition,
            form.url.data,
            form.events.data or [],
            personal_data=form.personal_data.data,
            actor=_actor(),
        )
    except WebhookRefused as refusal:
        form.url.errors = [*form.url.errors, str(refusal)]
        return _page(petition, form, 400)
    # Shown on this answer only (the page is never cached): no redirect.
    return _page(petition, WebhookForm(formdata=None), 201, shown_endpoint=endpoint, secret=secret)


def _checked_button() -> None:
    if not ButtonForm().validate_on_submit():
        abort(400)


@bp.post("/petitions/<slug:slug>/webhooks/<int:endpoint_id>/rotate")
def rotate_webhook_secret(slug: str, endpoint_id: int):
    petition = managed_petition_or_404(slug)
    _checked_button()
    secret = rotate_secret(petition, endpoint_id, actor=_actor())
    if secret is None:
        abort(404)
    endpoint = endpoint_of(petition, endpoint_id)
    return _page(petition, WebhookForm(formdata=None), shown_endpoint=endpoint, secret=secret)


def _changed(slug: str, change, done: str, *ids: int):
    """A button's change to one of the petition's webhooks (`change(petition, *ids)`, False
    when there is no such thing): its message, back to the webhooks page; 404 otherwise."""
    petition = managed_petition_or_404(slug)
    _checked_button()
    if not change(petition, *ids):
        abort(404)
    flash(done, "info")
    return redirect(url_for(".webhooks", slug=petition.slug), 303)


@bp.post("/petitions/<slug:slug>/webhooks/<int:endpoint_id>/remove")
def remove_webhook(slug: str, endpoint_id: int):
    return _changed(
        slug,
        lambda petition, endpoint: remove_endpoint(petition, endpoint, actor=_actor()),
        _("The webhook is removed: it is sent nothing more."),
        endpoint_id,
    )


@bp.post("/petitions/<slug:slug>/webhooks/<int:endpoint_id>/enable")
def enable_webhook(slug: str, endpoint_id: int):
    return _changed(
        slug,
        lambda petition, endpoint: enable_endpoint(petition, endpoint, actor=_actor()),
        _("The webhook is on again: new events are sent to it."),
        endpoint_id,
    )


@bp.post("/petitions/<slug:slug>/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/resend")
def resend_webhook_delivery(slug: str, endpoint_id: int, delivery_id: int):
    return _changed(
        slug, resend, _("The delivery is sent again shortly."), endpoint_id, delivery_id
    )
