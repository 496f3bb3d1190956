"""Every answer carries an X-Request-Id; every request logs one line, by its URL rule, with no
personal data; LOG_FORMAT=json writes those lines as JSON."""

import json
import logging
import os
import re
import subprocess
import sys

import pytest

from app import ConfigurationError, create_app
from app.core.logs import JsonFormatter, TextFormatter
from tests.conftest import deliver_mail, links_in, path_of, press_button, sign
from tests.factories import make_petition
from tests.live_server import ROOT

OURS = re.compile(r"[0-9a-f]{16}")


@pytest.fixture
def slug(app) -> str:
    with app.app_context():
        return make_petition().slug


# --- the id --------------------------------------------------------------------------------


def test_every_answer_carries_a_new_id(client, slug):
    answers = []
    for method, path in (
        ("GET", f"/petitions/{slug}"),
        ("GET", "/no/such/page"),
        ("POST", "/healthz"),  # 405
        ("GET", "/static/css/site.css"),
        ("GET", "/healthz"),
    ):
        with client.open(path, method=method) as answer:
            answers.append(answer)
    assert [answer.status_code for answer in answers] == [200, 404, 405, 200, 200]
    ids = [answer.headers["X-Request-Id"] for answer in answers]
    assert all(OURS.fullmatch(request_id) for request_id in ids), ids
    assert len(set(ids)) == len(ids)


def test_an_error_of_ours_carries_it_too(another_app, caplog):
    app = another_app(PROPAGATE_EXCEPTIONS=False)

    def broken(token: str):
        raise RuntimeError("the press is jammed")

    app.add_url_rule("/broken/<token>", view_func=broken)
    with caplog.at_level(logging.INFO):
        answer = app.test_client().get("/broken/secret-link-key")
    assert answer.status_code == 500
    assert OURS.fullmatch(answer.headers["X-Request-Id"])
    logged = "\n".join(JsonFormatter().format(record) for record in caplog.records)
    assert "unhandled error on GET /broken/<token>" in logged
    assert "secret-link-key" not in logged
    assert answer.headers["X-Request-Id"] in logged


@pytest.mark.parametrize("given", ["abc-123", "lb.7f3a_9", "A" * 64])
def test_a_safe_incoming_id_is_kept(client, given):
    answer = client.get("/healthz", headers={"X-Request-Id": given})
    assert answer.headers["X-Request-Id"] == given


@pytest.mark.parametrize(
    "given",
    ["", "has space", "A" * 65, "<script>", "id\u00e9", "a/b", "x;y=1", "maria@example.org"],
)
def test_an_unsafe_incoming_id_is_replaced(client, given):
    answer = client.get("/healthz", headers={"X-Request-Id": given})
    assert OURS.fullmatch(answer.headers["X-Request-Id"])


def test_the_cached_page_keeps_its_etag_and_caching(client, slug):
    one, two = client.get(f"/petitions/{slug}"), client.get(f"/petitions/{slug}")
    assert one.headers["X-Request-Id"] != two.headers["X-Request-Id"]
    assert one.get_data() == two.get_data()
    assert one.get_etag() == two.get_etag()
    assert one.headers["Cache-Control"] == "public, max-age=5, stale-while-revalidate=30"
    again = client.get(f"/petitions/{slug}", headers={"If-None-Match": f'"{one.get_etag()[0]}"'})
    assert again.status_code == 304
    assert OURS.fullmatch(again.headers["X-Request-Id"])


# --- the line ------------------------------------------------------------------------------


def request_lines(caplog) -> list[dict]:
    return [
        json.loads(JsonFormatter().format(record))
        for record in caplog.records
        if record.name == "app.requests"
    ]


def test_signing_logs_rules_and_no_personal_data(app, client, smtp, slug, caplog):
    with caplog.at_level(logging.INFO):
        signed = sign(
            client,
            slug,
            first_name="Zelda",
            last_name="Quixote",
            email="zelda.q@example.org",
            zip_code="19107",
        )
        deliver_mail(app)
        (email,) = smtp.wait_for(1)
        (confirm_url,) = links_in(email.get_body(("plain",)).get_content(), "confirm")
        press_button(client, confirm_url)

    lines = request_lines(caplog)
    assert [(line["method"], line["rule"], line["status"]) for line in lines] == [
        ("GET", "/petitions/<slug:slug>", 200),
        ("POST", "/petitions/<slug:slug>/sign", 303),
        ("GET", "/petitions/<slug:slug>/confirm/<token>", 200),
        ("POST", "/petitions/<slug:slug>/confirm/<token>", 303),
    ]
    sign_line = lines[1]
    assert set(sign_line) == {
        "time",
        "level",
        "logger",
        "message",
        "request_id",
        "method",
        "endpoint",
        "rule",
        "status",
        "duration_ms",
    }
    assert sign_line["request_id"] == signed.headers["X-Request-Id"]
    assert sign_line["endpoint"] == "signing.sign"
    assert sign_line["level"] == "INFO"
    assert sign_line["duration_ms"] >= 0
    assert sign_line["time"].endswith("+00:00")

    ours = [record for record in caplog.records if record.name.startswith("app")]
    everything = "\n".join(JsonFormatter().format(record) for record in ours)
    link_key = path_of(confirm_url).rsplit("/", 1)[1]
    for personal in ("zelda", "Zelda", "Quixote", "example.org", "127.0.0.1", link_key, slug):
        assert personal not in everything, personal


def test_the_text_line_ends_with_the_request_id(client, caplog):
    with caplog.at_level(logging.INFO):
        answer = client.get("/healthz", query_string={"email": "ana@example.org"})
    (record,) = [record for record in caplog.records if record.name == "app.requests"]
    line = TextFormatter().format(record)
    assert line.endswith(
        f"INFO app.requests: GET /healthz 200 {record.duration_ms} ms "
        f"request_id={answer.headers['X-Request-Id']}"
    )
    assert "ana" not in line


def test_log_format_json_writes_json_lines_to_standard_error(tmp_path):
    """The app as it runs for real: not testing, so it adds its own handler."""
    script = (
        "from app import create_app\n"
        "app = create_app()\n"
        "answer = app.test_client().get('/healthz?email=ana@example.org')\n"
        "print(answer.headers['X-Request-Id'])\n"
    )
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": "log-format-secret-key-0123456789",
        "BASE_URL": "https://petitions.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "LOG_FORMAT": "json",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    (line,) = [json.loads(text) for text in done.stderr.splitlines()]
    assert line["request_id"] == done.stdout.strip()
    assert line["logger"] == "app.requests"
    assert line["rule"] == "/healthz"
    assert "ana" not in done.stderr


def test_log_format_is_text_or_json(app_config):
    with pytest.raises(ConfigurationError, match="LOG_FORMAT must be text or json"):
        create_app({**app_config, "LOG_FORMAT": "xml"})
