"""The unsubscribe link of update emails, `/u/<token>`: GET shows a page with a button; a POST
of `List-Unsubscribe=One-Click` (what Gmail's button and RFC 8058 mail programs send, and what
the page's button sends) unsubscribes at once. The signed link is the proof, so the POST
needs no cookie and no CSRF token; it is never rate-limited per address either, since a mail
provider's servers send many of them."""

from flask import render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _

from app.extensions import csrf
from app.petitions.translations import petition_text
from app.updates.unsubscribe import BadUnsubscribeLink, read_unsubscribe_link, unsubscribe
from app.web.caching import never_cached
from app.web.signing import bp

ONE_CLICK = ("List-Unsubscribe", "One-Click")


def _page(heading: str, lead: str, status: int = 200, **extra):
    return render_template("unsubscribe.html", heading=heading, lead=lead, **extra), status


@bp.route("/u/<token>", methods=["GET", "POST"], endpoint="unsubscribe")
@csrf.exempt
@never_cached
def unsubscribe_link(token: str):
    try:
        link = read_unsubscribe_link(token)
    except BadUnsubscribeLink:
        return _page(
            _("This unsubscribe link does not work"),
            _(
                "It may have been cut short: copy the whole link from the email, or use the "
                "unsubscribe button of your mail program."
            ),
            status=400,
        )
    signature = link.signature
    title = petition_text(signature.petition, str(get_locale())).title if signature else None
    if request.method == "POST":
        if request.form.get(ONE_CLICK[0]) != ONE_CLICK[1]:
            return _page(
                _("Nothing was changed"),
                _("To unsubscribe, press the button on this link's page."),
                status=400,
            )
        unsubscribe(link)
        return _page(
            _("You are unsubscribed"),
            _("You will get no more updates about “%(title)s”.", title=title)
            if title
            else _("You will get no more updates about this petition."),
            note=_("Your signature stays and still counts."),
        )
    if signature is None:
        return _page(
            _("No updates will be sent"),
            _(
                "This signature was withdrawn, or its details were erased: no more updates "
                "will be sent to it."
            ),
        )
    return _page(
        _("Stop updates about “%(title)s”?", title=title),
        _("You will get no more emails about this petition’s news."),
        note=_("Your signature stays and still counts."),
        one_click=ONE_CLICK,
    )
