"""Search past drafts and posts: a small query syntax and one SQL query (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import String, and_, cast, exists, or_, select
from sqlalchemy.orm import Session

from bot.config import CHANNELS
from bot.messages import JST
from bot.models import FAILED, PUBLISHED, Draft, Publication, Revision

RESULT_LIMIT = 20  # hits shown at once; more means: narrow the search
STATES = ("pending", "approved", "rejected", "withdrawn", "expired", PUBLISHED, FAILED)
KEYS = ("from", "since", "until", "network", "state")
MENTION = re.compile(r"<@([A-Za-z0-9]+)(?:\|[^>]*)?>")  # Slack's escaped mention in a command
TERM = re.compile(r"(\w+):(\S+)")


class QueryError(ValueError):
    """A search that cannot be run: `key` is the message key, `words` its values."""

    def __init__(self, message_key: str, **words):
        super().__init__(message_key)
        self.key, self.words = message_key, words


@dataclass(frozen=True)
class Query:
    """What a search asks for; every condition must hold (free words: each must appear)."""

    words: tuple[str, ...] = ()
    author: str | None = None
    since: date | None = None
    until: date | None = None  # the last day, included
    network: str | None = None
    state: str | None = None

    @property
    def empty(self) -> bool:
        return self == Query()


@dataclass(frozen=True)
class Hit:
    """One draft found: its current revision, state and the addresses of its live posts."""

    draft_id: int
    revision: int
    author_id: str
    submitted_at: datetime
    status: str
    body: str
    channels: tuple[str, ...]
    links: tuple[tuple[str, str], ...] = ()  # (network, published URL)
    failed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Found:
    hits: list[Hit] = field(default_factory=list)
    more: bool = False  # over RESULT_LIMIT matched: only the newest are in `hits`


def parse(text: str, asker: str, resolve: Callable[[str], str | None] | None = None) -> Query:
    """Read `from:@user since:YYYY-MM-DD until:YYYY-MM-DD network:x state:published` and words.

    `from:me` is the asker; a Slack mention (`<@U…>`) names someone by id; anything else is
    given to `resolve` (the front end's: a name or an id → the person's id, None: nobody).
    """
    text = MENTION.sub(lambda m: m.group(1), text or "")
    words, found = [], {}
    for token in text.split():
        term = TERM.fullmatch(token)
        if term is None or term.group(1).lower() not in KEYS:
            words.append(token)
            continue
        key, value = term.group(1).lower(), term.group(2)
        if key in found:
            raise QueryError("search.error.twice", name=key)
        found[key] = value
    author = found.get("from", "").lstrip("@＠") or None
    if author and author.lower() != "me" and resolve is not None:
        author = resolve(author) or _nobody(author)
    network, state = (
        found.get("network", "").lower() or None,
        found.get("state", "").lower() or None,
    )
    if network is not None and network not in CHANNELS:
        raise QueryError("search.error.network", value=network, allowed=", ".join(CHANNELS))
    if state is not None and state not in STATES:
        raise QueryError("search.error.state", value=state, allowed=", ".join(STATES))
    query = Query(
        words=tuple(words), author=asker if author and author.lower() == "me" else author,
        since=_day(found.get("since")), until=_day(found.get("until")), network=network,
        state=state,
    )  # fmt: skip
    if query.since and query.until and query.since > query.until:
        raise QueryError("search.error.range")
    return query


def _nobody(name: str) -> str:
    raise QueryError("search.error.person", name=name)


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.replace("/", "-"))
    except ValueError:
        raise QueryError("search.error.date", value=value) from None


def same_name(typed: str, name: str | None) -> bool:
    """Whether `typed` (one word, spaces impossible) names `name`: case and spaces ignored."""
    return bool(name) and _squeezed(typed) == _squeezed(name)


def _squeezed(text: str) -> str:
    return "".join(text.split()).casefold()  # full-width spaces too


def like_pattern(word: str) -> str:
    """`%word%` for LIKE, the user's own `%`, `_` and `\\` matched literally."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _japan_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), JST)


def search(session: Session, query: Query, front_end: str, limit: int = RESULT_LIMIT) -> Found:
    """The drafts of one chat front end matching `query`, newest first, at most `limit`.

    Words are looked for in the current revision's body, X text, blog title, URL and group.
    """
    current = (Revision.draft_id == Draft.id) & (Revision.number == Draft.revision)
    statement = select(Draft, Revision).join(Revision, current).where(Draft.front_end == front_end)
    for word in query.words:
        pattern = like_pattern(word)
        texts = (Revision.body, Revision.x_text, Revision.blog_title, Revision.url,
                 Revision.group_name)  # fmt: skip
        statement = statement.where(or_(*(t.ilike(pattern, escape="\\") for t in texts)))
    if query.author:
        statement = statement.where(Draft.author_id == query.author)
    if query.since:
        statement = statement.where(Draft.created_at >= _japan_midnight(query.since))
    if query.until:
        statement = statement.where(
            Draft.created_at < _japan_midnight(query.until + timedelta(days=1))
        )
    if query.network:  # the JSON list's text holds the network's name in quotes
        quoted = like_pattern(f'"{query.network}"')
        statement = statement.where(cast(Revision.channels, String).like(quoted, escape="\\"))
    if query.state in (PUBLISHED, FAILED):
        ended = and_(Publication.draft_id == Draft.id, Publication.revision == Draft.revision,
                     Publication.status == query.state)  # fmt: skip
        statement = statement.where(exists().where(ended))
    elif query.state:
        statement = statement.where(Draft.status == query.state)
    rows = session.execute(statement.order_by(Draft.id.desc()).limit(limit + 1)).all()
    publications = _publications(session, [(d.id, d.revision) for d, _ in rows[:limit]])
    hits = [
        Hit(draft.id, draft.revision, draft.author_id, draft.created_at, draft.status,
            revision.body, tuple(revision.channels or ()),
            links=tuple(publications.get((draft.id, PUBLISHED), ())),
            failed=tuple(c for c, _ in publications.get((draft.id, FAILED), ())))
        for draft, revision in rows[:limit]
    ]  # fmt: skip
    return Found(hits, more=len(rows) > limit)


def _publications(session: Session, drafts: list[tuple[int, int]]) -> dict:
    """(draft id, state) → [(network, URL)] for the current revisions' published and failed."""
    if not drafts:
        return {}
    revisions = dict(drafts)
    rows = session.execute(
        select(Publication.draft_id, Publication.revision, Publication.channel,
               Publication.status, Publication.url)
        .where(Publication.draft_id.in_(list(revisions)))
        .where(Publication.status.in_((PUBLISHED, FAILED)))
        .order_by(Publication.id)
    ).all()  # fmt: skip
    found: dict = {}
    for row in rows:
        if revisions[row.draft_id] == row.revision:
            found.setdefault((row.draft_id, row.status), []).append((row.channel, row.url or ""))
    return found
