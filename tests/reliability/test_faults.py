"""Faults: platform errors seen on the card and in the DM, Slack Web API errors, the database down.

Platform faults go through the full signed flow with the real publishers against the X, Graph
and WordPress fakes. A temporary fault shows ⏳ with the reason and the retry time on the card
and is retried (the dispatcher's clock is moved past the retry time); a permanent one shows ❌
with the Japanese explanation, on the card and in the author's one results DM.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from conftest import CHIEF, OPERATOR, PG_URL, _pg_admin_dsn, running_app
from drafting import card_button, click, draft_values
from fakes import graph_api, wordpress
from fakes.x_api import TWEETS, rate_limit_headers
from platforms import expected_slug
from processes import free_port, platform_fakes, snsbot, snsbot_env, wait_until
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot import register
from bot.features.identity import check_accounts
from bot.messages import Messages
from bot.models import Decision, Draft, Notice, Publication, RegisterEntry, Revision
from bot.networks import build_publishers, facebook_config, wordpress_config, x_config
from bot.services import utc_now
from publishers.facebook import FacebookPublisher
from publishers.guard import IdentityGuard
from publishers.wordpress import WordPressPublisher
from publishers.x import XPublisher

MSG = Messages("ja")
NAMES = {"x": MSG("channel.x"), "facebook": MSG("channel.facebook"), "blog": MSG("channel.blog")}


def text_of(call) -> str:
    blocks = call.params.get("blocks") or call.params.get("view", {}).get("blocks") or []
    return json.dumps(blocks, ensure_ascii=False) + call.params.get("text", "")


def count(app, model, *where) -> int:
    with app.services.session_factory() as session:
        return session.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def times_between(start: datetime, end: datetime) -> set[str]:
    """Every minute, as the card writes it, that a retry time computed in [start, end] can show."""
    shown, moment = set(), start.replace(second=0, microsecond=0)
    while moment <= end:
        shown.add(MSG.time(moment))
        moment += timedelta(minutes=1)
    return shown


@pytest.fixture
def platforms():
    with platform_fakes() as fakes:
        yield fakes


@pytest.fixture
def live(settings, fake_slack, platforms):
    """snsbot with real publishers against the three fakes, accounts already verified."""
    with running_app(platforms.settings(settings), fake_slack) as app:
        assert check_accounts(app.services) == {"x": None, "facebook": None, "blog": None}
        yield app


def approve_a_draft(app, body: str = "和光市民まつりのお知らせ"):
    app.slack.view_submission(OPERATOR, "draft_submit", draft_values(body=body))
    card = app.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)[-1]
    assert click(app, CHIEF, card, "approve").status_code == 200
    return card


def card_showing(app, *lines: str, timeout: float = 20.0):
    return app.fake.wait_for(
        "chat.update", where=lambda c: all(line in text_of(c) for line in lines), timeout=timeout
    )[-1]


def retry_lines(card, reason: str) -> dict[str, str]:
    """{channel: the time shown} for each ⏳ retry line of `reason` on the card."""
    text = text_of(card)
    found = {}
    for channel, name in NAMES.items():
        prefix = f"⏳ {name}: {reason} "
        start = text.find(prefix)
        if start >= 0:
            found[channel] = text[start + len(prefix) :].split(" に再送します")[0]
    return found


def results_dm(app, timeout: float = 20.0):
    return app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == OPERATOR and "投稿結果" in c.params["text"],
        timeout=timeout,
    )[-1]


def jump_past_retries(app, minutes: int) -> None:
    """Move the dispatcher's clock forward, as if the retry time had come."""
    later = timedelta(minutes=minutes)
    app.runtime.dispatcher.clock = lambda: utc_now() + later
    app.runtime.dispatcher.wake()


def assert_posted_once_everywhere(app, platforms, body: str) -> None:
    assert [c.json["text"] for c in platforms.tweet_posts() if c.status == 201] == [body]
    assert [p["message"] for p in platforms.graph.feed()] == [body]
    slug = expected_slug(app.services.session_factory, 1)
    assert [p["slug"] for p in platforms.blog.posts.values()] == [slug]


# ---------------------------------------------------------------------- platforms (item 7)


