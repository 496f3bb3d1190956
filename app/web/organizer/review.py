"""The integrity review page: clusters of signatures worth a look, invalidating a cluster or
a span of time and restoring it, quiet holds on a network or a domain, and the signatures
held (app.signatures.integrity, app.signatures.holds)."""

from dataclasses import dataclass

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_wtf import FlaskForm

from app.core.clock import from_local
from app.models import HoldKind, Petition
from app.petitions import deadlines
from app.signatures.holds import (
    add_hold,
    held_count,
    held_signatures,
    holds_of,
    release_held,
    remove_hold,
)
from app.signatures.integrity import (
    Cluster,
    NothingSelected,
    RestoreRefused,
    Selection,
    find_clusters,
    invalidate,
    invalidations_of,
    restore,
)
from app.web.form_parts import ButtonForm
from app.web.organizer import bp
from app.web.organizer.access import managed_petition_or_404
from app.web.organizer.forms import (
    HoldForm,
    InvalidateClusterForm,
    InvalidateSpanForm,
)

HELD_SHOWN = 20  # the held signatures listed; the page says how many more
# The clusters a hold can answer: what it holds, and its value.
HOLDABLE = {"network": HoldKind.NETWORK, "domain": HoldKind.DOMAIN, "disposable": HoldKind.DOMAIN}


@dataclass
class ShownCluster:
    """A cluster as the page shows it, with its form (the one just posted, if it failed)."""

    cluster: Cluster
    form: InvalidateClusterForm
    hold_kind: HoldKind | None  # what its "Hold" button would hold, if it has one
    is_held: bool  # that network or domain is held already

    @property
    def hold_value(self) -> str | None:
        return self.cluster.selection.network or self.cluster.selection.domain


def _shown_clusters(
    clusters: list[Cluster], posted: InvalidateClusterForm | None, held: set[tuple[str, str]]
) -> list[ShownCluster]:
    shown = []
    for cluster in clusters:
        if posted is not None and posted.cluster.data == cluster.ident:
            form = posted
        else:
            form = InvalidateClusterForm(formdata=None, cluster=cluster.ident)
        hold_kind = HOLDABLE.get(cluster.kind)
        value = cluster.selection.network or cluster.selection.domain
        is_held = hold_kind is not None and (hold_kind.value, value) in held
        shown.append(ShownCluster(cluster, form, hold_kind, is_held))
    return shown


def _review_page(
    petition: Petition,
    status: int = 200,
    *,
    cluster_form: InvalidateClusterForm | None = None,
    span_form: InvalidateSpanForm | None = None,
    hold_form: HoldForm | None = None,
    found: list[Cluster] | None = None,
):
    holds = holds_of(petition)
    held = {(hold.kind.value, hold.value) for hold in holds}
    if found is None:
        found = find_clusters(petition)
    clusters = _shown_clusters(found, cluster_form, held)
    errors = []
    if cluster_form is not None:
        matched = next((shown for shown in clusters if shown.form is cluster_form), None)
        where = f"cluster-{matched.cluster.ident}" if matched else "clusters-heading"
        reason = f"reason-{matched.cluster.ident}" if matched else where
        errors += _errors_of(cluster_form, where, reason=reason)
    if span_form is not None:
        errors += _errors_of(span_form, "span-heading")
    if hold_form is not None:
        errors += _errors_of(hold_form, "holds-heading")
    config = current_app.config
    return render_template(
        "organizer/review.html",
        petition=petition,
        errors=errors,
        clusters=clusters,
        thresholds={
            "network_min": config["REVIEW_NETWORK_MIN"],
            "network_minutes": config["REVIEW_NETWORK_WINDOW_MINUTES"],
            "domain_share": config["REVIEW_DOMAIN_SHARE"],
            "burst_factor": config["REVIEW_BURST_FACTOR"],
            "fast_seconds": config["REVIEW_FAST_CONFIRM_SECONDS"],
        },
        span_form=span_form or InvalidateSpanForm(formdata=None),
        hold_form=hold_form or HoldForm(formdata=None),
        held_count=held_count(petition),
        held=held_signatures(petition, limit=HELD_SHOWN),
        holds=holds,
        invalidations=invalidations_of(petition),
        is_open=deadlines.is_open(petition),
        count_is_final=deadlines.count_is_final(petition),
        button=ButtonForm(formdata=None),
    ), status


def _errors_of(form: FlaskForm, where: str, **ids: str) -> list[tuple[str, str]]:
    """A failed form's messages for the summary atop the page, each with the id of what to
    go to: its field (`ids` names those not under their own id), or `where` the form is."""
    found = []
    for field in form:
        if not field.errors:
            continue
        message = str(field.errors[0])
        if field.name == "csrf_token" or field.type == "HiddenField":
            found.append((where, message))
        else:
            found.append((ids.get(field.name, field.id), f"{field.label.text}: {message}"))
    return found


