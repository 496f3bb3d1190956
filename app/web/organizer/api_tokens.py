"""The organizer's API tokens (/organizer/api-tokens): make one (shown once), list, revoke
(after a page that asks first)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.models import Organizer
from app.organizers.api_tokens import (
    TokenRefused,
    TokenScopes,
    TooManyTokens,
    create_api_token,
    revoke_api_token,
    token_of,
    tokens_of,
)
from app.web.form_parts import ButtonForm
from app.web.organizer import bp
from app.web.organizer.forms import ApiTokenForm


def _me() -> Organizer:
    return current_user._get_current_object()


def _tokens_page(form: ApiTokenForm, status: int = 200, **extra):
    return render_template(
        "organizer/api_tokens.html",
        form=form,
        tokens=tokens_of(_me()),
        **extra,
    ), status


@bp.get("/api-tokens")
def api_tokens():
    return _tokens_page(ApiTokenForm(formdata=None))


@bp.post("/api-tokens")
def create_api_token_view():
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _tokens_page(form, 400)
    scopes = TokenScopes(
        personal_data=form.personal_data.data,
        write=form.write.data,
        import_confirmed=form.import_confirmed.data,
    )
    try:
        token, secret = create_api_token(_me(), form.name.data, scopes)
    except TooManyTokens as refusal:
        form.name.errors.append(
            ngettext(
                "You already have %(num)d live token, the most an organizer may hold. Revoke "
                "one you no longer use, then make this one.",
                "You already have %(num)d live tokens, the most an organizer may hold. Revoke "
                "one you no longer use, then make this one.",
                refusal.limit,
            )
        )
        return _tokens_page(form, 400)
    except TokenRefused as refusal:
        form.name.errors.append(str(refusal))
        return _tokens_page(form, 400)
    # Shown on this answer only (never stored, the page is not cached): no redirect.
    return _tokens_page(ApiTokenForm(formdata=None), 201, new_token=token, secret=secret)


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["GET", "POST"])
def revoke_api_token_view(token_id: int):
    """GET asks first, naming the token and what revoking it does; its button POSTs."""
    form = ButtonForm()
    if request.method == "GET":
        token = token_of(_me(), token_id)
        if token is None:
            abort(404)
        if token.revoked_at is not None:
            flash(_("The token “%(name)s” is already revoked.", name=token.name), "info")
            return redirect(url_for(".api_tokens"), 303)
        return render_template("organizer/revoke_api_token.html", token=token, form=form)
    if not form.validate_on_submit():
        abort(400)
    token = revoke_api_token(_me(), token_id)
    if token is None:
        abort(404)
    flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "info")
    return redirect(url_for(".api_tokens"), 303)
