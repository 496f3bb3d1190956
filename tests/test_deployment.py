"""gunicorn as deployed: its config file, and the warning about per-process rate limits."""

import subprocess
import sys
import time

import pytest

from config import per_process_limits_warning
from tests.live_server import ROOT, free_port


def test_the_warning_is_for_production_with_several_workers_counting_in_memory():
    warn = per_process_limits_warning
    assert "each worker counts on its own" in warn(
        app_env="production", storage_uri="memory://", workers=4
    )
    assert warn(app_env="production", storage_uri="memory://", workers=1) is None
    assert warn(app_env="production", storage_uri="redis://127.0.0.1:6379", workers=4) is None
    assert warn(app_env="development", storage_uri="memory://", workers=4) is None


def _gunicorn_log(tmp_path, storage_uri: str, workers: int) -> str:
    env = {
        "PATH": "/usr/bin:/bin",
        "APP_ENV": "production",
        "SECRET_KEY": "deployment-test-secret-key-0123456789",
        "BASE_URL": "https://petitions.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "RATELIMIT_STORAGE_URI": storage_uri,
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{free_port()}",
            "--workers",
            str(workers),
        ],
        env=env,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        lines = []
        while time.monotonic() < deadline:
            line = process.stderr.readline()
            lines.append(line)
            if "Booting worker" in line:  # when_ready has run before the first worker boots
                break
        return "".join(lines)
    finally:
        process.terminate()
        process.communicate(timeout=20)


@pytest.mark.real_clock
def test_gunicorn_warns_at_start_when_each_worker_would_count_alone(tmp_path):
    log = _gunicorn_log(tmp_path, "memory://", workers=2)
    assert "Using worker: gthread" in log  # our gunicorn.conf.py was read
    assert "each worker counts on its own" in log


@pytest.mark.real_clock
def test_gunicorn_does_not_warn_with_one_worker(tmp_path):
    log = _gunicorn_log(tmp_path, "memory://", workers=1)
    assert "Booting worker" in log
    assert "each worker counts on its own" not in log