def _back(slug: str, anchor: str):
    return redirect(url_for(".review", slug=slug, _anchor=anchor), 303)


@bp.get("/petitions/<slug:slug>/review")
def review(slug: str):
    return _review_page(managed_petition_or_404(slug))


# --- invalidating and restoring ------------------------------------------------------------


@bp.post("/petitions/<slug:slug>/review/invalidate")
def invalidate_cluster(slug: str):
    """Invalidate a cluster as the review finds it now: its signatures in play, those that
    joined it since the page was shown included."""
    petition = managed_petition_or_404(slug)
    form = InvalidateClusterForm()
    found = find_clusters(petition)
    if not form.validate_on_submit():
        return _review_page(petition, 400, cluster_form=form, found=found)
    cluster = next((cluster for cluster in found if cluster.ident == form.cluster.data), None)
    if cluster is None:
        flash(
            _(
                "That cluster is no longer found: its signatures may have been invalidated "
                "already. Look at the page as it is now."
            ),
            "error",
        )
        return _review_page(petition, 409, found=found)
    return _invalidated(petition, cluster.selection, form.reason.data, cluster_form=form)


@bp.post("/petitions/<slug:slug>/review/invalidate-span")
def invalidate_span(slug: str):
    petition = managed_petition_or_404(slug)
    form = InvalidateSpanForm()
    if not form.validate_on_submit():
        return _review_page(petition, 400, span_form=form)
    selection = Selection(
        since=from_local(form.since.data, petition.zone),
        until=from_local(form.until.data, petition.zone),
    )
    return _invalidated(petition, selection, form.reason.data, span_form=form)


def _invalidated(petition: Petition, selection: Selection, reason: str, **posted):
    try:
        invalidation = invalidate(petition, selection, reason)
    except NothingSelected as refusal:
        flash(str(refusal), "error")
        return _review_page(petition, 409, **posted)
    flash(
        ngettext(
            "%(num)d signature invalidated: it is out of the count, the letters and the "
            "exports.",
            "%(num)d signatures invalidated: they are out of the count, the letters and the "
            "exports.",
            invalidation.signature_count,
        ),
        "info",
    )
    return _back(petition.slug, "invalidations-heading")


@bp.post("/petitions/<slug:slug>/review/invalidations/<int:invalidation_id>/restore")
def restore_invalidation(slug: str, invalidation_id: int):
    petition = managed_petition_or_404(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        restored = restore(petition, invalidation_id)
    except RestoreRefused as refusal:
        flash(str(refusal), "error")
        return _review_page(petition, 409)
    flash(
        ngettext(
            "%(num)d signature restored: back as it was before.",
            "%(num)d signatures restored: back as they were before.",
            restored,
        ),
        "info",
    )
    return _back(slug, "invalidations-heading")


# --- quiet holds and the signatures held ---------------------------------------------------


@bp.post("/petitions/<slug:slug>/review/holds")
def add_review_hold(slug: str):
    petition = managed_petition_or_404(slug)
    form = HoldForm()
    if not form.validate_on_submit():
        return _review_page(petition, 400, hold_form=form)
    kind = HoldKind(form.kind.data)
    if not add_hold(petition, kind, form.value.data):
        flash(_("%(value)s was held already.", value=form.value.data), "info")
    elif kind == HoldKind.NETWORK:
        flash(_("New signatures from network %(key)s are now held.", key=form.value.data), "info")
    else:
        flash(
            _("New signatures with addresses at %(domain)s are now held.", domain=form.value.data),
            "info",
        )
    return _back(slug, "holds-heading")


@bp.post("/petitions/<slug:slug>/review/holds/<int:hold_id>/remove")
def remove_review_hold(slug: str, hold_id: int):
    petition = managed_petition_or_404(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if remove_hold(petition, hold_id):
        flash(
            _(
                "The hold is removed: new signatures from it count as usual. Those it held "
                "stay held until you release or invalidate them."
            ),
            "info",
        )
    else:
        flash(_("That hold was already removed."), "info")
    return _back(slug, "holds-heading")


@bp.post("/petitions/<slug:slug>/review/release")
def release_held_signatures(slug: str):
    petition = managed_petition_or_404(slug)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if deadlines.count_is_final(petition):
        # Their confirmation links would no longer work.
        flash(_("The count is final: held signatures can no longer be confirmed."), "error")
        return _review_page(petition, 409)
    released = release_held(petition)
    if released:
        flash(
            ngettext(
                "%(num)d held signature released: it gets its confirmation email, and counts "
                "once confirmed.",
                "%(num)d held signatures released: each gets its confirmation email, and "
                "counts once confirmed.",
                released,
            ),
            "info",
        )
    else:
        flash(_("No signature was held."), "info")
    return _back(slug, "held-heading")
