"""deploy/'s files made to run here, for the tests (tests/test_deployed.py) and the nginx
benchmark (bench/nginx.py): the nginx site with this run's ports, certificate and folders, the
http block Debian's nginx.conf would give it, a self-signed certificate, and a systemd unit's
command line with the checkout where it is here; and waiting for a started server's port."""

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
NGINX = shutil.which("nginx") or next(
    (path for path in ("/usr/sbin/nginx",) if os.access(path, os.X_OK)), None
)
INSTALLED = "/srv/petitions"  # where docs/deployment.md puts the checkout
HOST = "petitions.test"


def unit_setting(unit: str, key: str) -> list[str]:
    """Every value of `key=` in a systemd unit of deploy/systemd/."""
    text = (DEPLOY / "systemd" / unit).read_text()
    return re.findall(rf"^{key}=(.*)$", text, re.M)


def command_line(unit: str) -> list[str]:
    """The unit's ExecStart, with the checkout and its virtualenv where they are here."""
    (line,) = unit_setting(unit, "ExecStart")
    line = line.replace(f"{INSTALLED}/.venv/bin/", str(Path(sys.executable).parent) + "/")
    return line.replace(INSTALLED, str(ROOT)).split()


def nginx_site(folder: Path, https_port: int, http_port: int, app_port: int) -> str:
    """deploy/nginx/petitions.conf with this run's ports, certificate and folders."""
    site = (DEPLOY / "nginx" / "petitions.conf").read_text()
    replacements = {
        "/var/cache/nginx/petitions": str(folder / "cache"),
        "/var/log/nginx/petitions.access.log": str(folder / "access.log"),
        "/etc/letsencrypt/live/petitions.example.org/fullchain.pem": str(folder / "cert.pem"),
        "/etc/letsencrypt/live/petitions.example.org/privkey.pem": str(folder / "key.pem"),
        f"{INSTALLED}/static/": f"{ROOT}/static/",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
        "petitions.example.org": HOST,
        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:443 ssl;": "",
        "listen [::]:80;": "",
        "root /var/www/html;": f"root {folder};",
    }
    for installed, here in replacements.items():
        assert installed in site, f"deploy/nginx/petitions.conf no longer has {installed!r}"
        site = site.replace(installed, here)
    return site


def nginx_main_conf(folder: Path, site: Path) -> Path:
    """What Debian's /etc/nginx/nginx.conf gives the site (an http block), in `folder`."""
    conf = folder / "nginx.conf"
    user = "user root root;" if os.geteuid() == 0 else ""
    conf.write_text(
        f"""{user}
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    access_log off;
    include {site};
}}
"""
    )
    return conf


def self_signed_certificate(folder: Path) -> None:
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1",
            "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 30) -> None:
    """Return once something answers on `port`; fail if `process` ends or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{process.args[0]} did not start") from None
            time.sleep(0.1)
