"""The petition page, its JSON and the count with 10 and with 1,000,000 confirmed signatures:
what a request costs must not grow with the signatures. Rendered for real (the page cache
off), in a process of its own per database, through the WSGI app without a server. Timed in
CPU time of that process: on a shared machine, wall time mostly measures the neighbours."""

import json
import os
import statistics

from bench.export import build as build_signatures
from bench.harness import PYTHON, ROOT, app_env, header, line, verdict

TIMER = r"""
import json, sys, time
from datetime import timedelta
from io import BytesIO
from app import create_app
app = create_app({"CACHE_TYPE": "NullCache"})

# The same ten most recent public signers on both databases, so both pages show the same.
with app.app_context():
    import sqlalchemy as sa
    from app.core.clock import now
    from app.extensions import db
    from app.models import Signature
    db.session.execute(sa.delete(Signature).where(Signature.email.like("recent-%")))
    later = now() + timedelta(days=1)
    for number in range(10):
        db.session.execute(sa.insert(Signature).values(
            petition_id=1, status="confirmed", channel="online", first_name="Recent",
            last_name=f"Signer {number}", name_key=f"recent {number}", name_display="full",
            email=f"recent-{number}@example.org", email_canonical=f"recent-{number}@example.org",
            household_slot=1, zip_code="19107", is_resident=True, locale="en",
            reason="Because trust keeps us safe.", wants_updates=False,
            link_key=f"recent{number}", created_at=later, confirmed_at=later))
    db.session.commit()

def call(path):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "wsgi.url_scheme": "http",
               "wsgi.input": BytesIO(), "wsgi.errors": sys.stderr, "HTTP_HOST": "127.0.0.1",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}
    status = []
    body = b"".join(app.wsgi_app(environ, lambda s, h: status.append(s)))
    assert status[0].startswith("200"), (path, status)
    return body

results = {}
for name, path in (("page", "/petitions/end-the-pars-contract"),
                   ("json", "/petitions/end-the-pars-contract.json"),
                   ("count", "/petitions/end-the-pars-contract/count.json")):
    for _ in range(30):
        call(path)
    samples = []
    for _ in range(300):
        started = time.process_time()  # this process's CPU: blind to other tenants' load
        call(path)
        samples.append(time.process_time() - started)
    results[name] = samples
print(json.dumps(results))
"""


def measure(url: str) -> dict[str, float]:
    import subprocess

    result = subprocess.run(
        [PYTHON, "-c", TIMER], env=app_env(url), cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode:
        raise RuntimeError(result.stderr[-3000:])
    output = result.stdout
    return {name: statistics.median(samples) * 1000 for name, samples in json.loads(output).items()}


def run(database: str = "sqlite", rows: int | None = None) -> None:
    rows = rows or int(os.environ.get("BENCH_PAGE_ROWS", 1_000_000))
    header(
        f"Page and count at 10 and at {rows:,} signatures ({database}, median of 300, best of 3)"
    )
    small_url, large_url = build_signatures(database, 10), build_signatures(database, rows)
    # Alternated and taken at their best, so that a noisy moment of the machine does not
    # land on one side only.
    runs = [(measure(small_url), measure(large_url)) for _ in range(3)]
    small = {name: min(run[0][name] for run in runs) for name in runs[0][0]}
    large = {name: min(run[1][name] for run in runs) for name in runs[0][1]}
    for name, label in (
        ("page", "petition page"),
        ("json", "petition JSON"),
        ("count", "count endpoint"),
    ):
        ratio = large[name] / small[name]
        line(
            f"{label}: 10 / {rows:,}",
            f"{small[name]:.2f} / {large[name]:.2f} ms, ratio {ratio:.2f}  "
            f"{verdict(ratio <= 1.2, '<= 1.2')}",
        )
