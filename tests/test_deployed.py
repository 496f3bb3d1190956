"""The site as deploy/ sets it up: nginx with deploy/nginx/petitions.conf in front (TLS with a
certificate made here), gunicorn started with the web unit's own command line and the worker
with the worker unit's, on PostgreSQL and Redis. The files themselves pass `nginx -t` and
`systemd-analyze verify`."""

import re
import shutil
import signal
import ssl
import subprocess
import sys
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from app.core.clock import now
from app.extensions import db
from app.petitions.queries import petition_by_slug
from bench.deployed import (
    DEPLOY,
    HOST,
    INSTALLED,
    NGINX,
    command_line,
    nginx_main_conf,
    nginx_site,
    self_signed_certificate,
    wait_for_port,
)
from tests.conftest import REDIS_URL, needs_postgresql, needs_redis
from tests.factories import make_petition
from tests.live_server import ROOT, Visitor, free_port, server_env
from tests.smtp_sink import text_of

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
needs_nginx = pytest.mark.skipif(
    NGINX is None, reason="needs nginx (.ci/run installs Debian's nginx package)"
)


@contextmanager
def running(command: list[str], env: dict[str, str], ready_port: int | None = None):
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        if ready_port is not None:
            wait_for_port(ready_port, process)
        yield process
    finally:
        process.send_signal(signal.SIGINT if "outbox" in command else signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def nginx_folder(tmp_path) -> Path:
    folder = tmp_path / "nginx"
    folder.mkdir()
    self_signed_certificate(folder)
    return folder


@needs_nginx
def test_the_nginx_site_passes_nginx_t(nginx_folder):
    site = nginx_folder / "petitions.conf"
    site.write_text(nginx_site(nginx_folder, free_port(), free_port(), free_port()))
    conf = nginx_main_conf(nginx_folder, site)
    checked = subprocess.run(
        [NGINX, "-t", "-c", str(conf), "-p", str(nginx_folder)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="needs systemd-analyze (systemd)")
@pytest.mark.parametrize("unit", ["petitions-web.service", "petitions-worker.service"])
def test_the_systemd_units_verify(unit, tmp_path):
    """systemd-analyze checks the unit's syntax and that its command exists: here, in this
    checkout rather than in /srv/petitions."""
    text = (DEPLOY / "systemd" / unit).read_text()
    text = text.replace(f"{INSTALLED}/.venv/bin/", str(Path(sys.executable).parent) + "/")
    text = text.replace(INSTALLED, str(ROOT))
    copy = tmp_path / unit
    copy.write_text(text)
    verified = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", "--man=no", str(copy)], capture_output=True, text=True
    )
    problems = [
        line
        for line in verified.stderr.splitlines()
        if unit in line and "Failed to" not in line  # no systemd running in a container
    ]
    assert verified.returncode == 0 or not problems, verified.stderr
    assert not problems, verified.stderr


def test_the_env_example_names_every_setting_the_units_and_gunicorn_read():
    example = (DEPLOY / "env.example").read_text()
    named = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", example, re.M))
    config = (ROOT / "config.py").read_text() + (ROOT / "gunicorn.conf.py").read_text()
    read = set(re.findall(r'environ(?:\.get\(|\[)"([A-Z][A-Z0-9_]+)"', config))
    read |= set(re.findall(r'_flag\("([A-Z][A-Z0-9_]+)"', config))
    read -= {"TEST_DATABASE_URL", "HOST", "PORT"}  # the tests' and `make run`'s own
    assert read - named == set()
    assert named - read == set()


@needs_nginx
@needs_postgresql
@needs_redis
@pytest.mark.real_clock
def test_a_resident_signs_over_https_through_nginx(app, database_url, smtp, nginx_folder):
    with app.app_context():
        slug = make_petition(
            opens_at=now() - timedelta(days=1), closes_at=now() + timedelta(days=30)
        ).slug
    app_port, https_port, http_port = free_port(), free_port(), free_port()
    site = nginx_folder / "petitions.conf"
    site.write_text(nginx_site(nginx_folder, https_port, http_port, app_port))
    conf = nginx_main_conf(nginx_folder, site)
    metrics_folder = nginx_folder / "metrics"
    metrics_folder.mkdir()
    env = server_env(
        database_url,
        BASE_URL=f"https://{HOST}:{https_port}",
        GUNICORN_BIND=f"127.0.0.1:{app_port}",
        PROXY_COUNT="1",
        RATELIMIT_STORAGE_URI=REDIS_URL,
        RATELIMIT_KEY_PREFIX=f"deployed-{uuid.uuid4().hex[:8]}",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp.port),
        UPLOAD_FOLDER=str(nginx_folder / "uploads"),
        PROMETHEUS_MULTIPROC_DIR=str(metrics_folder),
    )
    tls = ssl.create_default_context(cafile=str(nginx_folder / "cert.pem"))
    tls.check_hostname = False  # the certificate names petitions.test; we dial 127.0.0.1
    nginx = [NGINX, "-c", str(conf), "-p", str(nginx_folder), "-g", "daemon off;"]
    with (
        running(command_line("petitions-web.service"), env, ready_port=app_port),
        running(command_line("petitions-worker.service"), env),
        running(nginx, env, ready_port=https_port),
    ):
        first, second = (
            Visitor(https_port, tls=tls, host=f"{HOST}:{https_port}") for _ in range(2)
        )
        assert first.request("GET", f"/petitions/{slug}")[0] == 200
        assert first.headers["x-cache-status"] in {"MISS", "EXPIRED"}
        status, page = second.request("GET", f"/petitions/{slug}")
        assert status == 200 and "form_token" in page
        assert second.headers["x-cache-status"] == "HIT"  # nginx answered, not the app
        assert re.fullmatch(r"[0-9a-f]{32}", second.headers["x-request-id"])

        assert first.sign(slug, "resident@example.org") == 303
        (email,) = smtp.wait_for(1, timeout=60)
        assert email["To"] == "resident@example.org"
        link = re.search(
            rf"https://{HOST}:{https_port}(/petitions/\S+/confirm/[\w.-]+)", text_of(email)
        )
        assert first.press(link.group(1)) == 303
        with app.app_context():
            db.session.expire_all()
            assert petition_by_slug(slug).signature_count == 1

        assert Visitor(https_port, tls=tls, host=HOST).request("GET", "/healthz")[0] == 200

        # Plain http is sent to https.
        plain = Visitor(http_port, host=HOST)
        assert plain.request("GET", f"/petitions/{slug}")[0] == 301
        assert plain.headers["location"] == f"https://{HOST}/petitions/{slug}"
    access_log = (nginx_folder / "access.log").read_text()
    assert "/confirm/..." in access_log and link.group(1) not in access_log
    assert "127.0.0.1" not in access_log and "resident" not in access_log