def test_rate_limits_show_the_platforms_retry_time_and_are_retried(live, platforms):
    reset = int(time.time()) + 1800
    platforms.x.fail_next(TWEETS, status=429, headers=rate_limit_headers(reset=reset))
    usage = graph_api.buc_usage(graph_api.PAGE_ID, regain_minutes=30)
    platforms.graph.fail_next(graph_api.FEED, code=32, headers={"X-Business-Use-Case-Usage": usage})
    too_many = wordpress.json_answer({"code": "too_many", "message": "Slow down"}, 429)
    too_many.headers["Retry-After"] = "1800"
    platforms.blog.fail_next(wordpress.LIST, too_many)
    before = utc_now()
    approve_a_draft(live)
    card = card_showing(live, *(f"⏳ {name}: 投稿上限のため" for name in NAMES.values()))
    after = utc_now()
    shown = retry_lines(card, MSG("pub.reason.rate_limited"))
    assert shown["x"] == MSG.time(datetime.fromtimestamp(reset, UTC))  # X's own reset time
    window = times_between(before + timedelta(minutes=30), after + timedelta(minutes=30))
    assert shown["facebook"] in window and shown["blog"] in window
    assert count(live, Publication, Publication.status == "failed") == 0

    jump_past_retries(live, 31)
    dm = results_dm(live)
    assert dm.params["text"].count("投稿を見る") == 3
    assert_posted_once_everywhere(live, platforms, "和光市民まつりのお知らせ")


def test_server_errors_are_retried_with_backoff(live, platforms):
    platforms.x.fail_next(TWEETS, status=503)
    platforms.graph.fail_next(graph_api.FEED, status=500)
    platforms.blog.fail_next(
        wordpress.LIST, wordpress.Answer(502, b"<h1>Bad Gateway</h1>", "text/html")
    )
    before = utc_now()
    approve_a_draft(live)
    reason = MSG("pub.reason.server_error")
    card = card_showing(live, *(f"⏳ {name}: {reason}" for name in NAMES.values()))
    window = times_between(before, utc_now() + timedelta(seconds=10))
    assert set(retry_lines(card, reason).values()) <= window  # the first backoff: 5 seconds
    jump_past_retries(live, 20)
    assert results_dm(live).params["text"].count("投稿を見る") == 3
    assert_posted_once_everywhere(live, platforms, "和光市民まつりのお知らせ")


def short_timeout_publishers(app) -> None:
    """Real publishers with a 1-second read timeout, so that a silent platform is quick to test."""
    settings = app.services.settings
    app.services.publishers.update(
        {
            "x": IdentityGuard(XPublisher(x_config(settings), timeout=(2, 1))),
            "facebook": IdentityGuard(FacebookPublisher(facebook_config(settings), timeout=(2, 1))),
            "blog": IdentityGuard(WordPressPublisher(wordpress_config(settings), timeout=(2, 1))),
        }
    )
    assert check_accounts(app.services) == {"x": None, "facebook": None, "blog": None}


def silence_the_posting_endpoints(platforms, seconds: float) -> None:
    """The platforms do the work, then answer too late: the post exists, the answer is lost."""
    platforms.x.delay(TWEETS, seconds)
    platforms.graph.delay(graph_api.FEED, seconds)
    platforms.blog.delay(wordpress.CREATE, seconds)


def test_timeouts_are_retried_and_the_retry_never_posts_twice(live, platforms):
    short_timeout_publishers(live)
    silence_the_posting_endpoints(platforms, 2.5)
    approve_a_draft(live)
    reason = MSG("pub.reason.timeout")
    card_showing(live, *(f"⏳ {name}: {reason}" for name in NAMES.values()))
    silence_the_posting_endpoints(platforms, 0)
    jump_past_retries(live, 20)
    dm = results_dm(live).params["text"]
    assert f"✅ {NAMES['facebook']}: <" in dm and f"✅ {NAMES['blog']}: <" in dm
    assert len(platforms.x.tweets()) == 1  # X itself refuses a second copy
    assert [p["message"] for p in platforms.graph.feed()] == ["和光市民まつりのお知らせ"]
    slug = expected_slug(live.services.session_factory, 1)
    assert [p["slug"] for p in platforms.blog.posts.values()] == [slug]


def test_a_timed_out_tweet_that_x_posted_is_reported_published(live, platforms):
    short_timeout_publishers(live)
    platforms.x.delay(TWEETS, 2.5)
    approve_a_draft(live)
    card_showing(live, f"⏳ {NAMES['x']}: {MSG('pub.reason.timeout')}")
    platforms.x.delay(TWEETS, 0)
    jump_past_retries(live, 20)
    dm = results_dm(live).params["text"]
    assert len(platforms.x.tweets()) == 1
    assert f"✅ {NAMES['x']}: <https://x.com/wakokyodo/status/" in dm, dm


def test_connection_refused_is_retried_until_the_platform_is_back(live, platforms, settings):
    for fake in (platforms.x, platforms.graph):
        fake.stop()
    platforms.blog.__exit__(None, None, None)
    approve_a_draft(live)
    reason = MSG("pub.reason.connection")
    card_showing(live, *(f"⏳ {name}: {reason}" for name in NAMES.values()))
    assert count(live, Publication, Publication.status == "failed") == 0
    with platform_fakes() as back:  # the platforms come back (at new addresses)
        publishers = build_publishers(back.settings(settings))
        live.services.publishers.update(publishers)
        assert check_accounts(live.services) == {"x": None, "facebook": None, "blog": None}
        jump_past_retries(live, 20)
        assert results_dm(live).params["text"].count("投稿を見る") == 3
        assert_posted_once_everywhere(live, back, "和光市民まつりのお知らせ")


