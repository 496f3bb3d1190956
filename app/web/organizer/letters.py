"""The letters to the targets: their PDFs, a preview of each email, delivery and its record."""

from flask import (
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from wtforms.fields.choices import SelectChoice

from app.core.clock import local_day, now
from app.jobs import JobAlreadyQueued, latest_job
from app.letters.letter_files import letter_pdf_states, queue_letter_pdf
from app.letters.records import DELIVER_LETTERS_JOB, delivery_history
from app.letters.reports import ReportRefused, build_report, send_reports_now, set_report_frequency
from app.models import Job, JobStatus, Petition, ReportFrequency
from app.petitions import deadlines
from app.web.form_parts import ButtonForm
from app.web.organizer import bp
from app.web.organizer.access import managed_petition_or_404
from app.web.organizer.forms import (
    DeliverForm,
    ReportFrequencyForm,
)

# --- letters -----------------------------------------------------------------------------
# The letter modules load the PDF library and its fonts: imported by these views only, so that
# every other page and command starts without them.


def _target_or_404(petition: Petition, position: int):
    target = next((t for t in petition.targets if t.position == position), None)
    if target is None:
        abort(404)
    return target


def _deliver_form(petition: Petition) -> DeliverForm:
    form = DeliverForm()
    form.targets.choices = [
        SelectChoice(t.position, f"{t.full_name} <{t.email}>") for t in petition.targets if t.email
    ]
    if request.method == "GET":
        form.targets.data = [t.position for t in petition.targets if t.email]
    return form


@bp.get("/petitions/<slug:slug>/letters")
def letters(slug: str):
    petition = managed_petition_or_404(slug)
    return _letters_page(petition, _deliver_form(petition))


def _letters_page(petition: Petition, form: DeliverForm, status: int = 200):
    from app.letters.delivery import letter_email
    from app.letters.letter import LetterFile, letter_filename, signer_counts

    as_of = now()
    counts = signer_counts(petition, as_of)
    previews = []
    for target in petition.targets:
        email = None
        if target.email:
            sample = LetterFile(
                letter_filename(petition, target, local_day(as_of, petition.zone)),
                b"",
                pages=0,
                counts=counts,
            )
            email = letter_email(petition, target, sample)
        previews.append((target, email))
    history = delivery_history(petition)
    pdf_states = letter_pdf_states(petition)
    reports = []
    for target in petition.targets:
        frequency_form = ReportFrequencyForm(prefix=f"target-{target.position}")
        frequency_form.frequency.data = target.report_frequency.value
        reports.append((target, frequency_form, build_report(petition, target, as_of)))
    return render_template(
        "organizer/letters.html",
        pdf_states=pdf_states,
        preparing=any(state.job and state.job.is_active for state in pdf_states.values()),
        button=ButtonForm(),
        petition=petition,
        counts=counts,
        previews=previews,
        form=form,
        is_final=deadlines.has_closed(petition),
        history=history,
        reports=reports,
        job=_delivery_job(petition, history),
    ), status


def _delivery_job(petition: Petition, history: list) -> Job | None:
    """The delivery the worker prepares, to follow while it runs, or the reason it failed
    (until a later delivery makes that old news)."""
    job = latest_job(petition, DELIVER_LETTERS_JOB)
    if job is None or job.is_active:
        return job
    failed = job.status == JobStatus.FAILED
    superseded = history and job.finished_at and history[0].created_at > job.finished_at
    return job if failed and not superseded else None


@bp.post("/petitions/<slug:slug>/letters/<int:position>/prepare")
def prepare_letter(slug: str, position: int):
    """Queue the building of a target's letter (PDF); the page follows the worker."""
    petition = managed_petition_or_404(slug)
    _target_or_404(petition, position)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        queue_letter_pdf(petition, position)
    except JobAlreadyQueued:
        flash(_("This letter is already being prepared."), "error")
    else:
        flash(_("The letter is being prepared; it can be opened here when it is ready."), "info")
    return redirect(url_for(".letters", slug=slug, _anchor=f"target-{position}"), 303)


@bp.post("/petitions/<slug:slug>/letters/deliver")
def deliver(slug: str):
    """Refuse at once what can be refused; the worker builds and sends the letters."""
    from app.letters.delivery import DeliveryRefused, queue_delivery

    petition = managed_petition_or_404(slug)
    form = _deliver_form(petition)
    if not form.validate_on_submit():
        return _letters_page(petition, form, status=400)
    try:
        queue_delivery(petition, form.targets.data)
    except DeliveryRefused as refusal:
        flash(str(refusal), "error")
        return _letters_page(petition, form, status=409)
    except JobAlreadyQueued:
        flash(
            _(
                "These letters are already being prepared: wait until they are sent, then "
                "deliver again if you need to."
            ),
            "error",
        )
        return _letters_page(petition, form, status=409)
    flash(_("The letters are being prepared; each is sent as soon as it is ready."), "info")
    return redirect(url_for(".letters", slug=slug), 303)


# --- progress reports --------------------------------------------------------------------


@bp.post("/petitions/<slug:slug>/letters/<int:position>/report-frequency")
def report_frequency(slug: str, position: int):
    """How often this target gets a progress report: never, weekly, at milestones."""
    petition = managed_petition_or_404(slug)
    _target_or_404(petition, position)
    form = ReportFrequencyForm(prefix=f"target-{position}")
    if not form.validate_on_submit():
        abort(400)
    set_report_frequency(petition, position, ReportFrequency(form.frequency.data))
    flash(_("Progress reports: saved."), "info")
    return redirect(url_for(".letters", slug=slug, _anchor=f"report-{position}"), 303)


@bp.post("/petitions/<slug:slug>/letters/reports/send")
def send_reports(slug: str):
    """A progress report now to every target with an address (queued in the outbox, which
    sends it in the background)."""
    petition = managed_petition_or_404(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        deliveries = send_reports_now(petition)
    except ReportRefused:
        flash(_("No target has an email address: add one in the settings."), "error")
    else:
        flash(
            ngettext(
                "A progress report is on its way to %(num)d official.",
                "A progress report is on its way to %(num)d officials.",
                len(deliveries),
            ),
            "info",
        )
    return redirect(url_for(".letters", slug=slug, _anchor="reports"), 303)
