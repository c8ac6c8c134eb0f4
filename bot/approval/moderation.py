"""Moderation inbox (policy §11): collect others' posts, and the chief's decision on each."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from bot import register
from bot.approval import deciding
from bot.approval.deciding import Outcome
from bot.delivery import notices
from bot.features import moderation_store as store
from bot.messages import Messages
from bot.models import CARD_UPDATE, CHIEF, MODERATION, ModerationItem, ModerationPoll
from bot.people import roles
from bot.ports import BLOCK, DELETE, DISMISS, HIDE, Inbox, Item, NetworkError

log = logging.getLogger(__name__)

NEW, ACTING, DECIDED = store.NEW, store.ACTING, store.DECIDED
ItemView, view = store.ItemView, store.view

# The 15 prohibited categories of policy §11, exactly as the policy words them; (n) is index+1.
CATEGORIES = (
    "法律、法令等に違反する内容、または違反するおそれがあるもの",
    "特定の個人・団体等を誹謗中傷するもの",
    "政治、宗教活動を目的とするもの",
    "著作権、商標権、肖像権などセンターまたは第三者の知的所有権を侵害するもの",
    "広告、宣伝、勧誘、営業活動、その他営利を目的とするもの",
    "人種・思想・信条等の差別または差別を助長させるもの",
    "公の秩序または善良の風俗に反するもの",
    "虚偽や事実と異なる内容及び単なる風評や風評を助長させるもの",
    "本人の承諾なく個人情報をも特定・開示・漏えいする等プライバシーを害するもの",
    "他のユーザー、第三者等になりすますもの",
    "有害なプログラム等",
    "わいせつな表現などを含む不適切なもの",
    "当センターの発信する内容の一部又は全部を改変するもの",
    "当センターの発信する内容に関係ないもの",
    "その他、市民活動推進課が不適切と判断した情報及びこれらの内容を含むリンク等",
)

DONE, REFUSED, NEED_CATEGORY, NOT_SUPPORTED = "done", "refused", "need_category", "not_supported"
ALREADY_DECIDED, BUSY, NOT_FOUND, UNAVAILABLE, FAILED = (
    "already_decided",
    "busy",
    "not_found",
    "unavailable",
    "failed",  # also the kind of the notice that tells the decider
)
QUEUED = "queued"  # decided: the action outbox (bot.delivery.moderating) calls the network


def category_text(number: int | None) -> str:
    return CATEGORIES[number - 1] if number in range(1, len(CATEGORIES) + 1) else ""


# -- collecting ------------------------------------------------------------------------------


def poll_once(
    session_factory: sessionmaker[Session],
    inboxes: dict[str, Inbox],
    msg: Messages,
    clock: Callable[[], datetime],
) -> int:
    """Read each inbox that is due, keep the items never seen, and owe a card for each new one
    on every front end with a chief on the roster, whichever process polled (the notice outbox
    delivers it, and retries it). How many were new."""
    new = 0
    for name, inbox in inboxes.items():
        now = clock()
        with session_factory.begin() as session:
            since = store.claim_poll(session, name, inbox.poll_minutes, now)
        if since is None:
            continue
        try:
            items = inbox.fetch(since)
        except Exception as error:  # one network failing must not stop the others
            why = reason(error, msg)
            if isinstance(error, NetworkError):
                log.warning("moderation inbox %s could not be read: %s", name, why)
            else:
                log.exception("moderation inbox %s failed", name)
            with session_factory.begin() as session:
                poll = session.get(ModerationPoll, name)
                poll.last_error = why
                retry_at = getattr(error, "retry_at", None)
                if retry_at is not None and retry_at > poll.next_at:
                    poll.next_at = retry_at
            continue
        with session_factory.begin() as session:
            unknown = msg("moderation.unknown_author")
            chiefs = roles.front_ends(session, CHIEF)  # §11: the chief decides
            new += store.store(session, name, items, unknown, now, chiefs)
            session.get(ModerationPoll, name).last_error = None
    return new


# -- deciding --------------------------------------------------------------------------------


def decide(
    session_factory: sessionmaker[Session],
    inboxes: dict[str, Inbox],
    *,
    item_id: int,
    actor: str,
    action: str,
    category: int | None,
    now: datetime,
    front_end: str = "slack",
    msg: Messages,
) -> Outcome:
    """The chief (or, while away, the deputy: 代決) dismisses, hides, deletes or blocks; anyone
    else is refused and recorded.

    Hide, delete and block need one of the 15 categories. A dismissal is recorded at once; any
    other action is claimed (two clicks act once) and queued for the action outbox
    (`bot.delivery.moderating`), which calls the network: QUEUED, and the caller wakes the dispatcher.
    Either way a refresh of the card is owed on `front_end` (the clicker's) in the
    same transaction. `msg` is kept for the front ends' calls; the outbox renders errors.
    """
    with session_factory.begin() as session:
        row = session.get(ModerationItem, item_id)
        if row is None:
            return Outcome(NOT_FOUND)
        if not deciding.may_decide(session, actor, front_end):  # §11: 課長, or 代決 while away
            role = roles.role_of(session, actor, front_end) or "none"
            _record(session, row, actor, now, "refused", attempted=action, role=role)
            return Outcome(REFUSED, item=view(row))
        if action not in view(row).actions:
            return Outcome(NOT_SUPPORTED, item=view(row))
        if action != DISMISS and not category_text(category):
            return Outcome(NEED_CATEGORY, item=view(row))
        if action != DISMISS and inboxes.get(row.network) is None:  # credentials removed since
            return Outcome(UNAVAILABLE, item=view(row))
        won = deciding.settle(
            session,
            row,
            ModerationItem.status == NEW,
            status=DECIDED if action == DISMISS else ACTING,
            decided_by=actor,
            decided_at=now,
            acting=deciding.acting(session, actor, front_end),  # kept for the chief's 後閲
            action=action,
            category=None if action == DISMISS else category,
            error=None,
            front_end=front_end,
            attempts=0,
            due_at=now,
            claimed_at=None,
            claimed_by=None,
        )
        if not won:
            return Outcome(ALREADY_DECIDED if row.status == DECIDED else BUSY, item=view(row))
        if action == DISMISS:
            record_decision(session, row, now)
            return Outcome(DONE, item=view(row))
        notices.owe(session, MODERATION, row.id, front_end, CARD_UPDATE, now)  # 実行中
        return Outcome(QUEUED, item=view(row))


def reason(error: Exception, msg: Messages) -> str:
    """What went wrong, as stored: a network's error in the installation's language."""
    return error.render(msg) if isinstance(error, NetworkError) else str(error)


def perform(inbox: Inbox, action: str, item: Item) -> None:
    """The network call of a decided action (the action outbox makes it)."""
    if action == HIDE:
        inbox.hide(item)
    elif action == DELETE:
        inbox.delete(item)
    elif action == BLOCK:  # the one call of a block: a §11 decision of the chief, with a category
        inbox.block(item)


def record_decision(session: Session, row: ModerationItem, now: datetime) -> None:
    """The decision is carried out (or was a dismissal): its card refreshed, the register told."""
    notices.owe(session, MODERATION, row.id, row.front_end or "slack", CARD_UPDATE, now)
    _record(
        session,
        row,
        row.decided_by,
        now,
        "moderated",
        decision=row.action,
        label=Messages("ja")(f"moderation.action.{row.action}"),  # the register is Japanese
        category=row.category,
        category_text=category_text(row.category),
        text=row.text,
        **({"acting": True} if row.acting else {}),  # 代決: the deputy decided, chief away
    )


def _record(
    session: Session, row: ModerationItem, actor: str, now: datetime, action: str, **details
) -> None:
    register.append(
        session,
        at=now,
        actor=actor,
        action=action,
        platform=row.network,  # the register's key for the network, as in every entry before
        item=row.remote_id,
        item_id=row.id,
        kind=row.kind,
        author=row.author,
        url=row.url,
        **details,
    )
