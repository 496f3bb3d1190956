"""`python -m bench surge` in miniature: 20 signatures a second for 2 seconds through gunicorn,
two `flask outbox send` processes on the same SQLite database, a real SMTP server. Every
answered signature is stored, every email arrives once (two sender processes share the
outbox; tests/test_outbox.py has the same with threads, tests/test_scale_out.py on
PostgreSQL), and the report's figures are there and sane."""

import math

import pytest

from bench import surge
from bench.harness import prepare_database


@pytest.mark.slow
@pytest.mark.real_clock
def test_a_small_surge_reports_sane_figures(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCH_WORKERS", "2")
    url = f"sqlite:///{tmp_path / 'surge.sqlite3'}"
    prepare_database(url)

    result = surge.surge(
        url, "sqlite", rate=20, seconds=2, senders=2, drain=30, in_flight=64, confirm_every=3
    )

    assert result["offered"] == 40
    assert result["errors"] == {}
    assert result["answered"] == result["stored"] == 40
    assert result["emails_arrived"] == 40
    assert result["duplicates"] == 0
    for figure in ("p50", "p95", "max", "after_answer_p95"):
        assert math.isfinite(result[figure]) and 0 < result[figure] < 30, figure
    assert result["p50"] <= result["p95"] <= result["max"]
    assert 0 < result["sender_cpu_ms_per_email"] < 1000
    assert 0 < result["web_cpu_ms_per_signature"] < 1000
    # The count is kept in the confirming transaction: no poll misses a confirmation that
    # had been answered before it was sent.
    staleness = result["staleness"]
    assert staleness["polls"] > 0
    assert staleness["stale_polls"] == staleness["max_missing"] == 0
    assert result["confirmed"] > 0 and result["confirm_errors"] == 0
    assert result["sender_log"] is None


def test_staleness_counts_confirmations_a_poll_does_not_show():
    confirms = [10.0, 11.0, 12.0]
    polls = [(9.5, 0), (10.5, 1), (11.5, 1), (12.5, 2), (13.0, 3)]
    figures = surge.staleness(confirms, polls)
    assert figures["polls"] == 5
    assert figures["stale_polls"] == 2  # at 11.5 (one missing, 0.5 s old), at 12.5 (one, 0.5 s)
    assert figures["max_missing"] == 1
    assert figures["max_age"] == pytest.approx(0.5)
    assert figures["last_shown"] == 3
