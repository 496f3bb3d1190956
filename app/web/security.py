"""Security headers on every response. Pages load nothing from other sites and run no inline
script, so the policy can be strict. No other site may show our pages in a frame, except the
views marked `framable` (the embeddable sign form): those the sites EMBED_FRAME_ANCESTORS
names may."""

import re
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, Response, current_app, request

_MARK = "framable"  # the attribute a framable view carries
View = TypeVar("View", bound=Callable[..., object])

_POLICY = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
]
CONTENT_SECURITY_POLICY = "; ".join([*_POLICY, "frame-ancestors 'none'"])

# A source of `frame-ancestors`: any site, or a site's origin (a scheme, a host whose first
# label may be a wildcard, an optional port).
_FRAME_ANCESTOR = re.compile(
    r"^(\*|'self'|https?://(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?)$", re.IGNORECASE
)


def bad_frame_ancestors(setting: str) -> str | None:
    """The first source in an EMBED_FRAME_ANCESTORS setting that is not one, else None."""
    sources = setting.split()
    if not sources:
        return setting
    return next((source for source in sources if not _FRAME_ANCESTOR.match(source)), None)


def embed_policy(frame_ancestors: str) -> str:
    """The policy of a framable view: the same, with the sites allowed to frame it."""
    return "; ".join([*_POLICY, f"frame-ancestors {' '.join(frame_ancestors.split())}"])


def framable(view: View) -> View:
    """Marks a view that other sites may show in a frame (the ones EMBED_FRAME_ANCESTORS
    lists): its answers, errors included, carry that policy and no X-Frame-Options."""
    setattr(view, _MARK, True)
    return view


def _is_framable() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, _MARK, False))


def init_security(app: Flask) -> None:
    production = app.config["APP_ENV"] == "production"
    shared = [
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if production:
        shared.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    defaults = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Frame-Options", "DENY"),
        *shared,
    ]
    framable_defaults = [
        ("Content-Security-Policy", embed_policy(app.config["EMBED_FRAME_ANCESTORS"])),
        *shared,
    ]

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        # One pass over the headers a view set, not one per default (every page pays this).
        present = {name.lower() for name, _value in headers.items()}
        chosen = framable_defaults if _is_framable() else defaults
        headers.extend([(name, value) for name, value in chosen if name.lower() not in present])
        if "set-cookie" in present and "public" in headers.get("Cache-Control", ""):
            # A shared cache must never hand one visitor's cookie to another.
            headers["Cache-Control"] = "private, no-cache"
        return response
