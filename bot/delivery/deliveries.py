"""What each owed notice says: its subject read once, and the Notifier call that delivers it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

from sqlalchemy.orm import Session

from bot.approval.engagement_view import view as engagement_view
from bot.approval.snapshot import take_many
from bot.approval.workflow import EXPIRED_FOR_CHIEF
from bot.delivery.notices import Subject
from bot.features.feed import FeedItem
from bot.features.feed import item as feed_item
from bot.features.moderation_store import view as moderation_view
from bot.intake import status as intake
from bot.models import (
    CARD,
    CARD_UPDATE,
    DEPUTY_CARD,
    DRAFT,
    ENGAGEMENT,
    FEED_ENTRY,
    GROUP_REQUEST,
    MODERATION,
    OPERATOR,
    PENDING,
    Engagement,
    ModerationItem,
)
from bot.people import roles
from bot.ports import NoticeMark, Notifier, Refs


@dataclass(frozen=True)
class Announcement:
    """An HP entry (or a group's request) to announce, and each front end's staff to tell."""

    item: FeedItem | intake.RequestView
    members: dict[str, tuple[str, ...]]


def read(
    session: Session, subjects: Collection[Subject], dry_run_channels: tuple[str, ...], now
) -> dict[Subject, object]:
    """A snapshot of each subject (gone ones left out), drafts read together."""
    draft_ids = [subject_id for kind, subject_id in subjects if kind == DRAFT]
    found: dict[Subject, object] = {
        (DRAFT, draft_id): snapshot
        for draft_id, snapshot in take_many(session, draft_ids, dry_run_channels, now).items()
    }
    for kind, subject_id in subjects:
        snapshot = None
        if kind == ENGAGEMENT:
            row = session.get(Engagement, subject_id)
            snapshot = engagement_view(session, row) if row else None
        elif kind == MODERATION:
            row = session.get(ModerationItem, subject_id)
            snapshot = moderation_view(row, session) if row else None
        elif kind == FEED_ENTRY:
            entry = feed_item(session, subject_id)
            members = {
                front_end: tuple(m.user_id for m in roles.members(session, front_end))
                for front_end in ("slack", "teams")
            }
            snapshot = Announcement(entry, members) if entry else None
        elif kind == GROUP_REQUEST:
            request = intake.view(session, subject_id)
            snapshot = Announcement(request, _operators(session)) if request else None
        if snapshot is not None:
            found[(kind, subject_id)] = snapshot
    return found


def _operators(session: Session) -> dict[str, tuple[str, ...]]:
    """Each front end's operators (everyone on its roster when it has none) for a group request."""
    found = {}
    for front_end in ("slack", "teams"):
        members = roles.members(session, front_end)
        operators = tuple(m.user_id for m in members if m.role == OPERATOR)
        found[front_end] = operators or tuple(m.user_id for m in members)
    return found


def send(
    notifier: Notifier, front_end: str, subject: str, snapshot, kind: str, mark: NoticeMark
) -> Refs:
    """One notice through its front end's notifier; where any new card went.

    Each new message carries `mark`, so an attempt the chat service made but never answered is
    found again rather than sent twice; a card update edits in place and needs none.
    """
    if subject == DRAFT:
        if kind == CARD:
            return notifier.post_card(snapshot, notice=mark)
        if kind == DEPUTY_CARD:  # still waiting, the chief still away: to the deputies too
            if snapshot.status == PENDING and snapshot.stand_ins:
                return notifier.post_card(
                    replace(snapshot, approvers=snapshot.stand_ins), notice=mark
                )
        elif kind == CARD_UPDATE:
            if snapshot.card_refs:
                notifier.update_card(snapshot)
        elif kind == EXPIRED_FOR_CHIEF:
            notifier.tell_approvers(snapshot, "expired", notice=mark)
        else:
            notifier.tell_author(snapshot, kind, notice=mark)
    elif subject == ENGAGEMENT:
        if kind == CARD:
            return notifier.post_engagement_card(snapshot, notice=mark)
        if kind == CARD_UPDATE:
            if snapshot.card_refs:
                notifier.update_engagement_card(snapshot)
        else:
            notifier.tell_requester(snapshot, kind, notice=mark)
    elif subject == MODERATION:
        if kind == CARD:
            return notifier.post_item(snapshot, notice=mark)
        if kind == CARD_UPDATE:
            if snapshot.card_refs:
                notifier.update_item(snapshot)
        else:
            notifier.tell_decider(snapshot, kind, notice=mark)
    elif subject == FEED_ENTRY:
        notifier.announce(snapshot.item, snapshot.members.get(front_end, ()), notice=mark)
    elif subject == GROUP_REQUEST:
        members = snapshot.members.get(front_end, ())
        notifier.tell_group_request(snapshot.item, members, notice=mark)
    return []


def with_cards(subject: str, snapshot, refs: Refs):
    """The snapshot as it is once `refs` are posted: a card update after it updates them too."""
    if subject == DRAFT:
        shown = tuple((conversation, ts, snapshot.revision) for conversation, ts in refs)
        route = snapshot.route
        if snapshot.at_review:  # a review step's cards: updated as that step's
            steps = {**route.card_steps, **{tuple(ref): route.step for ref in refs}}
            route = replace(route, card_steps=steps)
        return replace(snapshot, card_refs=snapshot.card_refs + shown, route=route)
    return replace(snapshot, card_refs=snapshot.card_refs + tuple(refs))


def revision_shown(subject: str, snapshot) -> int:
    """Which revision a new card shows (a draft's current one; other subjects have one)."""
    return snapshot.revision if subject == DRAFT else 1


def step_shown(subject: str, snapshot) -> int | None:
    """The review step a new draft card is for (None: the chief's card, or not a draft)."""
    return snapshot.route.step if subject == DRAFT and snapshot.at_review else None
