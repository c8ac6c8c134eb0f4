"""Workers heartbeat: a dead worker's claim is taken over after the heartbeat timeout, a live
slow worker's only after its lease; on both databases, for publications, engagements and
moderation actions."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from conftest import CHIEF, OPERATOR
from sqlalchemy import select, update

from bot.approval import engagement, moderation, workflow
from bot.approval.drafts import DraftInput
from bot.config import Settings
from bot.delivery import notices, outbox, workers
from bot.delivery.dispatcher import Dispatcher
from bot.features import moderation_store
from bot.features.engagement_targets import parse
from bot.messages import Messages
from bot.models import (
    PUBLISHED,
    SENDING,
    Engagement,
    ModerationItem,
    Publication,
    RegisterEntry,
    Worker,
)
from bot.ports import Item, Published

START = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
LEASE = timedelta(seconds=300)  # the default SNSBOT_PUBLISH_LEASE_SECONDS
TIMEOUT = timedelta(seconds=20)  # the default SNSBOT_HEARTBEAT_TIMEOUT_SECONDS
FB_POST = "https://www.facebook.com/wakoshi.npo/posts/123456789"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def at(self, seconds: float) -> datetime:
        self.now = START + timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def heartbeat(factory, clock) -> workers.Heartbeat:
    """A worker that beats only when the test says so (`beat()`): no thread."""
    worker = workers.Heartbeat(factory, clock, timeout=TIMEOUT)
    worker.beat()
    return worker


def approved_publication(factory, clock) -> int:
    with factory.begin() as session:
        draft = workflow.submit(
            session,
            author_id=OPERATOR,
            content=DraftInput(body="心拍の試験", channels=("x",)),
            now=clock(),
        )
    with factory.begin() as session:
        workflow.decide(session, draft_id=draft.id, actor=CHIEF, approve=True, now=clock())
    return draft.id


def claim(factory, clock, worker: workers.Heartbeat) -> list[outbox.Claim]:
    with factory.begin() as session:
        return outbox.claim_due(session, clock(), LEASE, 10, worker.holder, worker.timeout)


def holder_of(factory) -> str | None:
    with factory() as session:
        return session.execute(select(Publication.claimed_by)).scalar_one()


def test_a_publication_held_by_a_dead_worker_is_taken_over_after_the_timeout(factory, clock):
    approved_publication(factory, clock)
    dead, alive = heartbeat(factory, clock), heartbeat(factory, clock)
    [first] = claim(factory, clock, dead)
    assert (first.attempt, first.recovering, holder_of(factory)) == (1, False, dead.worker.id)

    clock.at(19)  # `dead` beat last at 0 s: not yet silent for the timeout
    alive.beat()
    assert claim(factory, clock, alive) == []

    clock.at(21)  # silent for more than the timeout, the lease (300 s) far from over
    alive.beat()
    [taken] = claim(factory, clock, alive)
    assert (taken.attempt, taken.recovering) == (2, True)  # find-again first
    assert holder_of(factory) == alive.worker.id
    assert claim(factory, clock, heartbeat(factory, clock)) == []  # taken once, not twice

    now = clock()
    with factory.begin() as session:  # the dead worker's answer, had it come, is dropped
        stale = outbox.published(first, Published("1", "https://x.com/s/1"), False, now)
        assert outbox.record(session, [stale], now) == []
        fresh = outbox.published(taken, Published("2", "https://x.com/s/2"), False, now)
        assert outbox.record(session, [fresh], now) == [fresh]
    with factory() as session:
        row = session.execute(select(Publication)).scalar_one()
    assert (row.status, row.remote_id, row.attempts) == (PUBLISHED, "2", 2)


def test_several_workers_taking_over_at_once_take_a_dead_workers_claim_once(factory, clock):
    approved_publication(factory, clock)
    dead = heartbeat(factory, clock)
    assert len(claim(factory, clock, dead)) == 1
    clock.at(21)
    takers = [heartbeat(factory, clock) for _ in range(4)]
    start, taken = threading.Barrier(len(takers)), []

    def take(worker):
        start.wait()
        taken.extend(claim(factory, clock, worker))

    threads = [threading.Thread(target=take, args=(w,)) for w in takers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [(c.attempt, c.recovering) for c in taken] == [(2, True)]


def test_a_publication_held_by_a_live_slow_worker_waits_for_the_lease(factory, clock):
    approved_publication(factory, clock)
    slow, other = heartbeat(factory, clock), heartbeat(factory, clock)
    assert len(claim(factory, clock, slow)) == 1
    for seconds in range(10, 300, 10):  # still beating while its platform call takes minutes
        clock.at(seconds)
        slow.beat()
        other.beat()
        assert claim(factory, clock, other) == []
    clock.at(301)
    slow.beat()
    [taken] = claim(factory, clock, other)  # the lease is over: alive or not, it is taken
    assert (taken.attempt, taken.recovering) == (2, True)


def test_a_worker_that_stopped_cleanly_frees_what_it_held_at_once(factory, clock):
    approved_publication(factory, clock)
    stopped = workers.Heartbeat(factory, clock, timeout=TIMEOUT)
    other = heartbeat(factory, clock)
    assert stopped.start()
    assert len(claim(factory, clock, stopped)) == 1
    stopped.stop()  # as `snsbot worker` on SIGTERM, had something it held been left unwritten
    clock.at(1)
    assert [c.recovering for c in claim(factory, clock, other)] == [True]


def test_a_claim_without_a_holder_keeps_the_lease(factory, clock):
    """Claims made before workers beat (or by a worker not yet registered) wait for the lease."""
    approved_publication(factory, clock)
    with factory.begin() as session:
        assert len(outbox.claim_due(session, clock(), LEASE, 10)) == 1
    assert holder_of(factory) is None
    other = heartbeat(factory, clock)
    clock.at(299)
    other.beat()
    assert claim(factory, clock, other) == []
    clock.at(301)
    assert len(claim(factory, clock, other)) == 1


def test_a_dispatcher_beats_while_it_runs_and_removes_its_row_when_it_stops(factory, clock):
    dispatcher = Dispatcher(factory, {}, {}, Messages("ja"), clock)
    dispatcher.start()
    try:
        with factory() as session:
            rows = session.execute(select(Worker)).scalars().all()
        assert [(w.id, w.beat_at) for w in rows] == [(dispatcher.heartbeat.worker.id, START)]
        assert dispatcher.heartbeat.holder == dispatcher.heartbeat.worker.id
    finally:
        dispatcher.stop()
    with factory() as session:
        assert session.execute(select(Worker)).scalars().all() == []
    dispatcher.run_until_idle()  # `snsbot worker --once` too leaves no row behind
    with factory() as session:
        assert session.execute(select(Worker)).scalars().all() == []


def submitted_draft(factory, clock) -> int:
    with factory.begin() as session:
        draft = workflow.submit(
            session,
            author_id=OPERATOR,
            content=DraftInput(body="心拍の試験", channels=("x",)),
            now=clock(),
        )
    return draft.id


def claim_notices(factory, clock, worker: workers.Heartbeat) -> dict:
    with factory.begin() as session:
        return notices.claim_due(session, ["slack"], clock(), clock() + LEASE, 50, worker.holder)


def test_chat_notices_held_by_a_dead_worker_are_due_again_after_the_timeout(factory, clock):
    draft_id = submitted_draft(factory, clock)  # owes the chief a card, the author a receipt
    dead, alive = heartbeat(factory, clock), heartbeat(factory, clock)
    assert [n.kind for n in claim_notices(factory, clock, dead)[("draft", draft_id)]] == [
        "card",
        "submitted",
    ]
    clock.at(19)
    alive.beat()
    assert claim_notices(factory, clock, alive) == {}
    clock.at(21)
    alive.beat()  # a live worker's beat takes over from the silent one
    assert [n.kind for n in claim_notices(factory, clock, alive)[("draft", draft_id)]] == [
        "card",
        "submitted",
    ]
    with factory() as session:
        assert session.execute(select(Worker.id)).scalars().all() == [alive.worker.id]


def test_chat_notices_held_by_a_live_slow_worker_wait_for_the_lease(factory, clock):
    draft_id = submitted_draft(factory, clock)
    slow, other = heartbeat(factory, clock), heartbeat(factory, clock)
    assert claim_notices(factory, clock, slow)
    for seconds in (10, 60, 299):
        clock.at(seconds)
        slow.beat()
        other.beat()
        assert claim_notices(factory, clock, other) == {}
    clock.at(301)
    assert list(claim_notices(factory, clock, other)) == [("draft", draft_id)]


def test_a_worker_silent_so_long_its_row_was_deleted_writes_it_again(factory, clock):
    stalled, other = heartbeat(factory, clock), heartbeat(factory, clock)
    clock.at(30)
    other.beat()  # takes over from `stalled`, deleting its row
    stalled.beat()  # it was only stalled: it is back
    with factory() as session:
        ids = set(session.execute(select(Worker.id)).scalars())
    assert ids == {stalled.worker.id, other.worker.id}


# -- engagements -----------------------------------------------------------------------------


class Performer:
    network, dry_run = "facebook", False

    def __init__(self):
        self.calls: list[tuple[str, str]] = []
        self.lookups: list[tuple[str, str]] = []

    def perform(self, kind, target):
        self.calls.append((kind, target))
        return Published("page_2", "https://fb.example/2")

    def look_up(self, kind, target):
        self.lookups.append((kind, target))
        return None


class Notifier:
    def post_engagement_card(self, item):
        return []

    def update_engagement_card(self, item):
        pass

    def tell_requester(self, item, kind):
        pass


def engagement_held_by(factory, clock, holder: workers.Heartbeat) -> int:
    """A share the chief approved, claimed by `holder`, whose call never came back."""
    with factory.begin() as session:
        item = engagement.request(
            session, requester_id=OPERATOR, kind="share", target=parse("share", FB_POST)[0],
            category="civic_group", official_confirmed=True, now=clock(),
        )  # fmt: skip
    with factory.begin() as session:
        engagement.decide(session, engagement_id=item.id, actor=CHIEF, approve=True, now=clock())
        session.execute(
            update(Engagement)
            .where(Engagement.id == item.id)
            .values(status=SENDING, attempts=1, claimed_at=clock(), claimed_by=holder.holder)
        )
    return item.id


def perform(factory, clock, worker: workers.Heartbeat, performer: Performer) -> None:
    """One round of the dispatcher's action loop, as `worker`, until what it took is recorded."""
    worker.beat()
    dispatcher = Dispatcher(
        factory, {}, {"slack": Notifier()}, Messages("ja"), clock,
        performers={"facebook": performer}, heartbeat=worker,
    )  # fmt: skip
    dispatcher.publish_due()
    dispatcher.stop()  # waits for the attempt and its record


