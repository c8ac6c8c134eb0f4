"""Slack notices found again: a post Slack made but never answered is not posted twice."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import pytest
from conftest import CHIEF, OPERATOR, TOKEN
from drafting import card_button, draft_values
from fakes.slack_api import FakeSlack
from slack_sdk import WebClient
from sqlalchemy import select

from bot.installation import current_installation_id
from bot.messages import Messages
from bot.models import CardMessage, Notice
from bot.ports import NoticeMark, RetryLater
from handlers.slack.delivery import EVENT_TYPE
from handlers.slack.notifier import SlackNotifier

TIMEOUT = 1.0  # the notifier's Web API timeout in these tests: the fake holds answers longer


def submit_draft(app) -> None:
    response = app.slack.view_submission(OPERATOR, "draft_submit", draft_values())
    assert response.status_code == 200, response.text


def short_timeout(app) -> None:
    """The notifier gives up on an answer after TIMEOUT seconds (15 in production)."""
    app.runtime.dispatcher.notifiers["slack"].poster.client.timeout = TIMEOUT


def cards_in(fake: FakeSlack, user: str) -> list[dict]:
    """The approval cards (messages with an approve button) in the bot's DM with `user`."""
    return [
        m
        for m in fake.messages(user)
        if any(
            e.get("action_id") == "approve"
            for b in m.get("blocks") or []
            for e in b.get("elements", [])
        )
    ]


def card_rows(app) -> list[tuple[str, str]]:
    with app.services.session_factory() as session:
        return [tuple(r) for r in session.execute(select(CardMessage.conversation, CardMessage.ts))]


def notices_done(app) -> bool:
    with app.services.session_factory() as session:
        return all(session.execute(select(Notice.done)).scalars())


def wait(app, predicate, what: str):
    return app.fake.wait_until(predicate, timeout=30, what=lambda: what)


def approve_from(app, message: dict) -> None:
    """The chief clicks Approve on the card `message` (as stored in the chief's DM)."""
    button = card_button(type("Call", (), {"params": message}), "approve")
    response = app.slack.block_action(
        CHIEF,
        "approve",
        button["value"],
        block_id=button["block_id"],
        channel_id=f"D{CHIEF}",
        message_ts=message["ts"],
    )
    assert response.status_code == 200, response.text


def marked(app, key: str, installation: str | None = None) -> dict:
    return {
        "event_type": EVENT_TYPE,
        "event_payload": {
            "installation": installation or current_installation_id(app.services.session_factory),
            "notice": key,
        },
    }


# -- signed end to end -----------------------------------------------------------------------


def test_a_card_slack_made_but_never_answered_is_posted_once_and_updated_in_place(app):
    short_timeout(app)
    app.fake.fail_after_work("chat.postMessage", hold=TIMEOUT + 2)  # made, answered too late
    submit_draft(app)
    wait(app, lambda: card_rows(app) and notices_done(app), "the card recorded")

    first = app.fake.calls("chat.postMessage")[0]
    assert first.params["channel"] == CHIEF  # the unanswered post was the card
    (card,) = cards_in(app.fake, CHIEF)
    assert card_rows(app) == [(f"D{CHIEF}", card["ts"])]
    assert card["metadata"]["event_payload"]["notice"].startswith("notice:")
    assert len(app.fake.calls("chat.postMessage")) == 2  # the card once, the author's receipt

    approve_from(app, card)
    updates = app.fake.wait_for(
        "chat.update", where=lambda c: "承認しました" in str(c.params.get("blocks"))
    )
    assert {(u.params["channel"], u.params["ts"]) for u in updates} == {(f"D{CHIEF}", card["ts"])}
    wait(app, lambda: notices_done(app) and len(app.fake.messages(OPERATOR)) == 2, "results")
    assert [m["ts"] for m in app.fake.messages(CHIEF)] == [card["ts"]]  # the card, updated
    assert {(c.params["channel"], c.params["ts"]) for c in app.fake.calls("chat.update")} == {
        (f"D{CHIEF}", card["ts"])
    }


