"""The benchmark scripts still run: each, at a tiny size, exits 0 and prints its figures.

They measure and never assert a timing; this only keeps them working as the code changes
(a refactor of the fakes once broke `bench/fanout.py` unnoticed). SQLite only: their
PostgreSQL runs differ only in the database URL.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

RUNS = {
    "ack_latency": ["--requests", "4", "--levels", "1,2", "--warmup", "2"],
    "fanout": ["--drafts", "1", "--bursts", "2", "--delay", "0.05"],
    "dispatcher_throughput": ["--count", "30", "--workers", "1,2", "--backends", "sqlite"],
    "growth": ["--sizes", "20,40", "--repeat", "1"],
    "teams_latency": ["--requests", "3"],
}
PRINTS = {
    "ack_latency": "p99 ratio snsbot/bare at 2 clients",
    "fanout": "drafts",
    "dispatcher_throughput": "exactly once",
    "growth": "App Home",
    "teams_latency": "approve",
}


@pytest.mark.parametrize("script", sorted(RUNS))
def test_benchmark_script_runs_at_a_tiny_size(script, tmp_path):
    if script == "teams_latency":
        pytest.importorskip("microsoft_agents.hosting.aiohttp")
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{script}.py"), *RUNS[script]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert PRINTS[script] in done.stdout, done.stdout[-3000:]
    assert "Traceback" not in done.stderr
