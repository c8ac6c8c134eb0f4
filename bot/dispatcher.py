"""The dispatcher: publishes queued publications in parallel and delivers owed chat notices."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from datetime import time as time_of_day
from itertools import takewhile

from sqlalchemy import Row, and_, or_, select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

from bot import outcomes, oversight, roles, schedule
from bot.messages import Messages
from bot.models import (
    CARD,
    CARD_UPDATE,
    QUEUED,
    SENDING,
    CardMessage,
    Draft,
    Notice,
    Publication,
    ReminderLog,
    Revision,
)
from bot.notifier import Notifier
from bot.snapshot import DraftSnapshot, take, take_many
from bot.workflow import EXPIRED_FOR_CHIEF
from publishers.base import Image, PermanentError, Publisher, TransientError

log = logging.getLogger(__name__)

MAX_PUBLISH_ATTEMPTS = 8
NOTICE_ALARM_AFTER = 10  # failures after which each further one is logged as an error


def backoff(attempt: int, base: float = 5.0, cap: float = 900.0) -> timedelta:
    """5 s, 10 s, 20 s … up to 15 minutes."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempt - 1)))


def due_in_order(owed: Iterable[Row], now: datetime) -> dict[int, list[Row]]:
    """Each draft's owed notices (given oldest first) that are due, up to its first that is not."""
    runs: dict[int, list[Row]] = {}
    waiting: set[int] = set()
    for notice in owed:
        if notice.draft_id in waiting:
            continue
        if notice.due_at > now:
            waiting.add(notice.draft_id)
            continue
        runs.setdefault(notice.draft_id, []).append(notice)
    return runs


