"""Plain read-only snapshots of a draft, handed to chat front ends for rendering."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.approval import drafts, route_view
from bot.approval.route_view import RouteFacts
from bot.models import PENDING, Decision, Draft, Publication, Revision
from bot.people import roles


@dataclass(frozen=True)
class PublicationView:
    channel: str
    status: str
    attempts: int
    due_at: datetime
    dry_run: bool
    url: str | None
    error: str | None


@dataclass(frozen=True)
class DraftSnapshot:
    """Everything a card or a message about one draft shows, as plain values."""

    id: int
    front_end: str
    author_id: str
    status: str
    revision: int
    created_at: datetime
    content: drafts.DraftInput
    x_text: str
    x_weight: int
    blog_title: str
    decided_by: str | None
    decided_at: datetime | None
    reject_reason: str | None
    publications: tuple[PublicationView, ...]
    dry_run_channels: tuple[str, ...]
    approvers: tuple[str, ...]  # who gets the card (and the approvers' notices)
    card_refs: tuple[tuple[str, str, int], ...]  # (conversation, message id, revision shown)
    taken_at: datetime
    previous: drafts.DraftInput | None = None  # the revision before this one, if any
    revised_by: str = ""  # who wrote the current revision
    acting: bool = False  # decided by the deputy while the chief was away (代決)
    deciders: tuple[str, ...] = ()  # who may decide it now: never its author
    author_excluded: bool = False  # the author would decide it, were it not their own
    stand_ins: tuple[str, ...] = ()  # the deputies among `approvers` because the chief is away
    route: RouteFacts = RouteFacts()  # its approval route: steps, trail, comments

    @property
    def at_review(self) -> bool:
        """True while it waits at a review step: the card goes to that step's reviewers."""
        return self.status == PENDING and self.route.step < len(self.route.route)

    def step_of(self, conversation: str, ts: str) -> int | None:
        """The review step a card (posted at `conversation`, `ts`) was for; None: the chief's."""
        return self.route.card_steps.get((conversation, ts))


@dataclass(frozen=True)
class Routing:
    """Who gets a request's card, who may decide it, and whether its author was left out."""

    recipients: tuple[str, ...]  # the deciders; the chief alone when nobody may decide yet
    deciders: tuple[str, ...]
    author_excluded: bool
    stand_ins: tuple[str, ...] = ()  # recipients only because the chief is away (代決)


def routing(session: Session, author: str, front_end: str) -> Routing:
    """Separation of duties: the card goes to those who may decide, never to the author alone
    unless nobody else can (the card then says the request waits)."""
    return route_for(roles.deciding(session, front_end), author)


def route_for(now_deciding: roles.Deciding, author: str) -> Routing:
    deciders = now_deciding.deciders(author)
    chief = now_deciding.chief
    recipients = deciders or ((chief,) if chief else ())
    away = now_deciding.away and chief and author != chief
    stand_ins = tuple(u for u in recipients if u != chief) if away else ()
    return Routing(recipients, deciders, now_deciding.excluded(author), stand_ins)


def take(
    session: Session, draft: Draft, dry_run_channels: tuple[str, ...], now: datetime
) -> DraftSnapshot:
    """Snapshot `draft` at its current revision."""
    acting = session.execute(
        select(Decision.acting).where(
            Decision.draft_id == draft.id, Decision.revision == draft.revision
        )
    ).scalar()
    route = routing(session, draft.author_id, draft.front_end)
    facts = route_view.read(session, [draft])[draft.id]
    return _snapshot(draft, dry_run_channels, now, route, bool(acting), facts)


