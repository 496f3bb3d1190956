"""Organizers' accounts: logging in and out, choosing a password, and (admins) inviting,
enabling and disabling organizers."""

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.core.links import LinkPurpose, read_token
from app.extensions import limiter
from app.organizers import (
    AccountError,
    all_organizers,
    authenticate,
    change_password,
    end_sessions,
    invite_organizer,
    organizer_for_password_link,
    set_organizer_enabled,
)
from app.web.form_parts import ButtonForm
from app.web.organizer import bp
from app.web.organizer.access import admin_required
from app.web.organizer.forms import (
    InviteForm,
    LoginForm,
    SetPasswordForm,
)
from app.web.redirects import local_path


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _safe_next(target: str | None) -> str:
    """Only a path on this site's organizer side: never an open redirect."""
    return local_path(target, under="/organizer/") or url_for(".index")


# --- logging in ------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for(".index"))
    form = LoginForm()
    if form.validate_on_submit():
        organizer = authenticate(form.email.data, form.password.data)
        if organizer is not None:
            login_user(organizer)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("That email and password do not match an active account."), "error")
        return render_template("organizer/login.html", form=form), 401
    status = 400 if form.errors else 200
    return render_template("organizer/login.html", form=form), status


@bp.post("/logout")
def logout():
    if ButtonForm().validate_on_submit():
        organizer_id = current_user.id
        logout_user()
        end_sessions(organizer_id)  # a copy of the session cookie must not outlive this
        flash(_("You are logged out."), "info")
    return redirect(url_for(".login"))


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def set_password(token: str):
    claim = read_token(token, LinkPurpose.SET_PASSWORD)
    organizer = organizer_for_password_link(claim) if claim else None
    if claim is None or organizer is None:
        abort(404)
    if claim.expired:
        return render_template(
            "message.html",
            heading=_("This link has expired"),
            lead=_("Ask an admin to invite you again."),
        ), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        change_password(organizer, form.password.data)
        login_user(organizer)
        flash(_("Your password is set."), "info")
        return redirect(url_for(".index"))
    return render_template("organizer/set_password.html", form=form, organizer=organizer), (
        400 if form.errors else 200
    )


# --- organizers (admins only) --------------------------------------------------------------


@bp.route("/organizers", methods=["GET", "POST"])
@admin_required
def organizers():
    form = InviteForm()
    status = 200
    if form.validate_on_submit():
        try:
            invited = invite_organizer(
                form.email.data,
                admin=form.admin.data,
                invited_by=current_user._get_current_object(),
            )
        except AccountError as error:
            flash(str(error), "error")
            status = 409
        else:
            flash(_("Invitation sent to %(email)s.", email=invited.email), "info")
            return redirect(url_for(".organizers"), 303)
    elif form.errors:
        status = 400
    everyone = all_organizers()
    return render_template(
        "organizer/organizers.html", form=form, organizers=everyone, button=ButtonForm()
    ), status


@bp.post("/organizers/<int:organizer_id>/<any(enable, disable):action>")
@admin_required
def set_enabled(organizer_id: int, action: str):
    if not ButtonForm().validate_on_submit():
        abort(400)
    if organizer_id == current_user.id:
        flash(_("You cannot disable your own account."), "error")
        return redirect(url_for(".organizers"), 303)
    if set_organizer_enabled(organizer_id, action == "enable") is None:
        abort(404)
    return redirect(url_for(".organizers"), 303)