def test_expired_tokens_fail_at_once_with_what_to_do_in_japanese(live, platforms):
    platforms.x.fail_next(TWEETS, status=401)
    platforms.graph.fail_next(graph_api.FEED, code=190)
    platforms.blog.fail_next(wordpress.LIST, wordpress.error_answer("incorrect_password"))
    approve_a_draft(live)
    lines = [
        f"❌ {NAMES['x']}: {MSG('pub.error.x_auth')}",
        f"❌ {NAMES['facebook']}: {MSG('pub.error.fb_token')}",
        f"❌ {NAMES['blog']}: {MSG('pub.error.blog_auth')}",
    ]
    card = card_showing(live, *lines)
    assert card_button(card, "retry")
    dm = results_dm(live)
    for line in lines:
        assert line in dm.params["text"]
    assert MSG("dm.results_partial") in text_of(dm)
    assert count(live, RegisterEntry, RegisterEntry.action == "publish_failed") == 3
    assert not platforms.x.tweets() and not platforms.graph.feed() and not platforms.blog.posts
    time.sleep(0.5)
    assert (
        len([c for c in live.fake.calls("chat.postMessage") if "投稿結果" in c.params["text"]]) == 1
    )


# ---------------------------------------------------------------------- Slack Web API (item 7)


def test_slack_rate_limits_and_server_errors_on_chat_post_message_are_retried(app):
    app.fake.fail_next("chat.postMessage", times=1, status=429, retry_after=1)
    app.fake.fail_next("chat.postMessage", times=2, status=503)  # the client retried twice
    app.slack.view_submission(OPERATOR, "draft_submit", draft_values())
    card = app.fake.wait_for(
        "chat.postMessage", where=lambda c: c.params["channel"] == CHIEF and c.ok, timeout=30
    )
    assert len(card) == 1
    app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.params["channel"] == OPERATOR and c.ok and "決裁に回しました" in text_of(c)
        ),
        timeout=30,
    )
    wait_until(lambda: count(app, Notice, Notice.done.is_(False)) == 0, what="every notice done")
    assert {c.status for c in app.fake.calls("chat.postMessage")} >= {429, 503}


def test_slack_rate_limits_and_server_errors_on_chat_update_are_retried(app):
    app.slack.view_submission(OPERATOR, "draft_submit", draft_values())
    card = app.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)[0]
    app.fake.fail_next("chat.update", times=2, status=429, retry_after=1)
    app.fake.fail_next("chat.update", times=2, status=500)
    click(app, CHIEF, card, "approve")
    final = app.fake.wait_for(
        "chat.update",
        where=lambda c: c.ok and text_of(c).count("テスト投稿（実際には投稿していません）") == 3,
        timeout=40,
    )[-1]
    assert final.params["ts"] == card.response["ts"] and "承認しました" in text_of(final)
    assert any(c.status == 429 for c in app.fake.calls("chat.update"))
    assert any(c.status == 500 for c in app.fake.calls("chat.update"))


def test_slash_command_when_views_open_fails_tells_the_user_in_japanese(app):
    app.fake.fail_next("views.open", times=3, status=500)
    response = app.slack.command(OPERATOR, "draft 市民活動フェア")
    assert response.status_code == 200 and "Traceback" not in response.text
    told = app.fake.wait_for("response_url", timeout=15)[0]
    assert told.params["response_type"] == "ephemeral"
    assert MSG("error.internal") == told.params["text"]


def test_a_button_whose_modal_cannot_open_tells_the_user_in_japanese(app):
    app.slack.view_submission(OPERATOR, "draft_submit", draft_values())
    card = app.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)[0]
    app.fake.fail_next("views.open", times=1, status=429, retry_after=0)
    app.fake.fail_next("views.open", times=2, status=500)  # the client retried: still failing
    assert click(app, CHIEF, card, "reject").status_code == 200
    app.fake.wait_for("views.open", count=3, timeout=15)
    told = app.fake.wait_for("response_url", timeout=3)[0]
    assert told.params["response_type"] == "ephemeral" and "もう一度" in told.params["text"]
    assert count(app, Draft, Draft.status == "pending") == 1


# ---------------------------------------------------------------------- the database (item 7)


