"""Starting, editing, previewing and publishing a petition from the organizer side.

Registered on the organizer blueprint (login required for all of it); the services of
app.petitions.authoring open and commit their own transactions."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from app.core.clock import as_utc, default_time_zone, is_time_zone, now
from app.core.i18n import supported_languages
from app.models import Petition
from app.petitions import deadlines
from app.petitions.authoring import (
    MAX_TARGETS,
    AuthoringRefused,
    PetitionFields,
    TargetFields,
    edit_petition,
    start_petition,
)
from app.petitions.lifecycle import PublishRefused, publish_petition, publish_problems
from app.petitions.settings import recent_changes
from app.petitions.sharing import canonical_url
from app.web.form_parts import ButtonForm
from app.web.organizer import bp
from app.web.organizer.access import managed_petition_or_404
from app.web.organizer.petition_forms import PetitionForm, local_datetime, zip_prefixes
from app.web.petition_page import render_preview
from app.web.template_helpers import local_date, local_time, zone_name

ADD_TARGET = "add-target"


def _organizer():
    return current_user._get_current_object()


def _blank_form() -> PetitionForm:
    """A new petition's form: the default time zone, opening left empty (as soon as it is
    published: a time written here would be read in whatever zone is chosen), closing 30
    days from now at the end of that day, one empty target row."""
    zone_name = default_time_zone()
    today = local_datetime(now(), ZoneInfo(zone_name))
    closes = (today + timedelta(days=30)).replace(hour=23, minute=59, second=59, microsecond=0)
    return PetitionForm(
        formdata=None,
        data={"time_zone": zone_name, "goal": 100, "closes_at": closes, "targets": [{}]},
    )


def _form_data(petition: Petition) -> dict:
    zone = petition.zone
    return {
        "title": petition.title,
        "organizer_name": petition.organizer_name,
        "slug": petition.slug,
        "about": petition.about,
        "letter_subject": petition.letter_subject,
        "letter_body": petition.letter_body,
        "goal": petition.goal,
        "time_zone": petition.time_zone,
        "opens_at": local_datetime(petition.opens_at, zone),
        "closes_at": local_datetime(petition.closes_at, zone),
        "resident_zip_prefixes": petition.resident_zip_prefixes,
        "resident_label": petition.resident_label,
        "targets": [
            {"id": str(t.id), "position": t.position, "title": t.title, "name": t.name,
             "email": t.email or ""}
            for t in petition.targets
        ]
        or [{}],
    }  # fmt: skip


def _wanted(form: PetitionForm) -> PetitionFields:
    zone = ZoneInfo(form.time_zone.data)
    return PetitionFields(
        title=form.title.data,
        organizer_name=form.organizer_name.data or "",
        slug=form.slug.data or None,
        time_zone=form.time_zone.data,
        goal=form.goal.data,
        opens_at=as_utc(form.opens_at.data.replace(tzinfo=zone)) if form.opens_at.data else now(),
        closes_at=as_utc(form.closes_at.data.replace(tzinfo=zone)),
        resident_zip_prefixes=" ".join(zip_prefixes(form.resident_zip_prefixes.data)),
        resident_label=form.resident_label.data or "",
        about=form.about.data or "",
        letter_subject=form.letter_subject.data or "",
        letter_body=form.letter_body.data or "",
        targets=tuple(
            TargetFields(row.title.data, row.name.data, row.email.data or None, row.target_id())
            for row in form.kept_rows()
        ),
    )


def _with_a_new_row(form: PetitionForm) -> None:
    """The rows as ticked and numbered (removed ones gone, in order), plus an empty one.
    Nothing is saved."""
    rows = [
        {
            "id": row.id.data or "",
            "position": position,
            "title": row.title.data or "",
            "name": row.name.data or "",
            "email": row.email.data or "",
        }
        for position, row in enumerate(form.kept_rows(), start=1)
    ]
    if len(rows) < MAX_TARGETS:
        rows.append({"position": len(rows) + 1})
        flash(_("A row for a new target was added below. Nothing is saved until you save."), "info")
    else:
        flash(_("A petition can address at most %(num)d targets.", num=MAX_TARGETS), "error")
    form.targets.process(None, data=rows)


def _refused(form: PetitionForm, refusal: AuthoringRefused) -> None:
    field = getattr(form, refusal.field, None) if refusal.field else None
    if field is not None and refusal.field != "targets":
        field.errors = [*field.errors, str(refusal)]
    else:
        flash(str(refusal), "error")


def _form_page(form: PetitionForm, petition: Petition | None, status: int = 200):
    return render_template(
        "organizer/petition_form.html",
        form=form,
        petition=petition,
        problems=publish_problems(petition) if petition is not None else [],
        changes=recent_changes(petition) if petition is not None and petition.is_published else [],
        publish_form=ButtonForm(),
        languages=supported_languages(),
        public_url=canonical_url(petition) if petition is not None else None,
        # The zone the dates are read in, named beside them (the one chosen, if it is one).
        chosen_zone=form.time_zone.data if is_time_zone(form.time_zone.data or "") else None,
    ), status


@bp.route("/petitions/new", methods=["GET", "POST"])
def start():
    if request.method == "GET":
        return _form_page(_blank_form(), None)
    form = PetitionForm()
    if request.form.get("action") == ADD_TARGET:
        _with_a_new_row(form)
        return _form_page(form, None)
    if not form.validate_on_submit():
        return _form_page(form, None, 400)
    try:
        petition = start_petition(_organizer(), _wanted(form))
    except AuthoringRefused as refusal:
        _refused(form, refusal)
        return _form_page(form, None, 409)
    flash(
        _(
            "Your draft is saved. Only organizers can see it: preview it, then publish it "
            "when it is ready."
        ),
        "info",
    )
    return redirect(url_for(".edit", slug=petition.slug), 303)


@bp.route("/petitions/<slug:slug>/edit", methods=["GET", "POST"])
def edit(slug: str):
    petition = managed_petition_or_404(slug)
    if request.method == "GET":
        return _form_page(PetitionForm(formdata=None, data=_form_data(petition)), petition)
    form = PetitionForm()
    if request.form.get("action") == ADD_TARGET:
        _with_a_new_row(form)
        return _form_page(form, petition)
    if not form.validate_on_submit():
        return _form_page(form, petition, 400)
    try:
        changed = edit_petition(petition, _wanted(form), _organizer())
    except AuthoringRefused as refusal:
        _refused(form, refusal)
        return _form_page(form, managed_petition_or_404(slug), 409)
    flash(ngettext("Saved: %(num)d change.", "Saved: %(num)d changes.", changed), "info")
    return redirect(url_for(".edit", slug=petition.slug), 303)


@bp.get("/petitions/<slug:slug>/preview")
def preview(slug: str):
    petition = managed_petition_or_404(slug)
    language = request.args.get("lang") or str(get_locale())
    if language not in supported_languages():
        abort(404)
    return render_preview(petition, language)


@bp.post("/petitions/<slug:slug>/publish")
def publish(slug: str):
    petition = managed_petition_or_404(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        published = publish_petition(petition, _organizer())
    except PublishRefused as refusal:
        for reason in refusal.reasons:
            flash(str(reason), "error")
        return redirect(url_for(".edit", slug=slug), 303)
    if published and not deadlines.has_opened(petition):
        flash(
            _(
                "Published. Signing opens on %(date)s at %(time)s, %(zone)s; until then its "
                "page at %(url)s says when.",
                date=local_date(petition.opens_at, petition),
                time=local_time(petition.opens_at, petition),
                zone=zone_name(petition),
                url=canonical_url(petition),
            ),
            "info",
        )
    elif published:
        flash(
            _("Published: anyone can now sign it at %(url)s", url=canonical_url(petition)), "info"
        )
    else:
        flash(_("This petition was already published."), "info")
    return redirect(url_for(".dashboard", slug=slug), 303)
