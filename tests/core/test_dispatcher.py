"""The dispatcher against a real database, a recording notifier and scriptable publishers."""

from __future__ import annotations

import contextlib
import threading
import time
from collections import namedtuple
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from conftest import CHIEF, OPERATOR
from sqlalchemy import select, update

from bot import db, register
from bot.approval import deciding, drafts, workflow
from bot.approval.snapshot import DraftSnapshot
from bot.delivery import notices as notices_db
from bot.delivery import outbox
from bot.delivery.dispatcher import Dispatcher
from bot.delivery.publishing import MAX_PUBLISH_ATTEMPTS, backoff
from bot.messages import Messages
from bot.models import (
    CARD_UPDATE,
    FAILED,
    PUBLISHED,
    QUEUED,
    RESULTS,
    SENDING,
    CardMessage,
    Notice,
    Publication,
    RegisterEntry,
)
from bot.people import roles
from bot.ports import NoticeMark, PermanentError, Post, Published, RetryLater, TransientError
from publishers.dryrun import DryRunPublisher

START = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
MSG = Messages("ja")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime = START):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class FakeNotifier:
    """Records every call; `fail[method] = n` makes the next n calls raise RetryLater."""

    calls: list[tuple[str, DraftSnapshot | str, str]] = field(default_factory=list)
    refused: list[tuple[str, DraftSnapshot | str, str]] = field(default_factory=list)
    fail: dict[str, int] = field(default_factory=dict)
    retry_after: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    hold: dict[str, threading.Event] = field(default_factory=dict)

    def _record(self, method: str, subject, detail: str = "") -> None:
        with self.lock:
            self.calls.append((method, subject, detail))
            if self.fail.get(method, 0) > 0:
                self.fail[method] -= 1
                self.refused.append(self.calls[-1])
                raise RetryLater(f"{method} rate limited", retry_after=self.retry_after)
        gate = self.hold.get(method)
        if gate is not None:
            gate.wait(10)

    def post_card(self, draft: DraftSnapshot, notice=None) -> list[tuple[str, str]]:
        self._record("post_card", draft)
        return [(f"D{CHIEF}", f"1700000000.{draft.id:06d}")]

    def update_card(self, draft: DraftSnapshot) -> None:
        self._record("update_card", draft)

    def tell_author(self, draft: DraftSnapshot, kind: str, notice=None) -> None:
        self._record("tell_author", draft, kind)

    def tell_user(self, user_id: str, text: str) -> None:
        self._record("tell_user", user_id, text)

    def of(self, method: str) -> list:
        with self.lock:
            return [c for c in self.calls if c[0] == method]

    def told(self) -> list[tuple[int, str]]:
        """(draft id, kind) of every author message actually delivered."""
        with self.lock:
            return [
                (snap.id, kind)
                for call in self.calls
                if call[0] == "tell_author" and call not in self.refused
                for _, snap, kind in [call]
            ]


class ScriptedPublisher:
    """A publisher whose calls follow a script: each step is "ok", an exception to raise, or
    ("slow", seconds); after the script it publishes. Thread-safe call counting."""

    dry_run = False

    def __init__(self, name: str, *script, found: Published | None = None):
        self.name = name
        self.script = list(script)
        self.found = found
        self.published: list[Post] = []
        self.attempts: list[Post] = []
        self.finds: list[Post] = []
        self.lock = threading.Lock()

    def preview(self, post: Post) -> str:
        return str(post.payload)

    def publish(self, post: Post) -> Published:
        with self.lock:
            self.attempts.append(post)
            step = self.script.pop(0) if self.script else "ok"
        if isinstance(step, tuple) and step[0] == "slow":
            time.sleep(step[1])
        elif isinstance(step, Exception):
            raise step
        with self.lock:
            self.published.append(post)
            n = len(self.published)
        return Published(
            remote_id=f"{self.name}-{post.draft_id}-{n}",
            url=f"https://{self.name}.example/{post.draft_id}/{n}",
        )

    def find(self, post: Post) -> Published | None:
        with self.lock:
            self.finds.append(post)
        return self.found

    def verify_account(self) -> str | None:
        return None

    def count(self, draft_id: int) -> int:
        with self.lock:
            return sum(1 for p in self.published if p.draft_id == draft_id)


