"""Shared helpers for the benchmarks: paths, machine facts, statistics, tables, ports, databases."""

from __future__ import annotations

import gc
import itertools
import os
import platform
import shutil
import socket
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
for _path in (str(REPO), str(TESTS)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

# The identities the tests use too (tests/conftest.py).
TOKEN = "xoxb-test-token"
SECRET = "test-signing-secret"
CHIEF = "UCHIEF01"
OPERATORS = ("UOPER001", "UOPER002")

PG_URL = os.environ.get("SNSBOT_TEST_POSTGRES_URL", "")
_names = itertools.count()


def snsbot_command() -> list[str]:
    """The installed `snsbot` console script next to this Python, else `python -m bot`."""
    script = Path(sys.executable).parent / "snsbot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


_SETTING_PREFIXES = ("SLACK_", "SNSBOT_", "X_", "FACEBOOK_", "BLOG_", "WORDPRESS_", "ATOMPUB_")


def child_env(**settings: str) -> dict[str, str]:
    """The environment for a snsbot subprocess: no inherited settings, this tree's code first."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(_SETTING_PREFIXES) and key != "DATABASE_URL"
    }
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    env.update(settings)
    return env


def machine() -> str:
    """One line: CPUs, memory, Python, architecture and the load when the run started."""
    mem_kib = 0
    try:
        with open("/proc/meminfo") as meminfo:
            mem_kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration, ValueError):
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"nproc {os.cpu_count()}, memory {mem_kib / 1024 / 1024:.1f} GiB, "
        f"Python {platform.python_version()}, {platform.machine()}, load average {load}"
    )


@contextmanager
def measuring() -> Iterator[None]:
    """While a phase is measured, no garbage-collection pause in the measuring process.

    The clients and the fakes live in this process: a full collection (50-90 ms once the fakes
    hold thousands of recorded calls) stops every client thread and fake at once, and whatever
    requests were in flight took that long, whichever app served them.
    """
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); NaN when there are no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-p * len(ordered) // 100))))
    return ordered[rank - 1]


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table, columns padded so it also reads well in a terminal."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            sock.settimeout(0.2)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout:.0f} s")


# -- databases ---------------------------------------------------------------------------------


def _pg_admin(url: str):
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(dsn, autocommit=True)


def pg_url_for(name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def pg_create(template: str | None = None) -> str:
    """A new PostgreSQL database on SNSBOT_TEST_POSTGRES_URL's server; returns its name."""
    if not PG_URL:
        raise SystemExit("PostgreSQL runs need SNSBOT_TEST_POSTGRES_URL (see docs/testing.md)")
    name = f"snsbot_bench_{os.getpid()}_{next(_names)}"
    with _pg_admin(PG_URL) as conn:
        conn.execute(f"CREATE DATABASE {name}" + (f" TEMPLATE {template}" if template else ""))
    return name


def pg_drop(name: str) -> None:
    with _pg_admin(PG_URL) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@contextmanager
def database(backend: str, workdir: Path, template: str | None = None) -> Iterator[str]:
    """A database URL for one run: a copy of a SQLite file, or a copy of a PostgreSQL template.

    `template` is a SQLite file path or a PostgreSQL database name; None means empty.
    """
    if backend == "sqlite":
        path = workdir / f"run{next(_names)}.db"
        if template:
            shutil.copyfile(template, path)
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = pg_create(template)
    try:
        yield pg_url_for(name)
    finally:
        pg_drop(name)
