"""Absolute URLs for what leaves the site: email links, share links, canonical tags.

Built on BASE_URL, never on the request's Host header, which a client chooses.
"""

from urllib.parse import urlencode

from flask import current_app, has_request_context, request


def absolute_url(endpoint: str, /, **values: object) -> str:
    base: str = current_app.config["BASE_URL"]
    if not base and has_request_context():
        base = request.host_url
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base.rstrip("/") + path


def with_query(url: str, **params: str) -> str:
    return f"{url}?{urlencode(params)}" if params else url