# -- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture
def factory(database_url):
    engine = db.make_engine(database_url)
    session_factory = db.make_session_factory(engine)
    with session_factory.begin() as session:
        roles.bootstrap(session, CHIEF, (OPERATOR,), START - timedelta(days=1))
    yield session_factory
    engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def notifier() -> FakeNotifier:
    return FakeNotifier()


@pytest.fixture
def make_dispatcher(factory, notifier, clock):
    made: list[Dispatcher] = []

    def make(publishers: dict, msg: Messages = MSG, **kwargs) -> Dispatcher:
        dispatcher = Dispatcher(
            factory, publishers, {"slack": kwargs.pop("notifier", notifier)}, msg, clock, **kwargs
        )
        made.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in made:
        dispatcher.stop()


def dry(*channels: str) -> dict:
    return {c: DryRunPublisher(c, "test") for c in channels}


def submit(factory, clock, channels=("x", "facebook", "blog"), **fields) -> int:
    content = drafts.DraftInput(
        body=fields.pop("body", "市民活動フェアを開催します。"),
        channels=channels,
        url=fields.pop("url", "https://wako-kyodo.example.jp/fair"),
        **fields,
    )
    with factory.begin() as session:
        return workflow.submit(session, author_id=OPERATOR, content=content, now=clock()).id


def approve(factory, clock, draft_id) -> None:
    with factory.begin() as session:
        outcome = workflow.decide(
            session, draft_id=draft_id, actor=CHIEF, approve=True, now=clock()
        )
    assert outcome.result == deciding.DONE


def approved(factory, clock, dispatcher, **kwargs) -> int:
    """A submitted draft whose card was delivered, then approved."""
    draft_id = submit(factory, clock, **kwargs)
    dispatcher.run_until_idle()
    approve(factory, clock, draft_id)
    return draft_id


def pubs(factory, draft_id) -> dict[str, Publication]:
    with factory() as session:
        rows = session.execute(select(Publication).where(Publication.draft_id == draft_id))
        return {p.channel: p for p in rows.scalars()}


def actions(factory, action) -> list[RegisterEntry]:
    with factory() as session:
        return list(
            session.execute(
                select(RegisterEntry)
                .where(RegisterEntry.action == action)
                .order_by(RegisterEntry.seq)
            ).scalars()
        )


def notices(factory, draft_id) -> list[Notice]:
    with factory() as session:
        return list(
            session.execute(
                select(Notice).where(Notice.subject_id == draft_id).order_by(Notice.id)
            ).scalars()
        )


# -- the happy path ---------------------------------------------------------------------------


def test_approved_draft_is_published_everywhere_and_the_author_told_once(
    factory, clock, notifier, make_dispatcher
):
    x = ScriptedPublisher("x")
    dispatcher = make_dispatcher({"x": x, **dry("facebook", "blog")})
    draft_id = submit(factory, clock)
    dispatcher.run_until_idle()
    assert len(notifier.of("post_card")) == 1
    assert notifier.told() == [(draft_id, "submitted")]
    with factory() as session:
        refs = session.execute(select(CardMessage.conversation, CardMessage.ts)).all()
        assert [tuple(r) for r in refs] == [(f"D{CHIEF}", f"1700000000.{draft_id:06d}")]

    approve(factory, clock, draft_id)
    dispatcher.run_until_idle()

    published = pubs(factory, draft_id)
    assert {c: p.status for c, p in published.items()} == dict.fromkeys(
        ("x", "facebook", "blog"), PUBLISHED
    )
    assert published["x"].remote_id == f"x-{draft_id}-1"
    assert published["x"].url == f"https://x.example/{draft_id}/1"
    assert published["x"].dry_run is False
    assert published["facebook"].dry_run is True and published["blog"].dry_run is True
    assert all(p.attempts == 1 and p.published_at == clock.now for p in published.values())
    assert x.count(draft_id) == 1
    assert x.published[0].payload == {
        "text": "市民活動フェアを開催します。 https://wako-kyodo.example.jp/fair"
    }

    assert len(notifier.of("post_card")) == 1  # posted once, updated after
    assert notifier.of("update_card")
    assert all(snap.card_refs for _, snap, _ in notifier.of("update_card"))
    assert notifier.told() == [(draft_id, "submitted"), (draft_id, "results")]
    results = notifier.of("tell_author")[-1][1]
    assert {p.channel: p.status for p in results.publications} == dict.fromkeys(
        ("x", "facebook", "blog"), PUBLISHED
    )
    assert len(actions(factory, "published")) == 3
    assert all(n.done for n in notices(factory, draft_id))
    with factory() as session:
        assert register.verify(session) == []