def test_an_engagement_held_by_a_dead_worker_is_taken_over_after_the_timeout(factory, clock):
    dead = heartbeat(factory, clock)
    engagement_id = engagement_held_by(factory, clock, dead)
    alive, performer = heartbeat(factory, clock), Performer()
    clock.at(19)
    perform(factory, clock, alive, performer)
    assert performer.lookups == [] and performer.calls == []
    clock.at(21)
    perform(factory, clock, alive, performer)
    assert performer.lookups == [("share", FB_POST)]  # looked up first, then shared once
    assert performer.calls == [("share", FB_POST)]
    with factory() as session:
        item = session.get(Engagement, engagement_id)
    assert (item.status, item.attempts, item.claimed_by) == ("done", 2, alive.worker.id)


def test_an_engagement_held_by_a_live_slow_worker_waits_for_the_lease(factory, clock):
    slow = heartbeat(factory, clock)
    engagement_held_by(factory, clock, slow)
    other, performer = heartbeat(factory, clock), Performer()
    for seconds in (10, 60, 299):
        clock.at(seconds)
        slow.beat()
        perform(factory, clock, other, performer)
        assert performer.lookups == [] and performer.calls == []
    clock.at(301)
    slow.beat()
    perform(factory, clock, other, performer)
    assert performer.lookups == [("share", FB_POST)] and len(performer.calls) == 1