class Dispatcher:
    """Runs two loops: publications (in a thread pool, one task per channel) and notices.

    Publications are anyone's to take; a draft's notices are delivered only by a dispatcher that
    has a notifier for the chat platform the draft was written on (Slack, Teams…), so two
    processes for two front ends share one database.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        publishers: dict[str, Publisher],
        notifiers: dict[str, Notifier],
        msg: Messages,
        clock: Callable[[], datetime],
        *,
        fetch_file: Callable[[dict], bytes] | None = None,
        schedule_lead: timedelta = timedelta(minutes=5),
        reminder_at: time_of_day | None = None,
        reminder_after: timedelta = timedelta(hours=24),
        periodic: tuple[Callable[[], object], ...] = (),
        workers: int = 6,
        lease: timedelta = timedelta(minutes=5),
        poll_seconds: float = 1.0,
    ):
        self.session_factory = session_factory
        self.publishers = publishers
        self.notifiers = notifiers  # chat platform → its notifier; a draft's notices go home
        self.msg = msg
        self.clock = clock
        self.fetch_file = fetch_file
        self.schedule_lead = schedule_lead
        self.reminder_at = reminder_at
        self.reminder_after = reminder_after
        self.periodic = periodic  # feature pollers (HP feed, moderation inbox…); each limits itself
        self.housekeeping_seconds = 30.0
        self.lease = lease
        self.poll_seconds = poll_seconds
        self.workers = workers
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="publish")
        self._in_flight = 0  # claimed and not yet recorded
        self._finished: list[tuple[outcomes.Claim, outcomes.Outcome | None]] = []
        self._lock = threading.Lock()
        self._recording = threading.Lock()
        self._publish_wakeup = threading.Event()
        self._notice_wakeup = threading.Event()
        self._housekeeping_wakeup = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def dry_run_channels(self) -> tuple[str, ...]:
        return tuple(name for name, p in self.publishers.items() if p.dry_run)

    # -- running ---------------------------------------------------------------------------

    def wake(self) -> None:
        self._publish_wakeup.set()
        self._notice_wakeup.set()
        self._housekeeping_wakeup.set()

    def start(self) -> None:
        for name, step, event, seconds in (
            ("dispatch-publications", self.publish_due, self._publish_wakeup, None),
            ("dispatch-notices", self.deliver_due, self._notice_wakeup, None),
            ("dispatch-schedule", self.housekeeping, self._housekeeping_wakeup, "housekeeping"),
        ):
            thread = threading.Thread(
                target=self._loop, args=(step, event, seconds), name=name, daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)
        self._pool.shutdown(wait=True)

    def _loop(self, step: Callable[[], int], event: threading.Event, slow: str | None) -> None:
        while not self._stopping.is_set():
            try:
                worked = step()
            except Exception:
                log.exception("dispatcher step failed; trying again shortly")
                worked = 0
            if not worked:
                event.wait(self.housekeeping_seconds if slow else self.poll_seconds)
                event.clear()

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._in_flight > 0

    # -- publications ------------------------------------------------------------------------

    def publish_due(self) -> int:
        """Claim due publications (and ones a crashed worker left mid-send) and start them.

        Claiming is one transaction: on PostgreSQL `FOR UPDATE SKIP LOCKED` lets several
        workers share the queue without waiting on each other; SQLite serialises writers.
        """
        with self._lock:
            capacity = self.workers - self._in_flight
        if capacity <= 0:
            return 0
        now = self.clock()
        with self.session_factory.begin() as session:
            due = session.execute(
                select(
                    Publication.id,
                    Publication.draft_id,
                    Publication.revision,
                    Publication.channel,
                    Publication.payload,
                    Publication.status,
                    Publication.attempts,
                    Revision.publish_at,
                    Revision.images,
                )
                .join(
                    Revision,
                    and_(
                        Revision.draft_id == Publication.draft_id,
                        Revision.number == Publication.revision,
                    ),
                )
                .where(
                    or_(
                        and_(Publication.status == QUEUED, Publication.due_at <= now),
                        and_(
                            Publication.status == SENDING,
                            Publication.claimed_at < now - self.lease,
                        ),
                    )
                )
                .order_by(Publication.due_at, Publication.id)
                .limit(capacity)
                .with_for_update(skip_locked=True, of=Publication)
            ).all()
            if due:
                session.execute(
                    update(Publication)
                    .where(Publication.id.in_([row.id for row in due]))
                    .values(
                        status=SENDING,
                        attempts=Publication.attempts + 1,
                        claimed_at=now,
                        updated_at=now,
                    )
                    .execution_options(synchronize_session=False)
                )
        for row in due:
            with self._lock:
                self._in_flight += 1
            self._pool.submit(self._publish, outcomes.Claim.of(row))
        return len(due)

    def _publish(self, claim: outcomes.Claim) -> None:
        outcome = None
        try:
            outcome = self._attempt(claim)
        except Exception:
            log.exception(
                "publication %s could not be processed; it will be retried", claim.publication_id
            )
        with self._lock:
            self._finished.append((claim, outcome))
        self._record_finished()

    def _attempt(self, claim: outcomes.Claim) -> outcomes.Outcome:
        """Post once (or find the post an earlier attempt made); how it ended."""
        post = claim.post
        publisher = self.publishers.get(post.channel)
        if publisher is None:
            return outcomes.failed(claim, self.msg("pub.error.unavailable"), self.clock())
        try:
            if claim.images and not publisher.dry_run:
                post = replace(post, images=self._download(claim.images))
            # Look first after a crash or any earlier failed attempt: an unanswered request may
            # still have posted.
            found = publisher.find(post) if claim.recovering or claim.attempt > 1 else None
            result = found or publisher.publish(post)
        except TransientError as error:
            return self._transient(claim, error)
        except PermanentError as error:
            return outcomes.failed(claim, error.user_message, self.clock())
        except Exception as error:
            log.exception("publisher %s raised unexpectedly", post.channel)
            return self._transient(claim, TransientError(type(error).__name__))
        return outcomes.published(claim, result, publisher.dry_run, self.clock())

    def _transient(self, claim: outcomes.Claim, error: TransientError) -> outcomes.Outcome:
        now = self.clock()
        if claim.attempt >= MAX_PUBLISH_ATTEMPTS:
            return outcomes.failed(claim, self.msg("pub.error.gave_up"), now)
        due_at = outcomes.retry_at(error, now, backoff(claim.attempt))
        log.warning("%s: transient failure (%s); retry at %s", claim.post.channel, error, due_at)
        return outcomes.retried(claim, error, due_at, now)

    def _download(self, attachments: tuple[dict, ...]) -> tuple[Image, ...]:
        """The draft's images, fetched from the chat platform just before they are posted."""
        if self.fetch_file is None:
            raise PermanentError(self.msg("pub.error.unavailable"))
        return tuple(
            Image(
                name=meta.get("name", ""),
                mimetype=meta.get("mimetype", ""),
                data=self.fetch_file(meta),
            )
            for meta in attachments
        )

    def _record_finished(self) -> None:
        """Write every finished attempt, several in one transaction; one task writes at a time.

        A task that finds another writing leaves its outcome to that one, which looks again
        after letting go.
        """
        while self._recording.acquire(blocking=False):
            try:
                while True:
                    with self._lock:
                        finished, self._finished = self._finished, []
                    if not finished:
                        break
                    self._record([outcome for _, outcome in finished if outcome is not None])
                    with self._lock:
                        self._in_flight -= len(finished)
                    self.wake()
            finally:
                self._recording.release()
            with self._lock:
                if not self._finished:
                    return

    def _record(self, finished: list[outcomes.Outcome]) -> None:
        """One transaction for all; if it fails, one each. What is not written is retried."""
        if not finished:
            return
        try:
            with self.session_factory.begin() as session:
                outcomes.record(session, finished, self.clock())
        except Exception:
            if len(finished) > 1:
                for outcome in finished:
                    self._record([outcome])
                return
            log.exception(
                "publication %s: its result could not be written; it will be retried",
                finished[0].claim.publication_id,
            )

    # -- notices ---------------------------------------------------------------------------

    def deliver_due(self, limit: int = 50) -> int:
        """Deliver owed chat messages in order; a draft's later notices wait for its earlier ones.

        The due notices are claimed together and their drafts read together; each draft's are
        then sent in order, with one snapshot of it.
        """
        now = self.clock()
        with self.session_factory() as session:
            owed = session.execute(
                select(Notice.id, Notice.draft_id, Notice.kind, Notice.due_at)
                .join(Draft, Draft.id == Notice.draft_id)
                .where(Notice.done.is_(False), Draft.platform.in_(list(self.notifiers)))
                .order_by(Notice.id)
                .limit(limit)
            ).all()
        runs = due_in_order(owed, now)
        if not runs:
            return 0
        lease_until = now + self.lease
        claimed = self._claim_notices([n for run in runs.values() for n in run], lease_until)
        mine, others = {}, []
        for draft_id, run in runs.items():
            taken = list(takewhile(lambda n: n.id in claimed, run))
            others += [n.id for n in run[len(taken) :] if n.id in claimed]  # behind another's
            if taken:
                mine[draft_id] = taken
        if others:
            with self.session_factory.begin() as session:
                self._release_notices(session, others, lease_until, now)
        with self.session_factory() as session:
            snapshots = take_many(session, list(mine), self.dry_run_channels, self.clock())
        delivered = 0
        for draft_id, run in mine.items():
            delivered += self._deliver(snapshots[draft_id], run, lease_until, now)
        return delivered

    def _claim_notices(self, notices: list[Row], lease_until: datetime) -> set[int]:
        """Take notices for one lease, so a second dispatcher does not send them too.

        One still unchanged since it was read is taken; one locked (PostgreSQL) is not waited
        for: a transaction may be deciding whether a new result can ride on it.
        """
        with self.session_factory.begin() as session:
            taken = (
                session.execute(
                    select(Notice.id)
                    .where(
                        tuple_(Notice.id, Notice.due_at).in_([(n.id, n.due_at) for n in notices]),
                        Notice.done.is_(False),
                    )
                    .order_by(Notice.id)
                    .with_for_update(skip_locked=True)
                )
                .scalars()
                .all()
            )
            if taken:
                session.execute(
                    update(Notice)
                    .where(Notice.id.in_(taken))
                    .values(due_at=lease_until)
                    .execution_options(synchronize_session=False)
                )
        return set(taken)

    @staticmethod
    def _release_notices(
        session: Session, notice_ids: list[int], lease_until: datetime, now: datetime
    ) -> None:
        """Give back claimed notices not sent: due again, after their draft's earlier ones."""
        session.execute(
            update(Notice)
            .where(Notice.id.in_(notice_ids), Notice.due_at == lease_until, Notice.done.is_(False))
            .values(due_at=now)
            .execution_options(synchronize_session=False)
        )

    def _deliver(
        self, snapshot: DraftSnapshot, run: list[Row], lease_until: datetime, now: datetime
    ) -> int:
        """Send one draft's claimed notices in order, up to the first that fails; record them."""
        notifier = self.notifiers[snapshot.platform]
        sent: list[int] = []
        cards: list[tuple[str, str]] = []
        failure: tuple[int, Exception] | None = None
        for notice in run:
            if self.clock() >= lease_until - self.lease / 2:
                break  # the lease runs short: the rest go in the next round
            try:
                refs = self._send(notifier, snapshot, notice.kind)
            except Exception as error:
                failure = (notice.id, error)
                break
            sent.append(notice.id)
            if refs:
                cards += refs
                shown = tuple((channel, ts, snapshot.revision) for channel, ts in refs)
                snapshot = replace(snapshot, card_refs=snapshot.card_refs + shown)
        unsent = [n.id for n in run[len(sent) + (1 if failure else 0) :]]
        with self.session_factory.begin() as session:
            if sent:
                session.execute(
                    update(Notice)
                    .where(Notice.id.in_(sent))
                    .values(done=True)
                    .execution_options(synchronize_session=False)
                )
            for channel, ts in cards:
                session.add(
                    CardMessage(
                        draft_id=snapshot.id, revision=snapshot.revision, channel=channel, ts=ts
                    )
                )
            if failure:
                self._defer_notice(session, *failure)
            if unsent:
                self._release_notices(session, unsent, lease_until, now)
        return len(sent)

    @staticmethod
    def _send(notifier: Notifier, snapshot: DraftSnapshot, kind: str) -> list[tuple[str, str]]:
        """One notice through the draft's chat front end; a new card's (channel, id) pairs."""
        if kind == CARD:
            return notifier.post_card(snapshot)
        if kind == CARD_UPDATE:
            if snapshot.card_refs:
                notifier.update_card(snapshot)
        elif kind == EXPIRED_FOR_CHIEF:
            notifier.tell_approvers(snapshot, "expired")
        else:
            notifier.tell_author(snapshot, kind)
        return []

    def _defer_notice(self, session: Session, notice_id: int, error: Exception) -> None:
        """Try again later, never giving up: a result the author was owed is not dropped."""
        notice = session.get(Notice, notice_id)
        notice.attempts += 1
        notice.last_error = f"{type(error).__name__}: {error}"[:500]
        retry_after = getattr(error, "retry_after", None)
        wait = backoff(notice.attempts, base=2.0, cap=600.0)
        if retry_after:
            wait = max(wait, timedelta(seconds=float(retry_after)))
        notice.due_at = self.clock() + wait
        level = logging.ERROR if notice.attempts >= NOTICE_ALARM_AFTER else logging.WARNING
        log.log(level, "%s notice %s failed (%s); retry in %s", notice.kind, notice_id, error, wait)

    # -- time-driven rules -----------------------------------------------------------------

    def housekeeping(self) -> int:
        """Expire scheduled drafts approved too late to go out, and send today's reminder."""
        now = self.clock()
        with self.session_factory.begin() as session:
            expired = schedule.expire_overdue(session, now, self.schedule_lead)
        if expired:
            self.wake()
        self._remind(now)
        self._remind_rotations(now)
        for tick in self.periodic:
            try:
                tick()
            except Exception:
                log.exception("a periodic task failed; it runs again next time")
        return 0  # never busy-loop: this step runs every `housekeeping_seconds`

    def _remind(self, now: datetime) -> None:
        day = schedule.reminder_due(now, self.reminder_at) if self.reminder_at else None
        if day is None:
            return
        for platform, notifier in self.notifiers.items():
            self._remind_on(platform, notifier, day, now)

    def _remind_on(self, platform: str, notifier: Notifier, day: str, now: datetime) -> None:
        """The chief of one chat platform hears of that platform's drafts still waiting."""
        kind = f"waiting:{platform}"
        with self.session_factory() as session:
            already = session.execute(
                select(ReminderLog.id).where(ReminderLog.kind == kind, ReminderLog.day == day)
            ).first()
            if already:
                return
            chief = roles.chief_id(session, platform)
            waiting = [
                take(session, d, self.dry_run_channels, now)
                for d in schedule.waiting_drafts(session, now, self.reminder_after, platform)
            ]
        if not chief or not schedule.claim_reminder(self.session_factory, kind, day, now):
            return
        if not waiting:
            return  # nothing waits: nothing is sent today
        try:
            notifier.remind(chief, waiting)
        except Exception:
            log.exception("today's reminder could not be sent; trying again later")
            schedule.release_reminder(self.session_factory, kind, day)

    def _remind_rotations(self, now: datetime) -> None:
        """Tell the chief of new credential-rotation tasks, and again each business day."""
        with self.session_factory.begin() as session:
            fresh = oversight.claim_unannounced_rotations(session)
            items = oversight.open_rotations(session)
            chiefs = {p: roles.chief_id(session, p) for p in self.notifiers}
        day = schedule.reminder_due(now, self.reminder_at) if self.reminder_at else None
        if not items:
            return
        for platform, chief in chiefs.items():
            kind = f"rotation:{platform}"
            if not chief:
                continue
            if not fresh and not (
                day and schedule.claim_reminder(self.session_factory, kind, day, now)
            ):
                continue
            try:
                self.notifiers[platform].ask_rotation(chief, items)
            except Exception:
                log.exception("could not tell the chief about credential rotation; trying later")
                if day and not fresh:
                    schedule.release_reminder(self.session_factory, kind, day)

    # -- for tests and `snsbot worker --once` -------------------------------------------------

    def run_until_idle(self, timeout: float = 30.0) -> None:
        """Work until nothing is due or in flight (or `timeout`): notices in a thread beside."""
        deadline = time.monotonic() + timeout
        publishing = threading.Event()
        publishing.set()
        failures: list[BaseException] = []
        notices = threading.Thread(
            target=self._deliver_until_idle,
            args=(publishing, deadline, failures),
            name="dispatch-notices-once",
        )
        notices.start()
        try:
            while time.monotonic() < deadline:
                was_busy = self.busy  # read first: a task finishing during the step owes notices
                worked = self.publish_due()
                if not worked and not was_busy:
                    break
                if not worked:
                    self._publish_wakeup.wait(0.02)
                    self._publish_wakeup.clear()
        finally:
            publishing.clear()
            self._notice_wakeup.set()
            notices.join(max(0.0, deadline - time.monotonic()) + 5)
        if failures:
            raise failures[0]
        if notices.is_alive() or time.monotonic() >= deadline:
            raise TimeoutError("dispatcher did not become idle")

    def _deliver_until_idle(
        self, publishing: threading.Event, deadline: float, failures: list[BaseException]
    ) -> None:
        try:
            while time.monotonic() < deadline:
                still_publishing = publishing.is_set()  # read first: the last results owe notices
                if self.deliver_due():
                    continue
                if not still_publishing:
                    return
                self._notice_wakeup.wait(0.02)
                self._notice_wakeup.clear()
        except BaseException as error:  # handed to run_until_idle's caller
            failures.append(error)
