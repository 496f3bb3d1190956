"""A surge end to end: signatures posted at a fixed rate (open loop) through gunicorn with
production settings, `BENCH_SURGE_SENDERS` `flask outbox send` workers on the same database
delivering the confirmation emails to a real SMTP server (aiosmtpd) on loopback, which notes
when each arrives; meanwhile a watcher polls the public count and a few of the emails are
confirmed as they arrive, to see how far behind the count is.

Three processes besides the app's: this one (it starts and stops everything, then joins what
the others wrote), the SMTP sink (`python -m bench.surge sink PORT FILE CONFIRM_EVERY`) and the
load generator (`python -m bench.surge load ...`). Times cross processes as wall-clock
seconds (time.time()) on one machine.

What is measured:

- POSTs are sent at `BENCH_SURGE_RATE` a second for `BENCH_SURGE_SECONDS`, each a new email
  with the page's form token, whatever the answers (open loop). At most
  `BENCH_SURGE_IN_FLIGHT` wait for an answer at once; a POST due while that many wait leaves
  late, and the report says how late (the load the server could not take).
- Email latency: from the moment a POST was sent to the moment its confirmation email
  reached the SMTP server. After the load the benchmark waits for the remaining emails, at
  most `BENCH_SURGE_DRAIN` seconds (120).
- CPU per signature, end to end: the web server's processes' CPU (their share of the count
  polls and confirmations included) per answered POST, plus the senders' CPU per email
  delivered; target at most 5 ms. Beside it, the floor app's CPU per POST under the same
  load and server for `BENCH_SURGE_FLOOR_SECONDS` (20; 0 skips it).
- The count's staleness: every `BENCH_SURGE_CONFIRM_EVERY`-th email that arrives (20th) is
  confirmed at once (the page, then the button's POST). The watcher polls count.json every
  0.2 s; a poll is stale by the confirmations that had been answered before it was sent and
  that it does not show, and by the age of the oldest of them.
"""

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from bench.harness import (
    OUT,
    ROOT,
    flask,
    fresh_postgresql,
    fresh_sqlite,
    header,
    line,
    prepare_database,
    verdict,
)
from bench.load import TOKEN, get_request, percentile, post_request, request, signature_form
from bench.signing import (
    SLUG,
    free_port,
    production_env,
    start_gunicorn,
    stop,
    stored_signatures,
    workers,
)

COUNT = re.compile(rb'"signature_count":\s*(\d+)')
CONFIRM_PATH = re.compile(r"https?://[^/\s]+(/petitions/[a-z0-9-]+/confirm/[A-Za-z0-9._-]+)")
TARGET_P95_SECONDS = 10.0
TARGET_CPU_MS = 5.0


# -- The SMTP sink: notes when each email arrives, and the confirmation link of a few. --------


def sink(port: int, path: str, confirm_every: int) -> None:
    import email
    import email.policy

    from aiosmtpd.controller import Controller

    out = open(path, "a", buffering=1)  # noqa: SIM115  (open for the process's life)
    seen = 0

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            nonlocal seen
            arrived = time.time()
            seen += 1
            link = "-"
            if confirm_every and seen % confirm_every == 0:
                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                found = CONFIRM_PATH.search(message.get_body(("plain",)).get_content())
                link = found.group(1) if found else "-"
            for recipient in envelope.rcpt_tos:
                out.write(f"{arrived:.6f} {recipient} {link}\n")
            return "250 Message accepted"

    stopping = {signal.SIGINT, signal.SIGTERM}
    signal.pthread_sigmask(signal.SIG_BLOCK, stopping)  # for sigwait, in every thread
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        signal.sigwait(stopping)
    finally:
        controller.stop()
        out.close()


