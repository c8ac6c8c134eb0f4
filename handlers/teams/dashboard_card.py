"""The Teams dashboard card (`home`): Slack's App Home as one Adaptive Card (a pure builder)."""

from __future__ import annotations

from bot.approval.snapshot import DraftSnapshot
from bot.features.dashboard import FAILED_LIST, MINE_LIST, PENDING_LIST, TITLES, Home, Section
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
from handlers.teams.chat_cards import line_with_button, review_card
from handlers.teams.text import rich


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
    shown = [line_with_button(line, *buttons)]
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


def dashboard_card(msg: Messages, home: Home, mri: str, name_of: NameOf) -> dict:
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
               "userIds": [mri] if mri else []}  # fmt: skip
    refresh["action"].pop("fallback")  # a refresh action takes no fallback
    return card(body, [again, new], refresh)


def _allowed(msg: Messages, items: list) -> list[dict]:
    lines = [
        rich(msg, "engage.allow.line", {
            "network": msg(f"channel.{a.network}"), "account": a.account[:300],
            "category": msg(f"engage.category.{a.category}"),
            "kinds": "、".join(msg(f"engage.kind.{k}") for k in a.kinds),
            "when": msg.time(a.approved_at)})
        for a in items
    ]  # fmt: skip
    return lines or [_none(msg)]
