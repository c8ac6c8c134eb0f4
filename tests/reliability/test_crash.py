"""Exactly once across a crash: kill -9 a worker mid-publish, restart, and count the posts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import CHIEF, OPERATOR, TOKEN
from fakes.x_api import TWEETS, USERS_ME, FakeX
from sqlalchemy import select

from bot import db
from bot.approval import workflow
from bot.approval.drafts import DraftInput
from bot.models import Publication
from bot.services import utc_now

LEASE = 2
KEYS = {
    "X_API_KEY": "crash-consumer-key",
    "X_API_SECRET": "crash-consumer-secret",
    "X_ACCESS_TOKEN": "1234-crash-access-token",
    "X_ACCESS_TOKEN_SECRET": "crash-access-secret",
    "X_USERNAME": "wakokyodo",
}


@pytest.fixture
def fake_x():
    with FakeX(
        KEYS["X_API_KEY"],
        KEYS["X_ACCESS_TOKEN"],
        consumer_secret=KEYS["X_API_SECRET"],
        access_token_secret=KEYS["X_ACCESS_TOKEN_SECRET"],
    ) as fake:
        yield fake


def worker_env(database_url, fake_slack, fake_x) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "SNSBOT_", "X_"))}
    return {
        **env,
        **KEYS,
        "X_API_URL": fake_x.url,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_API_URL": fake_slack.base_url,
        "DATABASE_URL": database_url,
        "SNSBOT_CHIEF": CHIEF,
        "SNSBOT_OPERATORS": OPERATOR,
        "SNSBOT_PUBLISH_LEASE_SECONDS": str(LEASE),
    }


def approve_one(database_url) -> None:
    factory = db.make_session_factory(db.make_engine(database_url))
    with factory.begin() as session:
        draft = workflow.submit(
            session,
            author_id=OPERATOR,
            content=DraftInput(body="クラッシュ試験のお知らせ", channels=("x",)),
            now=utc_now(),
        )
    with factory.begin() as session:
        workflow.decide(session, draft_id=draft.id, actor=CHIEF, approve=True, now=utc_now())


def publication_status(database_url) -> str:
    factory = db.make_session_factory(db.make_engine(database_url))
    with factory() as session:
        return session.execute(select(Publication.status)).scalar_one()


def wait_until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


@pytest.mark.parametrize("crash_point", ["after_the_platform_posted", "before_the_post_was_sent"])
def test_kill_9_mid_publish_then_restart_posts_exactly_once(
    tmp_path, database_url, fake_slack, fake_x, crash_point
):
    env = worker_env(database_url, fake_slack, fake_x)
    subprocess.run(
        [sys.executable, "-m", "bot", "roles", "list"], cwd=tmp_path, env=env, check=True,
        capture_output=True, timeout=60,
    )  # fmt: skip
    approve_one(database_url)
    if crash_point == "after_the_platform_posted":
        fake_x.delay(TWEETS, 60)  # X keeps the tweet, but its answer never arrives in time
        crashed = lambda: len(fake_x.tweets()) == 1  # noqa: E731
    else:
        fake_x.delay(USERS_ME, 60)  # still checking the account when it dies
        crashed = lambda: publication_status(database_url) == "sending"  # noqa: E731
    worker = subprocess.Popen(
        [sys.executable, "-m", "bot", "worker"], cwd=tmp_path, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until(crashed)
    finally:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    assert publication_status(database_url) == "sending"
    fake_x.delay(TWEETS, 0)
    fake_x.delay(USERS_ME, 0)

    time.sleep(LEASE + 0.5)  # the dead worker's claim expires
    result = subprocess.run(
        [sys.executable, "-m", "bot", "worker", "--once", "--timeout", "60"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert publication_status(database_url) == "published"
    assert len(fake_x.tweets()) == 1
    assert len([c for c in fake_x.calls(TWEETS) if c.method == "POST"]) == 1
    results = [
        c
        for c in fake_slack.calls("chat.postMessage")
        if c.params.get("channel") == OPERATOR and "投稿結果" in c.params.get("text", "")
    ]
    assert len(results) == 1 and "https://x.com/wakokyodo/status/" in results[0].params["text"]
    for secret in KEYS.values():
        if secret != "wakokyodo":
            assert secret not in result.stderr