class Arrivals:
    """The sink's file, read as it grows: each `new_rows()` parses only what was written
    since the last (the load generator and the drain poll it while the server works)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.offset = 0
        self.partial = b""

    def new_rows(self) -> list[tuple[float, str, str]]:
        if not self.path.exists():
            return []
        with open(self.path, "rb") as file:
            file.seek(self.offset)
            data = file.read()
        self.offset += len(data)
        *lines, self.partial = (self.partial + data).split(b"\n")
        rows = []
        for text in lines:
            parts = text.decode().split(" ")
            if len(parts) == 3:
                rows.append((float(parts[0]), parts[1], parts[2]))
        return rows


def read_arrivals(path: Path) -> list[tuple[float, str, str]]:
    return Arrivals(path).new_rows()


# -- The load generator. ----------------------------------------------------------------------


class Load:
    def __init__(self, host, port, rate, seconds, in_flight, run_id, arrivals, posts_path):
        self.host, self.port = host, port
        self.host_header = f"{host}:{port}".encode()
        self.rate, self.seconds = rate, seconds
        self.in_flight = asyncio.Semaphore(in_flight)
        self.run_id = run_id
        self.arrivals = arrivals
        self.posts_path = posts_path
        self.posts: list[tuple[str, float, float, float, int]] = []  # email, due, sent, answered
        self.errors: dict[str, int] = {}
        self.confirms: list[float] = []  # when each confirmation was answered 303
        self.confirm_errors = 0
        self.polls: list[tuple[float, int]] = []  # when sent, the count shown
        self.running = True

    async def call(self, raw: bytes, timeout: float = 30.0):
        return await asyncio.wait_for(request(self.host, self.port, raw), timeout)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    async def sign(self, number: int, due: float, token: re.Match) -> None:
        address = f"surge-{self.run_id}-{number}@example.org"
        form = signature_form(
            token, first_name="Surge", last_name=f"Tester {number}", email=address
        )
        async with self.in_flight:
            sent = time.time()
            try:
                status, _headers, _body = await self.call(
                    post_request(f"/petitions/{SLUG}/sign", self.host_header, form)
                )
            except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError) as error:
                self.error(type(error).__name__)
                return
        if status != 303:
            self.error(f"POST {status}")
        self.posts.append((address, due, sent, time.time(), status))

    async def offer(self) -> None:
        status, _headers, page = await self.call(
            get_request(f"/petitions/{SLUG}", self.host_header)
        )
        token = TOKEN.search(page)
        if status != 200 or not token:
            raise RuntimeError(f"the petition page answered {status} without a form token")
        started = time.time()
        total = int(self.rate * self.seconds)
        tasks = []
        for number in range(total):
            due = started + number / self.rate
            delay = due - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.sign(number, due, token)))
        await asyncio.gather(*tasks)

    async def confirm(self, path: str) -> None:
        try:
            status, headers, page = await self.call(get_request(path, self.host_header))
            found = TOKEN.search(page)
            if status != 200 or not found:
                self.confirm_errors += 1
                return
            form = urlencode({found.group(1).decode(): found.group(2).decode()}).encode()
            status, _h, _b = await self.call(
                post_request(path, self.host_header, form, headers[b"cookies"])
            )
        except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError):
            self.confirm_errors += 1
            return
        if status == 303:
            self.confirms.append(time.time())
        else:
            self.confirm_errors += 1

    async def confirmer(self) -> None:
        """Confirm the emails the sink took a link from, as they arrive."""
        arrivals = Arrivals(self.arrivals)
        pending = []
        while self.running:
            for _arrived, _recipient, link in arrivals.new_rows():
                if link != "-":
                    pending.append(asyncio.create_task(self.confirm(link)))
            await asyncio.sleep(0.2)
        await asyncio.gather(*pending)

    async def watcher(self) -> None:
        while self.running:
            sent = time.time()
            try:
                status, _h, body = await self.call(
                    get_request(f"/petitions/{SLUG}/count.json", self.host_header), timeout=10
                )
                found = COUNT.search(body)
                if status == 200 and found:
                    self.polls.append((sent, int(found.group(1))))
            except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError):
                pass
            await asyncio.sleep(0.2)

    async def run(self) -> dict:
        side = [asyncio.create_task(self.watcher()), asyncio.create_task(self.confirmer())]
        started = time.time()
        await self.offer()
        ended = time.time()
        self.running = False
        await asyncio.gather(*side)
        with open(self.posts_path, "w") as out:
            for address, due, sent, answered, status in self.posts:
                out.write(f"{address} {due:.6f} {sent:.6f} {answered:.6f} {status}\n")
        return {
            "started": started,
            "ended": ended,
            "offered": int(self.rate * self.seconds),
            "answered_303": sum(1 for post in self.posts if post[4] == 303),
            "errors": self.errors,
            "staleness": staleness(self.confirms, self.polls),
            "confirmed": len(self.confirms),
            "confirm_errors": self.confirm_errors,
        }


def staleness(confirms: list[float], polls: list[tuple[float, int]]) -> dict:
    """How far behind the count each poll was: the confirmations answered before the poll was
    sent that it does not show, and how long ago the oldest of them was answered."""
    confirms = sorted(confirms)
    missing, ages = [], []
    for sent, shown in polls:
        answered_before = sum(1 for at in confirms if at < sent)
        behind = max(0, answered_before - max(shown, 0))
        missing.append(behind)
        ages.append(sent - confirms[shown] if behind else 0.0)
    return {
        "polls": len(polls),
        "stale_polls": sum(1 for behind in missing if behind),
        "max_missing": max(missing, default=0),
        "p95_age": percentile(ages, 0.95) if ages else 0.0,
        "max_age": max(ages, default=0.0),
        "last_shown": polls[-1][1] if polls else None,
    }


# -- The benchmark. -----------------------------------------------------------------------------


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on port {port}")


def _run_load(
    port: int,
    rate: float,
    seconds: float,
    in_flight: int,
    run_id: str,
    arrivals: Path,
    posts: Path,
) -> subprocess.CompletedProcess[str]:
    """The load generator (`python -m bench.surge load ...`) in its own process, to the end."""
    arguments = [port, rate, seconds, in_flight, run_id, arrivals, posts]
    return subprocess.run(
        [sys.executable, "-m", "bench.surge", "load", *map(str, arguments)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def _cpu_so_far(pid: int) -> float:
    """A running process's CPU time (user + system) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _tree_cpu(pid: int) -> float:
    """A process's CPU time and that of its children (gunicorn's workers), running or not."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    total = sum(int(field) for field in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                total += _tree_cpu(int(child))
            except FileNotFoundError:
                pass  # gone meanwhile: its time is in its parent's
    return total


def _start_sender(env: dict, log) -> tuple[subprocess.Popen, float]:
    """An `outbox send` process, once it is ready (it says so), and the CPU it took to start."""
    process = subprocess.Popen(
        flask("outbox", "send"), env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=log
    )
    if not process.stdout.readline():
        raise RuntimeError("outbox send did not start")
    return process, _cpu_so_far(process.pid)


def _cpu_seconds(process: subprocess.Popen) -> float:
    """Stop a process (SIGINT: `outbox send` ends its batch and leaves) and read its CPU time."""
    process.send_signal(signal.SIGINT)
    if process.stdout:
        process.stdout.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        pid, _status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = 0
            return usage.ru_utime + usage.ru_stime
        time.sleep(0.1)
    process.kill()
    _pid, _status, usage = os.wait4(process.pid, 0)
    process.returncode = -9
    return usage.ru_utime + usage.ru_stime


def settings() -> dict:
    return {
        "rate": float(os.environ.get("BENCH_SURGE_RATE", 200)),
        "seconds": float(os.environ.get("BENCH_SURGE_SECONDS", 60)),
        "senders": int(os.environ.get("BENCH_SURGE_SENDERS", 2)),
        "drain": float(os.environ.get("BENCH_SURGE_DRAIN", 120)),
        "in_flight": int(os.environ.get("BENCH_SURGE_IN_FLIGHT", 512)),
        "confirm_every": int(os.environ.get("BENCH_SURGE_CONFIRM_EVERY", 20)),
    }


def surge(url: str, database: str, **overrides) -> dict:
    """Run one surge against a prepared database; every figure of the report."""
    config = {**settings(), **overrides}
    OUT.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:8]
    arrivals = OUT / f"surge-{database}-{run_id}-arrivals.txt"
    posts = OUT / f"surge-{database}-{run_id}-posts.txt"
    sender_log = OUT / f"surge-{database}-{run_id}-senders.log"
    smtp_port, web_port = free_port(), free_port()

    sink_process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.surge",
            "sink",
            str(smtp_port),
            str(arrivals),
            str(config["confirm_every"]),
        ],
        cwd=ROOT,
    )
    processes = [sink_process]
    senders: list[subprocess.Popen] = []
    starting_cpu = 0.0
    try:
        _wait_for_port(smtp_port)
        env = production_env(url, web_port)
        server = start_gunicorn("app:create_app()", env, web_port)
        processes.append(server)
        sender_env = dict(env, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp_port))
        with open(sender_log, "w") as log:
            for _ in range(config["senders"]):
                sender, cpu = _start_sender(sender_env, log)
                senders.append(sender)
                starting_cpu += cpu
        web_cpu = _tree_cpu(server.pid)
        loaded = _run_load(
            web_port,
            config["rate"],
            config["seconds"],
            config["in_flight"],
            run_id,
            arrivals,
            posts,
        )
        if loaded.returncode != 0:
            raise RuntimeError(f"the load generator failed:\n{loaded.stderr[-2000:]}")
        web_cpu = _tree_cpu(server.pid) - web_cpu
        report = json.loads(loaded.stdout)
        stored = stored_signatures(url)
        drain_started = time.time()
        growing, recipients = Arrivals(arrivals), set()
        while time.time() - drain_started < config["drain"]:
            recipients.update(row[1] for row in growing.new_rows())
            if len(recipients) >= stored:
                break
            time.sleep(0.5)
        drained = time.time() - drain_started
        sender_cpu = sum(_cpu_seconds(sender) for sender in senders) - starting_cpu
        senders.clear()
        stop(server)
        processes.remove(server)
    finally:
        for sender in senders:
            sender.kill()
            sender.wait()
            if sender.stdout:
                sender.stdout.close()
        for process in processes:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()

    arrived: dict[str, float] = {}
    duplicates = 0
    for at, recipient, _link in read_arrivals(arrivals):
        if recipient in arrived:
            duplicates += 1
        else:
            arrived[recipient] = at
    from_post, from_answer, late = [], [], []
    answered = 0
    for text in posts.read_text().splitlines():
        address, due, sent, answered_at, status = text.split(" ")
        late.append(float(sent) - float(due))
        if status != "303":
            continue
        answered += 1
        if address in arrived:
            from_post.append(arrived[address] - float(sent))
            from_answer.append(arrived[address] - float(answered_at))
    for path in (arrivals, posts):
        path.unlink(missing_ok=True)
    sender_errors = [text for text in sender_log.read_text().splitlines() if " INFO " not in text]
    if not sender_errors:
        sender_log.unlink()
    load_seconds = report["ended"] - report["started"]
    return {
        **config,
        "database": database,
        "offered": report["offered"],
        "load_seconds": load_seconds,
        "answered": answered,
        "achieved_rate": answered / load_seconds,
        "errors": report["errors"],
        "stored": stored,
        "emails_arrived": len(arrived),
        "duplicates": duplicates,
        "drained_seconds": drained,
        "p50": percentile(from_post, 0.50),
        "p95": percentile(from_post, 0.95),
        "max": max(from_post, default=float("nan")),
        "after_answer_p95": percentile(from_answer, 0.95),
        "late_p95": percentile(late, 0.95),
        "late_max": max(late, default=0.0),
        "sender_cpu_ms_per_email": 1000 * sender_cpu / max(len(arrived), 1),
        "web_cpu_ms_per_signature": 1000 * web_cpu / max(answered, 1),
        "confirmed": report["confirmed"],
        "confirm_errors": report["confirm_errors"],
        "staleness": report["staleness"],
        "sender_log": str(sender_log) if sender_errors else None,
    }


def floor_web_cpu(url: str, rate: float, seconds: float, in_flight: int) -> float:
    """The floor app (bench/floor_app.py: one INSERT per POST, no email) under the same
    open-loop load and server: its CPU per answered POST, in ms."""
    OUT.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:8]
    posts = OUT / f"surge-floor-{run_id}-posts.txt"
    port = free_port()
    server = start_gunicorn("bench.floor_app:create_app()", production_env(url, port), port)
    try:
        cpu = _tree_cpu(server.pid)
        loaded = _run_load(
            port, rate, seconds, in_flight, run_id, OUT / f"surge-floor-{run_id}-none.txt", posts
        )
        cpu = _tree_cpu(server.pid) - cpu
    finally:
        stop(server)
    if loaded.returncode != 0:
        raise RuntimeError(f"the load generator failed:\n{loaded.stderr[-2000:]}")
    answered = json.loads(loaded.stdout)["answered_303"]
    posts.unlink(missing_ok=True)
    return 1000 * cpu / max(answered, 1)


def end_to_end_ms(result: dict) -> float:
    """CPU per signature, end to end: its web request (with this surge's share of the count
    polls and confirmations) and its confirmation email."""
    return result["web_cpu_ms_per_signature"] + result["sender_cpu_ms_per_email"]


def show(result: dict) -> None:
    errors = sum(result["errors"].values())
    kinds = f" {result['errors']}" if result["errors"] else ""
    line(
        "offered / achieved",
        f"{result['rate']:.0f}/s x {result['seconds']:.0f} s = {result['offered']:,} POSTs / "
        f"{result['achieved_rate']:.0f}/s answered ({result['load_seconds']:.0f} s)",
    )
    line(
        "answered 303 / stored / errors",
        f"{result['answered']:,} / {result['stored']:,} / {errors}{kinds}",
    )
    line(
        "POSTs sent late (in flight capped) p95 / max",
        f"{result['late_p95']:.1f} / {result['late_max']:.1f} s (cap {result['in_flight']})",
    )
    line(
        "emails arrived / expected (duplicates)",
        f"{result['emails_arrived']:,} / {result['stored']:,} ({result['duplicates']}), "
        f"drained {result['drained_seconds']:.0f} s after the load (cap {result['drain']:.0f})",
    )
    line(
        "POST -> email p50 / p95 / max",
        f"{result['p50']:.1f} / {result['p95']:.1f} / {result['max']:.1f} s "
        f"(from the answer: p95 {result['after_answer_p95']:.1f} s)",
    )
    line(
        "CPU: web per signature / senders per email",
        f"{result['web_cpu_ms_per_signature']:.1f} / {result['sender_cpu_ms_per_email']:.1f} ms "
        f"({result['senders']} senders)",
    )
    total = end_to_end_ms(result)
    line(
        "CPU per signature, end to end",
        f"{total:.1f} ms  {verdict(total <= TARGET_CPU_MS, f'<= {TARGET_CPU_MS:.0f} ms')}",
    )
    if result.get("floor_web_cpu_ms"):
        floor = result["floor_web_cpu_ms"]
        line(
            "floor (one INSERT, no email): CPU per POST",
            f"{floor:.2f} ms; ours / floor {total / floor:.1f} end to end, "
            f"{result['web_cpu_ms_per_signature'] / floor:.1f} for the web request alone",
        )
    stale = result["staleness"]
    line(
        "count: stale polls, behind, age p95 / max",
        f"{stale['stale_polls']} of {stale['polls']}, {stale['max_missing']} confirmations, "
        f"{stale['p95_age']:.2f} / {stale['max_age']:.2f} s "
        f"({result['confirmed']} confirmed, {result['confirm_errors']} failed)",
    )
    if result["sender_log"]:
        line("senders wrote to stderr", result["sender_log"])
    all_arrived = result["emails_arrived"] >= result["stored"]
    ok = all_arrived and result["p95"] <= TARGET_P95_SECONDS
    line("POST -> email p95", verdict(ok, f"<= {TARGET_P95_SECONDS:.0f} s, every email"))


def run(database: str = "sqlite") -> None:
    config = settings()
    header(
        f"Surge ({database}, {config['rate']:.0f}/s for {config['seconds']:.0f} s, "
        f"{workers()}, {config['senders']} senders)"
    )
    url = fresh_sqlite("surge") if database == "sqlite" else fresh_postgresql()
    prepare_database(url)
    result = surge(url, database)
    floor_seconds = float(os.environ.get("BENCH_SURGE_FLOOR_SECONDS", 20))
    if floor_seconds > 0:
        result["floor_web_cpu_ms"] = floor_web_cpu(
            url, config["rate"], floor_seconds, config["in_flight"]
        )
    show(result)


def main(argv: list[str]) -> None:
    if argv[0] == "sink":
        sink(int(argv[1]), argv[2], int(argv[3]))
    elif argv[0] == "load":
        port, rate, seconds, in_flight, run_id, arrivals, posts = argv[1:8]
        load = Load(
            "127.0.0.1",
            int(port),
            float(rate),
            float(seconds),
            int(in_flight),
            run_id,
            arrivals,
            posts,
        )
        print(json.dumps(asyncio.run(load.run())))
    else:
        raise SystemExit(f"unknown: {argv[0]}")


if __name__ == "__main__":
    main(sys.argv[1:])