def test_an_author_dm_answered_with_a_server_error_is_sent_once(app):
    submit_draft(app)
    wait(app, lambda: len(app.fake.messages(OPERATOR)) == 1 and notices_done(app), "receipt")
    (card,) = cards_in(app.fake, CHIEF)
    # The results DM is made but answered 502; the first look for it fails too (500), so the
    # notice is tried again later, and then looks first and finds it.
    app.fake.fail_after_work("chat.postMessage", status=502)
    app.fake.fail_next("conversations.history", status=500)
    approve_from(app, card)
    wait(app, lambda: len(app.fake.calls("conversations.history")) >= 2, "a second look")
    wait(app, lambda: notices_done(app), "every notice delivered")

    dms = app.fake.messages(OPERATOR)
    assert len(dms) == 2  # the receipt, and the results once
    assert "投稿結果" in dms[1]["text"]
    results_posts = [
        c for c in app.fake.calls("chat.postMessage") if "投稿結果" in c.params.get("text", "")
    ]
    assert len(results_posts) == 1 and results_posts[0].status == 502
    with app.services.session_factory() as session:
        results = session.execute(select(Notice).where(Notice.kind == "results")).scalar_one()
        assert results.attempts == 1 and results.first_tried_at is not None


def test_a_message_of_another_notice_installation_or_time_is_not_taken_for_the_card(app):
    short_timeout(app)
    hour_ago = f"{time.time() - 3600:.6f}"
    for n in range(1, 6):  # every notice id this test's notices can have
        app.fake.add_message(CHIEF, "old", ts=hour_ago, metadata=marked(app, f"notice:{n}"))
        app.fake.add_message(CHIEF, "other", metadata=marked(app, f"notice:{n}", "f" * 32))
    app.fake.add_message(CHIEF, "another notice", metadata=marked(app, "notice:999"))
    app.fake.fail_next("chat.postMessage", status=504)  # not made: nothing to find
    submit_draft(app)
    wait(app, lambda: card_rows(app) and notices_done(app), "the card recorded")

    (card,) = cards_in(app.fake, CHIEF)
    assert card_rows(app) == [(f"D{CHIEF}", card["ts"])]
    assert len(app.fake.messages(CHIEF)) == 12  # the 11 planted, and the card
    assert [c.status for c in app.fake.calls("chat.postMessage")][:2] == [504, 200]
    assert app.fake.calls("conversations.history")  # it looked before posting again


def test_without_the_history_scope_it_posts_again_as_before_and_says_why(app, caplog):
    caplog.set_level(logging.WARNING, logger="handlers.slack.delivery")
    app.fake.missing_scopes.add("im:history")
    app.fake.fail_after_work("chat.postMessage", status=503)
    submit_draft(app)
    wait(app, lambda: card_rows(app) and notices_done(app), "the card recorded")

    cards = cards_in(app.fake, CHIEF)
    assert len(cards) == 2  # the made-but-unanswered one, and the one posted again
    assert card_rows(app) == [(f"D{CHIEF}", cards[1]["ts"])]
    warnings = [r.getMessage() for r in caplog.records]
    assert any("im:history" in w and "may appear twice" in w for w in warnings), warnings


# -- the notifiers on their own --------------------------------------------------------------


@pytest.fixture
def fake_slack_api():
    with FakeSlack(token=TOKEN) as fake:
        yield fake


def engagement_item(approvers=(CHIEF,)):
    from bot.approval.engagement_view import EngagementView

    return EngagementView(
        id=7,
        front_end="slack",
        requester_id=OPERATOR,
        kind="follow",
        network="x",
        target="wakoshi",
        target_url="https://x.com/wakoshi",
        account="@wakoshi",
        category="government",
        official_confirmed=True,
        status="pending",
        created_at=datetime(2026, 5, 1, tzinfo=UTC),
        decided_by=None,
        decided_at=None,
        attempts=0,
        due_at=None,
        result_url=None,
        dry_run=False,
        error=None,
        approvers=approvers,
        card_refs=(),
    )


