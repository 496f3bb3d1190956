"""`python -m bench [name ...]`: run the named benchmarks (all by default) on SQLite and, when
PostgreSQL answers, on PostgreSQL."""

import sys

import sqlalchemy as sa

from bench import (
    export,
    letters,
    nginx,
    outbox,
    page,
    signals,
    signing,
    surge,
    throughput,
    updates,
)
from bench.harness import PG_URL

BENCHMARKS = {
    "throughput": throughput.run,
    "signing": signing.run,
    "page": page.run,
    "export": export.run,
    "letters": letters.run,
    "outbox": outbox.run,
    "updates": updates.run,
    "surge": surge.run,
    "signals": signals.run,
    "nginx": nginx.run,
}


def postgresql_answers() -> bool:
    try:
        engine = sa.create_engine(sa.make_url(PG_URL).set(database="postgres"))
        with engine.connect():
            pass
        engine.dispose()
        return True
    except sa.exc.OperationalError:
        return False


def main(names: list[str]) -> None:
    names = names or list(BENCHMARKS)
    databases = ["sqlite"] + (["postgresql"] if postgresql_answers() else [])
    if "postgresql" not in databases:
        print(f"PostgreSQL at {PG_URL} does not answer: SQLite only.")
    for name in names:
        for database in databases:
            BENCHMARKS[name](database)


if __name__ == "__main__":
    main(sys.argv[1:])
