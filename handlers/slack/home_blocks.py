"""Pure builders of the App Home tab: pending, scheduled and failed posts; own drafts; latest."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.approval.snapshot import DraftSnapshot
from bot.features.dashboard import (  # noqa: F401  (Home: imported from here too)
    FAILED_LIST,
    MINE_LIST,
    PENDING_LIST,
    SCHEDULED_LIST,
    TITLES,
    TO_REVIEW_LIST,
    Home,
    Section,
)
from bot.messages import Messages
from bot.models import FAILED, PENDING
from handlers.slack import ids
from handlers.slack.blocks import button, esc, link_target, mention, publication_line, shorten
from handlers.slack.engagement_blocks import allow_list_blocks
from handlers.slack.oversight import review_message

REVIEW_LIMIT = 10  # deputy decisions listed on the Home tab; all come in `/sns away off`


def status_line(msg: Messages, draft: DraftSnapshot) -> str:
    excerpt = esc(shorten(draft.content.body.replace("\n", " "), 60, msg))
    line = msg("status.line", id=draft.id, state=msg(f"state.{draft.status}"), excerpt=excerpt)
    if draft.publications:
        line += "\n" + "\n".join(
            "    " + publication_line(msg, p, draft) for p in draft.publications
        )
    return line


def _item(msg: Messages, section: str, draft: DraftSnapshot) -> list:
    value = str(draft.id)
    if section == MINE_LIST:
        text = status_line(msg, draft)
    else:
        excerpt = esc(shorten(draft.content.body.replace("\n", " "), 150, msg))
        text = (
            f"*#{draft.id}* {mention(draft.author_id)} {msg('source.' + draft.content.source)}\n"
            + excerpt
        )
        if section not in (PENDING_LIST, TO_REVIEW_LIST):
            text += "\n" + "\n".join(publication_line(msg, p, draft) for p in draft.publications)
    buttons = {
        TO_REVIEW_LIST: [
            button(msg, ids.PASS_ON, "button.pass_on", value, "primary"),
            button(msg, ids.SEND_BACK, "button.send_back", value, "danger"),
        ],
        PENDING_LIST: [
            button(msg, ids.APPROVE, "button.approve", value, "primary"),
            button(msg, ids.REJECT, "button.reject", value, "danger"),
            button(msg, ids.EDIT, "button.edit", value),
        ],
        SCHEDULED_LIST: [button(msg, ids.CANCEL, "button.cancel", value, "danger")],
        FAILED_LIST: [
            button(
                msg,
                ids.RETRY,
                "button.retry",
                f"{value}:{','.join(p.channel for p in draft.publications if p.status == FAILED)}",
            )
        ],
        MINE_LIST: (
            [button(msg, ids.WITHDRAW, "button.withdraw", value)] if draft.status == PENDING else []
        ),
    }[section]
    blocks = [SectionBlock(text=text[:2900])]
    if buttons:
        buttons.append(button(msg, ids.SHOW_FULL, "button.full_text", value))
        blocks.append(
            ActionsBlock(
                block_id=f"{ids.CARD_ACTIONS_BLOCK}:{draft.revision}:{section}:{draft.id}",
                elements=buttons,
            )
        )
    return blocks


def _pager(msg: Messages, section: Section) -> list:
    if section.pages <= 1:
        return []
    elements = []
    if section.page > 0:
        elements.append(
            button(msg, ids.HOME_PAGE, "home.prev", f"{section.name}:{section.page - 1}")
        )
    if section.page + 1 < section.pages:
        elements.append(
            button(msg, ids.HOME_PAGE, "home.next", f"{section.name}:{section.page + 1}")
        )
    page = msg("home.page", page=section.page + 1, pages=section.pages)
    return [
        ContextBlock(elements=[MarkdownTextObject(text=page)]),
        ActionsBlock(block_id=f"home_pager:{section.name}", elements=elements),
    ]


def deputy_blocks(msg: Messages, deputy: str | None) -> list:
    """The chief's choice of deputy: who it is, a user picker, and a button to remove them."""
    current = msg("deputy.current", who=mention(deputy)) if deputy else msg("deputy.none")
    picker = UserSelectElement(action_id=ids.NAME_DEPUTY, placeholder=msg("deputy.pick"),
                               initial_user=deputy)  # fmt: skip
    clear = [button(msg, ids.CLEAR_DEPUTY, "deputy.clear", "none", "danger")] if deputy else []
    return [
        SectionBlock(text=f"*{msg('deputy.title')}*\n{current}"),
        ActionsBlock(block_id="deputy", elements=[picker, *clear]),
        ContextBlock(elements=[MarkdownTextObject(text=msg("deputy.hint"))]),
        DividerBlock(),
    ]


def home_view(msg: Messages, home: Home) -> dict:
    """The Home tab (at most 100 blocks: every list is paged)."""
    blocks: list = [
        HeaderBlock(text=msg("home.title")),
        ActionsBlock(elements=[button(msg, ids.NEW_DRAFT, "home.new_draft", "new", "primary")]),
    ]
    for section in home.sections:
        blocks.append(SectionBlock(text=f"*{msg(TITLES[section.name])}*"))
        for draft in section.drafts:
            blocks.extend(_item(msg, section.name, draft))
        if not section.drafts:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=msg("home.none"))]))
        blocks.extend(_pager(msg, section))
        blocks.append(DividerBlock())
    if home.is_chief:
        blocks.extend(deputy_blocks(msg, home.deputy))
    if home.is_chief and home.reviews:
        blocks.append(SectionBlock(text=f"*{msg('home.review')}*"))
        blocks.extend(review_message(msg, home.reviews[:REVIEW_LIMIT])[1][1:])
        if len(home.reviews) > REVIEW_LIMIT:
            more = msg("home.more", count=len(home.reviews) - REVIEW_LIMIT)
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=more)]))
        blocks.append(DividerBlock())
    if home.is_chief:
        listed = [
            f"• {esc(name)}"
            + (f"（{esc(contact)}）" if contact else "")
            + (f" {esc(site)}" if site else "")
            for name, contact, site in home.groups
        ]
        blocks.append(SectionBlock(text=f"*{msg('home.groups')}*"))
        blocks.append(SectionBlock(text="\n".join(listed)[:2900] if listed else msg("home.none")))
    blocks.extend(allow_list_blocks(msg, home.allowed))
    lines = [
        f"#{draft_id} {msg('channel.' + channel)}: " + (f"<{link_target(url)}>" if url else "—")
        for channel, url, draft_id in home.latest
    ]
    blocks.append(SectionBlock(text=f"*{msg('home.latest')}*"))
    blocks.append(SectionBlock(text="\n".join(lines)[:2900] if lines else msg("home.none")))
    return View(type="home", blocks=blocks[:100]).to_dict()
