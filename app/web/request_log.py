"""Every request gets an id, sent back in its answer's X-Request-Id header (errors and static
files included), one log line and its place in /metrics' counts.

An incoming X-Request-Id (a proxy's, a load balancer's) is kept if it looks like an id, so a
request can be followed from the proxy's log to ours; anything else is replaced by one of ours.

The line names the request by its Flask endpoint and URL rule (`/petitions/<slug:slug>`),
never by its path or query string: a path may hold a link's key (confirm, withdraw,
unsubscribe) and a query anything at all. No address, name or email is logged either. The
busiest page pays for this with two clock readings, two counts and one log call."""

import logging
import re
import secrets
from time import perf_counter

from flask import Flask, Response, g, request

from app.core.logs import REQUEST_ID
from app.operations.metrics import observe_request

HEADER = "X-Request-Id"
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# The endpoint of a request no route matched (404, 405): its path is not logged either.
UNMATCHED = "unmatched"
_STARTED = "request_started"

log = logging.getLogger("app.requests")


def request_id_for(incoming: str | None) -> str:
    """The id of a request: the one it came with if that is safe to log and send back, else
    a new random one."""
    if incoming and SAFE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return secrets.token_hex(8)


def route_of_request() -> str:
    """The request's URL rule, as the app declares it (`/petitions/<slug:slug>`); "-" if no
    rule matched."""
    rule = request.url_rule
    return rule.rule if rule is not None else "-"


def init_request_log(app: Flask) -> None:
    """Registered before every other hook, so its start runs first and its end last."""

    @app.before_request
    def _start() -> None:
        setattr(g, _STARTED, perf_counter())
        setattr(g, REQUEST_ID, request_id_for(request.headers.get(HEADER)))

    @app.after_request
    def _finish(response: Response) -> Response:
        started = g.get(_STARTED)
        seconds = perf_counter() - started if started is not None else 0.0
        request_id = g.get(REQUEST_ID) or request_id_for(None)
        response.headers[HEADER] = request_id
        endpoint = request.endpoint or UNMATCHED
        status = response.status_code
        observe_request(endpoint, request.method, status, seconds)
        rule = route_of_request()
        log.info(
            "%s %s %s %.1f ms",
            request.method,
            rule,
            status,
            seconds * 1000,
            extra={
                REQUEST_ID: request_id,
                "method": request.method,
                "endpoint": endpoint,
                "rule": rule,
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
        return response
