"""The milestones section of a petition's settings page: the counts (comma-separated; empty:
the steps toward the goal) and, per milestone, whether its update goes to the signers who
asked for updates without waiting for an organizer."""

from flask import flash, redirect, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import Petition
from app.petitions.milestones import (
    Milestone,
    MilestonesRefused,
    default_milestones,
    milestones_of,
    parse_counts,
    set_milestones,
)
from app.web.organizer import bp
from app.web.organizer.access import managed_petition_or_404


class MilestonesForm(FlaskForm):
    counts = StringField(
        _l("Milestones (signature counts, separated by commas)"),
        validators=[Optional()],
    )
    auto_send = SelectMultipleField(
        _l("Send an update to signers automatically when it is reached"),
        coerce=int,
        validate_choice=False,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
    )


def _upcoming(petition: Petition) -> list[Milestone]:
    return [m for m in milestones_of(petition) if m.reached_at is None]


def milestones_section(petition: Petition) -> dict:
    """What the settings page shows of the milestones (its form, filled in)."""
    upcoming = _upcoming(petition)
    form = MilestonesForm(
        data={
            "counts": ", ".join(str(m.count) for m in upcoming)
            if petition.custom_milestones
            else "",
            "auto_send": [m.count for m in upcoming if m.auto_send],
        }
    )
    form.auto_send.choices = [
        (m.count, _("At %(count)s signatures", count=format_decimal(m.count))) for m in upcoming
    ]
    return {
        "milestones_form": form,
        "milestones": milestones_of(petition),
        "default_milestones": "; ".join(
            format_decimal(count) for count in default_milestones(petition.goal)
        ),
    }


@bp.post("/petitions/<slug:slug>/milestones")
def milestones(slug: str):
    petition = managed_petition_or_404(slug)
    form = MilestonesForm()
    if form.validate_on_submit():
        try:
            counts = parse_counts(form.counts.data) if (form.counts.data or "").strip() else None
            passed = set_milestones(petition, counts, form.auto_send.data or [])
        except MilestonesRefused as refusal:
            flash(_("The milestones were not saved: %(reason)s", reason=str(refusal)), "error")
        else:
            flash(_("Milestones saved."), "info")
            if passed:
                flash(
                    _(
                        "Left out, already passed: %(counts)s.",
                        counts="; ".join(format_decimal(c) for c in passed),
                    ),
                    "info",
                )
    else:
        flash(_("The milestones were not saved: send the form again."), "error")
    return redirect(url_for(".settings", slug=slug, _anchor="milestones"), 303)