def test_rejected_draft_tells_the_author_and_publishes_nothing(
    factory, clock, notifier, make_dispatcher
):
    x = ScriptedPublisher("x")
    dispatcher = make_dispatcher({"x": x, **dry("facebook", "blog")})
    draft_id = submit(factory, clock)
    dispatcher.run_until_idle()
    with factory.begin() as session:
        workflow.decide(
            session, draft_id=draft_id, actor=CHIEF, approve=False, reason="日付", now=clock()
        )
    dispatcher.run_until_idle()
    assert notifier.told() == [(draft_id, "submitted"), (draft_id, "rejected")]
    assert notifier.of("tell_author")[-1][1].reject_reason == "日付"
    assert x.attempts == [] and pubs(factory, draft_id) == {}


def test_scheduled_publication_waits_for_its_time(factory, clock, notifier, make_dispatcher):
    x = ScriptedPublisher("x")
    dispatcher = make_dispatcher({"x": x})
    at = clock.now + timedelta(hours=2)
    draft_id = approved(factory, clock, dispatcher, channels=("x",), publish_at=at)
    dispatcher.run_until_idle()
    assert x.attempts == [] and pubs(factory, draft_id)["x"].status == QUEUED
    clock.now = at
    dispatcher.run_until_idle()
    assert x.count(draft_id) == 1 and pubs(factory, draft_id)["x"].status == PUBLISHED


# -- errors from publishers -------------------------------------------------------------------


def test_transient_error_requeues_at_retry_at_then_publishes(
    factory, clock, notifier, make_dispatcher
):
    retry_at = clock.now + timedelta(minutes=15)
    x = ScriptedPublisher("x", TransientError("429 Too Many Requests", retry_at=retry_at))
    dispatcher = make_dispatcher({"x": x, **dry("facebook")})
    draft_id = approved(factory, clock, dispatcher, channels=("x", "facebook"))
    dispatcher.run_until_idle()

    p = pubs(factory, draft_id)["x"]
    assert (p.status, p.attempts, p.due_at) == (QUEUED, 1, retry_at)
    assert "429 Too Many Requests" in p.error
    assert pubs(factory, draft_id)["facebook"].status == PUBLISHED
    assert notifier.told() == [(draft_id, "submitted")]  # not every channel is done yet

    clock.advance(minutes=14)
    dispatcher.run_until_idle()
    assert len(x.attempts) == 1  # not before retry_at

    clock.now = retry_at
    dispatcher.run_until_idle()
    p = pubs(factory, draft_id)["x"]
    assert (p.status, p.attempts, p.error) == (PUBLISHED, 2, None)
    assert x.count(draft_id) == 1
    assert notifier.told() == [(draft_id, "submitted"), (draft_id, "results")]


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_publishers_error_key_is_stored_in_the_installations_language(
    factory, clock, notifier, make_dispatcher, locale
):
    msg = Messages(locale)
    image = {"name": "poster.png", "detail": "HTTP 415"}
    x = ScriptedPublisher(
        "x", TransientError("pub.reason.rate_limited"), PermanentError("pub.error.image", image)
    )
    dispatcher = make_dispatcher({"x": x}, msg=msg)
    draft_id = approved(factory, clock, dispatcher, channels=("x",))
    dispatcher.run_until_idle()
    assert pubs(factory, draft_id)["x"].error == msg("pub.reason.rate_limited")

    clock.advance(hours=1)
    dispatcher.run_until_idle()
    failed = pubs(factory, draft_id)["x"]
    assert (failed.status, failed.error) == (FAILED, msg("pub.error.image", **image))
    (entry,) = actions(factory, "publish_failed")
    assert entry.details["error"] == msg("pub.error.image", **image)


