"""Real snsbot processes for the reliability tests: `snsbot run` and `snsbot worker` against fakes.

Also the three platform fakes with one set of credentials, as environment variables (for
subprocesses) and as Settings (for an in-process app), so every test configures the real
publishers the same way; and an in-process app that a whole test module can share.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import requests
from conftest import CHIEF, OPERATOR, OPERATOR2, SECRET, TOKEN
from fakes import graph_api, wordpress
from fakes.graph_api import FakeGraph
from fakes.slack_api import FakeSlack
from fakes.wordpress import FakeWordPress
from fakes.x_api import FakeX

from bot.config import Settings

_shared_counter = itertools.count()

X_KEYS = {
    "X_API_KEY": "rel-consumer-key-7f3a",
    "X_API_SECRET": "rel-consumer-secret-91bc",
    "X_ACCESS_TOKEN": "4242-rel-access-token-d00d",
    "X_ACCESS_TOKEN_SECRET": "rel-access-secret-beef",
    "X_USERNAME": "wakokyodo",
}


@dataclass
class Platforms:
    """The three platform fakes, configured for the same credentials."""

    x: FakeX
    graph: FakeGraph
    blog: FakeWordPress

    def env(self) -> dict[str, str]:
        """Environment variables that make a snsbot process post to these fakes for real."""
        return {
            **X_KEYS,
            "X_API_URL": self.x.url,
            "FACEBOOK_PAGE_ID": graph_api.PAGE_ID,
            "FACEBOOK_PAGE_TOKEN": graph_api.PAGE_TOKEN,
            "FACEBOOK_GRAPH_URL": self.graph.base_url,
            "BLOG_KIND": "wordpress",
            "WORDPRESS_URL": self.blog.root_url,
            "WORDPRESS_USER": wordpress.USER,
            "WORDPRESS_APP_PASSWORD": wordpress.APP_PASSWORD,
        }

    def settings(self, settings: Settings) -> Settings:
        """`settings` with the same real publishers configured, for an in-process app."""
        return replace(
            settings,
            x_api_key=X_KEYS["X_API_KEY"],
            x_api_secret=X_KEYS["X_API_SECRET"],
            x_access_token=X_KEYS["X_ACCESS_TOKEN"],
            x_access_token_secret=X_KEYS["X_ACCESS_TOKEN_SECRET"],
            x_username=X_KEYS["X_USERNAME"],
            x_api_url=self.x.url,
            facebook_page_id=graph_api.PAGE_ID,
            facebook_page_token=graph_api.PAGE_TOKEN,
            facebook_graph_url=self.graph.base_url,
            blog_kind="wordpress",
            wordpress_url=self.blog.root_url,
            wordpress_user=wordpress.USER,
            wordpress_app_password=wordpress.APP_PASSWORD,
        )

    def tweet_posts(self) -> list:
        return [c for c in self.x.calls("tweets") if c.method == "POST"]


@contextlib.contextmanager
def platform_fakes() -> Iterator[Platforms]:
    with (
        FakeX(
            X_KEYS["X_API_KEY"],
            X_KEYS["X_ACCESS_TOKEN"],
            consumer_secret=X_KEYS["X_API_SECRET"],
            access_token_secret=X_KEYS["X_ACCESS_TOKEN_SECRET"],
        ) as x,
        FakeGraph() as graph,
        FakeWordPress() as blog,
    ):
        yield Platforms(x, graph, blog)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def snsbot_env(database_url: str, fake_slack: FakeSlack, **extra: str) -> dict[str, str]:
    """A clean environment for a snsbot process: this test's database, fake Slack and roster."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "SNSBOT_", "X_", "FACEBOOK_", "WORDPRESS_", "BLOG_"))
        and k not in ("DATABASE_URL", "ATOMPUB_ENDPOINT", "ATOMPUB_USER", "ATOMPUB_API_KEY")
    }
    env.update(
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake_slack.base_url,
        DATABASE_URL=database_url,
        SNSBOT_CHIEF=CHIEF,
        SNSBOT_OPERATORS=f"{OPERATOR},{OPERATOR2}",
        SNSBOT_REMINDER_TIME="off",
    )
    env.update(extra)
    return env


