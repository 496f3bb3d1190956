"""Export of many signatures: our streamed CSV (`flask signatures export`) against the
database's own CSV dump of the same columns (`sqlite3 -csv`, or PostgreSQL `COPY`)."""

import os
import shutil
import subprocess

from bench.harness import (
    OUT,
    app_env,
    check,
    flask,
    fresh_sqlite,
    header,
    line,
    postgresql_database,
    prepare_database,
    run_measured,
    verdict,
)

SLUG = "end-the-pars-contract"
COLUMNS = (
    "status, channel, first_name, last_name, name_display, email, zip_code, is_resident, "
    "reason, source, created_at, confirmed_at"
)
QUERY = (
    f"SELECT {COLUMNS} FROM signature WHERE petition_id = 1 AND status = 'confirmed' ORDER BY id"
)


def build(database: str, rows: int) -> str:
    """A database with `rows` confirmed signatures, kept between runs (one per size)."""
    if database == "sqlite":
        cached = OUT / f"export-{rows}.sqlite3"
        url = f"sqlite:///{cached}"
        if cached.exists():
            check(flask("db", "upgrade"), app_env(url))  # a cache made by older code
            return url
        url = fresh_sqlite(f"export-{rows}")
    else:
        url = postgresql_database(f"petitions_bench_{rows}", empty=False)
        if _signatures_in(url) >= rows:
            check(flask("db", "upgrade"), app_env(url))
            return url
        url = postgresql_database(f"petitions_bench_{rows}")
    prepare_database(url)
    check(flask("signatures", "fake", SLUG, "--count", str(rows)), app_env(url))
    return url


def _signatures_in(url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql("SELECT count(*) FROM signature").scalar()
    except sa.exc.ProgrammingError:
        return 0
    finally:
        engine.dispose()


def floor_command(database: str, url: str, output: str) -> str:
    if database == "sqlite":
        path = url.removeprefix("sqlite:///")
        return f'sqlite3 -csv -header {path} "{QUERY}" > {output}'
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    return f"psql '{plain}' -c \"\\copy ({QUERY}) TO STDOUT CSV HEADER\" > {output}"


def run(database: str = "sqlite", rows: int | None = None) -> None:
    rows = rows or int(os.environ.get("BENCH_EXPORT_ROWS", 1_000_000))
    header(f"Export of {rows:,} confirmed signatures ({database})")
    if database == "sqlite" and not shutil.which("sqlite3"):
        line("skipped", "the sqlite3 command is not installed")
        return
    url = build(database, rows)
    ours_file, floor_file = OUT / "export-ours.csv", OUT / "export-floor.csv"
    with open(ours_file, "wb"):
        pass
    ours = run_measured(
        flask("signatures", "export", SLUG, "--output", str(ours_file)), env=app_env(url)
    )
    floor = run_measured(floor_command(database, url, str(floor_file)), shell=True)
    lines = int(
        subprocess.run(["wc", "-l", str(ours_file)], capture_output=True, text=True).stdout.split()[
            0
        ]
    )
    line("rows written (ours, with header)", f"{lines:,}")
    line("ours: time / peak memory", f"{ours.seconds:.2f} s / {ours.peak_mb:.0f} MB")
    line(
        "floor (database's own CSV): time / memory",
        f"{floor.seconds:.2f} s / {floor.peak_mb:.0f} MB",
    )
    ratio = ours.seconds / floor.seconds
    line("time ratio ours / floor", f"{ratio:.2f}  {verdict(ratio <= 3, '<= 3')}")
    line("peak memory", verdict(ours.peak_mb < 200, "< 200 MB"))
    ours_file.unlink(missing_ok=True)
    floor_file.unlink(missing_ok=True)