def test_transient_error_without_retry_at_backs_off(factory, clock, notifier, make_dispatcher):
    x = ScriptedPublisher("x", TransientError("503 Service Unavailable"))
    dispatcher = make_dispatcher({"x": x})
    draft_id = approved(factory, clock, dispatcher, channels=("x",))
    failed_at = clock.now
    dispatcher.run_until_idle()
    p = pubs(factory, draft_id)["x"]
    assert (p.status, p.attempts, p.due_at) == (QUEUED, 1, failed_at + backoff(1))
    assert "503" in p.error
    clock.now = p.due_at
    dispatcher.run_until_idle()
    assert pubs(factory, draft_id)["x"].status == PUBLISHED


def test_unexpected_exception_is_treated_as_transient(factory, clock, notifier, make_dispatcher):
    x = ScriptedPublisher("x", ConnectionResetError("peer reset"))
    dispatcher = make_dispatcher({"x": x})
    draft_id = approved(factory, clock, dispatcher, channels=("x",))
    dispatcher.run_until_idle()
    p = pubs(factory, draft_id)["x"]
    assert (p.status, p.attempts) == (QUEUED, 1)
    clock.advance(hours=1)
    dispatcher.run_until_idle()
    assert pubs(factory, draft_id)["x"].status == PUBLISHED


def test_permanent_error_fails_the_channel_and_results_still_go_out(
    factory, clock, notifier, make_dispatcher
):
    reason = "X のアカウントが凍結されています。管理者に連絡してください。"
    x = ScriptedPublisher("x", PermanentError(reason))
    dispatcher = make_dispatcher({"x": x, **dry("facebook", "blog")})
    draft_id = approved(factory, clock, dispatcher)
    dispatcher.run_until_idle()

    published = pubs(factory, draft_id)
    assert (published["x"].status, published["x"].error, published["x"].attempts) == (
        FAILED,
        reason,
        1,
    )
    assert published["facebook"].status == PUBLISHED and published["blog"].status == PUBLISHED
    assert len(x.attempts) == 1
    assert notifier.told() == [(draft_id, "submitted"), (draft_id, "results")]
    results = notifier.of("tell_author")[-1][1]
    assert {p.channel: p.status for p in results.publications}["x"] == FAILED
    (failed,) = actions(factory, "publish_failed")
    assert (failed.draft_id, failed.details["channel"], failed.details["error"]) == (
        draft_id,
        "x",
        reason,
    )

    clock.advance(hours=1)
    dispatcher.run_until_idle()
    assert len(x.attempts) == 1  # a permanent failure is not retried by itself


def test_gives_up_after_max_attempts(factory, clock, notifier, make_dispatcher):
    x = ScriptedPublisher("x", *[TransientError("503") for _ in range(MAX_PUBLISH_ATTEMPTS + 5)])
    dispatcher = make_dispatcher({"x": x})
    draft_id = approved(factory, clock, dispatcher, channels=("x",))
    for _ in range(MAX_PUBLISH_ATTEMPTS + 3):
        dispatcher.run_until_idle()
        clock.advance(hours=1)
    p = pubs(factory, draft_id)["x"]
    assert (p.status, p.attempts) == (FAILED, MAX_PUBLISH_ATTEMPTS)
    assert p.error == MSG("pub.error.gave_up")
    assert len(x.attempts) == MAX_PUBLISH_ATTEMPTS and x.published == []
    (failed,) = actions(factory, "publish_failed")
    assert failed.details["attempts"] == MAX_PUBLISH_ATTEMPTS
    assert notifier.told() == [(draft_id, "submitted"), (draft_id, "results")]


