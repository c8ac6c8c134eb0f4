"""What a draft's cards show of its route and conversation: the trail of steps, the comments."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import PENDING, Draft, DraftComment, Member, RouteMark


@dataclass(frozen=True)
class StepMark:
    """One review step's mark on the card's trail (who passed it, when, their comment)."""

    step: int
    role: str
    outcome: str  # passed, sent_back, skipped
    reason: str  # a skip's: own, away, nobody, decided
    actor: str
    comment: str
    at: datetime
    revision: int


@dataclass(frozen=True)
class CommentView:
    """A comment on a draft, with the revision it was made on."""

    author: str
    text: str
    at: datetime
    revision: int


@dataclass(frozen=True)
class RouteFacts:
    """A draft's route as its cards show it."""

    route: tuple[str, ...] = ()  # the review steps' roles before the chief
    step: int = 0  # where it waits (len(route): at the chief)
    reviewers: tuple[str, ...] = ()  # who may pass it on or send it back now
    trail: tuple[StepMark, ...] = ()  # this round's marks, oldest first
    comments: tuple[CommentView, ...] = ()  # every revision's, oldest first
    card_steps: dict[tuple[str, str], int] = field(default_factory=dict)  # review steps' cards


def read(session: Session, drafts: Collection[Draft]) -> dict[int, RouteFacts]:
    """The route facts of several drafts, in a few queries whatever their number."""
    ids = [d.id for d in drafts]
    if not ids:
        return {}
    marks: dict[int, list[StepMark]] = {}
    for m in session.execute(
        select(RouteMark).where(RouteMark.draft_id.in_(ids)).order_by(RouteMark.id)
    ).scalars():
        marks.setdefault(m.draft_id, []).append(
            StepMark(m.step, m.role, m.outcome, m.reason, m.actor, m.comment, m.at, m.revision)
        )
    said: dict[int, list[CommentView]] = {}
    for c in session.execute(
        select(DraftComment).where(DraftComment.draft_id.in_(ids)).order_by(DraftComment.id)
    ).scalars():
        said.setdefault(c.draft_id, []).append(CommentView(c.author_id, c.text, c.at, c.revision))
    holders: dict[tuple[str, str], list[str]] = {}
    for front_end, role, user_id in session.execute(
        select(Member.front_end, Member.role, Member.user_id).order_by(Member.id)
    ):
        holders.setdefault((front_end, role), []).append(user_id)
    return {d.id: _facts(d, marks.get(d.id, []), said.get(d.id, []), holders) for d in drafts}


def _facts(draft: Draft, marks: list[StepMark], said: list[CommentView], holders) -> RouteFacts:
    route = tuple(draft.route or ())
    waiting = draft.status == PENDING and draft.step < len(route)
    people = holders.get((draft.front_end, route[draft.step]), []) if waiting else []
    return RouteFacts(
        route=route,
        step=draft.step,
        reviewers=tuple(u for u in people if u != draft.author_id),
        trail=tuple(m for m in marks if m.revision >= draft.route_from),
        comments=tuple(said),
        card_steps={
            (m.conversation, m.ts): m.step for m in draft.card_messages if m.step is not None
        },
    )
