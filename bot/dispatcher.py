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

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import oversight, register, roles, schedule
from bot.messages import Messages
from bot.models import (
    CARD,
    CARD_UPDATE,
    FAILED,
    OPEN_PUBLICATION_STATES,
    PUBLISHED,
    QUEUED,
    RESULTS,
    SENDING,
    CardMessage,
    Draft,
    Notice,
    Publication,
    ReminderLog,
)
from bot.notifier import Notifier
from bot.snapshot import take
from bot.workflow import EXPIRED_FOR_CHIEF, add_notice
from publishers.base import Image, PermanentError, Post, Published, Publisher, TransientError

log = logging.getLogger(__name__)

MAX_PUBLISH_ATTEMPTS = 8
NOTICE_ALARM_AFTER = 10  # failures after which each further one is logged as an error


def backoff(attempt: int, base: float = 5.0, cap: float = 900.0) -> timedelta:
    """5 s, 10 s, 20 s … up to 15 minutes."""
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempt - 1)))


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
        self._in_flight = 0
        self._lock = threading.Lock()
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
            due = (
                session.execute(
                    select(Publication)
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
                    .with_for_update(skip_locked=True)
                )
                .scalars()
                .all()
            )
            claimed = [(pub.id, pub.attempts + 1, pub.status == SENDING) for pub in due]
            for pub in due:
                pub.status, pub.attempts, pub.claimed_at, pub.updated_at = (
                    SENDING,
                    pub.attempts + 1,
                    now,
                    now,
                )
        for pub_id, attempt, recovering in claimed:
            with self._lock:
                self._in_flight += 1
            self._pool.submit(self._publish, pub_id, attempt, recovering)
        return len(claimed)

    def _publish(self, pub_id: int, attempt: int, recovering: bool) -> None:
        try:
            with self.session_factory() as session:
                pub = session.get(Publication, pub_id)
                revision = next(r for r in pub.draft.revisions if r.number == pub.revision)
                post = Post(
                    draft_id=pub.draft_id,
                    revision=pub.revision,
                    channel=pub.channel,
                    payload=dict(pub.payload),
                    publish_at=revision.publish_at,
                )
                attachments = list(revision.images)
            publisher = self.publishers.get(post.channel)
            if publisher is None:
                self._record(pub_id, attempt, failed=self.msg("pub.error.unavailable"))
                return
            try:
                if attachments and not publisher.dry_run:
                    post = replace(post, images=self._download(attachments))
                # Look first after a crash or any earlier failed attempt: an unanswered
                # request may still have posted.
                found = publisher.find(post) if recovering or attempt > 1 else None
                result = found or publisher.publish(post)
            except TransientError as error:
                self._record(pub_id, attempt, transient=error)
            except PermanentError as error:
                self._record(pub_id, attempt, failed=error.user_message)
            except Exception as error:
                log.exception("publisher %s raised unexpectedly", post.channel)
                self._record(pub_id, attempt, transient=TransientError(type(error).__name__))
            else:
                self._record(pub_id, attempt, published=result, dry_run=publisher.dry_run)
        except Exception:
            log.exception("publication %s could not be processed; it will be retried", pub_id)
        finally:
            with self._lock:
                self._in_flight -= 1
            self.wake()

    def _download(self, attachments: list[dict]) -> tuple[Image, ...]:
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

    def _record(
        self,
        pub_id: int,
        attempt: int,
        *,
        published: Published | None = None,
        dry_run: bool = False,
        transient: TransientError | None = None,
        failed: str | None = None,
    ) -> None:
        """Write the outcome of one attempt, unless another worker has since taken it over."""
        now = self.clock()
        with self.session_factory.begin() as session:
            pub = session.get(Publication, pub_id)
            draft = session.get(Draft, pub.draft_id, with_for_update=True)
            session.refresh(pub)
            if pub.status != SENDING or pub.attempts != attempt:
                log.warning("publication %s was taken over; dropping a stale result", pub_id)
                return
            pub.updated_at = now
            if published is not None:
                pub.status, pub.remote_id, pub.url = PUBLISHED, published.remote_id, published.url
                pub.published_at, pub.dry_run, pub.error = now, dry_run, None
                register.append(
                    session,
                    at=now,
                    actor="snsbot",
                    action="published",
                    draft_id=pub.draft_id,
                    revision=pub.revision,
                    channel=pub.channel,
                    remote_id=published.remote_id,
                    url=published.url,
                    dry_run=dry_run,
                    payload=pub.payload,
                )
            elif transient is not None and attempt < MAX_PUBLISH_ATTEMPTS:
                pub.status, pub.error = QUEUED, str(transient)
                pub.due_at = max(transient.retry_at or now, now + backoff(attempt))
                if transient.retry_at and transient.retry_at > now:
                    pub.due_at = transient.retry_at
                log.warning(
                    "%s: transient failure (%s); retry at %s", pub.channel, transient, pub.due_at
                )
            else:
                pub.status = FAILED
                pub.error = failed or self.msg("pub.error.gave_up")
                register.append(
                    session,
                    at=now,
                    actor="snsbot",
                    action="publish_failed",
                    draft_id=pub.draft_id,
                    revision=pub.revision,
                    channel=pub.channel,
                    error=pub.error,
                    attempts=attempt,
                )
            add_notice(session, pub.draft_id, CARD_UPDATE, now)
            session.flush()
            still_open = session.execute(
                select(Publication.id).where(
                    Publication.draft_id == pub.draft_id,
                    Publication.revision == pub.revision,
                    Publication.status.in_(OPEN_PUBLICATION_STATES),
                )
            ).first()
            if still_open is None and not draft.results_sent:
                draft.results_sent = True
                add_notice(session, pub.draft_id, RESULTS, now)

    # -- notices ---------------------------------------------------------------------------

    def deliver_due(self, limit: int = 50) -> int:
        """Deliver owed chat messages in order; a draft's later notices wait for its earlier ones."""
        now = self.clock()
        with self.session_factory() as session:
            due = session.execute(
                select(Notice.id, Notice.draft_id, Notice.due_at)
                .join(Draft, Draft.id == Notice.draft_id)
                .where(Notice.done.is_(False), Draft.platform.in_(list(self.notifiers)))
                .order_by(Notice.id)
                .limit(limit)
            ).all()
        delivered, blocked = 0, set()
        for notice_id, draft_id, due_at in due:
            if draft_id in blocked:
                continue
            if due_at > now or not self._claim_notice(notice_id, due_at, now):
                blocked.add(draft_id)
                continue
            if not self._deliver(notice_id):
                blocked.add(draft_id)
                continue
            delivered += 1
        return delivered

    def _claim_notice(self, notice_id: int, due_at: datetime, now: datetime) -> bool:
        """Take a notice for one lease, so a second dispatcher does not send it too."""
        with self.session_factory.begin() as session:
            return (
                session.execute(
                    update(Notice)
                    .where(Notice.id == notice_id, Notice.done.is_(False), Notice.due_at == due_at)
                    .values(due_at=now + self.lease)
                ).rowcount
                == 1
            )

    def _deliver(self, notice_id: int) -> bool:
        with self.session_factory() as session:
            notice = session.get(Notice, notice_id)
            draft = session.get(Draft, notice.draft_id)
            snapshot = take(session, draft, self.dry_run_channels, self.clock())
            kind = notice.kind
        notifier = self.notifiers[snapshot.platform]
        try:
            if kind == CARD:
                refs = notifier.post_card(snapshot)
            elif kind == CARD_UPDATE:
                refs = []
                if snapshot.card_refs:
                    notifier.update_card(snapshot)
            elif kind == EXPIRED_FOR_CHIEF:
                refs = []
                notifier.tell_approvers(snapshot, "expired")
            else:
                refs = []
                notifier.tell_author(snapshot, kind)
        except Exception as error:
            self._defer_notice(notice_id, error)
            return False
        with self.session_factory.begin() as session:
            session.execute(update(Notice).where(Notice.id == notice_id).values(done=True))
            for channel, ts in refs:
                session.add(
                    CardMessage(
                        draft_id=snapshot.id, revision=snapshot.revision, channel=channel, ts=ts
                    )
                )
        return True

    def _defer_notice(self, notice_id: int, error: Exception) -> None:
        """Try again later, never giving up: a result the author was owed is not dropped."""
        now = self.clock()
        with self.session_factory.begin() as session:
            notice = session.get(Notice, notice_id)
            notice.attempts += 1
            notice.last_error = f"{type(error).__name__}: {error}"[:500]
            retry_after = getattr(error, "retry_after", None)
            wait = backoff(notice.attempts, base=2.0, cap=600.0)
            if retry_after:
                wait = max(wait, timedelta(seconds=float(retry_after)))
            notice.due_at = now + wait
            level = logging.ERROR if notice.attempts >= NOTICE_ALARM_AFTER else logging.WARNING
            log.log(
                level, "%s notice %s failed (%s); retry in %s", notice.kind, notice_id, error, wait
            )

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
        """Work in the caller's thread until nothing is due or in flight (or `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            was_busy = self.busy  # read first: a task finishing during the step owes notices
            worked = self.publish_due()
            worked += self.deliver_due()
            if not worked and not was_busy:
                return
            if not worked:
                time.sleep(0.02)
        raise TimeoutError("dispatcher did not become idle")
