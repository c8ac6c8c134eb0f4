"""An engagement request as the chat front ends show it: plain values, read in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.approval.snapshot import routing
from bot.delivery.notices import card_refs
from bot.models import ENGAGEMENT, Engagement

# Notice kinds about an engagement besides the card and its refresh: the requester's receipt
# and the result (rejected, done or failed).
REQUESTED, RESULT = "requested", "result"


@dataclass(frozen=True)
class EngagementView:
    """Everything a card or a message about one engagement shows, as plain values."""

    id: int
    front_end: str
    requester_id: str
    kind: str
    network: str
    target: str
    target_url: str
    account: str
    category: str
    official_confirmed: bool
    status: str
    created_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    attempts: int
    due_at: datetime | None
    result_url: str | None
    dry_run: bool
    error: str | None
    approvers: tuple[str, ...]  # who gets the card
    card_refs: tuple[tuple[str, str], ...]
    acting: bool = False  # decided by the deputy (代決)
    deciders: tuple[str, ...] = ()  # who may decide it now: never its requester
    requester_excluded: bool = False  # the requester would decide it, were it not their own


def view(session: Session, item: Engagement) -> EngagementView:
    """Snapshot one engagement for rendering."""
    route = routing(session, item.requester_id, item.front_end)  # separation of duties, 代決
    return EngagementView(
        id=item.id,
        front_end=item.front_end,
        requester_id=item.requester_id,
        kind=item.kind,
        network=item.network,
        target=item.target,
        target_url=item.target_url,
        account=item.account,
        category=item.category,
        official_confirmed=item.official_confirmed,
        status=item.status,
        created_at=item.created_at,
        decided_by=item.decided_by,
        decided_at=item.decided_at,
        attempts=item.attempts,
        due_at=item.due_at,
        result_url=item.result_url,
        dry_run=item.dry_run,
        error=item.error,
        approvers=route.recipients,
        card_refs=card_refs(session, ENGAGEMENT, item.id),
        acting=bool(item.acting),
        deciders=route.deciders,
        requester_excluded=route.author_excluded,
    )
