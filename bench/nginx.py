"""The page GET through deploy/'s nginx against the same nginx serving the same bytes as a
static file, under wrk, in one run. Target: the page at least 0.8 of the static file.

nginx runs deploy/nginx/petitions.conf as tests/test_deployed.py renders it (bench/deployed.py:
TLS with a self-signed certificate, the page cache, buffering, the access log) in front of
gunicorn started with the web unit's own command line (gunicorn.conf.py's workers and
threads). The page is fetched once through nginx and its body written to a file, which the
same server block serves from one more location, `= /bench-static.html`: both sides pay the
same TLS, the same nginx worker and the same access log line. wrk (2 threads, keep-alive, so
a connection's TLS handshake is paid once) asks for one, then the other, their order swapped
each round; each side's best round is compared. The access log says how nginx answered each
measured page request (HIT from its cache, UPDATING while it refreshes it in the background,
MISS...): the app marks the page `public, max-age=5, stale-while-revalidate=30`.
"""

import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench.deployed import (
    NGINX,
    command_line,
    nginx_main_conf,
    nginx_site,
    self_signed_certificate,
    wait_for_port,
)
from bench.harness import (
    OUT,
    ROOT,
    fresh_postgresql,
    fresh_sqlite,
    header,
    line,
    prepare_database,
    verdict,
)
from bench.signing import SLUG, free_port, production_env
from bench.throughput import WrkResult, show, wrk

PAGE = f"/petitions/{SLUG}"
STATIC = "/bench-static.html"
# The https server's first location; the http one (a redirect) has no /static/.
STATIC_FILES_LOCATION = "    location /static/ {"


def with_static_file(site: str, static_root: Path) -> str:
    """The rendered site with STATIC served from `static_root`, in the https server."""
    assert site.count(STATIC_FILES_LOCATION) == 1, "no single `location /static/` in the site"
    location = f"    location = {STATIC} {{\n        root {static_root};\n    }}\n\n"
    return site.replace(STATIC_FILES_LOCATION, location + STATIC_FILES_LOCATION)


@contextmanager
def running(command: list[str], env: dict[str, str], port: int) -> Iterator[subprocess.Popen]:
    """The command running until the block ends, however it ends; ready once `port` answers.
    Its output goes to a file in bench/out, not the report."""
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / f"nginx-bench-{Path(command[0]).name}-{port}.log", "w") as log:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=log)
    try:
        wait_for_port(port, process)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)  # gunicorn lets requests under way finish (30 s at most)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def workers_cpu_seconds(master: int) -> float:
    """CPU time (user and system) used so far by nginx's worker processes."""
    total = 0
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:  # not a process, or gone
            continue
        fields = stat.rsplit(")", 1)[-1].split()  # after "pid (name)": state, ppid, ...
        if int(fields[1]) == master and command.startswith(b"nginx: worker"):
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def fetch(url: str, tls: ssl.SSLContext) -> tuple[bytes, dict[str, str]]:
    with urllib.request.urlopen(url, context=tls, timeout=30) as response:
        return response.read(), {name.lower(): value for name, value in response.headers.items()}


def header_bytes(headers: dict[str, str]) -> int:
    """The response's status line and header fields as sent (HTTP/1.1, names' case aside)."""
    return len("HTTP/1.1 200 OK\r\n\r\n") + sum(
        len(f"{name}: {value}\r\n") for name, value in headers.items()
    )


def cache_statuses(log: Path, offset: int) -> Counter[str]:
    """How nginx answered the page GETs logged after `offset` ($upstream_cache_status, the
    last field of deploy's log format)."""
    with log.open("rb") as file:
        file.seek(offset)
        text = file.read().decode()
    return Counter(
        entry.rsplit(" ", 1)[-1] for entry in text.splitlines() if f'"GET {PAGE}" ' in entry
    )


def mix(statuses: Counter[str]) -> str:
    total = sum(statuses.values())
    return ", ".join(
        f"{status} {count:,} ({count / total:.2%})" for status, count in statuses.most_common()
    )


