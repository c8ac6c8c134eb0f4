"""The conversation on a draft: comments (a card thread's reply, a コメント), never a decision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import register
from bot.approval import deciding, drafts
from bot.approval.deciding import DONE, NOT_FOUND, NOTHING_TO_DO, Outcome
from bot.delivery import notices
from bot.models import CARD_UPDATE, COMMENTED, DRAFT, CardMessage, Draft, DraftComment
from bot.people import roles

MAX_CHARS = 2000


def draft_of_card(session: Session, conversation: str, ts: str) -> int | None:
    """The draft whose card was posted at (`conversation`, `ts`), if any."""
    return session.execute(
        select(CardMessage.subject_id).where(
            CardMessage.subject == DRAFT,
            CardMessage.conversation == conversation,
            CardMessage.ts == ts,
        )
    ).scalar()


def comment(session: Session, *, draft_id: int, actor: str, text: str, now: datetime,
            origin: str | None = None) -> Outcome:  # fmt: skip
    """Attach `text` by `actor` to the draft's current revision: recorded in the register, shown
    on its cards and told to its author. `origin` (a chat message) is taken once."""
    draft = session.get(Draft, draft_id)
    if draft is None:
        return Outcome(NOT_FOUND, draft_id)
    if roles.role_of(session, actor, draft.front_end) is None:
        return deciding.refuse(session, draft_id=draft_id, actor=actor, attempted="comment",
                               now=now)  # fmt: skip
    text = drafts.clean_input(text).strip()[:MAX_CHARS]
    taken = (
        origin
        and session.execute(select(DraftComment.id).where(DraftComment.origin == origin)).first()
    )
    if not text or taken:
        return Outcome(NOTHING_TO_DO, draft_id, status=draft.status)
    session.add(DraftComment(draft_id=draft_id, revision=draft.revision, author_id=actor,
                             text=text, at=now, origin=origin))  # fmt: skip
    register.append(session, at=now, actor=actor, action="commented", draft_id=draft_id,
                    revision=draft.revision, text=text)  # fmt: skip
    notices.owe(session, DRAFT, draft_id, draft.front_end, CARD_UPDATE, now)
    if actor != draft.author_id:
        notices.owe(session, DRAFT, draft_id, draft.front_end, COMMENTED, now)
    return Outcome(DONE, draft_id, status=draft.status)
