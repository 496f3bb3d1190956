"""Which language a page speaks: the visitor's choice (a cookie), else their browser's.

A page shown in another site's frame cannot count on our cookie (browsers block it there):
views marked `language_from_url` take `?lang=` instead, else the browser's language."""

from collections.abc import Callable
from typing import TypeVar

from flask import current_app, has_request_context, request
from flask_babel.speaklater import LazyString

# What a person is shown: a str, or a lazy_gettext string that is translated when shown.
Message = str | LazyString

LANGUAGE_COOKIE = "lang"
LANGUAGE_PARAMETER = "lang"
_MARK = "language_from_url"  # the attribute a marked view carries

View = TypeVar("View", bound=Callable[..., object])


def supported_languages() -> tuple[str, ...]:
    return tuple(current_app.config["LANGUAGES"])


def language_from_url(view: View) -> View:
    """Marks a view whose language is chosen by `?lang=`, never by the cookie."""
    setattr(view, _MARK, True)
    return view


def _language_in_url() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, _MARK, False))


def url_language() -> str | None:
    """The supported language `?lang=` names, on a view marked `language_from_url`."""
    if not _language_in_url():
        return None
    asked = request.args.get(LANGUAGE_PARAMETER)
    return asked if asked in supported_languages() else None


def select_locale() -> str:
    languages = supported_languages()
    if not has_request_context():  # the command line: messages in the original language
        return languages[0]
    if _language_in_url():
        chosen = url_language()
    else:
        chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]
