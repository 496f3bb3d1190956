"""Share links: plain URLs to each network's own share page. No SDK, pixel or script of
theirs ever loads on our pages. Each link tags the petition URL with `?source=`, so the
organizers see where signatures came from."""

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from flask_babel import gettext as _

from app.core.urls import absolute_url, with_query
from app.models import Petition


@dataclass(frozen=True)
class ShareLink:
    network: str
    label: str
    href: str


def canonical_url(petition: Petition) -> str:
    return absolute_url("public.petition", slug=petition.slug)


def tagged_url(petition: Petition, source: str) -> str:
    return with_query(canonical_url(petition), source=source)


def share_links(petition: Petition) -> list[ShareLink]:
    message = _("Sign the petition: %(title)s", title=petition.title)
    facebook = tagged_url(petition, "facebook")
    x = tagged_url(petition, "x")
    whatsapp = tagged_url(petition, "whatsapp")
    email = tagged_url(petition, "email")
    return [
        ShareLink(
            "facebook",
            _("Share on Facebook"),
            "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": facebook}),
        ),
        ShareLink(
            "x",
            _("Share on X"),
            "https://x.com/intent/post?" + urlencode({"text": message, "url": x}),
        ),
        ShareLink(
            "whatsapp",
            _("Share on WhatsApp"),
            "https://wa.me/?" + urlencode({"text": f"{message} {whatsapp}"}),
        ),
        ShareLink(
            "email",
            _("Share by email"),
            "mailto:?subject=" + quote(petition.title) + "&body=" + quote(f"{message}\n\n{email}"),
        ),
    ]