def test_retry_after_failure_publishes_again_and_reports_again(
    factory, clock, notifier, make_dispatcher
):
    x = ScriptedPublisher("x", PermanentError("一時的に投稿できません"))
    dispatcher = make_dispatcher({"x": x, **dry("facebook")})
    draft_id = approved(factory, clock, dispatcher, channels=("x", "facebook"))
    dispatcher.run_until_idle()
    assert pubs(factory, draft_id)["x"].status == FAILED
    with factory.begin() as session:
        workflow.retry_failed(session, draft_id=draft_id, actor=OPERATOR, now=clock())
    dispatcher.run_until_idle()
    assert {c: p.status for c, p in pubs(factory, draft_id).items()} == {
        "x": PUBLISHED,
        "facebook": PUBLISHED,
    }
    assert len(x.attempts) == 2 and x.count(draft_id) == 1
    assert notifier.told() == [
        (draft_id, "submitted"),
        (draft_id, "results"),
        (draft_id, "results"),
    ]


# -- notices ---------------------------------------------------------------------------------


def test_notice_that_must_wait_is_retried_later_and_keeps_its_place(
    factory, clock, notifier, make_dispatcher
):
    notifier.fail["post_card"] = 1
    notifier.retry_after = 30
    dispatcher = make_dispatcher(dry("x", "facebook", "blog"))
    first = submit(factory, clock)
    second = submit(factory, clock)
    failed_at = clock.now
    dispatcher.run_until_idle()

    card = notices(factory, first)[0]
    assert (card.kind, card.done, card.attempts) == ("card", False, 1)
    assert card.due_at == failed_at + timedelta(seconds=30)
    assert "rate limited" in card.last_error
    assert notifier.told() == [(second, "submitted")]  # the first draft's receipt waits
    assert [snap.id for _, snap, _ in notifier.of("post_card")] == [first, second]

    clock.advance(seconds=29)
    dispatcher.run_until_idle()
    assert len(notifier.of("post_card")) == 2

    clock.advance(seconds=1)
    dispatcher.run_until_idle()
    assert [snap.id for _, snap, _ in notifier.of("post_card")] == [first, second, first]
    assert notifier.told() == [(second, "submitted"), (first, "submitted")]
    assert all(n.done for n in notices(factory, first))


def test_notice_backoff_grows_without_retry_after(factory, clock, notifier, make_dispatcher):
    notifier.fail["tell_author"] = 2
    dispatcher = make_dispatcher(dry("x", "facebook", "blog"))
    draft_id = submit(factory, clock)
    dispatcher.run_until_idle()
    receipt = notices(factory, draft_id)[1]
    assert receipt.due_at == clock.now + backoff(1, base=2.0, cap=600.0)
    clock.now = receipt.due_at
    dispatcher.run_until_idle()
    receipt = notices(factory, draft_id)[1]
    assert (receipt.attempts, receipt.due_at) == (2, clock.now + backoff(2, base=2.0, cap=600.0))
    clock.now = receipt.due_at
    dispatcher.run_until_idle()
    assert notifier.told() == [(draft_id, "submitted")]


def marking(notifier: FakeNotifier) -> list:
    """The marks the dispatcher hands `notifier.post_card`, in order."""
    marks, post_card = [], notifier.post_card

    def recording(draft, notice=None):
        marks.append(notice)
        return post_card(draft, notice)

    notifier.post_card = recording
    return marks


