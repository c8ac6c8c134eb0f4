"""The HP feed watcher (policy §5(2)) against a fake center website, and its Slack side."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from conftest import CHIEF, OPERATOR, OPERATOR2, STRANGER
from drafting import card_button, draft_values
from fakes.homepage import FakeHomepage, Page, atom, rss
from slack_sdk import WebClient
from sqlalchemy import func, select

from bot import db
from bot.config import Settings
from bot.delivery.dispatcher import Dispatcher
from bot.features import feed
from bot.features.feedsource import HttpFeedFetcher
from bot.messages import JA, Messages
from bot.models import FeedEntry, FeedState
from bot.people import roles
from handlers.slack.feed_blocks import FEED_DRAFT, feed_announcement
from handlers.slack.notifier import SlackNotifier

NOW = datetime(2026, 5, 20, 3, 0, tzinfo=UTC)
MSG = Messages("ja")
FORMATS = {"rss": (rss, "application/rss+xml"), "atom": (atom, "application/atom+xml")}


def page(n: int, days_ago: float, when: datetime = NOW) -> Page:
    return Page(
        title=f"お知らせ {n}: 市民活動フェア",
        link=f"https://example.jp/news/{n}",
        published=(when - timedelta(days=days_ago)).replace(microsecond=0),
        guid=f"news-{n}",
    )


class RecordingNotifier:
    """A FeedNotifier that records each announcement, and can fail the next ones."""

    def __init__(self):
        self.announced: list[tuple[feed.FeedItem, tuple[str, ...]]] = []
        self.failures = 0

    def announce(self, item, members, notice=None):
        if self.failures:
            self.failures -= 1
            raise RuntimeError("chat is down")
        self.announced.append((item, members))

    @property
    def titles(self) -> list[str]:
        return [item.title for item, _ in self.announced]


@pytest.fixture
def sessions(database_url):
    engine = db.make_engine(database_url)
    factory = db.make_session_factory(engine)
    with factory.begin() as session:
        roles.bootstrap(session, CHIEF, (OPERATOR, OPERATOR2), NOW)
    yield factory
    engine.dispose()


@pytest.fixture
def site():
    with FakeHomepage() as fake:
        yield fake


def serve(site: FakeHomepage, fmt: str, pages: list[Page]) -> None:
    build, content_type = FORMATS[fmt]
    site.publish(build(pages), content_type)


def poll(sessions, site, notifier, clock=lambda: NOW) -> int:
    """Check the feed, then deliver the announcements owed (the dispatcher's notice loop):
    how many were announced."""
    feed.poll_once(sessions, HttpFeedFetcher(site.url), MSG, clock)
    dispatcher = Dispatcher(sessions, {}, {"slack": notifier}, MSG, clock)
    try:
        return dispatcher.deliver_due()
    finally:
        dispatcher.stop()


def count(sessions, model) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


# -- polling --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_first_poll_announces_only_the_last_days_and_remembers_the_rest(sessions, site, fmt):
    serve(site, fmt, [page(5, 0.5), page(4, 2), page(3, 10), page(2, 40), page(1, 400)])
    notifier = RecordingNotifier()
    assert poll(sessions, site, notifier) == 2
    assert notifier.titles == [page(4, 2).title, page(5, 0.5).title]  # oldest first
    assert count(sessions, FeedEntry) == 5
    item, members = notifier.announced[0]
    assert item.link == "https://example.jp/news/4"
    assert set(members) == {CHIEF, OPERATOR, OPERATOR2}


def test_first_poll_announces_at_most_the_newest_few(sessions, site):
    serve(site, "rss", [page(n, n / 10) for n in range(1, 8)])
    notifier = RecordingNotifier()
    assert poll(sessions, site, notifier) == feed.FIRST_POLL_MAX == 3
    assert notifier.titles == [page(n, 0).title for n in (3, 2, 1)]


@pytest.mark.parametrize(
    ("fmt", "etag", "last_modified"),
    [("rss", True, True), ("atom", True, True), ("rss", False, True), ("atom", True, False)],
)
def test_a_new_entry_is_announced_once_then_the_feed_answers_304(
    sessions, fmt, etag, last_modified
):
    with FakeHomepage(etag=etag, last_modified=last_modified) as site:
        old = [page(1, 30)]
        serve(site, fmt, old)
        notifier = RecordingNotifier()
        assert poll(sessions, site, notifier) == 0
        assert "if-none-match" not in site.requests[0].headers

        serve(site, fmt, [page(2, 0), *old])
        assert poll(sessions, site, notifier) == 1
        assert notifier.titles == [page(2, 0).title]
        conditional = site.requests[1].headers
        assert ("if-none-match" in conditional) == etag
        assert ("if-modified-since" in conditional) == last_modified
        assert site.requests[1].status == 200

        assert poll(sessions, site, notifier) == 0
        assert site.requests[2].status == 304
        assert len(notifier.announced) == 1
    with sessions() as session:
        state = session.execute(select(FeedState)).scalar_one()
        assert bool(state.etag) == etag and bool(state.last_modified) == last_modified


@pytest.mark.parametrize("honour_conditional", [True, False])
def test_after_a_restart_nothing_is_announced_again(
    database_url, sessions, site, honour_conditional
):
    serve(site, "atom", [page(2, 1), page(1, 2)])
    assert poll(sessions, site, RecordingNotifier()) == 2
    site.honour_conditional = honour_conditional
    engine = db.make_engine(database_url)  # a new process: new engine, fetcher and notifier
    try:
        notifier = RecordingNotifier()
        later = NOW + timedelta(minutes=15)
        fetcher = HttpFeedFetcher(site.url)
        factory = db.make_session_factory(engine)
        assert feed.poll_once(factory, fetcher, MSG, lambda: later) == 0
    finally:
        engine.dispose()
    assert notifier.announced == []
    assert site.requests[-1].status == (304 if honour_conditional else 200)
    assert "if-none-match" in site.requests[-1].headers


@pytest.mark.parametrize("breakage", ["500", "html", "garbage", "empty", "connection refused"])
def test_a_broken_site_is_logged_and_nothing_is_announced(sessions, site, caplog, breakage):
    serve(site, "rss", [page(1, 0)])
    if breakage == "500":
        site.status = 500
    elif breakage != "connection refused":
        body = {"html": b"<html><body>Maintenance</body></html>", "garbage": b"not xml at all"}
        site.publish(body.get(breakage, b""), "text/html")
    fetcher = HttpFeedFetcher(
        site.url if breakage != "connection refused" else "http://127.0.0.1:9/"
    )
    notifier = RecordingNotifier()
    with caplog.at_level(logging.WARNING, logger="bot.features.feed"):
        assert feed.poll_once(sessions, fetcher, MSG, lambda: NOW) == 0
    assert notifier.announced == [] and count(sessions, FeedEntry) == 0
    assert count(sessions, FeedState) == 0  # no validators kept: the next poll starts afresh
    assert any("HP feed" in r.getMessage() for r in caplog.records)

    site.status = 200
    serve(site, "rss", [page(1, 0)])
    assert poll(sessions, site, notifier) == 1


def test_an_announcement_that_fails_is_retried_later_and_holds_up_no_other(sessions, site, caplog):
    serve(site, "rss", [page(1, 40)])
    poll(sessions, site, RecordingNotifier())
    serve(site, "rss", [page(3, 0), page(2, 0.1), page(1, 40)])
    notifier = RecordingNotifier()
    notifier.failures = 1
    assert poll(sessions, site, notifier) == 1  # the first failed; the second went out
    assert "announce notice" in caplog.text and "chat is down" in caplog.text
    assert poll(sessions, site, notifier) == 0  # the failed one waits for its backoff
    retry = NOW + timedelta(seconds=2)
    assert poll(sessions, site, notifier, lambda: retry) == 1  # a 304, but it is still owed
    assert site.requests[-1].status == 304
    assert notifier.titles == [page(3, 0).title, page(2, 0).title]
    assert poll(sessions, site, notifier, lambda: retry) == 0


def test_watcher_polls_at_most_every_interval(sessions, site):
    serve(site, "rss", [page(1, 0)])
    now = [NOW]
    settings = Settings(hp_feed_url=site.url, hp_feed_minutes=15)
    watcher = feed.watcher(settings, sessions, MSG, lambda: now[0])
    ticks = []
    for minutes in (0, 5, 15):
        now[0] = NOW + timedelta(minutes=minutes)
        ticks.append(watcher.tick())
    assert ticks == [1, 0, 0]
    assert len(site.requests) == 2
    assert feed.watcher(Settings(), sessions, MSG, lambda: NOW) is None


def test_feed_settings_are_read_and_checked():
    env = {"SNSBOT_HP_FEED_URL": "https://example.jp/feed", "SNSBOT_HP_FEED_CHANNEL": "C01"}
    settings = Settings.from_env(env)
    assert (settings.hp_feed_url, settings.hp_feed_channel) == ("https://example.jp/feed", "C01")
    assert settings.hp_feed_minutes == 15 and settings.problems() == []
    bad = Settings.from_env({"SNSBOT_HP_FEED_URL": "example.jp", "SNSBOT_HP_FEED_MINUTES": "0"})
    assert any("SNSBOT_HP_FEED_URL" in p for p in bad.problems())
    assert any("SNSBOT_HP_FEED_MINUTES" in p for p in bad.problems())


# -- Slack ----------------------------------------------------------------------------------


def test_announcement_has_the_title_the_link_and_the_draft_button():
    item = feed.FeedItem(7, "夏祭り <ボランティア募集>", "https://example.jp/n?a=1&b=2", NOW)
    text, blocks = feed_announcement(MSG, item)
    # the notification text is read as mrkdwn too: the title is escaped there as in the blocks
    assert text == (
        "センターHPが更新されました: 夏祭り &lt;ボランティア募集&gt;\nhttps://example.jp/n?a=1&amp;b=2"
    )
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "&lt;ボランティア募集&gt;" in shown and "https://example.jp/n?a=1&amp;b=2" in shown
    buttons = [e for b in blocks for e in b.get("elements", []) if e.get("type") == "button"]
    assert [(b["action_id"], b["value"], b["text"]["text"]) for b in buttons] == [
        (FEED_DRAFT, "7", "下書きを作成")
    ]


@pytest.mark.parametrize("channel", ["", "CFEED01"])
def test_slack_notifier_posts_in_the_channel_or_dms_everyone(fake_slack, channel):
    client = WebClient(token="xoxb-test-token", base_url=fake_slack.base_url)
    item = feed.FeedItem(1, "お知らせ", "https://example.jp/n/1", None)
    SlackNotifier(client, MSG, feed_channel=channel).announce(item, (CHIEF, OPERATOR))
    posts = fake_slack.calls("chat.postMessage")
    assert [c.params["channel"] for c in posts] == ([channel] if channel else [CHIEF, OPERATOR])


def test_hp_update_end_to_end_from_the_feed_to_the_approval_card(app, site):
    now = datetime.now(UTC)
    serve(site, "rss", [page(1, 0.1, now)])
    fetcher = HttpFeedFetcher(site.url)
    assert feed.poll_once(app.services.session_factory, fetcher, MSG, lambda: now) == 1
    app.runtime.dispatcher.wake()  # it delivers the announcements owed
    announced = app.fake.wait_for(
        "chat.postMessage", where=lambda c: c.params["channel"] == OPERATOR
    )[0]
    assert "センターHPが更新されました: お知らせ 1: 市民活動フェア" in announced.params["text"]
    button = card_button(announced, FEED_DRAFT)

    app.slack.block_action(STRANGER, FEED_DRAFT, button["value"], block_id=button["block_id"])
    refused = app.fake.wait_for("response_url")[0]
    assert "運用者として登録されていません" in refused.params["text"]
    assert not app.fake.calls("views.open")

    app.slack.block_action(OPERATOR, FEED_DRAFT, button["value"], block_id=button["block_id"])
    form = {b["block_id"]: b for b in app.fake.wait_for("views.open")[0].params["view"]["blocks"]}
    assert form["body"]["element"]["initial_value"] == "お知らせ 1: 市民活動フェア"
    assert form["url"]["element"]["initial_value"] == "https://example.jp/news/1"
    assert form["source"]["element"]["initial_option"]["value"] == "hp_update"

    values = draft_values(
        body="お知らせ 1: 市民活動フェア", url="https://example.jp/news/1", source="hp_update"
    )
    response = app.slack.view_submission(OPERATOR, "draft_submit", values)
    assert response.status_code == 200 and response.text == ""
    card = app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == CHIEF and "決裁依頼" in c.params["text"],
    )[0]
    shown = json.dumps(card.params["blocks"], ensure_ascii=False)
    assert JA["source.hp_update"] in shown and "https://example.jp/news/1" in shown


def test_the_running_bot_polls_the_feed_from_its_time_driven_loop(settings, fake_slack, site):
    """The composition root wires the watcher into the dispatcher's periodic tasks."""
    from dataclasses import replace

    from conftest import running_app

    serve(site, "rss", [page(1, 0.1, datetime.now(UTC))])
    with running_app(replace(settings, hp_feed_url=site.url), fake_slack) as app:
        app.runtime.dispatcher.stop()  # drive the loop by hand
        app.runtime.dispatcher.housekeeping()
        app.runtime.dispatcher.deliver_due()
        announced = app.fake.wait_for(
            "chat.postMessage", where=lambda c: "センターHPが更新されました" in c.params["text"]
        )
        assert announced


def test_two_processes_for_two_front_ends_both_announce_an_entry(sessions, site):
    """Slack and Teams served by two processes on one database: whichever polls first, the entry
    is owed to the staff of both front ends."""
    from bot.models import Notice

    with sessions.begin() as session:
        roles.set_role(session, "29:teams-operator", "operator", actor="cli", now=NOW,
                       front_end="teams")  # fmt: skip
    serve(site, "rss", [page(1, 0.5)])
    first = feed.poll_once(sessions, HttpFeedFetcher(site.url), MSG, lambda: NOW)
    second = feed.poll_once(sessions, HttpFeedFetcher(site.url), MSG, lambda: NOW)
    assert (first, second) == (1, 0)
    with sessions() as session:
        owed_to = set(session.execute(select(Notice.front_end)).scalars())
    assert owed_to == {"slack", "teams"}
