"""Crash recovery in seconds: kill -9 a worker mid-publish, with the default 300 s lease still
set; a restarted worker, or one already running beside it, takes over within 30 s, once."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from conftest import OPERATOR
from fakes.x_api import TWEETS, USERS_ME
from processes import processes, wait_until
from sqlalchemy import select
from test_crash import approve_one, fake_x, publication_status, worker_env  # noqa: F401

from bot import db
from bot.models import Publication, Worker

TAKEOVER_SECONDS = 30  # the promise: within this long of the restart (or the kill)


def env_with_default_lease(database_url, fake_slack, fake_x) -> dict:  # noqa: F811
    env = worker_env(database_url, fake_slack, fake_x)
    env["SNSBOT_PUBLISH_LEASE_SECONDS"] = "300"  # the default: a dead worker is not waited for
    env.pop("SNSBOT_HEARTBEAT_TIMEOUT_SECONDS", None)  # the default, 20 s
    return env


def seed_and_approve(tmp_path, env, database_url) -> None:
    subprocess.run(
        [sys.executable, "-m", "bot", "roles", "list"], cwd=tmp_path, env=env, check=True,
        capture_output=True, timeout=60,
    )  # fmt: skip
    approve_one(database_url)


def holder(database_url) -> tuple[str | None, int | None]:
    """The worker holding the publication, and its process id (None when its row is gone)."""
    factory = db.make_session_factory(db.make_engine(database_url))
    with factory() as session:
        claimed_by = session.execute(select(Publication.claimed_by)).scalar_one()
        pid = session.execute(select(Worker.pid).where(Worker.id == claimed_by)).scalar()
    return claimed_by, pid


def running_workers(database_url) -> set[int]:
    factory = db.make_session_factory(db.make_engine(database_url))
    with factory() as session:
        return set(session.execute(select(Worker.pid)).scalars())


def results_told(fake_slack) -> list:
    return [
        c
        for c in fake_slack.calls("chat.postMessage")
        if c.params.get("channel") == OPERATOR and "投稿結果" in c.params.get("text", "")
    ]


def assert_posted_once(database_url, fake_x, fake_slack) -> None:  # noqa: F811
    assert publication_status(database_url) == "published"
    assert len(fake_x.tweets()) == 1
    assert len([c for c in fake_x.calls(TWEETS) if c.method == "POST"]) == 1
    wait_until(lambda: results_told(fake_slack), what="the author's result DM")
    time.sleep(1)  # a second DM, were one owed, would come now
    told = results_told(fake_slack)
    assert len(told) == 1 and "https://x.com/wakokyodo/status/" in told[0].params["text"]


@pytest.mark.parametrize("crash_point", ["after_the_platform_posted", "before_the_post_was_sent"])
def test_kill_9_mid_publish_then_restart_publishes_within_30_seconds_exactly_once(
    tmp_path,
    database_url,
    fake_slack,
    fake_x,  # noqa: F811
    crash_point,
):
    env = env_with_default_lease(database_url, fake_slack, fake_x)
    seed_and_approve(tmp_path, env, database_url)
    if crash_point == "after_the_platform_posted":
        fake_x.delay(TWEETS, 60)  # X keeps the tweet, but its answer never arrives in time
        crashed = lambda: len(fake_x.tweets()) == 1  # noqa: E731
    else:
        fake_x.delay(USERS_ME, 60)  # still checking the account when it dies
        crashed = lambda: publication_status(database_url) == "sending"  # noqa: E731
    with processes(tmp_path) as running:
        first = running.worker("first", env)
        wait_until(crashed, timeout=60, what="the worker to be mid-publish")
        assert holder(database_url)[1] == first.pid
        running.kill(first)
        assert publication_status(database_url) == "sending"
        fake_x.delay(TWEETS, 0)
        fake_x.delay(USERS_ME, 0)

        running.worker("restarted", env)
        wait_until(
            lambda: publication_status(database_url) == "published",
            timeout=TAKEOVER_SECONDS,
            what="the restarted worker to take the publication over",
        )
        assert_posted_once(database_url, fake_x, fake_slack)


def test_with_two_workers_the_survivor_takes_over_from_the_killed_one_exactly_once(
    tmp_path,
    database_url,
    fake_slack,
    fake_x,  # noqa: F811
):
    env = env_with_default_lease(database_url, fake_slack, fake_x)
    seed_and_approve(tmp_path, env, database_url)
    fake_x.delay(TWEETS, 60)  # X keeps the tweet, but its answer never arrives in time
    with processes(tmp_path) as running:
        first = running.worker("first", env)
        wait_until(lambda: len(fake_x.tweets()) == 1, timeout=60, what="the first to post")
        second = running.worker("second", env)
        wait_until(
            lambda: second.pid in running_workers(database_url),
            timeout=60,
            what="the second worker to beat",
        )
        assert holder(database_url)[1] == first.pid  # alive: the second leaves it alone
        running.kill(first)
        fake_x.delay(TWEETS, 0)

        wait_until(
            lambda: publication_status(database_url) == "published",
            timeout=TAKEOVER_SECONDS,
            what="the second worker to take the publication over",
        )
        assert holder(database_url)[1] == second.pid
        assert_posted_once(database_url, fake_x, fake_slack)
