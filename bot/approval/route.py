"""The approval route (決裁ルート): review steps before the chief's decision, pass on, send back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import register
from bot.approval import deciding
from bot.approval.deciding import ALREADY_DECIDED, DONE, NOT_FOUND, NOTHING_TO_DO, STALE, Outcome
from bot.delivery import notices
from bot.models import (
    CARD,
    CARD_UPDATE,
    CHIEF,
    DRAFT,
    PENDING,
    SENT_BACK,
    SENT_BACK_NOTICE,
    Draft,
    Member,
    RouteMark,
)

PASSED, SKIPPED = "passed", "skipped"  # a step's mark (or SENT_BACK)
OWN, AWAY, NOBODY, DECIDED = "own", "away", "nobody", "decided"  # why a step was skipped


@dataclass(frozen=True)
class Route:
    """The review steps (roles) a new draft passes before the chief, from SNSBOT_ROUTE."""

    steps: tuple[str, ...] = ()
    skip_away: bool = False  # a step whose people are all away is passed by (recorded)


CHIEF_ALONE = Route()  # the default route: no review step, the chief decides (as before)


def holders(session: Session, front_end: str, role: str) -> list[tuple[str, bool]]:
    """The people holding `role` on `front_end`, with whether each is away."""
    query = (
        select(Member.user_id, Member.away)
        .where(Member.front_end == front_end, Member.role == role)
        .order_by(Member.id)
    )
    return [(user_id, bool(away)) for user_id, away in session.execute(query)]


def at_review(draft: Draft) -> bool:
    """True while a pending draft waits at a review step (not yet at the chief's)."""
    return draft.status == PENDING and draft.step < len(draft.route or ())


def step_people(session: Session, draft: Draft) -> tuple[str, ...]:
    """Who acts at the draft's review step now: its role's holders, never the draft's author."""
    if not at_review(draft):
        return ()
    role = draft.route[draft.step]
    return tuple(u for u, _ in holders(session, draft.front_end, role) if u != draft.author_id)


def start(session: Session, draft: Draft, route: Route, now: datetime) -> None:
    """Put a (re)submitted draft at the route's first step; steps nobody can take are skipped."""
    draft.route, draft.step, draft.route_from = list(route.steps), 0, draft.revision
    advance(session, draft, now, route.skip_away)


def advance(session: Session, draft: Draft, now: datetime, skip_away: bool) -> None:
    """Skip (and record) each step from the draft's one on that nobody but its author holds, or
    (with `skip_away`) whose people are all away."""
    while at_review(draft):
        role = draft.route[draft.step]
        held = holders(session, draft.front_end, role)
        others = [(u, away) for u, away in held if u != draft.author_id]
        if others and not (skip_away and all(away for _, away in others)):
            return
        reason = AWAY if others else (OWN if held else NOBODY)
        _mark(session, draft, draft.step, SKIPPED, now, reason=reason)
        draft.step += 1


def skip_rest(session: Session, draft: Draft, now: datetime) -> None:
    """The chief (or the acting deputy) decided before the route reached them: every review step
    not yet taken is recorded as skipped."""
    while draft.step < len(draft.route or ()):
        _mark(session, draft, draft.step, SKIPPED, now, reason=DECIDED)
        draft.step += 1


def _mark(session: Session, draft: Draft, step: int, outcome: str, now: datetime, *,
          actor: str = "", reason: str = "", comment: str = "") -> None:  # fmt: skip
    """One step's mark: a row the cards show, and an entry in the register's chain."""
    role = draft.route[step]
    session.add(RouteMark(draft_id=draft.id, revision=draft.revision, step=step, role=role,
                          outcome=outcome, reason=reason, actor=actor, comment=comment, at=now))  # fmt: skip
    details = {"reason": reason} if reason else {"comment": comment}
    action = {PASSED: "passed_on", SENT_BACK: "sent_back"}.get(outcome, "step_skipped")
    register.append(session, at=now, actor=actor or "snsbot", action=action, draft_id=draft.id,
                    revision=draft.revision, step=step + 1, role=role, **details)  # fmt: skip


def problem(session: Session, draft: Draft | None, actor: str, attempted: str, revision, now):
    """Why `actor` may not act at `draft`'s review step now (an Outcome), or None: they may."""
    if draft is None:
        return Outcome(NOT_FOUND)
    if draft.status != PENDING:
        return Outcome(ALREADY_DECIDED, draft.id, status=draft.status,
                       decided_by=draft.decided_by, decided_at=draft.decided_at)  # fmt: skip
    if revision is not None and revision != draft.revision:
        return Outcome(STALE, draft.id, status=draft.status)
    if not at_review(draft):
        return Outcome(NOTHING_TO_DO, draft.id, status=draft.status)
    if actor in step_people(session, draft):
        return None
    own = actor == draft.author_id and any(
        u == actor for u, _ in holders(session, draft.front_end, draft.route[draft.step])
    )
    return deciding.refuse(session, draft_id=draft.id, actor=actor, attempted=attempted, now=now,
                           own=own)  # fmt: skip


def may_review(session: Session, draft: Draft, actor: str) -> bool:
    """True when `actor` may pass on or send back `draft` now."""
    return actor in step_people(session, draft)


def pass_on(session: Session, *, draft_id: int, actor: str, now: datetime,
            revision: int | None = None, comment: str = "", skip_away: bool = False) -> Outcome:  # fmt: skip
    """確認: the step's reviewer passes the draft on; the next step (or the chief) gets the card."""
    draft = session.get(Draft, draft_id)
    if (refused := problem(session, draft, actor, "pass_on", revision, now)) is not None:
        return refused
    step, number = draft.step, draft.revision
    conditions = (Draft.status == PENDING, Draft.step == step, Draft.revision == number)
    if not deciding.settle(session, draft, *conditions, step=step + 1):
        return problem(session, draft, actor, "pass_on", number, now) or Outcome(
            NOTHING_TO_DO, draft_id, status=draft.status
        )
    _mark(session, draft, step, PASSED, now, actor=actor, comment=comment)
    advance(session, draft, now, skip_away)
    for kind in (CARD_UPDATE, CARD):  # this step's card shows it passed; the next one gets its own
        notices.owe(session, DRAFT, draft_id, draft.front_end, kind, now)
    return Outcome(DONE, draft_id, status=PENDING)


def send_back(session: Session, *, draft_id: int, actor: str, comment: str, now: datetime,
              revision: int | None = None) -> Outcome:  # fmt: skip
    """差し戻し: the step's reviewer returns the draft to its author with a comment (required)."""
    draft = session.get(Draft, draft_id)
    if (refused := problem(session, draft, actor, "send_back", revision, now)) is not None:
        return refused
    if not comment.strip():
        return Outcome(NOTHING_TO_DO, draft_id, status=draft.status)
    conditions = (Draft.status == PENDING, Draft.step == draft.step,
                  Draft.revision == draft.revision)  # fmt: skip
    changes = dict(status=SENT_BACK, decided_by=actor, decided_at=now, reject_reason=comment)
    if not deciding.settle(session, draft, *conditions, **changes):
        return problem(session, draft, actor, "send_back", None, now) or Outcome(
            NOTHING_TO_DO, draft_id, status=draft.status
        )
    _mark(session, draft, draft.step, SENT_BACK, now, actor=actor, comment=comment)
    for kind in (CARD_UPDATE, SENT_BACK_NOTICE):
        notices.owe(session, DRAFT, draft_id, draft.front_end, kind, now)
    return Outcome(DONE, draft_id, status=SENT_BACK, decided_by=actor, decided_at=now)


def reviewer_away(session: Session, user_id: str, away: bool, *, now: datetime,
                  front_end: str = "slack", skip_away: bool = False) -> bool:  # fmt: skip
    """A reviewer marks themselves away (or back), recorded; True when it changed. With
    `skip_away`, each draft waiting at a step whose people are now all away is passed by."""
    member = session.execute(
        select(Member).where(Member.front_end == front_end, Member.user_id == user_id)
    ).scalar_one_or_none()
    if member is None or member.role == CHIEF or member.away == away:
        return False
    member.away, member.updated_at = away, now
    register.append(session, at=now, actor=user_id, action="away_on" if away else "away_off",
                    platform=front_end)  # fmt: skip
    if away and skip_away:
        waiting = session.execute(
            select(Draft).where(Draft.status == PENDING, Draft.front_end == front_end)
        ).scalars()
        for draft in [d for d in waiting if at_review(d) and d.route[d.step] == member.role]:
            step = draft.step
            advance(session, draft, now, skip_away)
            if draft.step != step:  # passed by: its card goes on to the next step
                for kind in (CARD_UPDATE, CARD):
                    notices.owe(session, DRAFT, draft.id, front_end, kind, now)
    return True


def waiting_for(session: Session, user_id: str, front_end: str, limit: int = 20,
                any_step: bool = False) -> list[int]:  # fmt: skip
    """The drafts waiting at a review step `user_id` takes (with `any_step`, at any review step:
    the chief may decide early), never their own, oldest first."""
    role = session.execute(
        select(Member.role).where(Member.front_end == front_end, Member.user_id == user_id)
    ).scalar_one_or_none()
    pending = session.execute(
        select(Draft)
        .where(Draft.status == PENDING, Draft.front_end == front_end, Draft.author_id != user_id)
        .order_by(Draft.id)  # fmt: skip
    ).scalars()
    found = [d.id for d in pending if at_review(d) and (any_step or d.route[d.step] == role)]
    return found[:limit]
