"""The dispatcher: publishes queued publications in parallel and delivers owed chat notices."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from datetime import time as time_of_day
from functools import partial

from sqlalchemy import Row, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import deliveries, notices, outbox, oversight, performing, register, roles, schedule
from bot.messages import Messages
from bot.models import ReminderLog
from bot.outbox import backoff
from bot.ports import (
    Image,
    NoticeMark,
    Notifier,
    Performer,
    PermanentError,
    Publisher,
    TransientError,
    unexpected,
)
from bot.snapshot import take
from bot.workers import Heartbeat

log = logging.getLogger(__name__)

MAX_PUBLISH_ATTEMPTS = 8


NOTICE_BACKOFF = partial(backoff, base=2.0, cap=600.0)  # 2 s, 4 s … up to 10 minutes
NOTICE_BATCH = 50
NOTICE_GATHER_SECONDS = 0.05  # after a part batch, notices gather this long for the next
HOUSEKEEPING_GAP_SECONDS = 0.5  # wakes within this long of a housekeeping run make one more


# How far back a reminder looks for itself before it is sent (a try may have been left unanswered).
REMINDER_LOOKBACK = timedelta(days=1)


class Dispatcher:
    """Runs three loops: publications, notices and time-driven rules.

    Publications are claimed a few at a time into a thread pool, one task per channel; their
    results are written several to a transaction. Notices are claimed and sent a batch at a time.

    While it runs, its heartbeat (`bot.workers.Heartbeat`) says it is alive: a publication it holds is
    taken over by another only when its lease runs out, but one held by a worker whose
    heartbeat stopped (killed, crashed) is taken over once that worker has been silent for the
    heartbeat's timeout.

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
        performers: dict[str, Performer] | None = None,
        schedule_lead: timedelta = timedelta(minutes=5),
        reminder_at: time_of_day | None = None,
        reminder_after: timedelta = timedelta(hours=24),
        periodic: tuple[Callable[[], object], ...] = (),
        workers: int = 6,
        lease: timedelta = timedelta(minutes=5),
        poll_seconds: float = 1.0,
        give_way: Callable[[], None] = lambda: None,
        heartbeat: Heartbeat | None = None,
    ):
        self.session_factory = session_factory
        self.publishers = publishers
        self.notifiers = notifiers  # chat platform → its notifier; a draft's notices go home
        self.msg = msg
        self.clock = clock
        self.fetch_file = fetch_file
        self.performers = performers or {}  # network → who follows, retweets, likes, shares
        self.schedule_lead = schedule_lead
        self.reminder_at = reminder_at
        self.reminder_after = reminder_after
        self.periodic = periodic  # feature pollers (HP feed, moderation inbox…); each limits itself
        self.housekeeping_seconds = 30.0
        self.lease = lease
        self.poll_seconds = poll_seconds
        self.workers = workers
        self.give_way = give_way  # before each piece of work: requests this process answers first
        self.heartbeat = heartbeat or Heartbeat(session_factory, clock, give_way=give_way)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="publish")
        self._sending = 0  # claimed and not yet attempted
        self._in_flight = 0  # claimed and not yet recorded
        # How attempts ended (publications, engagements); None: the attempt itself failed.
        self._finished: list[outbox.Outcome | performing.Performed | None] = []
        self._lock = threading.Lock()
        self._recording = threading.Lock()
        self._publish_wakeup = threading.Event()
        self._notice_wakeup = threading.Event()
        self._housekeeping_wakeup = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._timers: list[threading.Timer] = []

    @property
    def dry_run_channels(self) -> tuple[str, ...]:
        return tuple(name for name, p in self.publishers.items() if p.dry_run)

    # -- running ---------------------------------------------------------------------------

    def wake(self) -> None:
        """Something was committed: look for due publications, notices and time-driven work."""
        self._wake_delivery()
        self._housekeeping_wakeup.set()

    def _wake_delivery(self) -> None:
        self._publish_wakeup.set()
        self._notice_wakeup.set()

    def start(self) -> None:
        self.heartbeat.start()
        # Once a predecessor killed just before this start has been silent long enough, the
        # time-driven loop (it performs engagements) looks again rather than a round later.
        catch_up = threading.Timer(
            self.heartbeat.timeout.total_seconds() + self.heartbeat.interval + 1,
            self._housekeeping_wakeup.set,
        )
        catch_up.daemon = True
        catch_up.start()
        self._timers = [catch_up]
        for name, step, event, seconds in (
            ("dispatch-publications", self.publish_due, self._publish_wakeup, None),
            ("dispatch-notices", self._deliver_gathered, self._notice_wakeup, None),
            ("dispatch-schedule", self.housekeeping, self._housekeeping_wakeup, "housekeeping"),
        ):
            thread = threading.Thread(
                target=self._loop, args=(step, event, seconds), name=name, daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        """Finish what is in hand; then the worker row goes, unless a loop is still at work."""
        self._stopping.set()
        for timer in self._timers:
            timer.cancel()
        self.wake()
        for thread in self._threads:
            thread.join(timeout)
        self._pool.shutdown(wait=True)
        finished = not any(thread.is_alive() for thread in self._threads)
        self.heartbeat.stop(retire_row=finished)

    def _loop(self, step: Callable[[], int], event: threading.Event, slow: str | None) -> None:
        while not self._stopping.is_set():
            self.give_way()
            try:
                worked = step()
            except Exception:
                log.exception("dispatcher step failed; trying again shortly")
                worked = 0
            if slow:  # a burst of wakes (one per approval) makes one more run, not one each
                self._stopping.wait(HOUSEKEEPING_GAP_SECONDS)
            if not worked:
                event.wait(self.housekeeping_seconds if slow else self.poll_seconds)
                event.clear()

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._in_flight > 0

    # -- publications ------------------------------------------------------------------------

    def publish_due(self) -> int:
        """Claim due actions (publications, then engagements; and ones a crashed worker left
        mid-call) and start them.

        As many as there are free threads, while at most one pool's worth of results waits to
        be written: posts are never far ahead of what the database knows.
        """
        with self._lock:
            capacity = min(self.workers - self._sending, 2 * self.workers - self._in_flight)
        if capacity <= 0:
            return 0
        now, holder, silent_after = self.clock(), self.heartbeat.holder, self.heartbeat.timeout
        with self.session_factory.begin() as session:
            claims = outbox.claim_due(session, now, self.lease, capacity, holder, silent_after)
            if len(claims) < capacity:
                claims += performing.claim_due(
                    session, now, self.lease, capacity - len(claims), holder, silent_after
                )
        with self._lock:
            self._sending += len(claims)
            self._in_flight += len(claims)
        for claim in claims:
            self._pool.submit(self._publish, claim)
        return len(claims)

    def _publish(self, claim: outbox.Claim | performing.EngagementClaim) -> None:
        outcome = None
        self.give_way()
        try:
            if isinstance(claim, performing.EngagementClaim):
                outcome = performing.attempt(claim, self.performers, self.msg)
            else:
                outcome = self._attempt(claim)
        except Exception:
            log.exception("%s could not be processed; it will be retried", claim)
        with self._lock:
            self._sending -= 1
            self._finished.append(outcome)
        self._record_finished()

    def _attempt(self, claim: outbox.Claim) -> outbox.Outcome:
        """Post once (or find the post an earlier attempt made); how it ended."""
        post = claim.post
        publisher = self.publishers.get(post.channel)
        if publisher is None:
            return outbox.failed(claim, self.msg("pub.error.unavailable"), self.clock())
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
            return outbox.failed(claim, error.render(self.msg), self.clock())
        except Exception as error:
            log.exception("publisher %s raised unexpectedly", post.channel)
            return self._transient(claim, unexpected(error))
        return outbox.published(claim, result, publisher.dry_run, self.clock())

    def _transient(self, claim: outbox.Claim, error: TransientError) -> outbox.Outcome:
        now = self.clock()
        if claim.attempt >= MAX_PUBLISH_ATTEMPTS:
            return outbox.failed(claim, self.msg("pub.error.gave_up"), now)
        due_at = outbox.retry_at(error, now, backoff(claim.attempt))
        reason = error.render(self.msg)
        log.warning("%s: transient failure (%s); retry at %s", claim.post.channel, reason, due_at)
        return outbox.retried(claim, reason, due_at, now)

    def _download(self, attachments: tuple[dict, ...]) -> tuple[Image, ...]:
        """The draft's images, fetched from the chat platform just before they are posted."""
        if self.fetch_file is None:
            raise PermanentError("pub.error.unavailable")
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
                    self._record([outcome for outcome in finished if outcome is not None])
                    with self._lock:
                        self._in_flight -= len(finished)
                    self._wake_delivery()  # results owe notices and free pool places
            finally:
                self._recording.release()
            with self._lock:
                if not self._finished:
                    return

    def _record(self, finished: list[outbox.Outcome | performing.Performed]) -> None:
        """One transaction for all; if it fails, one each. What is not written is retried."""
        if not finished:
            return
        published = [o for o in finished if isinstance(o, outbox.Outcome)]
        performed = [o for o in finished if isinstance(o, performing.Performed)]
        try:
            with self.session_factory.begin() as session:
                if published:
                    outbox.record(session, published, self.clock())
                if performed:
                    performing.record(session, performed, self.msg, self.clock())
        except Exception:
            if len(finished) > 1:
                for outcome in finished:
                    self._record([outcome])
                return
            log.exception("%s: its result could not be written; retried", finished[0].claim)

    # -- notices ---------------------------------------------------------------------------

    def _deliver_gathered(self) -> int:
        """`deliver_due`, then, while publications are in flight, a short pause after a part
        batch so that the next is fuller.

        Publishing at full speed owes a card update or two every few milliseconds; sending
        them a few at a time cost twice the CPU of sending them in batches.
        """
        delivered = self.deliver_due()
        if 0 < delivered < NOTICE_BATCH and self.busy:
            time.sleep(NOTICE_GATHER_SECONDS)
        return delivered

    def deliver_due(self, limit: int = NOTICE_BATCH) -> int:
        """Deliver owed chat messages in order; a subject's later notices wait for its earlier ones.

        The due notices are claimed together and their subjects (drafts, engagements, moderation
        items, HP entries) read together; each subject's are then sent in order, with one
        snapshot of it taken after the claim.
        """
        now = self.clock()
        lease_until = now + self.lease
        with self.session_factory.begin() as session:
            runs = notices.claim_due(
                session, self.notifiers, now, lease_until, limit, self.heartbeat.holder
            )
        if not runs:
            return 0
        with self.session_factory() as session:
            snapshots = deliveries.read(session, list(runs), self.dry_run_channels, self.clock())
        return sum(
            self._deliver(subject, snapshots.get(subject), run, lease_until, now)
            for subject, run in runs.items()
        )

    def _deliver(
        self, subject: notices.Subject, snapshot, run: list[Row], lease_until: datetime, now
    ) -> int:
        """Send one subject's claimed notices in order, up to the first that fails; record them."""
        sent: list[int] = []
        cards: list[tuple[str, str]] = []
        failure: tuple[int, Exception] | None = None
        if snapshot is None:  # its subject is gone: nothing left to say
            log.warning("notices %s: %s %s no longer exists", [n.id for n in run], *subject)
            sent = [n.id for n in run]
            run = []
        for notice in run:
            if self.clock() >= lease_until - self.lease / 2:
                break  # the lease runs short: the rest go in the next round
            self.give_way()
            try:
                mark = notices.mark("notice", notice.id, notice.first_tried_at)
                notifier = self.notifiers[notice.front_end]
                refs = deliveries.send(
                    notifier, notice.front_end, subject[0], snapshot, notice.kind, mark
                )
            except Exception as error:
                failure = (notice.id, error)
                break
            sent.append(notice.id)
            if refs:  # a card just posted: a card update after it in this run updates it
                cards += refs
                snapshot = deliveries.with_cards(subject[0], snapshot, refs)
        unsent = [n.id for n in run[len(sent) + (1 if failure else 0) :]]
        revision = deliveries.revision_shown(subject[0], snapshot) if cards else 1
        with self.session_factory.begin() as session:
            notices.mark_sent(session, sent, subject, revision, cards)
            if failure:
                notices.put_off(session, *failure, self.clock(), NOTICE_BACKOFF)
            if unsent:
                notices.release(session, unsent, lease_until, now)
        return len(sent)

    # -- time-driven rules -----------------------------------------------------------------

    def housekeeping(self) -> int:
        """Expire scheduled drafts approved too late to go out, and send today's reminder."""
        now = self.clock()
        with self.session_factory.begin() as session:
            expired = schedule.expire_overdue(session, now, self.schedule_lead)
        if expired:
            self._wake_delivery()  # the chief is owed a notice of each
        self._remind(now)
        self._remind_rotations(now)
        self._announce_register_head(now)
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
        """Whoever gets a waiting draft's card (the chief; the deputies for the chief's own draft
        or while the chief is away) hears of that platform's drafts still waiting, once a day."""
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
        by_person: dict[str, list] = {}
        for draft in waiting:  # nothing waits: nothing is sent today
            for user_id in draft.approvers or (chief,):
                by_person.setdefault(user_id, []).append(draft)
        since = now - REMINDER_LOOKBACK  # an earlier try today may have delivered it unanswered
        for user_id, drafts in by_person.items():
            # Marked: a reminder Slack made but left unanswered is found, not sent again.
            mark = NoticeMark(f"reminder:{kind}:{day}" + ("" if user_id == chief else f":{user_id}"),
                              since)  # fmt: skip
            try:
                notifier.remind(user_id, drafts, notice=mark)
            except Exception:
                log.exception("today's reminder could not be sent; trying again later")
                schedule.release_reminder(self.session_factory, kind, day)
                return

    def _announce_register_head(self, now: datetime) -> None:
        """Each business day, the chief of each chat platform gets the register's head in a DM:
        a copy outside the database that `snsbot audit verify --expect-head` checks against."""
        day = schedule.reminder_due(now, self.reminder_at) if self.reminder_at else None
        if day is None:
            return
        for platform, notifier in self.notifiers.items():
            kind = f"register_head:{platform}"
            with self.session_factory() as session:
                if session.execute(
                    select(ReminderLog.id).where(ReminderLog.kind == kind, ReminderLog.day == day)
                ).first():
                    continue
                chief = roles.chief_id(session, platform)
                count, head = register.head_of(session)
            if not chief or not count:
                continue
            if not schedule.claim_reminder(self.session_factory, kind, day, now):
                continue
            text = self.msg("register.head", count=count, hash=head, short=head[:16])
            try:
                notifier.tell_user(chief, text)
            except Exception:
                log.exception("today's register head could not be sent; trying again later")
                schedule.release_reminder(self.session_factory, kind, day)

    def _remind_rotations(self, now: datetime) -> None:
        """Tell the chief of new credential-rotation tasks, and again each business day.

        Telling of new tasks counts as today's reminder, in the same transaction, so that another
        process's housekeeping does not send the same list again a moment later.
        """
        day = schedule.reminder_due(now, self.reminder_at) if self.reminder_at else None
        try:
            with self.session_factory.begin() as session:
                fresh = oversight.claim_unannounced_rotations(session)
                items = oversight.open_rotations(session)
                chiefs = {p: roles.chief_id(session, p) for p in self.notifiers}
                for platform in chiefs if fresh and day else ():
                    schedule.note_reminder(session, f"rotation:{platform}", day, now)
        except IntegrityError:  # another process noted today's reminder at the same moment
            return
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
            # The same key on every try: new tasks by the newest task, the daily one by its day.
            newest = max(item.task_id for item in items)
            mark = NoticeMark(
                f"reminder:{kind}:{f'task-{newest}' if fresh else day}", now - REMINDER_LOOKBACK
            )
            try:
                self.notifiers[platform].ask_rotation(chief, items, notice=mark)
            except Exception:
                log.exception("could not tell the chief about credential rotation; trying later")
                if day and not fresh:
                    schedule.release_reminder(self.session_factory, kind, day)

    # -- for tests and `snsbot worker --once` -------------------------------------------------

    def run_until_idle(self, timeout: float = 30.0) -> None:
        """Work until nothing is due or in flight (or `timeout`): notices in a thread beside."""
        beating_here = self.heartbeat.start()
        try:
            self._run_until_idle(timeout)
        finally:
            if beating_here:
                self.heartbeat.stop(retire_row=not self.busy)

    def _run_until_idle(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        publishing = threading.Event()
        publishing.set()
        ended: list[BaseException | None] = []  # how delivering ended: None when idle
        delivering = threading.Thread(
            target=self._deliver_until_idle,
            args=(publishing, deadline, ended),
            name="dispatch-notices-once",
        )
        delivering.start()
        try:
            idle = self._publish_until_idle(deadline)
        finally:
            publishing.clear()
            self._notice_wakeup.set()
            delivering.join(max(0.0, deadline - time.monotonic()) + 5)
        if ended and ended[0] is not None:
            raise ended[0]
        if not idle or ended != [None]:
            raise TimeoutError("dispatcher did not become idle")

    def _publish_until_idle(self, deadline: float) -> bool:
        while time.monotonic() < deadline:
            was_busy = self.busy  # read first: a task finishing during the step owes notices
            worked = self.publish_due()
            if not worked and not was_busy:
                return True
            if not worked:
                self._publish_wakeup.wait(0.02)
                self._publish_wakeup.clear()
        return False

    def _deliver_until_idle(
        self, publishing: threading.Event, deadline: float, ended: list[BaseException | None]
    ) -> None:
        try:
            while time.monotonic() < deadline:
                still_publishing = publishing.is_set()  # read first: the last results owe notices
                if self._deliver_gathered():
                    continue
                if not still_publishing:
                    ended.append(None)
                    return
                self._notice_wakeup.wait(0.02)
                self._notice_wakeup.clear()
        except BaseException as error:  # handed to run_until_idle's caller
            ended.append(error)
