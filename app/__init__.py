"""The petition platform: `create_app()` builds the Flask application (WSGI: app:create_app())."""

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from flask import Flask
from flask.cli import ScriptInfo
from werkzeug.middleware.proxy_fix import ProxyFix

from config import DEV_SECRET_KEY, config_for


class ConfigurationError(RuntimeError):
    pass


class PetitionsFlask(Flask):
    def log_exception(self, exc_info: Any) -> None:
        """Flask's own line for an unhandled error names the request's path, which may hold a
        link's key: the error handler logs it instead, by its rule (app.web.errors)."""


def create_app(test_config: Mapping[str, Any] | None = None, env: str | None = None) -> Flask:
    app = PetitionsFlask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    chosen = env or (test_config or {}).get("APP_ENV")
    try:
        app.config.from_object(_settings(chosen))
        if test_config:
            app.config.update(test_config)
        _check_configuration(app, app_env_given=bool(chosen or os.environ.get("APP_ENV")))
    except ConfigurationError as error:
        _stop_the_flask_command(error)
        raise
    _prepare_instance_folder(app)
    _configure_logging(app)
    register_request_log(app)
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        # Wrapping wsgi_app is how Flask's documentation installs middleware; its hints
        # declare it a method, which mypy will not let an instance replace.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=count, x_proto=count, x_host=count
        )

    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    return app


def _settings(app_env: str | None) -> type:
    try:
        return config_for(app_env)
    except RuntimeError as error:  # an APP_ENV that is none of ours
        raise ConfigurationError(str(error)) from None


def _stop_the_flask_command(error: ConfigurationError) -> None:
    """`flask --app app ...` calls create_app() while it looks for the command, and prints
    a traceback of 30 lines for what it raises: there, print the message alone and stop.
    SystemExit, since flask's CLI prints a traceback for any Exception while it lists the
    commands (`flask --app app --help`)."""
    context = click.get_current_context(silent=True)
    if context is None or context.find_object(ScriptInfo) is None:
        return
    click.echo(f"Error: {error}", err=True)
    raise SystemExit(1)


def _check_configuration(app: Flask, app_env_given: bool = True) -> None:
    from app.core.clock import is_time_zone

    if not is_time_zone(app.config.get("DEFAULT_TIME_ZONE") or ""):
        raise ConfigurationError(
            f"DEFAULT_TIME_ZONE must be a time zone name such as America/New_York, not "
            f"{app.config.get('DEFAULT_TIME_ZONE')!r}."
        )
    from app.web.security import bad_frame_ancestors

    bad = bad_frame_ancestors(app.config.get("EMBED_FRAME_ANCESTORS", "*"))
    if bad:
        raise ConfigurationError(
            f"EMBED_FRAME_ANCESTORS must be * or origins separated by spaces, such as "
            f"https://allies.example.org, not {bad!r}."
        )
    _check_operating_settings(app)
    if app.config["APP_ENV"] != "production":
        return
    if not app_env_given and not (app.config.get("SECRET_KEY") and app.config.get("BASE_URL")):
        raise ConfigurationError(
            "APP_ENV is not set, so the production settings apply, which need SECRET_KEY and "
            "BASE_URL: set APP_ENV=development for local use, or SECRET_KEY and BASE_URL for "
            "production."
        )
    if not app.config.get("SECRET_KEY") or app.config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise ConfigurationError(
            "SECRET_KEY must be set to a long random value in production "
            "(for local use, set APP_ENV=development)."
        )
    if len(app.config["SECRET_KEY"]) < 24:
        raise ConfigurationError("SECRET_KEY is too short: use at least 24 random characters.")
    if not app.config.get("BASE_URL"):
        raise ConfigurationError(
            "BASE_URL must be set in production (e.g. https://petitions.example.org): emailed "
            "links are built on it, never on a request's Host header."
        )
    base = urlsplit(app.config["BASE_URL"])
    if base.scheme.lower() != "https" or not base.netloc:
        raise ConfigurationError(
            f"BASE_URL must be an https:// address in production, not {app.config['BASE_URL']!r}:"
            " the session and form cookies are Secure, so browsers never send them back over "
            "plain http and every signature would be refused as an expired form. Serve the "
            "site over https (a proxy in front may end TLS), or for local use set "
            "APP_ENV=development."
        )


def _check_operating_settings(app: Flask) -> None:
    from app.core.logs import LOG_FORMATS
    from app.web.ops.access import allowed_networks

    if app.config.get("LOG_FORMAT") not in LOG_FORMATS:
        raise ConfigurationError(
            f"LOG_FORMAT must be text or json, not {app.config.get('LOG_FORMAT')!r}."
        )
    try:
        allowed_networks(app.config.get("METRICS_ALLOW") or "")
    except ValueError as error:
        raise ConfigurationError(f"METRICS_ALLOW: {error}.") from None
    if not float(app.config.get("READY_WORKER_SECONDS") or 0) > 0:
        raise ConfigurationError(
            "READY_WORKER_SECONDS must be a number of seconds above 0 (default 60)."
        )


def _prepare_instance_folder(app: Flask) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////:memory:"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


def _configure_logging(app: Flask) -> None:
    from app.core.logs import configure_logging

    configure_logging(
        logging.getLogger("app"), app.config["LOG_FORMAT"], add_handler=not app.testing
    )


def register_request_log(app: Flask) -> None:
    """Request ids, the line per request and its counts: before every extension's hooks, so
    that it starts first and ends last, and sees every answer."""
    from app.web.request_log import init_request_log

    init_request_log(app)


def register_extensions(app: Flask) -> None:
    from flask_babel import lazy_gettext

    from app import models  # noqa: F401  (the models must be known to migrations)
    from app.core.database import configure_database
    from app.core.i18n import select_locale
    from app.extensions import (
        babel,
        csrf,
        db,
        limiter,
        login_manager,
        mail,
        migrate,
        page_cache,
    )
    from app.petitions import page_changes  # noqa: F401  (its listener raises page versions)
    from app.web.caching import SessionInterface
    from app.web.session_identity import session_identifier

    db.init_app(app)
    configure_database(app)
    migrate.init_app(
        app, db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    page_cache.init_app(app)
    app.session_interface = SessionInterface()
    mail.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "organizer.login"
    login_manager.login_message = lazy_gettext("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    # Flask-Login (0.6.3) has no setting for this: its own identifier trusts a client-sent
    # X-Forwarded-For, which would let a stolen cookie pass "strong" protection.
    login_manager._session_identifier_generator = session_identifier


def register_blueprints(app: Flask) -> None:
    from app.web import errors, template_helpers
    from app.web.api import bp as api_bp
    from app.web.api.osdi import init_api
    from app.web.embed import bp as embed_bp
    from app.web.ops import bp as ops_bp
    from app.web.organizer import bp as organizer_bp
    from app.web.public import bp as public_bp
    from app.web.routing import IdConverter, SlugConverter
    from app.web.security import init_security
    from app.web.signing import bp as signing_bp

    app.url_map.converters["slug"] = SlugConverter
    app.url_map.converters["int"] = IdConverter
    template_helpers.init_app(app)
    init_security(app)
    errors.init_app(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(signing_bp)
    app.register_blueprint(embed_bp)
    app.register_blueprint(organizer_bp)
    app.register_blueprint(ops_bp)
    init_api(app)


def register_commands(app: Flask) -> None:
    from app.cli import init_app

    init_app(app)