def test_a_notice_tried_before_says_since_when_so_its_message_is_looked_for(
    factory, clock, notifier, make_dispatcher
):
    """An attempt that failed may have been delivered all the same (no answer came back)."""
    marks = marking(notifier)
    notifier.fail["post_card"] = 1
    dispatcher = make_dispatcher(dry("x"))
    draft_id = submit(factory, clock, channels=("x",))
    first_try = clock.now
    dispatcher.run_until_idle()
    clock.advance(minutes=1)
    dispatcher.run_until_idle()
    card = notices(factory, draft_id)[0]
    assert card.done and card.first_tried_at == first_try
    assert marks == [
        NoticeMark(f"notice:{card.id}", None),
        NoticeMark(f"notice:{card.id}", first_try),
    ]


def test_a_notice_left_by_a_crashed_dispatcher_is_looked_for_before_it_is_sent(
    factory, clock, notifier, make_dispatcher
):
    marks = marking(notifier)
    dispatcher = make_dispatcher(dry("x"))
    draft_id = submit(factory, clock, channels=("x",))
    crashed_at = clock.now
    with factory.begin() as session:  # claimed, then the process died mid-send
        notices_db.claim_due(session, ["slack"], crashed_at, crashed_at + dispatcher.lease, 50)
    clock.now = crashed_at + dispatcher.lease
    dispatcher.run_until_idle()
    card = notices(factory, draft_id)[0]
    assert card.done and card.attempts == 0
    assert marks == [NoticeMark(f"notice:{card.id}", crashed_at)]


def test_card_shows_a_result_recorded_while_the_card_was_being_updated(
    factory, clock, notifier, make_dispatcher
):
    """Found as a bug: a card_update being sent swallowed the refresh a new result asked for,
    so the card stayed at ⏳."""
    x = ScriptedPublisher("x")
    dispatcher = make_dispatcher({"x": x})
    draft_id = approved(factory, clock, dispatcher, channels=("x",))
    gate = threading.Event()
    notifier.hold["update_card"] = gate
    updating = threading.Thread(target=dispatcher.deliver_due)
    updating.start()
    for _ in range(500):  # wait until the card update has its snapshot and is sending it
        if notifier.of("update_card"):
            break
        time.sleep(0.01)
    dispatcher.publish_due()
    for _ in range(500):
        if not dispatcher.busy:
            break
        time.sleep(0.01)
    assert pubs(factory, draft_id)["x"].status == PUBLISHED
    gate.set()
    updating.join()
    del notifier.hold["update_card"]
    dispatcher.run_until_idle()
    last = notifier.of("update_card")[-1][1]
    assert [p.status for p in last.publications] == [PUBLISHED]


# -- crash recovery and concurrency -------------------------------------------------------------


def leave_sending(factory, draft_id, channel, claimed_at) -> None:
    """As if a worker claimed the publication and then died."""
    with factory.begin() as session:
        session.execute(
            update(Publication)
            .where(Publication.draft_id == draft_id, Publication.channel == channel)
            .values(status=SENDING, attempts=1, claimed_at=claimed_at)
        )


def test_stale_sending_publication_found_on_the_platform_is_not_posted_again(
    factory, clock, notifier, make_dispatcher
):
    x = ScriptedPublisher("x", found=Published("1790000000000000001", "https://x.com/s/1"))
    dispatcher = make_dispatcher({"x": x}, lease=timedelta(minutes=5))
    draft_id = approved(factory, clock, dispatcher, channels=("x",))
    leave_sending(factory, draft_id, "x", clock.now - timedelta(minutes=6))
    dispatcher.run_until_idle()
    assert len(x.finds) == 1 and x.attempts == []
    p = pubs(factory, draft_id)["x"]
    assert (p.status, p.remote_id, p.url, p.attempts) == (
        PUBLISHED,
        "1790000000000000001",
        "https://x.com/s/1",
        2,
    )
    assert notifier.told()[-1] == (draft_id, "results")


