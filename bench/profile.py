"""`python -m bench.profile [get|post|send] [N]`: where a page GET or a sign POST spends its
time, under cProfile, through the WSGI app in this process (production settings, SQLite in
bench/out or, with PROFILE_DATABASE=postgresql, PostgreSQL; rate limits off); or, with
`send`, where `outbox send` spends its time writing and sending N new signatures'
confirmation emails to a local aiosmtpd server. Prints the 25 functions with the most
cumulative time."""

import cProfile
import os
import pstats
import signal
import sys
import time
import uuid
from io import BytesIO
from urllib.parse import urlencode

from bench.harness import app_env, fresh_postgresql, fresh_sqlite, prepare_database

PATH = "/petitions/end-the-pars-contract"


def profile_sender(count: int) -> None:
    """N new signatures' confirmation emails, queued unwritten as signing queues them, then
    written and sent by the sender under cProfile (the SMTP server in its own process)."""
    from bench.outbox import free_port, start_sink

    postgresql = os.environ.get("PROFILE_DATABASE") == "postgresql"
    url = fresh_postgresql() if postgresql else fresh_sqlite("profile-send")
    prepare_database(url)
    port = free_port()
    os.environ.update(
        app_env(
            url,
            APP_ENV="production",
            BASE_URL="https://127.0.0.1:8000",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(port),
        )
    )
    from app import create_app
    from app.mail.sender import send_all_due, send_due_messages
    from app.petitions.queries import petition_for_visitors
    from app.signatures.signing import SignerDetails, sign_petition

    app = create_app()
    run = uuid.uuid4().hex[:8]
    sink = start_sink(port)
    try:
        with app.app_context():
            petition = petition_for_visitors(PATH.rsplit("/", 1)[1])
            for number in range(count + 20):
                sign_petition(
                    petition,
                    SignerDetails("Ana", f"López {number}", f"{run}-{number}@example.org", "19107"),
                )
            app.config["OUTBOX_BATCH_SIZE"] = 20
            send_due_messages(20)  # warm up
            app.config["OUTBOX_BATCH_SIZE"] = 100
            profile = cProfile.Profile()
            profiled = not os.environ.get("PROFILE_TIMING_ONLY")
            started, cpu = time.perf_counter(), time.process_time()
            if profiled:
                profile.enable()
            report = send_all_due()
            profile.disable()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    finally:
        sink.send_signal(signal.SIGINT)
        sink.wait(timeout=10)
    assert report.sent == count, report
    if not profiled:
        print(
            f"send: {elapsed / count * 1000:.2f} ms per email, {cpu / count * 1000:.2f} ms of "
            f"CPU ({count} emails, {report.sent} sent, no profiler)"
        )
        return
    if os.environ.get("PROFILE_OUT"):
        profile.dump_stats(os.environ["PROFILE_OUT"])
    stats = pstats.Stats(profile)
    print(
        f"send: {elapsed / count * 1000:.2f} ms per email under the profiler "
        f"({count} emails, {report.sent} sent)"
    )
    stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(25)


def main(kind: str = "post", count: int = 500) -> None:
    if kind == "send":
        profile_sender(count)
        return
    postgresql = os.environ.get("PROFILE_DATABASE") == "postgresql"
    url = fresh_postgresql() if postgresql else fresh_sqlite("profile")
    prepare_database(url)
    os.environ.update(
        app_env(url, APP_ENV="production", BASE_URL="https://127.0.0.1:8000", MAIL_SERVER="")
    )
    from app import create_app

    app = create_app()

    def call(method: str, path: str, body: bytes = b"") -> bytes:
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "wsgi.url_scheme": "http",
            "wsgi.input": BytesIO(body),
            "wsgi.errors": sys.stderr,
            "HTTP_HOST": "127.0.0.1:8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)),
        }
        status: list[str] = []
        answer = b"".join(app.wsgi_app(environ, lambda s, h: status.append(s)))
        assert status[0][:3] in ("200", "303"), (path, status, answer[:300])
        return answer

    page = call("GET", PATH).decode()
    token = page.split('name="form_token" type="hidden" value="')[1].split('"')[0]
    run = uuid.uuid4().hex[:8]

    def post(number: int) -> None:
        fields = {
            "first_name": "Ana",
            "last_name": "Lopez",
            "email": f"{run}-{number}@example.org",
            "zip_code": "19107",
            "name_display": "full",
            "form_token": token,
        }
        call("POST", PATH + "/sign", urlencode(fields).encode())

    for number in range(20):  # warm up
        post(-number - 1) if kind == "post" else call("GET", PATH)
    profile = cProfile.Profile()
    profile.enable()
    for number in range(count):
        post(number) if kind == "post" else call("GET", PATH)
    profile.disable()
    if os.environ.get("PROFILE_OUT"):
        profile.dump_stats(os.environ["PROFILE_OUT"])
    stats = pstats.Stats(profile)
    print(f"{kind}: {stats.total_tt / count * 1000:.2f} ms per request under the profiler")
    stats.sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(25)


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "post", int(sys.argv[2]) if len(sys.argv) > 2 else 500
    )
