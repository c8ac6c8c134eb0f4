"""The action outbox in parallel: one attempt at each publication (post, or find the post an
earlier attempt made), each engagement and each moderation action, a few at a time in a thread
pool, the results written several to a transaction."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import claims, moderating, outbox, performing
from bot.delivery.claims import backoff
from bot.delivery.workers import Heartbeat
from bot.messages import Messages
from bot.ports import (
    Image,
    Inbox,
    Performer,
    PermanentError,
    Publisher,
    TransientError,
    unexpected,
)

log = logging.getLogger(__name__)

MAX_PUBLISH_ATTEMPTS = 8


def attempt(
    claim: outbox.Claim,
    publishers: Mapping[str, Publisher],
    msg: Messages,
    clock: Callable[[], datetime],
    fetch_file: Callable[[dict], bytes] | None,
) -> outbox.Attempted:
    """Post once (or find the post an earlier attempt made); how it ended."""
    post = claim.post
    publisher = publishers.get(post.channel)
    if publisher is None:
        return outbox.failed(claim, msg("pub.error.unavailable"), clock())
    try:
        if claim.images and not publisher.dry_run:
            post = replace(post, images=download(claim.images, fetch_file))
        # Look first after a crash or any earlier failed attempt: an unanswered request may
        # still have posted.
        found = publisher.find(post) if claim.recovering or claim.attempt > 1 else None
        result = found or publisher.publish(post)
    except TransientError as error:
        return _transient(claim, error, msg, clock)
    except PermanentError as error:
        return outbox.failed(claim, error.render(msg), clock())
    except Exception as error:
        log.exception("publisher %s raised unexpectedly", post.channel)
        return _transient(claim, unexpected(error), msg, clock)
    return outbox.published(claim, result, publisher.dry_run, clock())


def _transient(
    claim: outbox.Claim, error: TransientError, msg: Messages, clock: Callable[[], datetime]
) -> outbox.Attempted:
    now = clock()
    if claim.attempt >= MAX_PUBLISH_ATTEMPTS:
        return outbox.failed(claim, msg("pub.error.gave_up"), now)
    due_at = claims.retry_at(error, now, backoff(claim.attempt))
    reason = error.render(msg)
    log.warning("%s: transient failure (%s); retry at %s", claim.post.channel, reason, due_at)
    return outbox.retried(claim, reason, due_at, now)


def download(
    attachments: tuple[dict, ...], fetch_file: Callable[[dict], bytes] | None
) -> tuple[Image, ...]:
    """The draft's images, fetched from the chat front end just before they are posted."""
    if fetch_file is None:
        raise PermanentError("pub.error.unavailable")
    return tuple(
        Image(
            name=meta.get("name", ""),
            mimetype=meta.get("mimetype", ""),
            data=fetch_file(meta),
            alt=meta.get("alt", ""),
        )
        for meta in attachments
    )


Claim = outbox.Claim | performing.EngagementClaim | moderating.ModerationClaim
Finished = outbox.Attempted | performing.Performed | moderating.Acted


class Actions:
    """Due actions (a publication per channel, an engagement, a moderation action) claimed a few at a time into a
    thread pool, one task each; their results written several to a transaction, never far
    behind the calls."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        publishers: Mapping[str, Publisher],
        msg: Messages,
        clock: Callable[[], datetime],
        heartbeat: Heartbeat,
        *,
        fetch_file: Callable[[dict], bytes] | None,
        performers: Mapping[str, Performer],
        inboxes: Mapping[str, Inbox],
        lease: timedelta,
        workers: int,
        give_way: Callable[[], None],
        recorded: Callable[[], None],
    ):
        self.session_factory = session_factory
        self.publishers = publishers
        self.msg = msg
        self.clock = clock
        self.heartbeat = heartbeat
        self.fetch_file = fetch_file
        self.performers = performers  # network → who follows, retweets, likes, shares
        self.inboxes = inboxes  # network → who hides, deletes, blocks (policy §11)
        self.lease = lease
        self.workers = workers
        self.give_way = give_way  # before each attempt: requests this process answers first
        self.recorded = recorded  # after results are written: they owe notices
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="publish")
        self._sending = 0  # claimed and not yet attempted
        self._in_flight = 0  # claimed and not yet recorded
        self._finished: list[Finished | None] = []  # None: the attempt itself failed
        self._lock = threading.Lock()
        self._recording = threading.Lock()

    @property
    def busy(self) -> bool:
        with self._lock:
            return self._in_flight > 0

    def shutdown(self) -> None:
        """Finish the attempts in hand and write their results."""
        self._pool.shutdown(wait=True)

    def publish_due(self) -> int:
        """Claim due actions (publications, then engagements, then moderation actions; and ones
        a crashed worker left mid-call) and start them.

        As many as there are free threads, while at most one pool's worth of results waits to
        be written: posts are never far ahead of what the database knows.
        """
        with self._lock:
            capacity = min(self.workers - self._sending, 2 * self.workers - self._in_flight)
        if capacity <= 0:
            return 0
        now, holder, silent_after = self.clock(), self.heartbeat.holder, self.heartbeat.timeout
        with self.session_factory.begin() as session:
            claims: list[Claim] = outbox.claim_due(
                session, now, self.lease, capacity, holder, silent_after
            )
            if len(claims) < capacity:
                claims += performing.claim_due(
                    session, now, self.lease, capacity - len(claims), holder, silent_after
                )
            if len(claims) < capacity:
                claims += moderating.claim_due(
                    session, now, self.lease, capacity - len(claims), holder, silent_after
                )
        with self._lock:
            self._sending += len(claims)
            self._in_flight += len(claims)
        for claim in claims:
            self._pool.submit(self._publish, claim)
        return len(claims)

    def _publish(self, claim: Claim) -> None:
        outcome = None
        self.give_way()
        try:
            if isinstance(claim, performing.EngagementClaim):
                outcome = performing.attempt(claim, self.performers, self.msg)
            elif isinstance(claim, moderating.ModerationClaim):
                outcome = moderating.attempt(claim, self.inboxes, self.msg)
            else:
                outcome = attempt(claim, self.publishers, self.msg, self.clock, self.fetch_file)
        except Exception:
            log.exception("%s could not be processed; it will be retried", claim)
        with self._lock:
            self._sending -= 1
            self._finished.append(outcome)
        self._record_finished()

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
                    self.recorded()  # results owe notices and free pool places
            finally:
                self._recording.release()
            with self._lock:
                if not self._finished:
                    return

    def _record(self, finished: list[Finished]) -> None:
        """One transaction for all; if it fails, one each. What is not written is retried."""
        if not finished:
            return
        published = [o for o in finished if isinstance(o, outbox.Attempted)]
        performed = [o for o in finished if isinstance(o, performing.Performed)]
        acted = [o for o in finished if isinstance(o, moderating.Acted)]
        try:
            with self.session_factory.begin() as session:
                if published:
                    outbox.record(session, published, self.clock())
                if performed:
                    performing.record(session, performed, self.msg, self.clock())
                if acted:
                    moderating.record(session, acted, self.msg, self.clock())
        except Exception:
            if len(finished) > 1:
                for outcome in finished:
                    self._record([outcome])
                return
            log.exception("%s: its result could not be written; retried", finished[0].claim)