def test_stale_sending_publication_not_found_is_posted_once(
    factory, clock, notifier, make_dispatcher
):
    x = ScriptedPublisher("x", found=None)
    dispatcher = make_dispatcher({"x": x}, lease=timedelta(minutes=5))
    draft_id = approved(factory, clock, dispatcher, channels=("x",))
    leave_sending(factory, draft_id, "x", clock.now - timedelta(minutes=6))
    dispatcher.run_until_idle()
    assert len(x.finds) == 1 and x.count(draft_id) == 1
    assert pubs(factory, draft_id)["x"].status == PUBLISHED


def test_sending_publication_within_its_lease_is_left_alone(
    factory, clock, notifier, make_dispatcher
):
    x = ScriptedPublisher("x", found=None)
    dispatcher = make_dispatcher({"x": x}, lease=timedelta(minutes=5))
    draft_id = approved(factory, clock, dispatcher, channels=("x",))
    leave_sending(factory, draft_id, "x", clock.now - timedelta(minutes=4))
    dispatcher.run_until_idle()
    assert x.finds == [] and x.attempts == []
    assert pubs(factory, draft_id)["x"].status == SENDING


def test_two_dispatchers_publish_each_publication_exactly_once(
    factory, clock, notifier, make_dispatcher
):
    slow = [("slow", 0.02)] * 100
    x, fb = ScriptedPublisher("x", *slow), ScriptedPublisher("facebook", *slow)
    publishers = {"x": x, "facebook": fb, **dry("blog")}
    first = make_dispatcher(publishers, notifier=FakeNotifier())
    second = make_dispatcher(publishers, notifier=FakeNotifier())
    draft_ids = [submit(factory, clock) for _ in range(5)]
    for draft_id in draft_ids:
        approve(factory, clock, draft_id)

    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(dispatcher):
        try:
            start.wait()
            dispatcher.run_until_idle()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(d,)) for d in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for draft_id in draft_ids:
        assert x.count(draft_id) == 1 and fb.count(draft_id) == 1
        assert {p.status for p in pubs(factory, draft_id).values()} == {PUBLISHED}
    assert len(x.attempts) == len(fb.attempts) == 5
    assert len(actions(factory, "published")) == 15


