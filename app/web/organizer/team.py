"""A petition's team: the organizers who manage it besides the admins."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.models import Petition
from app.organizers.membership import MembershipRefused, add_member, members_of, remove_member
from app.web.form_parts import ButtonForm
from app.web.organizer import bp
from app.web.organizer.access import managed_petition_or_404
from app.web.organizer.forms import AddMemberForm


def _team_page(petition: Petition, form: AddMemberForm, status: int = 200):
    return render_template(
        "organizer/team.html",
        petition=petition,
        members=members_of(petition),
        form=form,
        button=ButtonForm(),
    ), status


@bp.get("/petitions/<slug:slug>/team")
def team(slug: str):
    return _team_page(managed_petition_or_404(slug), AddMemberForm())


@bp.post("/petitions/<slug:slug>/team")
def add_team_member(slug: str):
    petition = managed_petition_or_404(slug)
    form = AddMemberForm()
    if not form.validate_on_submit():
        return _team_page(petition, form, 400)
    try:
        added = add_member(petition, form.email.data, current_user._get_current_object())
    except MembershipRefused as refusal:
        form.email.errors.append(str(refusal))
        return _team_page(petition, form, 409)
    flash(_("%(email)s may now manage this petition.", email=added), "info")
    return redirect(url_for(".team", slug=slug), 303)


@bp.post("/petitions/<slug:slug>/team/<int:organizer_id>/remove")
def remove_team_member(slug: str, organizer_id: int):
    petition = managed_petition_or_404(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        removed = remove_member(petition, organizer_id)
    except MembershipRefused as refusal:
        flash(str(refusal), "error")
        return _team_page(petition, AddMemberForm(formdata=None), 409)
    if removed is None:
        abort(404)
    flash(_("%(email)s no longer manages this petition.", email=removed.email), "info")
    if removed.id == current_user.id and not current_user.is_admin:
        return redirect(url_for(".index"), 303)
    return redirect(url_for(".team", slug=slug), 303)