def test_engagement_card_and_requester_dm_are_found_again(fake_slack_api):
    fake = fake_slack_api
    client = WebClient(token=TOKEN, base_url=fake.base_url, timeout=TIMEOUT)
    notifier = SlackNotifier(client, Messages("ja"), installation="abc123")
    fake.fail_after_work("chat.postMessage", hold=TIMEOUT + 2)
    refs = notifier.post_engagement_card(engagement_item(), NoticeMark("engagement_notice:1"))
    (card,) = fake.messages(CHIEF)
    assert refs == [(f"D{CHIEF}", card["ts"])]

    fake.fail_after_work("chat.postMessage", status=500)
    fake.fail_next("conversations.history", status=503)
    mark = NoticeMark("engagement_notice:2")
    with pytest.raises(RetryLater):
        notifier.tell_requester(engagement_item(), "requested", mark)
    tried = NoticeMark(mark.key, datetime.now(UTC) - timedelta(seconds=5))
    notifier.tell_requester(engagement_item(), "requested", tried)  # the next attempt finds it
    assert len(fake.messages(OPERATOR)) == 1
    assert len(fake.calls("chat.postMessage")) == 2


def test_a_first_attempt_posts_without_looking(fake_slack_api):
    fake = fake_slack_api
    client = WebClient(token=TOKEN, base_url=fake.base_url)
    notifier = SlackNotifier(client, Messages("ja"), installation="abc123")
    notifier.tell_requester(engagement_item(), "requested", NoticeMark("engagement_notice:3"))
    assert fake.calls("conversations.history") == [] and fake.calls("conversations.open") == []
    (dm,) = fake.messages(OPERATOR)
    assert dm["metadata"] == {
        "event_type": EVENT_TYPE,
        "event_payload": {"installation": "abc123", "notice": "engagement_notice:3"},
    }


def test_a_reminder_slack_made_but_never_answered_is_not_sent_twice(fake_slack_api):
    from handlers.slack.notifier import SlackNotifier

    fake = fake_slack_api
    client = WebClient(token=TOKEN, base_url=fake.base_url, timeout=TIMEOUT)
    notifier = SlackNotifier(client, Messages("ja"), installation="abc123")
    fake.fail_after_work("chat.postMessage", hold=TIMEOUT + 2)
    notifier.remind(CHIEF, [], NoticeMark("reminder:waiting:slack:2026-05-01"))
    fake.fail_after_work("chat.postMessage", status=500)
    notifier.ask_rotation(CHIEF, [], NoticeMark("reminder:rotation:slack:2026-05-01"))
    assert len(fake.messages(CHIEF)) == 2
    assert len(fake.calls("chat.postMessage")) == 2


DEPUTY = "UDEPUTY1"


def test_one_approver_slack_refuses_does_not_keep_the_engagement_card_from_the_next(
    fake_slack_api,
):
    """Found in review: the first approver's failure ended the loop, so with the chief's own
    request going to the deputies, a later deputy could never get the card."""
    fake = fake_slack_api
    client = WebClient(token=TOKEN, base_url=fake.base_url)
    notifier = SlackNotifier(client, Messages("ja"), installation="abc123")
    fake.fail_next("chat.postMessage", status=200, retry_after=None, error="user_not_found")
    refs = notifier.post_engagement_card(
        engagement_item(approvers=(CHIEF, DEPUTY)), NoticeMark("engagement_notice:5")
    )
    (card,) = fake.messages(DEPUTY)
    assert refs == [(f"D{DEPUTY}", card["ts"])]


def test_one_approver_slack_refuses_does_not_keep_the_draft_card_from_the_next(
    fake_slack_api, monkeypatch
):
    import types

    from handlers.slack import notifier as slack_notifier

    fake = fake_slack_api
    monkeypatch.setattr(slack_notifier, "approval_card", lambda msg, draft: ("決裁依頼", []))
    notifier = slack_notifier.SlackNotifier(
        WebClient(token=TOKEN, base_url=fake.base_url), Messages("ja"), installation="abc123"
    )
    fake.fail_next("chat.postMessage", status=200, retry_after=None, error="user_not_found")
    draft = types.SimpleNamespace(id=9, approvers=(CHIEF, DEPUTY), at_review=False)
    refs = notifier.post_card(draft, NoticeMark("notice:9"))
    (card,) = fake.messages(DEPUTY)
    assert refs == [(f"D{DEPUTY}", card["ts"])]
