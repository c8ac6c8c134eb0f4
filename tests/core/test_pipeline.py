"""One pipeline for every kind of request: a draft, an engagement and a moderation item are owed
their messages in one notice table, and one dispatcher delivers and acts on all three."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import CHIEF, OPERATOR
from sqlalchemy import func, inspect, select

from bot.approval import engagement, moderation, workflow
from bot.approval.drafts import DraftInput
from bot.delivery.dispatcher import Dispatcher
from bot.features import moderation_store
from bot.features.engagement_targets import parse
from bot.messages import Messages
from bot.models import DRAFT, ENGAGEMENT, MODERATION, CardMessage, Notice
from bot.ports import REPLY, Item, Published
from publishers.dryrun import DryRunPublisher

NOW = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)


class EveryMessage:
    """A front end's notifier that records every call, whatever the kind of request."""

    def __init__(self):
        self.calls: list[tuple[str, str, int]] = []  # (method, kind of subject, its id)

    def _card(self, method, subject, item, notice=None):
        self.calls.append((method, subject, item.id))
        return [(f"C-{subject}", f"{item.id}.1")]

    def post_card(self, draft, notice=None):
        return self._card("post_card", DRAFT, draft)

    def post_engagement_card(self, item, notice=None):
        return self._card("post_engagement_card", ENGAGEMENT, item)

    def post_item(self, item, notice=None):
        return self._card("post_item", MODERATION, item)

    def update_card(self, draft):
        self.calls.append(("update_card", DRAFT, draft.id))

    def update_engagement_card(self, item):
        self.calls.append(("update_engagement_card", ENGAGEMENT, item.id))

    def update_item(self, item):
        self.calls.append(("update_item", MODERATION, item.id))

    def tell_author(self, draft, kind, notice=None):
        self.calls.append((f"tell_author:{kind}", DRAFT, draft.id))

    def tell_requester(self, item, kind, notice=None):
        self.calls.append((f"tell_requester:{kind}", ENGAGEMENT, item.id))


class Hides:
    """The Page's comments: hiding one is the chief's §11 decision, performed by the dispatcher."""

    name, poll_minutes = "facebook", 5

    def __init__(self):
        self.calls = []

    def fetch(self, since):
        return []

    def hide(self, item):
        self.calls.append(("hide", item.remote_id))


class Follows:
    network, dry_run = "x", False

    def __init__(self):
        self.calls = []

    def perform(self, kind, target):
        self.calls.append((kind, target))
        return Published("f1", f"https://x.com/{target}")

    def look_up(self, kind, target):
        return None


@pytest.fixture
def dispatcher(factory):
    notifier, follows, hides = EveryMessage(), Follows(), Hides()
    made = Dispatcher(
        factory, {"x": DryRunPublisher("x", "test")}, {"slack": notifier}, Messages("ja"),
        lambda: NOW, performers={"x": follows}, inboxes={"facebook": hides},
    )  # fmt: skip
    made.notifier, made.follows, made.hides = notifier, follows, hides
    yield made
    made.stop()


def subjects(factory) -> dict[str, int]:
    with factory() as session:
        rows = session.execute(select(Notice.subject, func.count()).group_by(Notice.subject))
        return dict(rows.all())


def test_one_notice_table_and_one_dispatcher_serve_drafts_engagements_and_moderation(
    factory, dispatcher
):
    with factory.begin() as session:
        draft = workflow.submit(
            session, author_id=OPERATOR, content=DraftInput(body="市民まつり", channels=("x",)),
            now=NOW,
        )  # fmt: skip
        follow = engagement.request(
            session, requester_id=OPERATOR, kind="follow", target=parse("follow", "@wako")[0],
            category="civic_group", official_confirmed=True, now=NOW,
        )  # fmt: skip
        comment = Item("c1", REPLY, "誰か", "a1", "宣伝です", "https://e.jp/", NOW, ("hide",))
        moderation_store.store(session, "facebook", [comment], "?", NOW)
        ids = {DRAFT: draft.id, ENGAGEMENT: follow.id, MODERATION: 1}
    # Every message owed, of every kind, waits in the one table ...
    assert subjects(factory) == {DRAFT: 2, ENGAGEMENT: 2, MODERATION: 1}
    tables = set(inspect(factory.kw["bind"]).get_table_names())
    assert "engagement_notices" not in tables and {"notices", "card_messages"} <= tables

    # ... and one pass of the one notice loop delivers them all, cards remembered alike.
    assert dispatcher.deliver_due() == 5
    calls = dispatcher.notifier.calls
    assert {(method, subject) for method, subject, _ in calls} >= {
        ("post_card", DRAFT), ("post_engagement_card", ENGAGEMENT), ("post_item", MODERATION)
    }  # fmt: skip
    with factory() as session:
        cards = session.execute(select(CardMessage.subject, CardMessage.subject_id)).all()
    assert sorted(cards) == sorted(ids.items())

    # The chief decides each; the one dispatcher acts (posts, follows, hides) and refreshes each
    # card, through the one action loop and the one notice loop.
    with factory.begin() as session:
        workflow.decide(session, draft_id=draft.id, actor=CHIEF, approve=True, now=NOW)
        engagement.decide(session, engagement_id=follow.id, actor=CHIEF, approve=True, now=NOW)
    assert moderation.decide(
        factory, {"facebook": dispatcher.hides}, item_id=1, actor=CHIEF, action="hide",
        category=5, now=NOW, msg=Messages("ja"),
    ).result == moderation.QUEUED  # fmt: skip
    calls.clear()
    dispatcher.run_until_idle()
    assert dispatcher.follows.calls == [("follow", "wako")]
    assert dispatcher.hides.calls == [("hide", "c1")]
    refreshed = {(method, subject) for method, subject, _ in calls}
    assert {("update_card", DRAFT), ("update_engagement_card", ENGAGEMENT)} <= refreshed
    assert ("update_item", MODERATION) in refreshed
    assert ("tell_author:results", DRAFT) in refreshed
    assert ("tell_requester:result", ENGAGEMENT) in refreshed
    with factory() as session:
        assert session.execute(select(func.count()).where(Notice.done.is_(False))).scalar() == 0
