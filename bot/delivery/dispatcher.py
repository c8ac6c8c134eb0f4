"""The one dispatcher: acts for every kind of request (posts, follows…) and delivers notices."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as time_of_day
from functools import partial

from sqlalchemy import Row
from sqlalchemy.orm import Session, sessionmaker

from bot.approval import schedule
from bot.delivery import deliveries, idle, notices
from bot.delivery.claims import backoff
from bot.delivery.publishing import Actions
from bot.delivery.reminders import DailyMessages
from bot.delivery.workers import Heartbeat
from bot.messages import Messages
from bot.ports import Inbox, Notifier, Performer, Publisher
from bot.workdays import WorkingDays

log = logging.getLogger(__name__)

NOTICE_BACKOFF = partial(backoff, base=2.0, cap=600.0)  # 2 s, 4 s … up to 10 minutes
NOTICE_BATCH = 50
NOTICE_GATHER_SECONDS = 0.05  # after a part batch, notices gather this long for the next
HOUSEKEEPING_GAP_SECONDS = 0.5  # wakes within this long of a housekeeping run make one more


class Dispatcher:
    """Runs three loops for every kind of request (drafts, engagements, moderation items):
    actions in parallel (`publishing`: publications, engagements, moderation actions), notices a
    batch at a time (`deliveries` says what each is), and time-driven rules (pollers, expiry, the
    business-day messages of `reminders`), all in `bot.delivery`.

    While it runs, its heartbeat (`workers.Heartbeat`) says it is alive: an action it holds
    is taken over by another only when its lease runs out, but one held by a worker whose
    heartbeat stopped (killed, crashed) is taken over once that worker has been silent for the
    heartbeat's timeout.

    Actions are anyone's to take; a notice is delivered only by a dispatcher that has a
    notifier for the front end it is addressed to (Slack, Teams), so two processes for two
    front ends share one database.
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
        inboxes: dict[str, Inbox] | None = None,
        schedule_lead: timedelta = timedelta(minutes=5),
        reminder_at: time_of_day | None = None,
        reminder_after: timedelta = timedelta(hours=24),
        workdays: WorkingDays | None = None,
        periodic: tuple[Callable[[], object], ...] = (),
        profile_check: Callable[[], list[str]] | None = None,
        workers: int = 6,
        lease: timedelta = timedelta(minutes=5),
        poll_seconds: float = 1.0,
        give_way: Callable[[], None] = lambda: None,
        heartbeat: Heartbeat | None = None,
    ):
        self.session_factory = session_factory
        self.publishers = publishers
        self.notifiers = notifiers  # chat front end → its notifier; a draft's notices go home
        self.msg = msg
        self.clock = clock
        self.schedule_lead = schedule_lead
        self.daily = DailyMessages(
            session_factory, notifiers, msg, reminder_at, reminder_after, workdays, profile_check
        )
        self.periodic = periodic  # feature pollers (HP feed, moderation inbox…); each limits itself
        self.housekeeping_seconds = 30.0
        self.lease = lease
        self.poll_seconds = poll_seconds
        self.give_way = give_way  # before each piece of work: requests this process answers first
        self.heartbeat = heartbeat or Heartbeat(session_factory, clock, give_way=give_way)
        self.actions = Actions(
            session_factory,
            publishers,
            msg,
            lambda: self.clock(),  # the dispatcher's clock, whichever it is now
            self.heartbeat,
            fetch_file=fetch_file,
            performers=performers or {},
            inboxes=inboxes if inboxes is not None else {},
            lease=lease,
            workers=workers,
            give_way=give_way,
            recorded=self._wake_delivery,
        )
        self._publish_wakeup = threading.Event()
        self._notice_wakeup = threading.Event()
        self._housekeeping_wakeup = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._timers: list[threading.Timer] = []

    @property
    def reminder_at(self) -> time_of_day | None:  # from when on each business day's messages go
        return self.daily.reminder_at

    @reminder_at.setter
    def reminder_at(self, at: time_of_day | None) -> None:
        self.daily.reminder_at = at

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
        # action and notice loops look again for what it held rather than a round later.
        catch_up = threading.Timer(
            self.heartbeat.timeout.total_seconds() + self.heartbeat.interval + 1,
            self._wake_delivery,
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
        self.actions.shutdown()
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
        return self.actions.busy

    def publish_due(self) -> int:
        """Claim due publications (and ones a crashed worker left mid-send) and start them."""
        return self.actions.publish_due()

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
        step = deliveries.step_shown(subject[0], snapshot) if cards else None
        with self.session_factory.begin() as session:
            notices.mark_sent(session, sent, subject, revision, cards, step)
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
        self.daily.send_due(now, self.dry_run_channels)
        for tick in self.periodic:
            try:
                tick()
            except Exception:
                log.exception("a periodic task failed; it runs again next time")
        return 0  # never busy-loop: this step runs every `housekeeping_seconds`

    # -- for tests and `snsbot worker --once` -------------------------------------------------

    def run_until_idle(self, timeout: float = 30.0) -> None:
        """Work until nothing is due or in flight (or `timeout`): notices in a thread beside."""
        beating_here = self.heartbeat.start()
        try:
            idle.run_until_idle(
                publish=self.publish_due,
                busy=lambda: self.busy,
                deliver=self._deliver_gathered,
                publish_wakeup=self._publish_wakeup,
                notice_wakeup=self._notice_wakeup,
                timeout=timeout,
            )
        finally:
            if beating_here:
                self.heartbeat.stop(retire_row=not self.busy)
