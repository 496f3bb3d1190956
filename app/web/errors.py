"""Error pages: every failure answers with a clear page (or JSON) and the right status."""

import logging

import sqlalchemy as sa
from flask import Flask, Response, jsonify, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from app.core.database import end_session_after_failure
from app.web.request_log import route_of_request

log = logging.getLogger("app.errors")


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("That request did not make sense"), _("Please go back and try again.")),
        403: (_("Not allowed"), _("You do not have access to this page.")),
        404: (
            _("Page not found"),
            _("There is nothing at this address. Check the link you followed."),
        ),
        405: (_("Not allowed"), _("This page cannot be used that way.")),
        413: (
            _("Too much data"),
            _("What you sent is too large. Please shorten it and try again."),
        ),
        429: (_("Too many tries"), _("Please wait a minute, then try again.")),
        500: (
            _("Something went wrong on our side"),
            _("Nothing you sent was lost. Please try again in a moment."),
        ),
    }


API_PREFIX = "/api/v1"
# What the OSDI API answers, its errors included (OSDI's media type).
HAL_JSON = "application/hal+json"
# Headers of an error that the client needs whatever the body (405, 429, 401).
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def is_api_request() -> bool:
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def api_error(status: int, message: str, errors: dict | None = None, headers=None):
    """An error of the OSDI API: HAL+JSON, the shape flask-smorest documents (code, status,
    message, errors)."""
    payload = {"code": status, "status": HTTP_STATUS_CODES.get(status, "Error"), "message": message}
    if errors:
        payload["errors"] = errors
    response = jsonify(payload)
    response.mimetype = HAL_JSON
    return response, status, {**(headers or {}), "Cache-Control": "no-store"}


# Where a problem is when it is the whole body (or query), not one of its fields.
WHOLE = "_schema"


def _by_path(messages, path: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Marshmallow's nested messages ({"person": {"email_addresses": {0: {"address": [...]}}}})
    as {"person.email_addresses.0.address": [...]}. Its `_schema` (the object itself) is the
    object's own path."""
    if isinstance(messages, dict):
        flat: dict[str, list[str]] = {}
        for key, inner in messages.items():
            for where, said in _by_path(inner, path if key == WHOLE else (*path, str(key))).items():
                flat.setdefault(where, []).extend(said)
        return flat
    listed = messages if isinstance(messages, list | tuple) else [messages]
    return {".".join(path) or WHOLE: [str(message) for message in listed]}


def api_errors_by_path(errors: dict) -> dict[str, dict[str, list[str]]]:
    """Every API error's `errors`, one shape: {location: {"dotted.path": [messages]}}, the
    location being where the request carries it (json: the body, query: the address)."""
    return {location: _by_path(messages) for location, messages in errors.items()}


def _api_http_error(error: HTTPException, status: int):
    """`status`: the error's code."""
    data = getattr(error, "data", None) or {}
    headers = {name: value for name, value in error.get_headers() if name in _KEPT_HEADERS}
    headers.update(data.get("headers") or {})
    errors = data.get("errors") or data.get("messages")
    message = data.get("message") or _messages().get(status, (None, None))[1]
    if status == 429:
        message = f"Too many requests for this token: the limit is {error.description}."
    elif errors and not data.get("message"):
        message = "The request does not fit what this address takes: see errors."
    return api_error(
        status,
        str(message or error.description),
        api_errors_by_path(errors) if errors else None,
        headers,
    )


def _wants_json() -> bool:
    return request.path.endswith(".json") or request.accept_mimetypes.best == "application/json"


def render_error(status: int, heading: str | None = None, message: str | None = None):
    default_heading, default_message = _messages().get(status, _messages()[400])
    heading, message = heading or default_heading, message or default_message
    if is_api_request():
        return api_error(status, message)
    response: Response | str
    if _wants_json():
        response = jsonify(error=heading, message=message)
    else:
        response = render_template(
            "message.html",
            heading=heading,
            lead=message,
            link_url=url_for("public.home"),
            link_label=_("Go to the home page"),
        )
    return response, status, {"Cache-Control": "no-store"}


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        return render_error(
            400,
            _("This form has expired"),
            _("For your security, forms expire. Go back, reload the page and send it again."),
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if is_api_request():
            return _api_http_error(error, error.code)
        return render_error(error.code)

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    def _database_unavailable(error):
        # The connection dropped (server restart, failover, a killed backend): the pool
        # replaces it at the next checkout. This request saved nothing it reported.
        end_session_after_failure()
        # The rule, not the path: a path may hold a link's key (app.web.request_log).
        log.warning("database unavailable on %s %s: %s", request.method, route_of_request(), error)
        return render_error(
            503,
            _("Please try again"),
            _("We could not reach our database for a moment. Please send the form again."),
        )

    @app.errorhandler(InternalServerError)
    def _server_error(error: InternalServerError):
        log.error(
            "unhandled error on %s %s",
            request.method,
            route_of_request(),
            exc_info=error.original_exception,
        )
        return render_error(500)