def test_the_heartbeat_timeout_is_a_setting_of_at_least_two_seconds():
    assert Settings.from_env({}).heartbeat_timeout_seconds == 20
    assert Settings.from_env({"SNSBOT_HEARTBEAT_TIMEOUT_SECONDS": "45"}).problems() == []
    refused = Settings.from_env({"SNSBOT_HEARTBEAT_TIMEOUT_SECONDS": "1"}).problems()
    assert refused == ["SNSBOT_HEARTBEAT_TIMEOUT_SECONDS must be 2 seconds or more."]


# -- moderation actions (policy §11) -----------------------------------------------------------


class Inbox:
    """A Facebook Page's moderation inbox that records each call."""

    poll_minutes = 5

    def __init__(self):
        self.calls: list[tuple[str, str]] = []

    def fetch(self, since):
        return []

    def hide(self, item):
        self.calls.append(("hide", item.remote_id))


def moderation_held_by(factory, clock, holder: workers.Heartbeat, inbox: Inbox) -> int:
    """A comment the chief decided to hide, claimed by `holder`, whose call never came back."""
    comment = Item("c1", "comment", "あるユーザー", "A1", "ひどいコメント", FB_POST, clock(),
                   ("hide",))  # fmt: skip
    with factory.begin() as session:
        moderation_store.store(session, "facebook", [comment], "（不明）", clock())
        item_id = session.execute(select(ModerationItem.id)).scalar_one()
    outcome = moderation.decide(
        factory, {"facebook": inbox}, item_id=item_id, actor=CHIEF, action="hide", category=5,
        now=clock(), msg=Messages("ja"),
    )  # fmt: skip
    assert outcome.result == moderation.QUEUED
    with factory.begin() as session:
        session.execute(
            update(ModerationItem)
            .where(ModerationItem.id == item_id)
            .values(attempts=1, claimed_at=clock(), claimed_by=holder.holder)
        )
    return item_id