def run(database: str = "sqlite") -> None:
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk): nginx benchmark skipped.")
        return
    if NGINX is None:
        print("nginx is not installed (Debian: apt-get install nginx): nginx benchmark skipped.")
        return
    seconds = int(os.environ.get("BENCH_SECONDS", 15))
    connections = int(os.environ.get("BENCH_CONNECTIONS", 32))
    rounds = int(os.environ.get("BENCH_ROUNDS", 3))
    header(
        f"Page GET through deploy/'s nginx against the same bytes as a static file "
        f"({database}, {connections} connections, {seconds} s, best of {rounds} rounds)"
    )
    url = fresh_sqlite("nginx") if database == "sqlite" else fresh_postgresql()
    prepare_database(url)

    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as temporary, ExitStack() as stack:
        folder = Path(temporary)
        self_signed_certificate(folder)
        static_root = folder / "static-root"
        static_root.mkdir()
        (folder / "metrics").mkdir()
        app_port, https_port, http_port = free_port(), free_port(), free_port()
        site = folder / "petitions.conf"
        site.write_text(
            with_static_file(nginx_site(folder, https_port, http_port, app_port), static_root)
        )
        conf = nginx_main_conf(folder, site)
        env = production_env(url, https_port)
        env.update(
            GUNICORN_BIND=f"127.0.0.1:{app_port}",
            PROXY_COUNT="1",
            PROMETHEUS_MULTIPROC_DIR=str(folder / "metrics"),
        )
        stack.enter_context(running(command_line("petitions-web.service"), env, app_port))
        nginx = [NGINX, "-c", str(conf), "-p", str(folder), "-g", "daemon off;"]
        master = stack.enter_context(running(nginx, env, https_port)).pid

        tls = ssl.create_default_context(cafile=str(folder / "cert.pem"))
        tls.check_hostname = False  # the certificate names petitions.test; we dial 127.0.0.1
        base = f"https://127.0.0.1:{https_port}"
        body, first = fetch(base + PAGE, tls)
        (static_root / STATIC.lstrip("/")).write_bytes(body)
        again, second = fetch(base + PAGE, tls)
        served, static_headers = fetch(base + STATIC, tls)
        if not body == again == served:
            raise RuntimeError("the page changed between fetches, or nginx serves other bytes")

        targets = {"page": base + PAGE, "static": base + STATIC}
        for target in targets.values():
            wrk(target, 2, connections)  # warm up
        log = folder / "access.log"
        results: dict[str, list[WrkResult]] = {"page": [], "static": []}
        statuses: Counter[str] = Counter()
        cpu = {"page": 0.0, "static": 0.0}
        for number in range(rounds):
            for side in ("page", "static") if number % 2 == 0 else ("static", "page"):
                offset, used = log.stat().st_size, workers_cpu_seconds(master)
                results[side].append(wrk(targets[side], seconds, connections))
                cpu[side] += workers_cpu_seconds(master) - used
                if side == "page":
                    statuses += cache_statuses(log, offset)

    page = max(results["page"], key=lambda result: result.per_second)
    static = max(results["static"], key=lambda result: result.per_second)
    line("page bytes (the static file's too)", f"{len(body):,}")
    line(
        "response header bytes page / static",
        f"{header_bytes(second):,} / {header_bytes(static_headers):,}",
    )
    line("page Cache-Control", first.get("cache-control", "(none)"))
    line(
        "page X-Cache-Status, first fetch then second",
        f"{first.get('x-cache-status')}, then {second.get('x-cache-status')}",
    )
    line("page cache status in the measured runs", mix(statuses))
    show("page GET through nginx (best round)", page)
    show("same bytes as a static file (best round)", static)
    line(
        "each round page / static",
        "  ".join(
            f"{ours.per_second:,.0f} / {floor.per_second:,.0f}"
            for ours, floor in zip(results["page"], results["static"], strict=True)
        ),
    )
    answered = {side: sum(result.requests for result in results[side]) for side in results}
    line(
        "nginx worker CPU per request page / static",
        f"{cpu['page'] / answered['page'] * 1e6:.0f} / "
        f"{cpu['static'] / answered['static'] * 1e6:.0f} µs (every round)",
    )
    ratio = page.per_second / static.per_second
    line("ratio page / static", f"{ratio:.2f}  {verdict(ratio >= 0.8, '>= 0.8')}")
    errors = sum(result.errors for result in results["page"] + results["static"])
    line("errors", verdict(errors == 0, "none"))
