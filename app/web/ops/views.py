"""GET /healthz, /readyz and /metrics."""

from flask import Response, abort, current_app, jsonify, request

from app.operations.metrics import CONTENT_TYPE, metrics_text
from app.operations.readiness import check_readiness
from app.web.caching import no_store, stateless
from app.web.ops import bp
from app.web.ops.access import address_allowed, allowed_networks, token_given


@bp.get("/healthz")
@stateless
def healthz() -> Response:
    """The process answers; the database is not asked."""
    return no_store(jsonify(status="ok"))


@bp.get("/readyz")
@stateless
def readyz() -> Response:
    """Ready to serve (200) or not (503), and why, as JSON."""
    readiness = check_readiness()
    response = jsonify(readiness.as_json())
    response.status_code = 200 if readiness.ready else 503
    return no_store(response)


@bp.get("/metrics")
@stateless
def metrics() -> Response:
    if not _may_read_metrics():
        abort(404)
    return no_store(Response(metrics_text(), content_type=CONTENT_TYPE))


def _may_read_metrics() -> bool:
    config = current_app.config
    if token_given(request.headers.get("Authorization"), config.get("METRICS_TOKEN")):
        return True
    networks = allowed_networks(config.get("METRICS_ALLOW") or "")
    return address_allowed(request.remote_addr, networks)
