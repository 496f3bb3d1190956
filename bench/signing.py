"""Signing under load: our app under gunicorn (production settings) against the floor app
(bench/floor_app.py) under the same gunicorn settings and the same database, driven by the
same load generator (bench/load.py) in its own process."""

import json
import os
import socket
import subprocess
import uuid

from bench import servers
from bench.harness import (
    PYTHON,
    ROOT,
    app_env,
    fresh_postgresql,
    fresh_sqlite,
    header,
    line,
    prepare_database,
    verdict,
)

SLUG = "end-the-pars-contract"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def workers() -> str:
    """The server the benchmarks run (`BENCH_SERVER`, bench.servers), as a report names it."""
    return servers.describe(servers.server_name())


def start_gunicorn(app_spec: str, env: dict, port: int) -> subprocess.Popen:
    """`app_spec` under the server `BENCH_SERVER` names (gunicorn gthread, as deployed, by
    default), once it answers."""
    return servers.start(
        servers.server_name(), app_spec, env, port, f"/petitions/{SLUG}/count.json"
    )


def stop(process: subprocess.Popen) -> None:
    servers.stop(process)


def load(port: int, residents: int, seconds: float) -> dict:
    result = subprocess.run(
        [
            PYTHON,
            "-m",
            "bench.load",
            "127.0.0.1",
            str(port),
            SLUG,
            str(residents),
            str(seconds),
            uuid.uuid4().hex[:8],
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def production_env(url: str, port: int) -> dict:
    # Production refuses an http BASE_URL; the load generator talks plain http to the port
    # and sends its cookies back whatever their Secure flag.
    return app_env(
        url, APP_ENV="production", BASE_URL=f"https://127.0.0.1:{port}", RATELIMIT_ENABLED="false"
    )


def stored_signatures(url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        count = connection.exec_driver_sql("SELECT count(*) FROM signature").scalar()
    engine.dispose()
    return count


def show(label: str, result: dict) -> None:
    kinds = f" {result['error_kinds']}" if result["error_kinds"] else ""
    line(
        f"{label}: signatures/s",
        f"{result['per_second']:.0f} ({result['signed']:,} in "
        f"{result['seconds']:.0f} s, {result['errors']} errors{kinds})",
    )
    line(
        f"{label}: page + post latency p50 / p99",
        f"{result['p50_ms']:.0f} / {result['p99_ms']:.0f} ms",
    )
    line(
        f"{label}: count endpoint p50 / p99",
        f"{result['count_p50_ms']:.1f} / {result['count_p99_ms']:.1f} ms "
        f"({result['count_requests']} requests)",
    )


def run(database: str = "sqlite") -> None:
    residents = int(os.environ.get("BENCH_RESIDENTS", 64))
    seconds = float(os.environ.get("BENCH_SECONDS", 20))
    header(f"Signing under load ({database}, {residents} residents, {seconds:.0f} s, {workers()})")
    url = fresh_sqlite("signing") if database == "sqlite" else fresh_postgresql()
    prepare_database(url)

    port = free_port()
    server = start_gunicorn("app:create_app()", production_env(url, port), port)
    try:
        load(port, 8, 2)  # warm up
        ours = load(port, residents, seconds)
    finally:
        stop(server)
    stored = stored_signatures(url)

    port = free_port()
    floor_server = start_gunicorn("bench.floor_app:create_app()", production_env(url, port), port)
    try:
        load(port, 8, 2)
        floor = load(port, residents, seconds)
    finally:
        stop(floor_server)

    show("ours", ours)
    line("signatures stored (warm-up included)", f"{stored:,}")
    show("floor", floor)
    ratio = ours["per_second"] / floor["per_second"]
    line(
        "throughput",
        verdict(ours["per_second"] >= 333 and ours["errors"] == 0, ">= 333/s, no errors"),
    )
    line("ratio ours / floor", f"{ratio:.2f}  {verdict(ratio >= 0.5, '>= 0.5')}")
    line("count endpoint p99 under load", verdict(ours["count_p99_ms"] <= 50, "<= 50 ms"))
