"""Settings: production refuses to start unsafe; development and testing run as they are."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import ConfigurationError, create_app


def production(**settings):
    values = {
        "APP_ENV": "production",
        "SECRET_KEY": "x" * 40,
        "BASE_URL": "https://p.example",
        "SQLALCHEMY_DATABASE_URI": "sqlite://",
    }
    values.update(settings)
    return create_app(values)


def test_production_refuses_a_missing_or_default_secret_key():
    from config import DEV_SECRET_KEY

    for key in (None, "", DEV_SECRET_KEY, "short"):
        with pytest.raises(ConfigurationError, match="SECRET_KEY"):
            production(SECRET_KEY=key)


def test_production_needs_base_url():
    with pytest.raises(ConfigurationError, match="BASE_URL"):
        production(BASE_URL="")


def test_production_refuses_a_base_url_that_is_not_https():
    # Its session and form cookies are Secure: over plain http they never come back, and
    # every signature would be refused as "The form had expired".
    for url in ("http://p.example", "p.example", "ftp://p.example", "https://"):
        with pytest.raises(ConfigurationError, match="BASE_URL must be an https://"):
            production(BASE_URL=url)
    assert production(BASE_URL="HTTPS://P.example/").config["SESSION_COOKIE_SECURE"] is True


def test_development_and_testing_may_run_on_http():
    for env in ("development", "testing"):
        app = create_app(
            {"APP_ENV": env, "SQLALCHEMY_DATABASE_URI": "sqlite://", "BASE_URL": "http://x"}
        )
        assert app.config.get("SESSION_COOKIE_SECURE") is not True


def test_production_cookies_and_headers():
    app = production()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with app.app_context():
        from app.extensions import db

        db.create_all()
    response = app.test_client().get("/nope")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_unknown_app_env_is_refused():
    with pytest.raises(RuntimeError, match="APP_ENV must be one of"):
        create_app({"APP_ENV": "staging"})


def test_database_url_forms(monkeypatch):
    import config

    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert config._database_url("x") == "postgresql+psycopg://u@h/db"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    assert config._database_url("x") == "postgresql+psycopg://u@h/db"
    monkeypatch.delenv("DATABASE_URL")
    assert config._database_url("x.sqlite3").endswith("instance/x.sqlite3")


def _development_config(monkeypatch, mail_server):
    import importlib

    import config

    if mail_server is None:
        monkeypatch.delenv("MAIL_SERVER", raising=False)
    else:
        monkeypatch.setenv("MAIL_SERVER", mail_server)
    try:
        return importlib.reload(config).DevelopmentConfig
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_development_mails_to_the_log_only_without_a_mail_server(monkeypatch):
    assert _development_config(monkeypatch, None).MAIL_TO_LOG is True
    assert _development_config(monkeypatch, "smtp.example.org").MAIL_TO_LOG is False


def test_development_prints_each_email_with_its_links_to_the_log(caplog):
    from app.extensions import db
    from app.mail.queue import enqueue_email
    from app.mail.sender import send_all_due

    app = create_app(
        {"APP_ENV": "development", "SQLALCHEMY_DATABASE_URI": "sqlite://", "MAIL_TO_LOG": True}
    )
    assert app.config["SECRET_KEY"]
    with app.app_context():
        db.create_all()
        enqueue_email(
            purpose="test",
            recipient="ana@example.org",
            subject="Confirm your signature",
            body_text="Open http://127.0.0.1:5000/petitions/x/confirm/abc",
        )
        db.session.commit()
        with caplog.at_level("INFO", logger="app.mail"):
            report = send_all_due()
    assert report.sent == 1
    assert "To: ana@example.org" in caplog.text
    assert "http://127.0.0.1:5000/petitions/x/confirm/abc" in caplog.text


def _development_base_url(monkeypatch, **environ) -> str:
    import importlib

    import config

    for name in ("BASE_URL", "HOST", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    try:
        return importlib.reload(config).DevelopmentConfig.BASE_URL
    finally:
        monkeypatch.undo()
        importlib.reload(config)


def test_in_development_emailed_links_follow_host_and_port(monkeypatch):
    assert _development_base_url(monkeypatch) == "http://127.0.0.1:5000"
    assert _development_base_url(monkeypatch, PORT="5601") == "http://127.0.0.1:5601"
    assert _development_base_url(monkeypatch, HOST="0.0.0.0", PORT="8080") == (
        "http://127.0.0.1:8080"  # every address of the machine: loopback is one of them
    )
    assert _development_base_url(monkeypatch, HOST="192.168.1.20") == "http://192.168.1.20:5000"
    assert _development_base_url(monkeypatch, HOST="::1", PORT="5601") == "http://[::1]:5601"
    assert (
        _development_base_url(monkeypatch, BASE_URL="https://dev.example/", PORT="5601")
        == "https://dev.example"
    )


def test_make_run_gives_host_and_port_to_the_server_and_the_worker():
    """`PORT=5601 make run`: the worker writes the emails, so it must know the port too."""
    import subprocess
    from pathlib import Path

    plan = subprocess.run(
        ["make", "-n", "run", "PORT=5601", "HOST=127.0.0.2"],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    commands = [line for line in plan.splitlines() if "/flask --app app" in line]
    assert any("outbox send" in line for line in commands)
    assert any(" run --host 127.0.0.2 --port 5601" in line for line in commands)
    for line in commands:
        assert "PORT=5601" in line and "HOST=127.0.0.2" in line, line


# --- the flask command, started without the settings production needs -------------------


def _flask(tmp_path, *args: str, **settings: str) -> subprocess.CompletedProcess:
    """`.venv/bin/flask --app app ARGS` as a person types it, in the checkout, with only
    `settings` of the app's own (no APP_ENV, SECRET_KEY or BASE_URL unless given)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"APP_ENV", "SECRET_KEY", "BASE_URL", "FLASK_APP", "DATABASE_URL"}
    }
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'cli.sqlite3'}", **settings)
    script = Path(sys.executable).parent / "flask"
    flask = [str(script)] if script.exists() else [sys.executable, "-m", "flask"]
    return subprocess.run(
        [*flask, "--app", "app", *args],
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "args", [("petitions", "--help"), ("db", "upgrade"), ("--help",)], ids=" ".join
)
def test_a_command_without_app_env_says_in_one_line_what_to_set(tmp_path, args):
    result = _flask(tmp_path, *args)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "APP_ENV is not set" in line
    assert "set APP_ENV=development for local use" in line
    assert "SECRET_KEY" in line and "BASE_URL" in line
    assert not (tmp_path / "cli.sqlite3").exists(), "nothing was run"


def test_a_command_in_production_names_the_missing_setting_in_one_line(tmp_path):
    result = _flask(tmp_path, "db", "upgrade", APP_ENV="production", SECRET_KEY="k" * 40)
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Error: BASE_URL must be set in production")
    unknown = _flask(tmp_path, "db", "upgrade", APP_ENV="staging")
    assert unknown.returncode != 0
    [line] = unknown.stderr.strip().splitlines()
    assert line.startswith("Error: APP_ENV must be one of production, development, testing")
