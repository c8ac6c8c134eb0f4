"""The action outbox's moderation actions: the chief's hide, delete or block, done once each."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_
from sqlalchemy.orm import Session

from bot.approval import moderation
from bot.delivery import claims, notices
from bot.features.moderation_store import ACTING, DECIDED, NEW, as_item
from bot.messages import Messages
from bot.models import CARD_UPDATE, MODERATION, ModerationItem
from bot.ports import Inbox, Item, PermanentError, TransientError, unexpected

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class ModerationClaim:
    """A decided moderation action a dispatcher has taken, and which attempt this is."""

    item_id: int
    action: str
    item: Item
    network: str
    attempt: int


@dataclass(frozen=True)
class Acted:
    """How one attempt ended: done, to retry (`transient`) or given up (`failed`, why)."""

    claim: ModerationClaim
    done: bool = False
    transient: TransientError | None = None
    failed: str | None = None


def claim_due(
    session: Session,
    now: datetime,
    lease: timedelta,
    limit: int,
    holder: str | None,
    silent_after: timedelta,
) -> list[ModerationClaim]:
    """Take due decided actions, and ones a crashed worker left mid-call, as the publication
    outbox takes publications (`bot.delivery.outbox.claim_due`): the same lease and heartbeat rules.
    An item stays ACTING from the click to the result; `claimed_at` says a call is under way."""
    calling = and_(ModerationItem.status == ACTING, ModerationItem.claimed_at.is_not(None))
    due = and_(
        ModerationItem.status == ACTING,
        ModerationItem.claimed_at.is_(None),
        ModerationItem.due_at <= now,
    )
    left = claims.abandoned(ModerationItem, now, lease, silent_after, holder, calling)
    rows = claims.take_due(session, ModerationItem, due, left, limit, now, holder)
    return [
        ModerationClaim(row.id, row.action, as_item(row), row.network, row.attempts + 1)
        for row in rows
    ]


def attempt(claim: ModerationClaim, inboxes: Mapping[str, Inbox], msg: Messages) -> Acted:
    """Call the network once; how it ended.

    Nothing is looked up before acting again after a crash: hiding sets a flag and blocking
    adds the author to a list, both the same when done twice; a comment deleted already is not
    deleted twice, but the network may answer that it is not there (the chief is told).
    """
    inbox = inboxes.get(claim.network)
    if inbox is None:  # its credentials were removed since the click
        network = msg(f"channel.{claim.network}")
        return Acted(claim, failed=msg("moderation.refuse.unavailable", network=network))
    try:
        moderation.perform(inbox, claim.action, claim.item)
    except TransientError as error:
        return Acted(claim, transient=error)
    except PermanentError as error:
        return Acted(claim, failed=error.render(msg))
    except Exception as error:
        log.exception("moderation %s on %s raised unexpectedly", claim.action, claim.network)
        return Acted(claim, transient=unexpected(error))
    return Acted(claim, done=True)


def record(session: Session, outcomes: list[Acted], msg: Messages, now: datetime) -> None:
    """Write each attempt's outcome in the caller's transaction, unless another worker has since
    taken it over: done enters the register; given up releases the item for another decision
    and tells the decider why; either refreshes the card."""
    for outcome in sorted(outcomes, key=lambda o: o.claim.item_id):
        claim = outcome.claim
        row = session.get(ModerationItem, claim.item_id, with_for_update=True)
        if row.status != ACTING or row.claimed_at is None or row.attempts != claim.attempt:
            log.warning("moderation item %s was taken over; dropping a stale result", row.id)
            continue
        row.claimed_at = row.claimed_by = None
        if outcome.done:
            row.status, row.error = DECIDED, None
            moderation.record_decision(session, row, now)
        elif outcome.transient is not None and claim.attempt < MAX_ATTEMPTS:
            row.error = outcome.transient.render(msg)
            row.due_at = claims.retry_at(outcome.transient, now, claims.backoff(claim.attempt))
            log.warning("moderation item %s: transient failure (%s)", row.id, row.error)
        else:
            _release(session, row, outcome.failed or msg("pub.error.gave_up"), now)


def _release(session: Session, row: ModerationItem, error: str, now: datetime) -> None:
    """Given up: open again for the chief to decide (the card's buttons come back), who is told."""
    log.warning("moderation %s of item %s failed: %s", row.action, row.id, error)
    front_end = row.front_end or "slack"
    row.failed_by, row.failed_action, row.error = row.decided_by, row.action, error
    row.status, row.decided_by, row.decided_at = NEW, None, None
    row.action, row.category = None, None
    notices.owe(session, MODERATION, row.id, front_end, moderation.FAILED, now)
    notices.owe(session, MODERATION, row.id, front_end, CARD_UPDATE, now)
