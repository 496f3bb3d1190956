"""Long commands show a progress bar on standard error when it is a terminal, and print
nothing more when it is not (piped, redirected, or the test runner)."""

import os
import pty
import select
import subprocess

import pytest

from tests.live_server import flask_command, server_env

COUNT = 12_000


@pytest.fixture
def env(database_url):
    return server_env(database_url)


def run_on_a_terminal(env: dict, *args: str, timeout: float = 120) -> tuple[str, str, int]:
    """Run a command with standard error on a pseudo-terminal (as in a shell) and standard
    output piped; returns what each received and the exit code."""
    leader, follower = pty.openpty()
    process = flask_command(env, *args, stdout=subprocess.PIPE, stderr=follower)
    os.close(follower)
    screen = b""
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], timeout)
            if not ready:
                raise TimeoutError(f"no output for {timeout} s: {screen!r}")
            try:
                data = os.read(leader, 4096)
            except OSError:  # the command closed the terminal: it has ended
                break
            if not data:
                break
            screen += data
        stdout = process.stdout.read().decode()
        code = process.wait(timeout=timeout)
    finally:
        os.close(leader)
        process.stdout.close()
    return stdout, screen.decode(errors="replace"), code


def run_piped(env: dict, *args: str) -> subprocess.CompletedProcess:
    process = flask_command(env, *args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    stdout, stderr = process.communicate(timeout=120)
    return subprocess.CompletedProcess(args, process.returncode, stdout.decode(), stderr.decode())


def test_fake_shows_a_bar_on_a_terminal_and_nothing_more_when_piped(app, runner, env, slug):
    quiet = runner.invoke(args=["signatures", "fake", slug, "--count", "10"])
    assert quiet.exit_code == 0
    assert quiet.output == f"{slug}: 10 fake signatures added\n"
    assert quiet.stderr == ""

    stdout, screen, code = run_on_a_terminal(env, "signatures", "fake", slug, "--count", str(COUNT))
    assert code == 0, screen
    assert stdout == f"{slug}: {COUNT:,} fake signatures added\n"
    assert "Adding fake signatures" in screen and "[" in screen
    assert "100%" in screen and "0%" in screen

    piped = run_piped(env, "signatures", "fake", slug, "--count", "10", "--force")
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout == f"{slug}: 10 fake signatures added\n" and piped.stderr == ""


def test_export_shows_a_bar_on_a_terminal_and_writes_the_same_file(
    app, runner, env, slug, tmp_path
):
    from app.petitions.queries import petition_by_slug
    from app.signatures.fake import add_fake_signatures

    with app.app_context():
        add_fake_signatures(petition_by_slug(slug), COUNT)
    quiet = runner.invoke(args=["signatures", "export", slug])
    assert quiet.exit_code == 0 and quiet.stderr == ""
    assert quiet.stdout.startswith("\ufeffstatus,") and quiet.stdout.count("\n") == COUNT + 1

    target = tmp_path / "export.csv"
    stdout, screen, code = run_on_a_terminal(
        env, "signatures", "export", slug, "--output", str(target)
    )
    assert code == 0, screen
    assert stdout == ""
    assert "Exporting" in screen and "100%" in screen and f"Wrote {target}" in screen
    assert target.read_text(encoding="utf-8") == quiet.stdout

    piped = run_piped(env, "signatures", "export", slug)
    assert piped.returncode == 0 and piped.stderr == ""
    assert piped.stdout == quiet.stdout


def test_letters_build_shows_a_bar_on_a_terminal_only(app, runner, env, slug, tmp_path):
    # Made by a command too, on the same clock as the commands below (not the tests' clock).
    assert run_piped(env, "signatures", "fake", slug, "--count", "5000").returncode == 0
    quiet = runner.invoke(args=["letters", "build", slug, "--output", str(tmp_path / "quiet")])
    assert quiet.exit_code == 0 and quiet.stderr == ""
    lines = quiet.output.splitlines()
    assert len(lines) == 4 and all(".pdf: " in line for line in lines[:3])
    assert lines[3].endswith(": the named signers, for officials who ask for data")

    stdout, screen, code = run_on_a_terminal(
        env, "letters", "build", slug, "--output", str(tmp_path / "shown")
    )
    assert code == 0, screen
    assert "Building the letters" in screen and "100%" in screen
    # Standard output says the same (the day in the file names aside: the tests' clock).
    shown = stdout.splitlines()
    assert len(shown) == 4 and "\x1b" not in stdout and "%" not in stdout
    assert all(".pdf: " in line and "5,000 signatures" in line for line in shown[:3])
    assert shown[3].endswith(": the named signers, for officials who ask for data")