def act(factory, clock, worker: workers.Heartbeat, inbox: Inbox) -> None:
    """One round of the dispatcher's action loop, as `worker`, until what it took is recorded."""
    worker.beat()
    dispatcher = Dispatcher(
        factory, {}, {}, Messages("ja"), clock, inboxes={"facebook": inbox}, heartbeat=worker
    )
    dispatcher.publish_due()
    dispatcher.stop()  # waits for the attempt and its record


def test_a_moderation_action_held_by_a_dead_worker_is_taken_over_after_the_timeout(factory, clock):
    dead, inbox = heartbeat(factory, clock), Inbox()
    item_id = moderation_held_by(factory, clock, dead, inbox)
    alive = heartbeat(factory, clock)
    clock.at(19)
    act(factory, clock, alive, inbox)
    assert inbox.calls == []
    clock.at(21)
    act(factory, clock, alive, inbox)
    assert inbox.calls == [("hide", "c1")]  # hidden once: hiding again would change nothing
    with factory() as session:
        item = session.get(ModerationItem, item_id)
        assert (item.status, item.attempts, item.decided_by) == ("decided", 2, CHIEF)
        moderated = session.execute(
            select(RegisterEntry).where(RegisterEntry.action == "moderated")
        ).scalar_one()
    assert moderated.details["decision"] == "hide" and moderated.actor == CHIEF


def test_a_moderation_action_held_by_a_live_slow_worker_waits_for_the_lease(factory, clock):
    slow, inbox = heartbeat(factory, clock), Inbox()
    moderation_held_by(factory, clock, slow, inbox)
    other = heartbeat(factory, clock)
    for seconds in (10, 60, 299):
        clock.at(seconds)
        slow.beat()
        act(factory, clock, other, inbox)
        assert inbox.calls == []
    clock.at(301)
    slow.beat()
    act(factory, clock, other, inbox)
    assert inbox.calls == [("hide", "c1")]
