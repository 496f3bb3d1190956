"""What the integrity signals cost a signature: the sign POST before them (the code at the
commit before app/signatures/signals.py came) and with them (the last commit that changed
the signals' own code, signals.py or holds.py), both checked out beside this one and
measured the same way in the same run: the form posted through the WSGI app, each from a
network of its own behind one proxy (PROXY_COUNT=1), timed in the CPU time of its process
(on a shared machine, wall time mostly measures the neighbours). Alternated rounds, each
side's best median; the target is at most 5% more. The code as it is now is measured too,
for information: it carries what came after (request ids and logs, metrics, events), which
is not the signals' cost."""

import json
import statistics
import subprocess
import tempfile
from pathlib import Path

from bench.harness import (
    OUT,
    PYTHON,
    ROOT,
    app_env,
    fresh_sqlite,
    header,
    line,
    postgresql_database,
    verdict,
)

ROUNDS = 5
SIGNATURES = 600
TARGET = 1.05

TIMER = r"""
import json, re, sys, time
import sqlalchemy as sa
from app import create_app
from app.extensions import db
from app.petitions.files import seed_pars

app = create_app({"PROXY_COUNT": 1, "RATELIMIT_ENABLED": False, "CACHE_TYPE": "NullCache"})
with app.app_context():
    db.create_all()
    seed_pars()
    db.session.commit()
client = app.test_client()
page = client.get("/petitions/end-the-pars-contract").get_data(as_text=True)
token = re.search(r'name="form_token"[^>]*value="([^"]+)"', page).group(1)

def sign(number):
    client.environ_base["HTTP_X_FORWARDED_FOR"] = f"81.{number // 250 % 250 + 1}.{number % 250}.7"
    started = time.process_time()
    response = client.post("/petitions/end-the-pars-contract/sign", data={
        "first_name": f"Bench{number}", "last_name": "Signer", "email": f"bench{number}@gmail.com",
        "zip_code": "19107", "reason": "", "name_display": "full", "form_token": token})
    elapsed = time.process_time() - started
    assert response.status_code == 303, response.status_code
    return elapsed

for number in range(100):
    sign(number)
samples = [sign(number) for number in range(100, 100 + int(sys.argv[1]))]
print(json.dumps(samples))
"""


SIGNALS = ("app/signatures/signals.py", "app/signatures/holds.py")


def _git_log(*args: str) -> list[str]:
    return subprocess.run(
        ["git", "log", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()


def before_signals() -> str:
    """The commit just before the signals came."""
    return f"{_git_log('--diff-filter=A', '--format=%H', '--', SIGNALS[0])[-1]}^"


def with_signals() -> str:
    """The last commit that changed the signals' own code."""
    return _git_log("-1", "--format=%H", "--", *SIGNALS)[0]


def _checkout(tree: Path, commit: str) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                   capture_output=True)  # fmt: skip
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(tree), commit],
        cwd=ROOT,
        capture_output=True,
        check=True,
    )
    for catalog in (ROOT / "app" / "translations").glob("*/LC_MESSAGES/messages.mo"):
        subprocess.run(
            [PYTHON, "-m", "babel.messages.frontend", "compile", "-i",
             str(tree / catalog.relative_to(ROOT).with_suffix(".po")),
             "-o", str(tree / catalog.relative_to(ROOT))],
            capture_output=True, check=True,
        )  # fmt: skip


def samples(tree: Path, database: str) -> list[float]:
    """One round on one side, on an empty database of its own."""
    database_url = fresh_sqlite("signals") if database == "sqlite" else postgresql_database()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(TIMER)
    env = app_env(database_url, PYTHONPATH=str(tree))
    result = subprocess.run(
        [PYTHON, script.name, str(SIGNATURES)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    Path(script.name).unlink()
    if result.returncode != 0:
        raise RuntimeError(f"the sign timer failed in {tree}:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(database: str) -> None:
    header(f"integrity signals: the sign POST before and after ({database})")
    OUT.mkdir(parents=True, exist_ok=True)
    trees = {"before": OUT / "before-signals", "with": OUT / "with-signals"}
    _checkout(trees["before"], before_signals())
    _checkout(trees["with"], with_signals())
    trees["now"] = ROOT
    try:
        best = dict.fromkeys(trees, float("inf"))
        for _round in range(ROUNDS):
            for side, tree in trees.items():
                best[side] = min(best[side], statistics.median(samples(tree, database)))
    finally:
        for side in ("before", "with"):
            subprocess.run(["git", "worktree", "remove", "--force", str(trees[side])], cwd=ROOT,
                           capture_output=True)  # fmt: skip
    ratio = best["with"] / best["before"]
    line("sign POST CPU, before the signals", f"{best['before'] * 1000:.2f} ms (best median)")
    line("sign POST CPU, with them", f"{best['with'] * 1000:.2f} ms")
    line("with / before", f"{ratio:.3f} {verdict(ratio <= TARGET, f'at most {TARGET}')}")
    line("sign POST CPU, the code now (information)", f"{best['now'] * 1000:.2f} ms")
