"""Flyers and paper signature sheets, downloaded from the dashboard's small form. The PDF
library (app.letters.printed) is imported by these views only, when one is asked for."""

from flask import Response, render_template, request

from app.models import Petition
from app.web.organizer import bp
from app.web.organizer.access import managed_petition_or_404
from app.web.organizer.forms import FlyerForm, PrintForm


@bp.context_processor
def _print_form() -> dict:
    """The dashboard's form, made only by the template that shows it."""
    return {"new_flyer_form": lambda: FlyerForm(formdata=None)}


@bp.get("/petitions/<slug:slug>/flyer.pdf")
def flyer(slug: str):
    petition = managed_petition_or_404(slug)
    form = FlyerForm(formdata=request.args)
    if not form.validate():
        return _form_page(petition, form.errors)
    from app.letters.printed import PrintRefused, build_flyer

    try:
        printed = build_flyer(petition, form.source.data, form.language.data, form.paper.data)
    except PrintRefused as refusal:
        return _form_page(petition, {refusal.option: [str(refusal)]})
    return _pdf(printed)


@bp.get("/petitions/<slug:slug>/sheet.pdf")
def sheet(slug: str):
    petition = managed_petition_or_404(slug)
    form = PrintForm(formdata=request.args)  # the sheet has no QR code: no source name
    if not form.validate():
        return _form_page(petition, form.errors)
    from app.letters.printed import PrintRefused, build_sheet

    try:
        printed = build_sheet(petition, form.language.data, form.paper.data)
    except PrintRefused as refusal:
        return _form_page(petition, {refusal.option: [str(refusal)]})
    return _pdf(printed)


def _form_page(petition: Petition, errors: dict[str, list[str]]):
    """The form again, as it was filled in, with what is wrong: 400."""
    form = FlyerForm(formdata=request.args)
    for name, messages in errors.items():
        form[name].errors = list(messages)
    return render_template("organizer/printed.html", petition=petition, form=form), 400


def _pdf(printed) -> Response:
    return Response(
        printed.data,
        mimetype="application/pdf",
        # Opened in the browser, ready to print; saved under this name.
        headers={"Content-Disposition": f'inline; filename="{printed.filename}"'},
    )
