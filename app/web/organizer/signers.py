"""Signers on the organizer side: paper entry, finding and deleting a signer, erasing every
signer's data."""

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

from app.core.clock import local_day, now
from app.letters.purge import PurgeRefused, purge_personal_data
from app.models import NameDisplay
from app.signatures.erasure import (
    delete_signature_on_request,
    find_signatures,
    signature_on_petition,
)
from app.signatures.paper import (
    LikelyDuplicates,
    PaperSignature,
    PaperSignatureRefused,
    add_paper_signature,
)
from app.web.form_parts import ButtonForm, zip_example
from app.web.organizer import bp
from app.web.organizer.access import admin_required, managed_petition_or_404
from app.web.organizer.forms import (
    PaperSignatureForm,
    PurgeForm,
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