def test_two_dispatchers_deliver_each_notice_once(factory, clock, make_dispatcher):
    """Found as a bug: notices were not claimed, so two dispatchers both sent each one."""
    notifier = FakeNotifier()
    both_in = threading.Barrier(2, timeout=1)

    def post_card(
        draft, notice=None
    ):  # wait (briefly) for a second dispatcher to arrive with the same card
        notifier._record("post_card", draft)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_in.wait()
        return [(f"D{CHIEF}", "1700000000.000001")]

    notifier.post_card = post_card
    first = make_dispatcher(dry("x"), notifier=notifier)
    second = make_dispatcher(dry("x"), notifier=notifier)
    draft_id = submit(factory, clock, channels=("x",))
    threads = [threading.Thread(target=d.deliver_due) for d in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first.run_until_idle()
    assert len(notifier.of("post_card")) == 1
    assert notifier.told() == [(draft_id, "submitted")]


def test_run_until_idle_delivers_what_a_finishing_publication_owes(
    factory, clock, notifier, make_dispatcher
):
    """Found as a bug: a publication finishing between deliver_due() and the busy check left
    its results notice undelivered (`snsbot worker --once` exited without sending it)."""
    gate = threading.Event()

    class Held(ScriptedPublisher):
        def publish(self, post):
            gate.wait(10)
            return super().publish(post)

    x = Held("x")
    dispatcher = make_dispatcher({"x": x})
    draft_id = approved(factory, clock, dispatcher, channels=("x",))
    deliver_due = dispatcher.deliver_due

    def deliver_then_let_the_publication_finish():
        delivered = deliver_due()
        if not delivered and not gate.is_set():
            gate.set()
            while dispatcher.busy:
                time.sleep(0.01)
        return delivered

    dispatcher.deliver_due = deliver_then_let_the_publication_finish
    dispatcher.run_until_idle()
    assert x.count(draft_id) == 1
    assert notifier.told() == [(draft_id, "submitted"), (draft_id, "results")]


def test_a_notice_waits_while_an_earlier_one_of_its_draft_is_being_sent(
    factory, clock, notifier, make_dispatcher
):
    """Another dispatcher holds the card (claimed, not yet sent): the receipt does not overtake it."""
    dispatcher = make_dispatcher(dry("x"))
    draft_id = submit(factory, clock, channels=("x",))
    card = notices(factory, draft_id)[0]
    with factory.begin() as session:
        session.execute(
            update(Notice)
            .where(Notice.id == card.id)
            .values(due_at=clock.now + timedelta(minutes=5))  # another dispatcher's lease
        )
    assert dispatcher.deliver_due() == 0
    assert notifier.calls == []
    clock.advance(seconds=5 * 60)  # that dispatcher died: its lease runs out
    dispatcher.run_until_idle()
    assert [c[0] for c in notifier.calls] == ["post_card", "tell_author"]


def test_results_written_together_owe_one_card_update_and_one_results_dm(
    factory, clock, notifier, make_dispatcher
):
    dispatcher = make_dispatcher(dry("x", "facebook", "blog"))
    draft_id = approved(factory, clock, dispatcher)
    before = len(notifier.of("update_card"))
    with factory.begin() as session:  # as publish_due would, for the three channels at once
        claims = outbox.claim_due(session, clock(), dispatcher.lease, 10)
    outcomes = [
        outbox.published(c, Published(f"{c.post.channel}-1"), dry_run=True, now=clock())
        for c in claims
    ]
    with factory.begin() as session:
        assert outbox.record(session, outcomes, clock()) == outcomes
    owed = [n.kind for n in notices(factory, draft_id) if not n.done]
    assert owed == [CARD_UPDATE, RESULTS]
    dispatcher.run_until_idle()
    assert len(notifier.of("update_card")) == before + 1
    assert notifier.told() == [(draft_id, "submitted"), (draft_id, "results")]
    assert len(actions(factory, "published")) == 3


def test_a_stale_result_is_dropped_and_the_others_in_its_batch_are_written(
    factory, clock, notifier, make_dispatcher
):
    dispatcher = make_dispatcher(dry("x", "facebook"))
    draft_id = approved(factory, clock, dispatcher, channels=("x", "facebook"))
    with factory.begin() as session:
        claims = outbox.claim_due(session, clock(), dispatcher.lease, 10)
    with factory.begin() as session:  # x was taken over: another worker's attempt 2
        session.execute(
            update(Publication)
            .where(Publication.draft_id == draft_id, Publication.channel == "x")
            .values(attempts=2)
        )
    outcomes = [outbox.published(c, Published("1"), dry_run=True, now=clock()) for c in claims]
    with factory.begin() as session:
        written = outbox.record(session, outcomes, clock())
    assert [o.claim.post.channel for o in written] == ["facebook"]
    assert {c: p.status for c, p in pubs(factory, draft_id).items()} == {
        "x": SENDING,
        "facebook": PUBLISHED,
    }
    assert len(actions(factory, "published")) == 1
    with factory() as session:
        assert register.verify(session) == []


def test_unbroken_runs_stop_at_a_notice_another_holds():
    row = namedtuple("row", "id subject subject_id front_end kind")
    d, e, s = "draft", "engagement", "slack"
    due = [row(1, d, 10, s, "card"), row(3, d, 10, s, "submitted"), row(2, d, 20, s, "card"),
           row(5, d, 20, s, "x"), row(6, e, 10, s, "card")]  # fmt: skip
    owed = [(d, 10, s, 1), (d, 20, s, 2), (d, 10, s, 3), (d, 20, s, 4), (d, 20, s, 5),
            (e, 10, s, 6)]  # 4: held  # fmt: skip
    assert notices_db.unbroken_runs(due, owed) == {
        (d, 10): due[:2],
        (d, 20): [due[2]],
        (e, 10): [due[4]],
    }
    late = [row(3, d, 10, s, "submitted")]
    assert notices_db.unbroken_runs(late, [(d, 10, s, 1), (d, 10, s, 3)]) == {}