@pytest.mark.parametrize("command", [("run", "--http"), ("worker",)], ids=["run", "worker"])
@pytest.mark.parametrize("where", ["postgresql", "sqlite"])
def test_an_unreachable_database_at_start_is_a_clear_error(tmp_path, fake_slack, command, where):
    if where == "postgresql":
        url = f"postgresql+psycopg://snsbot:db-password-xyz@127.0.0.1:{free_port()}/snsbot"
    else:
        url = f"sqlite:///{tmp_path}/no-such-directory/snsbot.db"
    args = [*command, "--port", str(free_port())] if command[0] == "run" else list(command)
    result = subprocess.run(
        snsbot(*args),
        cwd=tmp_path,
        env=snsbot_env(url, fake_slack),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert "db-password-xyz" not in result.stderr + result.stdout


class Outage:
    """Makes one PostgreSQL database refuse every connection, and drops the open ones."""

    def __init__(self, database_url: str):
        self.name = make_url(database_url).database
        self.admin = _pg_admin_dsn(PG_URL)

    def _run(self, *statements: str) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def begin(self) -> None:
        self._run(
            f"ALTER DATABASE {self.name} WITH ALLOW_CONNECTIONS false",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{self.name}' AND pid <> pg_backend_pid()",
        )

    def end(self) -> None:
        self._run(f"ALTER DATABASE {self.name} WITH ALLOW_CONNECTIONS true")


def pending_card(app):
    app.slack.view_submission(OPERATOR, "draft_submit", draft_values())
    return app.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)[0]


def assert_nothing_half_written(app) -> None:
    with app.services.session_factory() as session:
        assert register.verify(session) == []
        drafts = session.execute(select(Draft)).scalars().all()
        for draft in drafts:
            assert {r.number for r in draft.revisions} >= {draft.revision}
            decided = session.execute(
                select(func.count(Decision.id)).where(Decision.draft_id == draft.id)
            ).scalar_one()
            pubs = session.execute(
                select(func.count(Publication.id)).where(Publication.draft_id == draft.id)
            ).scalar_one()
            assert decided == (draft.status in ("approved", "rejected"))
            assert (pubs > 0) == (draft.status == "approved")


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_after_a_postgresql_outage_a_click_decides_once_and_the_post_goes_out(
    settings, fake_slack, database_url
):
    # A notice or publication claimed when the outage struck waits out its lease (5 minutes by
    # default) before it is taken up again: a 2-second lease keeps this test short.
    with running_app(replace(settings, publish_lease_seconds=2), fake_slack) as app:
        card = pending_card(app)
        outage = Outage(database_url)
        outage.begin()
        try:
            click(app, CHIEF, card, "approve")  # refused or lost: the database is gone
            time.sleep(1.5)  # the dispatcher's loops meet the outage too
        finally:
            outage.end()
        click(app, CHIEF, card, "approve")
        dm = app.fake.wait_for(
            "chat.postMessage",
            where=lambda c: c.params["channel"] == OPERATOR and "投稿結果" in c.params["text"],
            timeout=30,
        )[0]
        assert dm.params["text"].count("テスト投稿") == 3
        assert count(app, Decision) == 1
        assert count(app, Publication, Publication.status == "published") == 3
        assert_nothing_half_written(app)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_click_during_a_postgresql_outage_is_answered_try_again(app, database_url):
    card = pending_card(app)
    outage = Outage(database_url)
    outage.begin()
    try:
        click(app, CHIEF, card, "approve")
        told = app.fake.wait_for("response_url", timeout=3)[0]
    finally:
        outage.end()
    assert told.params["response_type"] == "ephemeral" and "もう一度" in told.params["text"]
    assert count(app, Decision) == 0


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_draft_submitted_during_a_postgresql_outage_is_refused_inline(app, database_url):
    outage = Outage(database_url)
    outage.begin()
    try:
        response = app.slack.view_submission(OPERATOR, "draft_submit", draft_values())
    finally:
        outage.end()
    assert response.status_code == 200, response.text
    assert response.json() == {
        "response_action": "errors",
        "errors": {"body": MSG("error.save_failed")},
    }
    assert count(app, Draft) == count(app, Revision) == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_click_while_sqlite_is_locked_is_decided_when_the_lock_goes(app, database_url):
    card = pending_card(app)
    path = make_url(database_url).database
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        locked.set()
        release.wait(10)
        conn.execute("ROLLBACK")
        conn.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    try:
        assert locked.wait(5)
        assert click(app, CHIEF, card, "approve").status_code == 200
        time.sleep(1.5)
        assert decisions_read_now(database_url) == 0  # the click waits for the write lock
    finally:
        release.set()
        holder.join(10)
    app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == OPERATOR and "投稿結果" in c.params["text"],
        timeout=30,
    )
    assert count(app, Decision) == 1
    assert_nothing_half_written(app)


def decisions_read_now(database_url: str) -> int:
    """Decisions committed so far (in WAL mode a reader does not wait for the writer's lock)."""
    conn = sqlite3.connect(make_url(database_url).database, timeout=0)
    try:
        return conn.execute("SELECT count(*) FROM decisions").fetchone()[0]
    finally:
        conn.close()
