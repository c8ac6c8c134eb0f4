"""Follows, retweets, likes and shares (policy §7, §8): request, decide, perform once, allow-list."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import register
from bot.approval import deciding
from bot.approval.engagement_view import REQUESTED, RESULT
from bot.delivery import notices
from bot.features.engagement_targets import CATEGORIES, KINDS, NETWORK_OF, Target
from bot.models import (
    APPROVED,
    CARD,
    CARD_UPDATE,
    ENGAGEMENT,
    FAILED,
    PENDING,
    REJECTED,
    SENDING,
    Engagement,
)
from bot.people import roles

log = logging.getLogger(__name__)

DONE = "done"  # performed on the network
APPROVED_STATES = (APPROVED, SENDING, DONE, FAILED)  # the chief said yes: on the allow-list
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=5)  # a claim never finished is taken over after this


def add_notice(session: Session, item: Engagement, kind: str, now: datetime) -> None:
    """Owe a chat message about an engagement, delivered by the front end it was asked on."""
    notices.owe(session, ENGAGEMENT, item.id, item.front_end, kind, now)


@dataclass(frozen=True)
class AllowedTarget:
    """One account (or post, when its account is unknown) the chief approved engaging with."""

    network: str
    account: str
    url: str
    category: str
    kinds: tuple[str, ...]
    approved_at: datetime
    approved_by: str


def record(item: Engagement) -> dict:
    """What the register keeps about an engagement, on every line about it."""
    return {
        "engagement": item.id,
        "kind": item.kind,
        "platform": item.network,  # the register's key: entries already written must verify
        "target": item.target,
        "target_url": item.target_url,
        "category": item.category,
        "official_confirmed": item.official_confirmed,
    }


def request(
    session: Session,
    *,
    requester_id: str,
    kind: str,
    target: Target,
    category: str,
    official_confirmed: bool,
    now: datetime,
    front_end: str = "slack",
    submission: str | None = None,
) -> Engagement:
    """Store a pending request; owe the chief a card and the requester a receipt.

    `submission` names the chat form submitted (Slack: view id and hash): a second delivery
    of the same submission returns the stored request instead of making another.
    """
    if kind not in KINDS or category not in CATEGORIES or not official_confirmed:
        raise ValueError("an engagement needs a known kind and category and a confirmed account")
    if submission:
        stored = session.execute(
            select(Engagement).where(Engagement.submission == submission)
        ).scalar_one_or_none()
        if stored is not None:
            return stored
    item = Engagement(
        front_end=front_end, requester_id=requester_id, kind=kind, network=NETWORK_OF[kind],
        target=target.value, target_url=target.url, account=target.account, category=category,
        official_confirmed=True, status=PENDING, created_at=now, attempts=0, dry_run=False,
        submission=submission or None,
    )  # fmt: skip
    session.add(item)
    session.flush()
    register.append(
        session, at=now, actor=requester_id, action="engagement_requested", **record(item)
    )
    add_notice(session, item, CARD, now)
    add_notice(session, item, REQUESTED, now)
    return item


def refuse(
    session: Session, *, item: Engagement, actor: str, attempted: str, now: datetime,
    own: bool = False,
) -> deciding.Outcome:  # fmt: skip
    """Record a click by someone not allowed to make it (`own`: the requester deciding it)."""
    role = roles.role_of(session, actor, item.front_end) or "none"
    details = {"rule": "separation_of_duties"} if own else {}
    register.append(
        session, at=now, actor=actor, action="engagement_refused", attempted=attempted,
        role=role, **details, **record(item),
    )  # fmt: skip
    return deciding.Outcome(deciding.OWN_REQUEST if own else deciding.REFUSED, item.id)


def refuse_request(
    session: Session, *, actor: str, kind: str, target: Target, category: str, now: datetime
) -> None:
    """Record a request from someone not on the roster (policy §3): refused, and kept."""
    # The network under the details key "platform", as in every entry before (entries verify).
    register.append(
        session, at=now, actor=actor, action="engagement_refused", attempted="request",
        role="none", kind=kind, platform=NETWORK_OF[kind], target=target.value,
        target_url=target.url, category=category,
    )  # fmt: skip


def decide(
    session: Session, *, engagement_id: int, actor: str, approve: bool, now: datetime
) -> deciding.Outcome:
    """Approve or reject in one conditional update: the first decision wins, later ones see it."""
    item = session.get(Engagement, engagement_id)
    if item is None:
        return deciding.Outcome(deciding.NOT_FOUND, engagement_id)
    if not deciding.may_decide(session, actor, item.front_end, author=item.requester_id):
        attempted = "approve" if approve else "reject"
        own = deciding.own_request(session, actor, item.requester_id, item.front_end)
        return refuse(session, item=item, actor=actor, attempted=attempted, now=now, own=own)
    status = APPROVED if approve else REJECTED
    acting = deciding.acting(session, actor, item.front_end)  # the deputy decided (代決)
    changes = dict(status=status, decided_by=actor, decided_at=now, acting=acting,
                   due_at=now if approve else None)  # fmt: skip
    if not deciding.settle(session, item, Engagement.status == PENDING, **changes):
        return deciding.Outcome(
            deciding.ALREADY_DECIDED, engagement_id, item.status, item.decided_by, item.decided_at
        )
    register.append(
        session, at=now, actor=actor, action=f"engagement_{status}", acting=acting, **record(item)
    )
    add_notice(session, item, CARD_UPDATE, now)
    if not approve:
        add_notice(session, item, RESULT, now)
    return deciding.Outcome(deciding.DONE, engagement_id, status, actor, now)


def _account_url(item: Engagement) -> str:
    if item.account.startswith("@"):
        return f"https://x.com/{item.account[1:]}"
    return f"https://www.{item.account}" if item.account else item.target_url


def allow_list(session: Session, limit: int = 500) -> list[AllowedTarget]:
    """The approved accounts (policy §7, §8), newest approval first, each with its kinds."""
    rows = session.execute(
        select(Engagement)
        .where(Engagement.status.in_(APPROVED_STATES))
        .order_by(Engagement.decided_at.desc(), Engagement.id.desc())
        .limit(limit)
    ).scalars()
    found: dict[tuple[str, str], AllowedTarget] = {}
    for item in rows:
        key = (item.network, item.account or item.target_url)
        seen = found.get(key)
        if seen is None:
            found[key] = AllowedTarget(
                network=item.network, account=item.account or item.target_url,
                url=_account_url(item), category=item.category, kinds=(item.kind,),
                approved_at=item.decided_at, approved_by=item.decided_by or "",
            )  # fmt: skip
        elif item.kind not in seen.kinds:
            kinds = tuple(k for k in KINDS if k in (*seen.kinds, item.kind))
            found[key] = replace(seen, kinds=kinds)
    return list(found.values())
