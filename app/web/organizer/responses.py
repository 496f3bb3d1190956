"""The organizers' pages for what came of a petition: the officials' responses (text, date,
the letter as a PDF) and the declared outcome. Views on the organizer blueprint, so every one
needs a login; the services are in app.petitions.outcomes."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired

from app.core.clock import now
from app.extensions import csrf
from app.models import Outcome, Petition
from app.petitions.outcomes import (
    MAX_PDF_BYTES,
    MAX_TEXT_CHARACTERS,
    ResponseRefused,
    declare_outcome,
    delete_response,
    record_response,
    responses_by_target,
)
from app.web.form_parts import ButtonForm, at_most, one_of
from app.web.organizer import bp
from app.web.organizer.access import managed_petition_or_404

# The PDF, the text and the form's own parts: this one request may be larger than
# MAX_CONTENT_LENGTH.
UPLOAD_LIMIT = MAX_PDF_BYTES + 256 * 1024

OUTCOME_CHOICES = [
    SelectChoice(Outcome.NONE.value, _l("None declared")),
    SelectChoice(Outcome.WON.value, _l("Won: the officials did what the petition asked")),
    SelectChoice(Outcome.ANSWERED.value, _l("Answered: the officials responded")),
    SelectChoice(Outcome.LOST.value, _l("Lost: the officials did not do it")),
]


class ResponseForm(FlaskForm):
    # Choices and their check are the petition's targets: set per request.
    target = SelectField(_l("Official"), coerce=int, validate_choice=False)
    responded_on = DateField(
        _l("Date of the response"), validators=[InputRequired(_l("Enter the date."))]
    )
    text = TextAreaField(
        _l("What they answered"),
        validators=[
            DataRequired(_l("Write what the official answered.")),
            at_most(MAX_TEXT_CHARACTERS),
        ],
        render_kw={"rows": 8},
    )
    pdf = FileField(
        _l("Their letter as a PDF (optional, at most 5 MB)"),
        render_kw={"accept": "application/pdf,.pdf"},
    )


class OutcomeForm(FlaskForm):
    outcome = RadioField(
        _l("Outcome"),
        choices=OUTCOME_CHOICES,
        validate_choice=False,
        validators=[one_of(OUTCOME_CHOICES)],
    )


def _response_form(petition: Petition, submitted: bool = True) -> ResponseForm:
    """The form to record a response; blank (today's date) unless it is the one posted."""
    form = ResponseForm() if submitted else ResponseForm(formdata=None)
    form.target.choices = [SelectChoice(t.position, t.full_name) for t in petition.targets]
    form.target.validators = [
        InputRequired(_l("Choose the official who answered.")),
        one_of(form.target.choices),
    ]
    today = now().astimezone(petition.zone).date()
    if not submitted:
        form.responded_on.data = today
    form.responded_on.render_kw = {"max": today.isoformat()}
    return form


def _page(petition: Petition, form: ResponseForm, outcome_form: OutcomeForm, status: int = 200):
    return render_template(
        "organizer/responses.html",
        petition=petition,
        form=form,
        outcome_form=outcome_form,
        responses=responses_by_target(petition),
        button=ButtonForm(),
    ), status


def _outcome_form(petition: Petition, submitted: bool = True) -> OutcomeForm:
    """The outcome's form: as posted, or showing the outcome declared."""
    if submitted:
        return OutcomeForm()
    return OutcomeForm(formdata=None, data={"outcome": petition.outcome.value})


@bp.get("/petitions/<slug:slug>/responses")
def responses(slug: str):
    petition = managed_petition_or_404(slug)
    return _page(
        petition, _response_form(petition, submitted=False), _outcome_form(petition, False)
    )


@bp.post("/petitions/<slug:slug>/responses")
@csrf.exempt  # checked below, once the larger limit is set: the check reads the body
def record_response_page(slug: str):
    request.max_content_length = UPLOAD_LIMIT
    csrf.protect()
    petition = managed_petition_or_404(slug)
    form = _response_form(petition)
    if not form.validate_on_submit():
        return _page(petition, form, _outcome_form(petition, submitted=False), 400)
    upload = form.pdf.data  # a browser sends no file name when none was chosen
    pdf = upload.read(MAX_PDF_BYTES + 1) if upload and upload.filename else None
    try:
        record_response(petition, form.target.data, form.responded_on.data, form.text.data, pdf)
    except ResponseRefused as refusal:
        if refusal.field and refusal.field in form:
            form[refusal.field].errors.append(str(refusal))
        else:
            flash(str(refusal), "error")
        return _page(petition, form, _outcome_form(petition, submitted=False), 400)
    flash(_("The response is recorded and shown on the petition's page."), "info")
    return redirect(url_for(".responses", slug=slug), 303)


@bp.post("/petitions/<slug:slug>/responses/<int:response_id>/delete")
def delete_response_page(slug: str, response_id: int):
    petition = managed_petition_or_404(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if delete_response(petition, response_id):
        flash(_("The response was deleted."), "info")
    else:
        flash(_("That response was already gone."), "info")
    return redirect(url_for(".responses", slug=slug), 303)


@bp.post("/petitions/<slug:slug>/outcome")
def outcome(slug: str):
    petition = managed_petition_or_404(slug)
    form = _outcome_form(petition)
    if not form.validate_on_submit():
        return _page(petition, _response_form(petition, submitted=False), form, 400)
    if declare_outcome(petition, Outcome(form.outcome.data)):
        flash(_("The outcome is saved and shown on the petition's page."), "info")
    else:
        flash(_("The outcome was already that."), "info")
    return redirect(url_for(".responses", slug=slug), 303)
