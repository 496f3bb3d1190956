"""A petition's dashboard and settings, the list of petitions, exports and the files the
worker prepares."""

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.core.clock import from_local, in_zone
from app.jobs import JobAlreadyQueued
from app.jobs.files import file_chunks, is_expired, petition_file
from app.letters.purge import purge_refusal
from app.mail.failures import failed_mail
from app.models import Petition, SignatureStatus
from app.organizers.membership import petitions_managed_by
from app.petitions import deadlines
from app.petitions.settings import (
    DeadlineRefused,
    PetitionSettings,
    SettingRefused,
    TargetSettings,
    apply_settings,
    current_settings,
    recent_changes,
)
from app.petitions.translations import translation_progress
from app.signatures.export import ExportFilters, recent_exports
from app.signatures.export_files import (
    EXPORT_PURPOSE,
    download_export,
    export_state,
    queue_export,
)
from app.signatures.stats import dashboard as dashboard_figures
from app.updates.queries import sending_progress, updates_of
from app.web.embed.iframe import iframe_code
from app.web.organizer import bp
from app.web.organizer.access import managed_petition_or_404
from app.web.organizer.chart import daily_bars
from app.web.organizer.forms import (
    ExportForm,
    PurgeForm,
    SettingsForm,
)
from app.web.organizer.milestones import milestones_section

# --- petitions ---------------------------------------------------------------------------


@bp.get("/")
def index():
    petitions = petitions_managed_by(current_user)
    return render_template("organizer/index.html", petitions=petitions, is_open=deadlines.is_open)


@bp.get("/petitions/<slug:slug>")
def dashboard(slug: str):
    petition = managed_petition_or_404(slug)
    figures = dashboard_figures(petition)
    updates = updates_of(petition)
    export_job, export_file = export_state(petition)
    return render_template(
        "organizer/dashboard.html",
        petition=petition,
        figures=figures,
        chart=daily_bars(figures.per_day),
        is_open=deadlines.is_open(petition),
        time_left=deadlines.time_left(petition),
        exports=recent_exports(petition),
        export_form=ExportForm(),
        export_job=export_job,
        export_file=export_file,
        purge_form=PurgeForm(),
        # What blocks erasing even for letters delivered by hand; the rest the form asks.
        purge_refusal=purge_refusal(petition, delivered_by_hand=True),
        translations=translation_progress(petition),
        updates=updates[:5],
        update_progress=sending_progress(updates[:5]),
        failed_mail=failed_mail(petition),
        embed_code=iframe_code(petition),
    )


@bp.route("/petitions/<slug:slug>/settings", methods=["GET", "POST"])
def settings(slug: str):
    petition = managed_petition_or_404(slug)
    if request.method == "GET":
        form = SettingsForm(data=_settings_data(petition))
    else:
        form = SettingsForm()
    if form.validate_on_submit():
        closes_at = from_local(form.closes_at.data, petition.zone)
        organizer = current_user._get_current_object()
        wanted = PetitionSettings(
            goal=form.goal.data,
            closes_at=closes_at,
            # Only admins see the box: anyone else's form leaves the home page as it is.
            featured=form.featured.data if organizer.is_admin else None,
            # A field the form did not send (a script's post) stays as it is.
            share_channel=_sent(form.share_channel, petition.share_channel),
            contact_email=_sent(form.contact_email, petition.contact_email),
            targets=tuple(
                TargetSettings(t.form.title.data, t.form.name.data, t.form.email.data or None)
                for t in form.targets
            ),
        )
        try:
            changed = apply_settings(petition, wanted, organizer)
        except (DeadlineRefused, SettingRefused) as refusal:
            flash(str(refusal), "error")
            return _settings_page(managed_petition_or_404(slug), form, 409)
        flash(ngettext("Saved: %(num)d change.", "Saved: %(num)d changes.", changed), "info")
        return redirect(url_for(".settings", slug=slug), 303)
    return _settings_page(petition, form, 400 if form.errors else 200)


def _sent(field, current):
    """What a field of the settings form sets: its value (empty is None), or, when the form
    did not send it at all, the value as it is."""
    return (field.data or None) if field.raw_data else current


def _settings_page(petition: Petition, form: SettingsForm, status: int):
    return render_template(
        "organizer/settings.html",
        petition=petition,
        form=form,
        changes=recent_changes(petition),
        **milestones_section(petition),
    ), status


def _settings_data(petition: Petition) -> dict:
    settings = current_settings(petition)
    return {
        "goal": settings.goal,
        "closes_at": in_zone(settings.closes_at, petition.zone).replace(tzinfo=None),
        "featured": settings.featured,
        "share_channel": settings.share_channel or "",
        "contact_email": settings.contact_email or "",
        "targets": [
            {"title": t.title, "name": t.name, "email": t.email or ""} for t in settings.targets
        ],
    }


@bp.post("/petitions/<slug:slug>/export.csv")
def export(slug: str):
    """Queue the export; the worker writes it and the dashboard offers the file."""
    petition = managed_petition_or_404(slug)
    form = ExportForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(errors[0], "error")
        return redirect(url_for(".dashboard", slug=slug), 303)
    filters = ExportFilters(
        status=None if form.status.data == "all" else SignatureStatus(form.status.data),
        signed_from=form.signed_from.data,
        signed_to=form.signed_to.data,
    )
    try:
        queue_export(petition, filters)
    except JobAlreadyQueued:
        flash(
            _("An export is already being prepared: wait until it is ready, then ask again."),
            "error",
        )
    else:
        flash(_("The export is being prepared; it appears below when it is ready."), "info")
    return redirect(url_for(".dashboard", slug=slug, _anchor="export-heading"), 303)


@bp.get("/petitions/<slug:slug>/files/<int:file_id>")
def generated_file(slug: str, file_id: int):
    """A file the worker built for this petition: a letter, or an export (recorded as
    handed out to whoever downloads it)."""
    petition = managed_petition_or_404(slug)
    file = petition_file(petition, file_id)
    if file is None:
        abort(404)
    if is_expired(file):
        return render_template(
            "message.html",
            heading=_("This file has expired"),
            lead=_(
                "Files are deleted %(hours)s hours after they are prepared. Prepare it again.",
                hours=f"{current_app.config['GENERATED_FILE_HOURS']:g}",
            ),
        ), 410
    if file.purpose == EXPORT_PURPOSE:
        body, disposition = download_export(petition, file), "attachment"
    else:
        body, disposition = file_chunks(file.id), "inline"
    return Response(
        stream_with_context(body),
        mimetype=file.mimetype,
        headers={
            "Content-Disposition": f'{disposition}; filename="{file.filename}"',
            "Content-Length": str(file.size),
        },
    )
