"""The page GET and the sign POST, each on its own, under wrk: our app against the floor app
(bench/floor_app.py), both under the same server settings on the same database, in one run,
for each server of bench/servers.py (`BENCH_SERVERS`, all by default).

wrk keeps `BENCH_CONNECTIONS` requests in flight for `BENCH_SECONDS`, `BENCH_ROUNDS` times
for each side, ours and the floor's turns alternated; each side's best round counts. The
floor's GET sends our page's own bytes. The POSTs carry the form's token, the same for every
visitor (the page is stateless), and a new email each, so every one is a new signature;
afterwards the stored signatures are counted against the answered POSTs.
Targets: our POST at least 0.5 of the floor's, our GET at least 0.6, no errors.
"""

import os
import re
import shutil
import subprocess
import tempfile
import urllib.request
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field

from bench import servers
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
from bench.load import TOKEN
from bench.signing import SLUG, free_port, production_env, stored_signatures

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


def show(label: str, result: WrkResult) -> None:
    line(
        label,
        f"{result.per_second:,.0f}/s  ({result.requests:,} requests, {result.errors} errors)  "
        f"p50/p99 {result.p50_ms:.0f}/{result.p99_ms:.0f} ms",
    )


@dataclass
class Side:
    """Our app or the floor, running under one server: each round's wrk results."""

    base: str
    gets: list[WrkResult] = field(default_factory=list)
    posts: list[WrkResult] = field(default_factory=list)

    def best(self, kind: str) -> WrkResult:
        return max(self.gets if kind == "get" else self.posts, key=lambda r: r.per_second)


def compare(server: str, url: str, seconds: int, connections: int, rounds: int) -> None:
    """Ours and the floor under `server`, both running, asked in turn (their order swapped
    each round); each side's best round of each kind is compared."""
    ours_port, floor_port = free_port(), free_port()
    page_file = OUT / "floor-page.html"
    with ExitStack() as stack:
        ours_process = servers.start(
            server,
            "app:create_app()",
            production_env(url, ours_port),
            ours_port,
            PAGE + "/count.json",
        )
        stack.callback(servers.stop, ours_process)
        ours = Side(f"http://127.0.0.1:{ours_port}")
        with urllib.request.urlopen(ours.base + PAGE, timeout=10) as page:
            page_file.write_bytes(page.read())
        floor_env = dict(production_env(url, floor_port), FLOOR_PAGE_FILE=str(page_file))
        floor_process = servers.start(
            server, "bench.floor_app:create_app()", floor_env, floor_port, PAGE + "/count.json"
        )
        stack.callback(servers.stop, floor_process)
        floor = Side(f"http://127.0.0.1:{floor_port}")
        stored_before = stored_signatures(url)
        for side in (ours, floor):
            wrk(side.base + PAGE, 2, connections)  # warm up
            wrk(side.base + PAGE + "/sign", 2, connections, post_script(side.base))
        warm_up_posts = stored_signatures(url) - stored_before
        for number in range(rounds):
            order = (ours, floor) if number % 2 == 0 else (floor, ours)
            for side in order:
                side.gets.append(wrk(side.base + PAGE, seconds, connections))
            for side in order:
                side.posts.append(
                    wrk(side.base + PAGE + "/sign", seconds, connections, post_script(side.base))
                )
    stored = stored_signatures(url) - stored_before - warm_up_posts
    answered = sum(r.requests - r.errors for r in ours.posts)

    print(f"  -- {servers.describe(server)}, best of {rounds} alternated rounds")
    for kind, label, target in (("get", "page GET", 0.6), ("post", "sign POST", 0.5)):
        mine, theirs = ours.best(kind), floor.best(kind)
        show(f"ours: {label}", mine)
        show(f"floor: {label}", theirs)
        ratio = mine.per_second / theirs.per_second
        line(
            f"{label} ratio ours / floor",
            f"{ratio:.2f}  {verdict(ratio >= target, f'>= {target}')}",
        )
    errors = sum(r.errors for r in ours.gets + ours.posts)
    line(
        "errors; signatures stored / POSTs answered",
        f"{errors}; {stored:,} / {answered:,}  "
        + verdict(errors == 0 and stored >= answered, "no errors, every answered one stored"),
    )


def run(database: str = "sqlite") -> None:
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk): requests benchmark skipped.")
        return
    seconds = int(os.environ.get("BENCH_SECONDS", 10))
    connections = int(os.environ.get("BENCH_CONNECTIONS", 32))
    rounds = int(os.environ.get("BENCH_ROUNDS", 3))
    names = os.environ.get("BENCH_SERVERS", ",".join(servers.SERVERS)).split(",")
    header(f"Page GET and sign POST under wrk ({database}, {connections} connections, {seconds} s)")
    for server in names:
        url = fresh_sqlite("requests") if database == "sqlite" else fresh_postgresql()
        prepare_database(url)
        compare(server, url, seconds, connections, rounds)
