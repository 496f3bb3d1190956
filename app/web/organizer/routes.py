"""The organizers' side, under /organizer/. Every page needs a login (checked before any view
of this blueprint runs, so a new page is protected by default); some need an admin."""

from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
from flask import (
    Blueprint,
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
from flask_login import current_user, login_user, logout_user
from wtforms.fields.choices import SelectChoice

from app.core.clock import from_local, in_zone, local_day, now
from app.core.database import begin_write
from app.core.links import LinkPurpose, read_token
from app.extensions import db, limiter, login_manager
from app.jobs import JobAlreadyQueued, latest_job
from app.jobs.files import file_chunks, is_expired, petition_file
from app.letters.letter_files import letter_pdf_states, queue_letter_pdf
from app.letters.records import DELIVER_LETTERS_JOB, delivery_history
from app.mail.failures import failed_mail
from app.models import Job, JobStatus, NameDisplay, Organizer, Petition, SignatureStatus
from app.organizers import (
    AccountError,
    authenticate,
    change_password,
    end_sessions,
    invite_organizer,
    organizer_for_password_link,
    organizer_for_session,
    set_organizer_enabled,
)
from app.petitions import deadlines
from app.petitions.membership import petitions_managed_by
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
from app.signatures.erasure import (
    PurgeRefused,
    delete_signature_on_request,
    find_signatures,
    purge_personal_data,
    purge_refusal,
    signature_on_petition,
)
from app.signatures.export import ExportFilters, recent_exports
from app.signatures.export_files import (
    EXPORT_PURPOSE,
    download_export,
    export_state,
    queue_export,
)
from app.signatures.paper import (
    LikelyDuplicates,
    PaperSignature,
    PaperSignatureRefused,
    add_paper_signature,
)
from app.signatures.stats import dashboard as dashboard_figures
from app.updates.queries import sending_progress, updates_of
from app.web.caching import no_store
from app.web.embed.iframe import iframe_code
from app.web.form_parts import ButtonForm, zip_example
from app.web.organizer.access import managed_petition_or_404, refuse_unmanaged_petitions
from app.web.organizer.chart import daily_bars
from app.web.organizer.forms import (
    DeliverForm,
    ExportForm,
    InviteForm,
    LoginForm,
    PaperSignatureForm,
    PurgeForm,
    SetPasswordForm,
    SettingsForm,
)
from app.web.redirects import local_path

bp = Blueprint("organizer", __name__, url_prefix="/organizer")

# The only pages a visitor may see without logging in.
OPEN_ENDPOINTS = {"organizer.login", "organizer.set_password"}


@login_manager.user_loader
def _load_organizer(session_id: str) -> Organizer | None:
    return organizer_for_session(session_id)


@bp.before_request
def _require_login():
    if request.endpoint not in OPEN_ENDPOINTS and not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


bp.before_request(refuse_unmanaged_petitions)


@bp.after_request
def _never_cache(response: Response) -> Response:
    return no_store(response)


def admin_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


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
    if organizer is None:
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
        begin_write()
        petition = managed_petition_or_404(slug)
        try:
            changed = apply_settings(petition, wanted, organizer)
        except (DeadlineRefused, SettingRefused) as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
            return _settings_page(managed_petition_or_404(slug), form, 409)
        db.session.commit()
        flash(ngettext("Saved: %(num)d change.", "Saved: %(num)d changes.", changed), "info")
        return redirect(url_for(".settings", slug=slug), 303)
    return _settings_page(petition, form, 400 if form.errors else 200)


def _sent(field, current):
    """What a field of the settings form sets: its value (empty is None), or, when the form
    did not send it at all, the value as it is."""
    return (field.data or None) if field.raw_data else current


def _settings_page(petition: Petition, form: SettingsForm, status: int):
    return render_template(
        "organizer/settings.html", petition=petition, form=form, changes=recent_changes(petition)
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


@bp.route("/petitions/<slug:slug>/paper", methods=["GET", "POST"])
def paper(slug: str):
    petition = managed_petition_or_404(slug)
    form = PaperSignatureForm()
    form.zip_example = zip_example(petition.resident_zip_prefixes)
    today = local_day(now(), petition.zone)
    form.signed_on.render_kw = {"max": today.isoformat()}
    if request.method == "GET":
        form.signed_on.data = today
    if not form.validate_on_submit():
        return render_template("organizer/paper.html", petition=petition, form=form), (
            400 if form.errors else 200
        )
    entry = PaperSignature(
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        zip_code=form.zip_code.data,
        signed_on=form.signed_on.data,
        email=form.email.data or None,
        reason=form.reason.data or None,
        name_display=NameDisplay(form.name_display.data),
    )
    try:
        add_paper_signature(petition, entry, add_anyway=form.add_anyway.data)
    except LikelyDuplicates as likely:
        # Shown with the form kept as typed, and the box to tick if it is someone else.
        form.add_anyway.data = False
        page = render_template(
            "organizer/paper.html", petition=petition, form=form, duplicates=likely.found
        )
        return page, 409
    except PaperSignatureRefused as refusal:
        if refusal.field:
            form[refusal.field].errors.append(str(refusal))
            return render_template("organizer/paper.html", petition=petition, form=form), 400
        flash(str(refusal), "error")
        return render_template("organizer/paper.html", petition=petition, form=form), 409
    flash(
        _("Paper signature of %(name)s added.", name=f"{entry.first_name} {entry.last_name}"),
        "info",
    )
    return redirect(url_for(".paper", slug=slug), 303)


@bp.get("/petitions/<slug:slug>/signers")
def signers(slug: str):
    petition = managed_petition_or_404(slug)
    query = request.args.get("q", "")[:254]
    found = find_signatures(petition, query) if query.strip() else []
    return render_template("organizer/signers.html", petition=petition, query=query, found=found)


@bp.route("/petitions/<slug:slug>/signers/<int:signature_id>/delete", methods=["GET", "POST"])
def delete_signer(slug: str, signature_id: int):
    """GET shows who would be deleted and what it means; the page's button POSTs."""
    petition = managed_petition_or_404(slug)
    form = ButtonForm()
    if request.method == "GET":
        signature = signature_on_petition(petition, signature_id)
        if signature is None:
            abort(404)
        return render_template(
            "organizer/delete_signer.html",
            petition=petition,
            signature=signature,
            form=form,
            query=request.args.get("q", "")[:254],
        )
    if not form.validate_on_submit():
        abort(400)
    if delete_signature_on_request(petition, signature_id):
        flash(_("The signature was deleted."), "info")
    else:
        flash(_("That signature was already gone."), "info")
    return redirect(url_for(".signers", slug=slug), 303)


@bp.post("/petitions/<slug:slug>/purge")
@admin_required
def purge(slug: str):
    petition = managed_petition_or_404(slug)
    form = PurgeForm()
    if not form.validate_on_submit():
        flash(_("Tick the box to confirm."), "error")
        return redirect(url_for(".dashboard", slug=slug), 303)
    try:
        erased = purge_personal_data(petition, delivered_by_hand=form.delivered_by_hand.data)
    except PurgeRefused as refusal:
        db.session.rollback()
        flash(str(refusal), "error")
    else:
        flash(
            ngettext(
                "Personal data of %(num)d signature erased; the counts remain.",
                "Personal data of %(num)d signatures erased; the counts remain.",
                erased,
            ),
            "info",
        )
    return redirect(url_for(".dashboard", slug=slug), 303)


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
        db.session.rollback()
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


# --- organizers (admins only) --------------------------------------------------------------


@bp.route("/organizers", methods=["GET", "POST"])
@admin_required
def organizers():
    form = InviteForm()
    status = 200
    if form.validate_on_submit():
        try:
            begin_write()
            invited = invite_organizer(
                form.email.data,
                admin=form.admin.data,
                invited_by=db.session.get(Organizer, current_user.id),
            )
        except AccountError as error:
            db.session.rollback()
            flash(str(error), "error")
            status = 409
        else:
            flash(_("Invitation sent to %(email)s.", email=invited.email), "info")
            return redirect(url_for(".organizers"), 303)
    elif form.errors:
        status = 400
    everyone = db.session.scalars(sa.select(Organizer).order_by(Organizer.email)).all()
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


# Views in modules of their own, on this blueprint (and behind its login check).
from app.web.organizer import (  # noqa: E402,F401,I001
    api_tokens,
    authoring,
    images,
    languages,
    printed,
    responses,
    team,
    translations,
    updates as _updates_pages,
)
