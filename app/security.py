"""Security headers on every response. Pages load nothing from other sites and run no inline
script, so the policy can be strict."""

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def init_security(app: Flask) -> None:
    production = app.config["APP_ENV"] == "production"
    defaults = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if production:
        defaults.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        # One pass over the headers a view set, not one per default (every page pays this).
        present = {name.lower() for name, _value in headers.items()}
        headers.extend([(name, value) for name, value in defaults if name.lower() not in present])
        if "set-cookie" in present and "public" in headers.get("Cache-Control", ""):
            # A shared cache must never hand one visitor's cookie to another.
            headers["Cache-Control"] = "private, no-cache"
        return response
