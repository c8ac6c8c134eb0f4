"""The business-day messages: waiting drafts, credential rotation, the register's head."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from datetime import time as time_of_day

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import register
from bot.approval import schedule
from bot.approval.snapshot import DraftSnapshot, take
from bot.messages import Messages
from bot.people import oversight, roles
from bot.ports import NoticeMark, Notifier
from bot.workdays import WorkingDays

log = logging.getLogger(__name__)

# How far back a reminder looks for itself before it is sent (a try may have been left unanswered).
REMINDER_LOOKBACK = timedelta(days=1)


class DailyMessages:
    """What the chief (and whoever decides in the chief's place) hears once each business day
    (Monday to Friday but public holidays and the office's closure days, `workdays`),
    from `reminder_at` on (Japan time), on each chat front end; never when `reminder_at` is None.

    New credential-rotation tasks are told at once, whatever the time.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        notifiers: dict[str, Notifier],
        msg: Messages,
        reminder_at: time_of_day | None,
        reminder_after: timedelta,
        workdays: WorkingDays | None = None,
        profile_check: Callable[[], list[str]] | None = None,
    ):
        self.session_factory = session_factory
        self.notifiers = notifiers
        self.msg = msg
        self.reminder_at = reminder_at
        self.reminder_after = reminder_after  # a draft waiting this long is in the reminder
        self.workdays = workdays or WorkingDays()  # holidays and closures have no reminders
        self.profile_check = profile_check  # what differs on the SNS profiles (§2, §9)

    def send_due(self, now: datetime, dry_run_channels: tuple[str, ...] = ()) -> None:
        """Send whatever of today's messages is due and not yet sent, and tell new rotation tasks."""
        day = (
            schedule.reminder_due(now, self.reminder_at, self.workdays)
            if self.reminder_at
            else None
        )
        if day:
            for front_end, notifier in self.notifiers.items():
                self._remind_waiting(front_end, notifier, day, now, dry_run_channels)
        self._remind_rotations(day, now)
        if day:
            for front_end, notifier in self.notifiers.items():
                self._announce_register_head(front_end, notifier, day, now)
        if day and self.profile_check is not None:
            self._check_profiles(day, now)

    def _check_profiles(self, day: str, now: datetime) -> None:
        """Once each business day, the SNS profiles are read (once per front end, whichever
        process comes first) and that front end's chief hears what differs from the policy."""
        found: list[str] | None = None
        for front_end, notifier in self.notifiers.items():
            kind = f"profiles:{front_end}"
            with self.session_factory() as session:
                if schedule.reminded(session, kind, day):
                    continue
                chief = roles.chief_id(session, front_end)
            if not chief or not schedule.claim_reminder(self.session_factory, kind, day, now):
                continue
            found = self.profile_check() if found is None else found
            if not found:
                continue
            try:
                notifier.tell_user(chief, "\n".join((self.msg("profile.header"), *found)))
            except Exception:
                log.exception("could not tell the chief what differs on the SNS profiles")
                schedule.release_reminder(self.session_factory, kind, day)

    def _remind_waiting(
        self,
        front_end: str,
        notifier: Notifier,
        day: str,
        now: datetime,
        dry_run_channels: tuple[str, ...],
    ) -> None:
        """Whoever gets a waiting draft's card (the chief; the deputies for the chief's own draft
        or while the chief is away) hears of that front end's drafts still waiting, once a day."""
        kind = f"waiting:{front_end}"

        def look(session: Session) -> tuple[str, list[DraftSnapshot]] | None:
            chief = roles.chief_id(session, front_end)
            if not chief:
                return None
            waiting = schedule.waiting_drafts(session, now, self.reminder_after, front_end)
            return chief, [take(session, d, dry_run_channels, now) for d in waiting]

        def send(found: tuple[str, list[DraftSnapshot]]) -> None:
            chief, waiting = found
            by_person: dict[str, list[DraftSnapshot]] = {}
            for draft in waiting:  # nothing waits: nothing is sent today
                for user_id in draft.approvers or (chief,):
                    by_person.setdefault(user_id, []).append(draft)
            since = now - REMINDER_LOOKBACK  # an earlier try today may have delivered it unanswered
            for user_id, drafts in by_person.items():
                # Marked: a reminder Slack made but left unanswered is found, not sent again.
                mark = NoticeMark(f"reminder:{kind}:{day}" + ("" if user_id == chief else f":{user_id}"),
                                  since)  # fmt: skip
                notifier.remind(user_id, drafts, notice=mark)  # the first failure: all again later

        schedule.send_once_today(self.session_factory, kind, day, now, look, send)

    def _announce_register_head(
        self, front_end: str, notifier: Notifier, day: str, now: datetime
    ) -> None:
        """Each business day, the chief of each chat front end gets the register's head in a DM:
        a copy outside the database that `snsbot audit verify --expect-head` checks against."""

        def look(session: Session) -> tuple[str, int, str] | None:
            chief = roles.chief_id(session, front_end)
            count, head = register.head_of(session)
            return (chief, count, head) if chief and count else None

        def send(found: tuple[str, int, str]) -> None:
            chief, count, head = found
            notifier.tell_user(
                chief, self.msg("register.head", count=count, hash=head, short=head[:16])
            )

        schedule.send_once_today(
            self.session_factory, f"register_head:{front_end}", day, now, look, send
        )

    def _remind_rotations(self, day: str | None, now: datetime) -> None:
        """Tell the chief of new credential-rotation tasks, and again each business day.

        Telling of new tasks counts as today's reminder, in the same transaction, so that another
        process's housekeeping does not send the same list again a moment later.
        """
        try:
            with self.session_factory.begin() as session:
                fresh = oversight.claim_unannounced_rotations(session)
                items = oversight.open_rotations(session)
                chiefs = {p: roles.chief_id(session, p) for p in self.notifiers}
                for front_end in chiefs if fresh and day else ():
                    schedule.note_reminder(session, f"rotation:{front_end}", day, now)
        except IntegrityError:  # another process noted today's reminder at the same moment
            return
        if not items:
            return
        # The same key on every try: new tasks by the newest task, the daily one by its day.
        new_tasks = f"task-{max(item.task_id for item in items)}" if fresh else None
        for front_end, chief in chiefs.items():
            if chief:
                self._tell_rotations(front_end, chief, items, new_tasks, day, now)

    def _tell_rotations(
        self,
        front_end: str,
        chief: str,
        items: list[oversight.RotationItem],
        new_tasks: str | None,
        day: str | None,
        now: datetime,
    ) -> None:
        """One chief hears of the open rotation tasks: of new ones once (already noted as today's
        reminder), else as today's reminder, claimed and forgotten again if it cannot be sent."""
        kind = f"rotation:{front_end}"

        def send(chief: str) -> None:
            mark = NoticeMark(f"reminder:{kind}:{new_tasks or day}", now - REMINDER_LOOKBACK)
            self.notifiers[front_end].ask_rotation(chief, items, notice=mark)

        if new_tasks:
            try:
                send(chief)
            except Exception:
                log.exception("could not tell the chief about credential rotation; trying later")
        elif day:
            schedule.send_once_today(self.session_factory, kind, day, now, lambda _: chief, send)