def take_many(
    session: Session, draft_ids: Collection[int], dry_run_channels: tuple[str, ...], now: datetime
) -> dict[int, DraftSnapshot]:
    """Snapshots of several drafts by id, read in a few queries whatever their number."""
    drafts_read = (
        session.execute(
            select(Draft)
            .where(Draft.id.in_(draft_ids))
            .options(
                selectinload(Draft.revisions),
                selectinload(Draft.publications),
                selectinload(Draft.card_messages),
            )
        )
        .scalars()
        .all()
    )
    acting = {
        (draft_id, revision)
        for draft_id, revision in session.execute(
            select(Decision.draft_id, Decision.revision).where(
                Decision.draft_id.in_(draft_ids), Decision.acting.is_(True)
            )
        )
    }
    deciding = {p: roles.deciding(session, p) for p in {d.front_end for d in drafts_read}}
    facts = route_view.read(session, drafts_read)
    return {
        d.id: _snapshot(
            d,
            dry_run_channels,
            now,
            route_for(deciding[d.front_end], d.author_id),
            (d.id, d.revision) in acting,
            facts[d.id],
        )  # fmt: skip
        for d in drafts_read
    }


def unsaved(
    session: Session,
    content: drafts.DraftInput,
    author_id: str,
    front_end: str,
    dry_run_channels: tuple[str, ...],
    now: datetime,
) -> DraftSnapshot:
    """A draft not stored yet, as its approval card would show it (a preview: id 0)."""
    route = routing(session, author_id, front_end)
    return DraftSnapshot(
        id=0,
        front_end=front_end,
        author_id=author_id,
        status=PENDING,
        revision=1,
        created_at=now,
        **_as_sent(content),
        decided_by=None,
        decided_at=None,
        reject_reason=None,
        publications=(),
        dry_run_channels=dry_run_channels,
        approvers=route.recipients,
        card_refs=(),
        taken_at=now,
        deciders=route.deciders,
        author_excluded=route.author_excluded,
    )


def _snapshot(
    draft: Draft,
    dry_run_channels: tuple[str, ...],
    now: datetime,
    route: Routing,
    acting: bool,
    facts: RouteFacts,
) -> DraftSnapshot:
    content = content_of(draft.current)
    revisions = {r.number: r for r in draft.revisions}
    publications = [p for p in draft.publications if p.revision == draft.revision]
    return DraftSnapshot(
        id=draft.id,
        front_end=draft.front_end,
        author_id=draft.author_id,
        status=draft.status,
        revision=draft.revision,
        created_at=draft.created_at,
        **_as_sent(content),
        decided_by=draft.decided_by,
        decided_at=draft.decided_at,
        reject_reason=draft.reject_reason,
        publications=tuple(_publication_view(p) for p in publications),
        dry_run_channels=dry_run_channels,
        # At a review step its card goes to the step's reviewers (the chief's route when none).
        approvers=(facts.reviewers or route.recipients)
        if draft.status == PENDING and facts.step < len(facts.route)
        else route.recipients,
        acting=acting,
        deciders=route.deciders,
        author_excluded=route.author_excluded,
        stand_ins=route.stand_ins,
        card_refs=tuple((m.conversation, m.ts, m.revision) for m in draft.card_messages),
        taken_at=now,
        previous=content_of(revisions[draft.revision - 1])
        if draft.revision - 1 in revisions
        else None,
        revised_by=draft.current.created_by,
        route=facts,
    )


def _as_sent(content: drafts.DraftInput) -> dict:
    """The content, and what X and the blog get of it (the X text, its weight, the title)."""
    x_text = drafts.compose_x_text(content)
    return {"content": content, "x_text": x_text, "x_weight": drafts.x_weight(x_text),
            "blog_title": drafts.blog_title(content)}  # fmt: skip


def _publication_view(p: Publication) -> PublicationView:
    return PublicationView(
        channel=p.channel,
        status=p.status,
        attempts=p.attempts,
        due_at=p.due_at,
        dry_run=p.dry_run,
        url=p.url,
        error=p.error,
    )


def content_of(revision: Revision) -> drafts.DraftInput:
    """A stored revision as the plain draft input it came from."""
    return drafts.DraftInput(
        body=revision.body,
        channels=tuple(revision.channels),
        source=revision.source,
        category=revision.category,
        x_text=revision.x_text,
        blog_title=revision.blog_title,
        url=revision.url,
        group_name=revision.group_name,
        group_date=revision.group_date,
        group_draft=revision.group_draft,
        publish_at=revision.publish_at,
        images=tuple(revision.images),
        on_internet=revision.on_internet,
    )
