"""The floor for the signing benchmarks: the least a Flask app can do for the same visits.
GET answers a page with a token (with FLOOR_PAGE_FILE set, that file's bytes: our page's, so
both send the same bytes); POST inserts one row and commits, on the same database, under
the same server settings. `gunicorn 'bench.floor_app:create_app()'`."""

import os
import secrets
import sqlite3

from flask import Flask, redirect, request

PAGE = '<form method="post"><input name="csrf_token" type="hidden" value="{token}"></form>'


def _connect(url: str):
    if url.startswith("sqlite:///"):
        connection = sqlite3.connect(
            url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA busy_timeout=15000")
        return connection, "?"
    import psycopg

    return psycopg.connect(
        url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ), "%s"


def create_app() -> Flask:
    app = Flask(__name__)
    connection, mark = _connect(os.environ["DATABASE_URL"])
    create = (
        "CREATE TABLE IF NOT EXISTS floor_signature (id INTEGER PRIMARY KEY, "
        "email TEXT, first_name TEXT, last_name TEXT, zip_code TEXT)"
        if mark == "?"
        else "CREATE TABLE IF NOT EXISTS floor_signature (id SERIAL PRIMARY KEY, "
        "email TEXT, first_name TEXT, last_name TEXT, zip_code TEXT)"
    )
    try:
        connection.execute(create)
    except Exception:  # noqa: BLE001  another worker starting at the same moment made it
        connection.execute("SELECT 1 FROM floor_signature LIMIT 1")
    insert = (
        f"INSERT INTO floor_signature (email, first_name, last_name, zip_code) "
        f"VALUES ({mark}, {mark}, {mark}, {mark})"
    )

    page_file = os.environ.get("FLOOR_PAGE_FILE")
    same_bytes = open(page_file, "rb").read() if page_file else None  # noqa: SIM115

    @app.get("/petitions/<slug>")
    def page(slug):
        if same_bytes is not None:
            return same_bytes, 200, {"Content-Type": "text/html; charset=utf-8"}
        return PAGE.format(token=secrets.token_hex(16))

    @app.post("/petitions/<slug>/sign")
    def sign(slug):
        form = request.form
        connection.execute(
            insert, (form["email"], form["first_name"], form["last_name"], form["zip_code"])
        )
        return redirect(f"/petitions/{slug}/thanks", 303)

    @app.get("/petitions/<slug>/count.json")
    def count(slug):
        return {"signature_count": 0}

    return app
