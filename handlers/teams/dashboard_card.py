"""The Teams dashboard card (`home`): Slack's App Home as one Adaptive Card (a pure builder)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.approval.snapshot import DraftSnapshot
from bot.messages import Messages
from bot.models import FAILED, PENDING
from handlers.teams import ids
from handlers.teams.approval_card import publication_lines
from handlers.teams.cards import (
    LIST_LIMIT,
    NameOf,
    card,
    dialog_button,
    execute,
    run,
    runs,
    shorten,
    text,
)
from handlers.teams.chat_cards import review_card
from handlers.teams.text import rich

PENDING_LIST, SCHEDULED_LIST, FAILED_LIST, MINE_LIST = "pending", "scheduled", "failures", "mine"
TITLES = {
    PENDING_LIST: "home.pending",
    SCHEDULED_LIST: "home.scheduled",
    FAILED_LIST: "home.failures",
    MINE_LIST: "home.mine",
}
ALLOW_LIMIT = 30  # approved accounts listed on the card; the rest are counted


@dataclass(frozen=True)
class Section:
    """One paged list of the dashboard."""

    name: str
    drafts: list[DraftSnapshot]
    page: int = 0
    pages: int = 1


@dataclass(frozen=True)
class Dashboard:
    """Everything the dashboard card shows one person, and whom it refreshes for."""

    mri: str
    is_chief: bool
    sections: list[Section] = field(default_factory=list)
    latest: list[tuple[str, str | None, int]] = field(default_factory=list)  # channel, url, draft
    groups: list[tuple[str, str, str]] = field(default_factory=list)  # name, contact, site
    allowed: list = field(default_factory=list)  # approved follow/share targets (§7, §8)
    reviews: list = field(default_factory=list)  # the chief's: deputy decisions to review (後閲)


def _with_buttons(line: dict, buttons: list[dict]) -> dict:
    """One list line, its buttons in an ActionSet beside it."""
    return {
        "type": "ColumnSet",
        "separator": True,
        "columns": [
            {"type": "Column", "width": "stretch", "items": [line]},
            {"type": "Column", "width": "auto",
             "items": [{"type": "ActionSet", "actions": buttons}]},
        ],
    }  # fmt: skip


def _item(msg: Messages, section: str, draft: DraftSnapshot, name_of: NameOf) -> list[dict]:
    data = {"draft": draft.id, "revision": draft.revision}
    excerpt = shorten(draft.content.body.replace("\n", " "), 80, msg)
    if section == MINE_LIST:
        words = {"id": draft.id, "state": msg(f"state.{draft.status}"), "excerpt": excerpt}
        line = rich(msg, "status.line", words)
    else:
        words = {"id": draft.id, "author": name_of(draft.author_id), "excerpt": excerpt}
        line = rich(msg, "teams.home.item", words)
    buttons = [dialog_button(msg, "button.full_text", ids.SHOW_FULL, data)]
    if section == FAILED_LIST and any(p.status == FAILED for p in draft.publications):
        buttons.insert(0, execute(msg, "button.retry", ids.RETRY, data))
    if section == MINE_LIST and draft.status == PENDING:
        buttons.insert(0, execute(msg, "button.withdraw", ids.WITHDRAW, data, "destructive"))
    shown = [_with_buttons(line, buttons)]
    if section != PENDING_LIST:
        shown += publication_lines(msg, draft)
    return shown


def _pager(msg: Messages, section: Section, pages: dict[str, int]) -> list[dict]:
    if section.pages <= 1:
        return []
    buttons = []
    for label, number in (("home.prev", section.page - 1), ("home.next", section.page + 1)):
        if 0 <= number < section.pages:
            turned = {"pages": {**pages, section.name: number}}
            buttons.append(execute(msg, label, ids.HOME_REFRESH, turned))
    count = text(msg("home.page", page=section.page + 1, pages=section.pages), isSubtle=True)
    return [count, {"type": "ActionSet", "actions": buttons}]


def _heading(msg: Messages, key: str) -> dict:
    return text(msg(key), weight="bolder", size="medium", separator=True, spacing="large")


def _none(msg: Messages) -> dict:
    return text(msg("home.none"), isSubtle=True)


def dashboard_card(msg: Messages, home: Dashboard, name_of: NameOf) -> dict:
    """The dashboard; 更新 (and Teams itself, when the owner opens the chat) re-renders it."""
    pages = {s.name: s.page for s in home.sections if s.page}
    body: list = [text(msg("home.title"), size="large", weight="bolder"),
                  text(msg("teams.home.hint"), isSubtle=True, size="small", spacing="none")]  # fmt: skip
    for section in home.sections:
        body.append(_heading(msg, TITLES[section.name]))
        for draft in section.drafts:
            body += _item(msg, section.name, draft, name_of)
        if not section.drafts:
            body.append(_none(msg))
        body += _pager(msg, section, pages)
    if home.is_chief and home.reviews:
        body.append(_heading(msg, "home.review"))
        body += review_card(msg, home.reviews, name_of)["body"][1:]
    if home.is_chief:
        body.append(_heading(msg, "home.groups"))
        for name, contact, site in home.groups[:LIST_LIMIT]:
            shown = name + (f"（{contact}）" if contact else "")
            body.append(runs(run("• " + shown), run(" " + site if site else "", site)))
        if not home.groups:
            body.append(_none(msg))
        if len(home.groups) > LIST_LIMIT:
            body.append(text(msg("home.more", count=len(home.groups) - LIST_LIMIT)))
    body.append(_heading(msg, "engage.allow.title"))
    body += _allowed(msg, home.allowed)
    body.append(_heading(msg, "home.latest"))
    for channel, url, draft_id in home.latest:
        where = f"#{draft_id} {msg(f'channel.{channel}')}: "
        body.append(runs(run(where), run(url or "—", url)))
    if not home.latest:
        body.append(_none(msg))
    again = execute(msg, "teams.home.refresh", ids.HOME_REFRESH, {"pages": pages})
    new = dialog_button(msg, "home.new_draft", ids.OPEN_DRAFT, {})
    refresh = {"action": execute(msg, "teams.home.refresh", ids.HOME_REFRESH, {"pages": pages}),
               "userIds": [home.mri] if home.mri else []}  # fmt: skip
    refresh["action"].pop("fallback")  # a refresh action takes no fallback
    return card(body, [again, new], refresh)


def _allowed(msg: Messages, items: list) -> list[dict]:
    lines = [
        rich(msg, "engage.allow.line", {
            "network": msg(f"channel.{a.network}"), "account": a.account[:300],
            "category": msg(f"engage.category.{a.category}"),
            "kinds": "、".join(msg(f"engage.kind.{k}") for k in a.kinds),
            "when": msg.time(a.approved_at)})
        for a in items[:ALLOW_LIMIT]
    ]  # fmt: skip
    if len(items) > ALLOW_LIMIT:
        lines.append(text(msg("home.more", count=len(items) - ALLOW_LIMIT), isSubtle=True))
    return lines or [_none(msg)]
