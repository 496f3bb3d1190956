"""Real servers for the tests that need them: gunicorn in its own process, an HTTP client
with a cookie jar, the outbox sender as a command."""

import http.client
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
TOKEN = re.compile(r'name="(csrf_token|form_token)"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(database_url: str, **settings: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "APP_ENV": "production",
            "SECRET_KEY": "live-server-secret-key-0123456789",
            "BASE_URL": "https://petitions.test",
            "DATABASE_URL": database_url,
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update(settings)
    return env


@contextmanager
def gunicorn(env: dict[str, str], workers: int = 2):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "app:create_app()",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("gunicorn did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def flask_command(env: dict[str, str], *args: str, **popen) -> subprocess.Popen:
    development = {**env, "APP_ENV": "development"}
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", *args], env=development, cwd=ROOT, **popen
    )


class Visitor:
    """A browser, as far as the tests need one: cookies kept, forms posted with their token."""

    def __init__(self, port: int, tls: ssl.SSLContext | None = None, host: str = "") -> None:
        """`tls`: speak https with this context (a server behind nginx); `host`: the Host
        header, petitions.test by default."""
        self.port = port
        self.tls = tls
        self.host = host or "petitions.test"
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}  # the last response's, names in lower case

    def _connection(self) -> http.client.HTTPConnection:
        if self.tls is not None:
            return http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=30, context=self.tls
            )
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def request(
        self, method: str, path: str, form: dict | None = None, referer: str = ""
    ) -> tuple[int, str]:
        connection = self._connection()
        headers = {"Host": self.host}
        if referer and self.tls is not None:
            # As a browser does over https, where Flask-WTF checks it (same origin).
            headers["Referer"] = f"https://{self.host}{referer}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            self.headers = {name.lower(): value for name, value in response.getheaders()}
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def submit(self, page_path: str, action: str, fields: dict) -> tuple[int, str]:
        status, html = self.request("GET", page_path)
        match = TOKEN.search(html)
        if status != 200 or match is None:
            return status, html
        # The sign form's token (form_token, no session) or another form's CSRF token.
        form = {**fields, match.group(1): match.group(2)}
        return self.request("POST", action, form, referer=page_path)

    def sign(self, slug: str, email: str, first_name: str = "Live") -> int:
        return self.submit(
            f"/petitions/{slug}",
            f"/petitions/{slug}/sign",
            {
                "first_name": first_name,
                "last_name": "Tester",
                "email": email,
                "zip_code": "19107",
                "name_display": "full",
            },
        )[0]

    def press(self, link_path: str) -> int:
        return self.submit(link_path, link_path, {})[0]
