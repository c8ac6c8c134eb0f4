"""The action outbox's engagements: approved follows, retweets, likes and shares, done once each."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_
from sqlalchemy.orm import Session

from bot import register
from bot.approval import engagement
from bot.approval.engagement import DONE, MAX_ATTEMPTS, add_notice
from bot.approval.engagement_view import RESULT
from bot.delivery import claims
from bot.messages import Messages
from bot.models import APPROVED, CARD_UPDATE, FAILED, SENDING, Engagement
from bot.ports import Performer, PermanentError, Published, TransientError, unexpected

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngagementClaim:
    """An approved engagement a dispatcher has taken, and which attempt this is."""

    engagement_id: int
    kind: str
    network: str
    target: str
    attempt: int
    recovering: bool  # a crashed worker left it mid-call: look before performing again


@dataclass(frozen=True)
class Performed:
    """How one attempt ended: done (`result`), to retry (`transient`) or given up (`failed`)."""

    claim: EngagementClaim
    result: Published | None = None
    dry_run: bool = False
    transient: TransientError | None = None
    failed: str | None = None


def claim_due(
    session: Session,
    now: datetime,
    lease: timedelta,
    limit: int,
    holder: str | None,
    silent_after: timedelta,
) -> list[EngagementClaim]:
    """Take due approved engagements, and ones a crashed worker left mid-call, as the publication
    outbox takes publications (`bot.delivery.outbox.claim_due`): the same lease and heartbeat rules."""
    due = and_(Engagement.status == APPROVED, Engagement.due_at <= now)
    left = claims.abandoned(Engagement, now, lease, silent_after, holder)
    rows = claims.take_due(session, Engagement, due, left, limit, now, holder, status=SENDING)
    return [
        EngagementClaim(
            row.id, row.kind, row.network, row.target, row.attempts + 1, row.status == SENDING
        )
        for row in rows
    ]


def attempt(claim: EngagementClaim, performers: dict[str, Performer], msg: Messages) -> Performed:
    """Perform once (or find what an earlier attempt did); how it ended."""
    performer = performers.get(claim.network)
    if performer is None:
        return Performed(claim, failed=msg("pub.error.unavailable"))
    try:
        found = performer.look_up(claim.kind, claim.target) if claim.recovering else None
        result = found or performer.perform(claim.kind, claim.target)
    except TransientError as error:
        return Performed(claim, transient=error)
    except PermanentError as error:
        return Performed(claim, failed=error.render(msg))
    except Exception as error:
        log.exception("engagement %s on %s raised unexpectedly", claim.kind, claim.network)
        return Performed(claim, transient=unexpected(error))
    return Performed(claim, result=result, dry_run=performer.dry_run)


def record(session: Session, outcomes: list[Performed], msg: Messages, now: datetime) -> None:
    """Write each attempt's outcome in the caller's transaction, unless another worker has since
    taken it over: done or failed enters the register and owes the requester the result."""
    for outcome in sorted(outcomes, key=lambda o: o.claim.engagement_id):
        claim = outcome.claim
        item = session.get(Engagement, claim.engagement_id, with_for_update=True)
        if item.status != SENDING or item.attempts != claim.attempt:
            log.warning("engagement %s was taken over; dropping a stale result", item.id)
            continue
        if outcome.result is not None:
            done = outcome.result
            item.status, item.remote_id, item.result_url = DONE, done.remote_id, done.url
            item.dry_run, item.done_at, item.error = outcome.dry_run, now, None
            register.append(
                session, at=now, actor="snsbot", action="engagement_done",
                remote_id=done.remote_id, url=done.url, dry_run=outcome.dry_run,
                **engagement.record(item),
            )  # fmt: skip
        elif outcome.transient is not None and claim.attempt < MAX_ATTEMPTS:
            item.status, item.error = APPROVED, outcome.transient.render(msg)
            retry_at = outcome.transient.retry_at or now
            item.due_at = max(retry_at, now + claims.backoff(claim.attempt))
            log.warning("engagement %s: transient failure (%s)", item.id, item.error)
            add_notice(session, item, CARD_UPDATE, now)
            continue
        else:
            item.status, item.error = FAILED, outcome.failed or msg("pub.error.gave_up")
            register.append(
                session, at=now, actor="snsbot", action="engagement_failed", error=item.error,
                attempts=claim.attempt, **engagement.record(item),
            )  # fmt: skip
        add_notice(session, item, CARD_UPDATE, now)
        add_notice(session, item, RESULT, now)
