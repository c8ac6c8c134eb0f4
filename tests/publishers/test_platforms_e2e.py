"""Signed end to end with the real publishers: approve in Slack → X, Facebook and WordPress fakes."""

from __future__ import annotations

import pytest
from conftest import CHIEF, OPERATOR, running_app
from drafting import click, draft_values
from fakes.graph_api import FakeGraph
from fakes.wordpress import FakeWordPress
from fakes.x_api import TWEETS, FakeX
from platforms import expected_slug, with_platforms

X_KEYS = ("e2e-consumer-key", "e2e-consumer-secret", "99-e2e-access-token", "e2e-access-secret")


@pytest.fixture
def platforms():
    with (
        FakeX(X_KEYS[0], X_KEYS[2], consumer_secret=X_KEYS[1], access_token_secret=X_KEYS[3]) as x,
        FakeGraph() as graph,
        FakeWordPress() as blog,
    ):
        yield x, graph, blog


@pytest.fixture
def live_app(settings, fake_slack, platforms):
    x, graph, blog = platforms
    configured = with_platforms(settings, X_KEYS, x, graph, blog)
    with running_app(configured, fake_slack) as app:
        yield app


def test_approval_posts_once_on_every_platform_and_dms_the_links(live_app, platforms):
    x, graph, blog = platforms
    app = live_app
    assert not any(p.dry_run for p in app.services.publishers.values())
    app.slack.view_submission(
        OPERATOR,
        "draft_submit",
        draft_values(body="和光市民まつりのお知らせ", url="https://example.jp/m"),
    )
    card = app.fake.wait_for("chat.postMessage", where=lambda c: c.params["channel"] == CHIEF)[0]
    click(app, CHIEF, card, "approve")
    click(app, CHIEF, card, "approve")  # a double click changes nothing
    dm = app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == OPERATOR and "投稿結果" in c.params["text"],
        timeout=20,
    )[0]
    posted = [c.json["text"] for c in x.calls(TWEETS) if c.method == "POST"]
    assert posted == ["和光市民まつりのお知らせ https://example.jp/m"]
    assert [(p["message"], p.get("link")) for p in graph.feed()] == [
        ("和光市民まつりのお知らせ", "https://example.jp/m")
    ]
    slug = expected_slug(app.services.session_factory, 1)
    assert [p["slug"] for p in blog.posts.values()] == [slug]
    assert "https://x.com/wakokyodo/status/" in dm.params["text"]
    assert "facebook.com" in dm.params["text"]
    assert blog.posts[min(blog.posts)]["link"] in dm.params["text"]
    assert "テスト投稿" not in dm.params["text"]


def test_a_token_of_another_account_never_posts_and_the_chief_is_told(live_app, platforms):
    from bot.features.identity import check_and_report

    x, _, _ = platforms
    x.username = "someone_else"
    app = live_app
    check_and_report(app.services, app.runtime.dispatcher.notifiers)
    told = app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == CHIEF and "@someone_else" in c.params["text"],
    )[0]
    assert "使用を止めました" in told.params["text"]
    app.slack.view_submission(OPERATOR, "draft_submit", draft_values(channels=("x", "facebook")))
    card = app.fake.wait_for(
        "chat.postMessage", where=lambda c: c.params["channel"] == CHIEF and c.params.get("blocks")
    )[0]
    click(app, CHIEF, card, "approve")
    app.fake.wait_for(
        "chat.update",
        where=lambda c: (
            "@someone_else" in str(c.params["blocks"])
            and "Facebook ページ: <" in str(c.params["blocks"])
        ),
        timeout=20,
    )
    assert not [c for c in x.calls(TWEETS) if c.method == "POST"]
