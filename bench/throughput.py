"""The page GET and the sign POST, each on its own, under wrk: our app against the floor app
(bench/floor_app.py), both under the same gunicorn settings on the same database, in one run.

wrk keeps CONNECTIONS requests in flight for SECONDS. The POSTs carry the form's token, the
same for every visitor (the page is stateless), and a new email each, so every one is a new
signature; afterwards the stored signatures are counted against the answered POSTs.
Targets: our POST at least 0.4 of the floor's, our GET at least 0.5, no errors.
"""

import os
import re
import shutil
import subprocess
import tempfile
import urllib.request
import uuid
from dataclasses import dataclass

from bench.harness import (
    ROOT,
    fresh_postgresql,
    fresh_sqlite,
    header,
    line,
    prepare_database,
    verdict,
)
from bench.load import TOKEN
from bench.signing import SLUG, free_port, production_env, start_gunicorn, stop, stored_signatures

PAGE = f"/petitions/{SLUG}"

# Each wrk thread numbers its own requests; the run id and thread id keep emails unique.
POST_SCRIPT = """
local thread_count = 0
function setup(thread)
  thread_count = thread_count + 1
  thread:set("tid", thread_count)
end
local counter = 0
request = function()
  counter = counter + 1
  local body = "first_name=Ana&last_name=Lopez&zip_code=19107&name_display=full&reason="
    .. "&email=" .. run .. "-" .. tid .. "-" .. counter .. "%40example.org"
    .. "&" .. token_field .. "=" .. token
  return wrk.format("POST", path, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
"""


@dataclass(frozen=True)
class WrkResult:
    per_second: float
    requests: int
    bad_status: int
    socket_errors: int
    p50_ms: float
    p99_ms: float

    @property
    def errors(self) -> int:
        return self.bad_status + self.socket_errors


def _milliseconds(text: str) -> float:
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(url: str, seconds: int, connections: int, script: str | None = None) -> WrkResult:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        if script:
            lua.write(script)
            lua.flush()
            command += ["-s", lua.name]
        output = subprocess.run(
            [*command, url], capture_output=True, text=True, check=True, cwd=ROOT
        ).stdout
    if "Requests/sec" not in output or " 0 requests in" in output:
        raise RuntimeError(f"wrk measured nothing:\n{output}")
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return WrkResult(
        per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        requests=requests,
        bad_status=int(bad.group(1)) if bad else 0,
        socket_errors=sum(map(int, sockets.groups())) if sockets else 0,
        p50_ms=_milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        p99_ms=_milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
    )


def post_script(base: str) -> str:
    with urllib.request.urlopen(base + PAGE, timeout=10) as page:
        field, token = (group.decode() for group in TOKEN.search(page.read()).groups())
    settings = (
        f'run = "{uuid.uuid4().hex[:8]}"\ntoken_field = "{field}"\ntoken = "{token}"\n'
        f'path = "{PAGE}/sign"\n'
    )
    return settings + POST_SCRIPT


@dataclass(frozen=True)
class Measured:
    get: WrkResult
    post: WrkResult


def measure(app_spec: str, url: str, seconds: int, connections: int) -> Measured:
    port = free_port()
    server = start_gunicorn(app_spec, production_env(url, port), port)
    base = f"http://127.0.0.1:{port}"
    try:
        wrk(base + PAGE, 2, connections)  # warm up
        get = wrk(base + PAGE, seconds, connections)
        post = wrk(base + PAGE + "/sign", seconds, connections, post_script(base))
    finally:
        stop(server)
    return Measured(get, post)


def show(label: str, result: WrkResult) -> None:
    line(
        label,
        f"{result.per_second:,.0f}/s  ({result.requests:,} requests, {result.errors} errors)  "
        f"p50/p99 {result.p50_ms:.0f}/{result.p99_ms:.0f} ms",
    )


def run(database: str = "sqlite") -> None:
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk): requests benchmark skipped.")
        return
    seconds = int(os.environ.get("BENCH_SECONDS", 15))
    connections = int(os.environ.get("BENCH_CONNECTIONS", 32))
    header(f"Page GET and sign POST under wrk ({database}, {connections} connections, {seconds} s)")
    url = fresh_sqlite("requests") if database == "sqlite" else fresh_postgresql()
    prepare_database(url)
    ours = measure("app:create_app()", url, seconds, connections)
    stored = stored_signatures(url)
    floor = measure("bench.floor_app:create_app()", url, seconds, connections)

    show("ours: page GET", ours.get)
    show("floor: page GET", floor.get)
    show("ours: sign POST", ours.post)
    show("floor: sign POST", floor.post)
    answered = ours.post.requests - ours.post.errors
    line("signatures stored / POSTs answered 303", f"{stored:,} / {answered:,}")
    get_ratio = ours.get.per_second / floor.get.per_second
    post_ratio = ours.post.per_second / floor.post.per_second
    line("GET ratio ours / floor", f"{get_ratio:.2f}  {verdict(get_ratio >= 0.5, '>= 0.5')}")
    line("POST ratio ours / floor", f"{post_ratio:.2f}  {verdict(post_ratio >= 0.4, '>= 0.4')}")
    clean = ours.get.errors == ours.post.errors == 0 and stored >= answered
    line("errors, signatures kept", verdict(clean, "no errors, every answered one stored"))
