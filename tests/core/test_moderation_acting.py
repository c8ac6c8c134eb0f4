"""Moderation while the chief is away (policy §11 with §3): the deputy decides as 代決, and the
chief reviews it later (後閲), as for drafts and engagements."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import CHIEF, OPERATOR, OPERATOR2
from sqlalchemy import select

from bot import db
from bot.approval import moderation
from bot.delivery.dispatcher import Dispatcher
from bot.messages import Messages
from bot.models import ModerationItem, RegisterEntry
from bot.people import oversight, roles
from bot.ports import BLOCK, DELETE, DISMISS, HIDE, REPLY, Item
from handlers.slack.oversight import review_line, review_message, reviewed_subject

T0 = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)
DEPUTY = OPERATOR2


class Inbox:
    """A Facebook inbox on plain values: one comment, each action recorded."""

    poll_minutes = 5

    def __init__(self):
        self.calls: list[tuple[str, str]] = []

    def fetch(self, since):
        return [Item("c1", REPLY, "あるユーザー", "A1", "宣伝です", "https://e.jp/", T0,
                     (HIDE, DELETE, BLOCK))]  # fmt: skip

    def hide(self, item):
        self.calls.append((HIDE, item.remote_id))

    def delete(self, item):
        self.calls.append((DELETE, item.remote_id))

    def block(self, item):
        self.calls.append((BLOCK, item.remote_id))


@pytest.fixture
def factory(database_url):
    engine = db.make_engine(database_url)
    session_factory = db.make_session_factory(engine)
    with session_factory.begin() as session:
        roles.bootstrap(session, CHIEF, (OPERATOR,), T0)
        roles.set_role(session, DEPUTY, roles.DEPUTY, actor="cli", now=T0)
    yield session_factory
    engine.dispose()


@pytest.fixture
def inboxes(factory):
    inboxes = {"facebook": Inbox()}
    moderation.poll_once(factory, inboxes, Messages("ja"), lambda: T0)
    return inboxes


def decide(factory, inboxes, actor, action=BLOCK, category=5):
    outcome = moderation.decide(factory, inboxes, item_id=1, actor=actor, action=action,
                                category=category, now=T0, msg=Messages("ja"))  # fmt: skip
    dispatcher = Dispatcher(factory, {}, {}, Messages("ja"), lambda: T0, inboxes=inboxes)
    try:
        dispatcher.run_until_idle()
    finally:
        dispatcher.stop()
    return outcome


def away(factory, value: bool) -> None:
    with factory.begin() as session:
        roles.set_away(session, CHIEF, value, now=T0)


def entries(factory, action):
    with factory() as session:
        query = select(RegisterEntry).where(RegisterEntry.action == action)
        return list(session.execute(query.order_by(RegisterEntry.seq)).scalars())


def test_while_the_chief_is_present_the_deputy_is_refused(factory, inboxes):
    assert decide(factory, inboxes, DEPUTY).result == moderation.REFUSED
    assert inboxes["facebook"].calls == []
    (refused,) = entries(factory, "refused")
    assert (refused.actor, refused.details["role"]) == (DEPUTY, "deputy")


def test_while_away_the_deputy_decides_as_acting_and_the_chief_reviews_it(factory, inboxes):
    away(factory, True)
    assert decide(factory, inboxes, OPERATOR).result == moderation.REFUSED  # not the deputy
    assert decide(factory, inboxes, DEPUTY).result == moderation.QUEUED
    assert inboxes["facebook"].calls == [(BLOCK, "c1")]
    (moderated,) = entries(factory, "moderated")
    assert moderated.actor == DEPUTY and moderated.details["acting"] is True
    with factory() as session:
        row = session.get(ModerationItem, 1)
        assert row.acting and row.status == moderation.DECIDED
        assert moderation.view(row).by_deputy
    away(factory, False)
    with factory() as session:
        (review,) = oversight.unreviewed(session)
    assert (review.subject, review.decision_id, review.outcome, review.decided_by, review.kind) == (
        oversight.MODERATION, 1, BLOCK, DEPUTY, "facebook"
    )  # fmt: skip
    text, blocks = review_message(Messages("ja"), [review])
    button = blocks[1]["accessory"]
    assert reviewed_subject(button["value"]) == (oversight.MODERATION, 1)
    assert review_line(Messages("ja"), review).startswith(
        "投稿の判断 #1（Facebook ページ）ブロック"
    )
    with factory.begin() as session:  # the deputy cannot review their own decision
        assert oversight.mark_reviewed(session, 1, actor=DEPUTY, now=T0,
                                       subject=oversight.MODERATION) is None  # fmt: skip
    later = T0 + timedelta(hours=2)
    with factory.begin() as session:
        assert oversight.mark_reviewed(session, 1, actor=CHIEF, now=later,
                                       subject=oversight.MODERATION) is True  # fmt: skip
        assert oversight.mark_reviewed(session, 1, actor=CHIEF, now=later,
                                       subject=oversight.MODERATION) is False  # fmt: skip
        assert oversight.unreviewed(session) == []
    (reviewed,) = entries(factory, "reviewed")
    wanted = {"item_id": 1, "platform": "facebook", "decision": BLOCK, "category": 5,
              "deputy": DEPUTY}  # fmt: skip
    assert reviewed.actor == CHIEF and reviewed.details.items() >= wanted.items()


def test_the_chiefs_own_decision_is_not_kept_for_review(factory, inboxes):
    away(factory, True)  # the chief may still decide while marked away
    assert decide(factory, inboxes, CHIEF, action=DISMISS, category=None).result == moderation.DONE
    (moderated,) = entries(factory, "moderated")
    assert "acting" not in moderated.details
    with factory() as session:
        assert oversight.unreviewed(session) == []
