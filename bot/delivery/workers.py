"""Workers' heartbeat: each running dispatcher's row, beaten every few seconds, and who is silent."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, exists, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.models import Notice, Worker

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = timedelta(seconds=20)
BEATS_PER_TIMEOUT = 4  # a beat every timeout / 4: three in a row may be late or lost


def silent(
    claimed_by: ColumnElement, now: datetime, timeout: timedelta, me: str | None = None
) -> ColumnElement:
    """A claim held by a worker not heard from within `timeout`, or whose row is gone.

    A claim with no holder (made before workers beat, or without a heartbeat) is never silent:
    only its lease ends it. Nor is one of `me`: the worker asking is alive, whatever its row says.
    """
    heard = select(Worker.id).where(Worker.id == claimed_by, Worker.beat_at >= now - timeout)
    found = and_(claimed_by.is_not(None), ~exists(heard))
    return and_(found, claimed_by != me) if me else found


def beat(session: Session, worker: Worker, now: datetime) -> None:
    """Mark `worker` alive at `now`; its row is written again if it was deleted meanwhile."""
    found = session.execute(
        update(Worker)
        .where(Worker.id == worker.id)
        .values(beat_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not found:
        session.add(
            Worker(
                id=worker.id,
                host=worker.host,
                pid=worker.pid,
                started_at=worker.started_at,
                beat_at=now,
            )
        )


def take_over_silent(session: Session, now: datetime, timeout: timedelta) -> list[str]:
    """Free the chat notices of workers silent for `timeout` (due now), and delete their rows.

    Publications and engagements a silent worker held are taken over by the next claim, which
    looks on the network first (`silent` in the claim); a worker whose row is gone is silent.
    A stalled worker that beats again writes its row again.
    """
    gone = list(session.execute(select(Worker.id).where(Worker.beat_at < now - timeout)).scalars())
    if not gone:
        return []
    session.execute(  # a chat notice's lease is its due time
        update(Notice)
        .where(Notice.claimed_by.in_(gone), Notice.done.is_(False))
        .values(due_at=now, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    session.execute(delete(Worker).where(Worker.id.in_(gone), Worker.beat_at < now - timeout))
    log.warning("workers %s went silent; what they held is taken over", ", ".join(gone))
    return gone


def retire(session: Session, worker_id: str) -> None:
    """A worker that stops cleanly: its row goes, and anything it still held is free at once."""
    session.execute(delete(Worker).where(Worker.id == worker_id))


class Heartbeat:
    """This process's worker row: written on `start`, beaten every `timeout / 4`, deleted on
    `stop`.

    `holder` is the id to write on a claim: None until the row is in the database (a claim
    without a holder waits for its lease, as before workers beat), so a claim never names a
    worker that others cannot see alive.
    """

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Callable[[], datetime],
        timeout: timedelta = DEFAULT_TIMEOUT,
        give_way: Callable[[], None] = lambda: None,
    ):
        self.session_factory = session_factory
        self.clock = clock
        self.timeout = timeout
        self.give_way = give_way
        self.worker = Worker(
            id=uuid.uuid4().hex,
            host=socket.gethostname()[:255],
            pid=os.getpid(),
            started_at=clock(),
        )
        self._registered = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def interval(self) -> float:
        return self.timeout.total_seconds() / BEATS_PER_TIMEOUT

    @property
    def holder(self) -> str | None:
        return self.worker.id if self._registered else None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self) -> bool:
        """Write the row and beat in a thread; False if already running."""
        if self._thread is not None:
            return False
        self._stopping.clear()
        self.beat()
        self._thread = threading.Thread(target=self._run, name="worker-heartbeat", daemon=True)
        self._thread.start()
        return True

    def stop(self, retire_row: bool = True) -> None:
        """Stop beating; with `retire_row`, delete the row (nothing of ours is in flight)."""
        if self._thread is None:
            return
        self._stopping.set()
        self._thread.join(self.timeout.total_seconds())
        self._thread = None
        if not retire_row:
            return
        try:
            with self.session_factory.begin() as session:
                retire(session, self.worker.id)
            self._registered = False
        except Exception:
            log.exception("worker %s: its row could not be removed; it goes silent", self.worker.id)

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            self.give_way()
            self.beat()

    def beat(self) -> None:
        """Write this worker's beat now, and take over from workers gone silent."""
        now = self.clock()
        try:
            with self.session_factory.begin() as session:
                beat(session, self.worker, now)
                take_over_silent(session, now, self.timeout)
        except Exception:
            log.exception("worker heartbeat could not be written; trying again")
            return
        self._registered = True
