"""The code organizers paste into another site to show the embedded sign form."""

from flask_babel import gettext as _
from markupsafe import escape

from app.core.urls import absolute_url
from app.models import Petition

# The form fits 400px; the height holds it with a message or two (beyond that the page
# scrolls inside the frame).
FRAME_WIDTH = 400
FRAME_HEIGHT = 960


def iframe_code(petition: Petition) -> str:
    """An <iframe> of the petition's embedded form: its absolute address, its size, and a
    title that tells screen readers what the frame holds."""
    url = absolute_url("embed.embed", slug=petition.slug)
    title = _("Sign the petition: %(title)s", title=petition.title)
    return (
        f'<iframe src="{escape(url)}" width="{FRAME_WIDTH}" height="{FRAME_HEIGHT}" '
        f'title="{escape(title)}" style="border: 0; max-width: 100%;" loading="lazy">'
        "</iframe>"
    )