def snsbot(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot", *args]


class Processes:
    """Starts snsbot processes with their output in files, and always kills them at the end."""

    def __init__(self, cwd: Path):
        self.cwd = cwd
        self.started: list[tuple[subprocess.Popen, Path]] = []

    def start(self, name: str, env: dict[str, str], *args: str) -> subprocess.Popen:
        log = self.cwd / f"{name}.log"
        with log.open("ab") as out:
            process = subprocess.Popen(
                snsbot(*args), cwd=self.cwd, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        self.started.append((process, log))
        return process

    def bot(self, name: str, env: dict[str, str], port: int) -> subprocess.Popen:
        """`snsbot run --http --port N --no-worker` (see `wait_healthy`)."""
        return self.start(name, env, "run", "--http", "--port", str(port), "--no-worker")

    def wait_healthy(self, process: subprocess.Popen, port: int) -> None:
        """Until `process` serves /healthz on `port`; fails with its output if it exits."""
        wait_until(
            lambda: process.poll() is not None or healthy(port),
            timeout=60,
            what=f"the bot on port {port} to serve /healthz",
        )
        assert process.poll() is None, self.output(process)

    def worker(self, name: str, env: dict[str, str]) -> subprocess.Popen:
        return self.start(name, env, "worker")

    def output(self, process: subprocess.Popen) -> str:
        for started, log in self.started:
            if started is process:
                return log.read_text(errors="replace")
        return ""

    def all_output(self) -> str:
        return "\n".join(log.read_text(errors="replace") for _, log in self.started)

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """kill -9, as a power cut or the OOM killer would."""
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process, _ in self.started:
            if process.poll() is None:
                process.terminate()
        for process, _ in self.started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill(process)


@contextlib.contextmanager
def processes(cwd: Path) -> Iterator[Processes]:
    running = Processes(cwd)
    try:
        yield running
    finally:
        running.stop_all()


def healthy(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
    except requests.RequestException:
        return False


def wait_until(
    predicate: Callable[[], object], timeout: float = 30.0, what: str = "condition"
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


@contextlib.contextmanager
def shared_app(kind: str, tmp_dir: Path, pg_template: str | None, **overrides) -> Iterator:
    """A running in-process snsbot on a fresh database, for a whole module's tests to share.

    `kind` is "sqlite" or "postgresql" (skipped without SNSBOT_TEST_POSTGRES_URL, as in
    conftest). Cheaper than an app per test where the tests do not disturb each other.
    """
    import psycopg
    import pytest
    from conftest import PG_URL, _pg_admin_dsn, running_app
    from sqlalchemy.engine import make_url

    from bot import db

    if kind == "sqlite":
        url = f"sqlite:///{tmp_dir / 'shared.db'}"
        db.upgrade(db.make_engine(url))
        name = None
    else:
        if not PG_URL:
            if os.environ.get("CI"):
                pytest.fail("SNSBOT_TEST_POSTGRES_URL is not set: .ci/run starts PostgreSQL for CI")
            pytest.skip("PostgreSQL tests need SNSBOT_TEST_POSTGRES_URL (bash .ci/run sets it)")
        name = f"snsbot_m{os.getpid()}_{next(_shared_counter)}"
        with psycopg.connect(_pg_admin_dsn(PG_URL), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {pg_template}")
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        with FakeSlack(token=TOKEN) as fake:
            settings = Settings(
                slack_bot_token=TOKEN,
                slack_signing_secret=SECRET,
                slack_api_url=fake.base_url,
                database_url=url,
                chief=CHIEF,
                operators=(OPERATOR, OPERATOR2),
                **overrides,
            )
            with running_app(settings, fake) as app:
                yield app
    finally:
        if name is not None:
            with psycopg.connect(_pg_admin_dsn(PG_URL), autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
