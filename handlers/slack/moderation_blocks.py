"""Block Kit for the moderation card (policy §11): the item, a category select, the actions."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ConfirmObject,
    ContextBlock,
    MarkdownTextObject,
    Option,
    SectionBlock,
    StaticSelectElement,
)

from bot.approval.moderation import ACTING, CATEGORIES, DECIDED, ItemView, category_text
from bot.messages import Messages
from bot.ports import BLOCK, DELETE, DISMISS, HIDE
from handlers.slack.blocks import esc, link_target, preview, shorten

# Action ids. There is no reply button, and never will be (policy §9).
CATEGORY = "moderation_category"
ACTION_IDS = {
    DISMISS: "moderation_dismiss",
    HIDE: "moderation_hide",
    DELETE: "moderation_delete",
    BLOCK: "moderation_block",
}
ACTIONS_BLOCK = "moderation_actions"  # block_id: f"moderation_actions:{item id}"
CATEGORY_BLOCK = "moderation_category"  # block_id: f"moderation_category:{item id}"
TEXT_CHARS = 2500  # of the item's text on the card (Slack allows 3000 per section)
STYLES = {DISMISS: "primary", DELETE: "danger", BLOCK: "danger"}


def category_label(number: int) -> str:
    """ "(5) 広告、宣伝、…": the policy's own numbering and words (at most 75 characters)."""
    return f"({number}) {CATEGORIES[number - 1]}"[:75]


def moderation_card(msg: Messages, item: ItemView) -> tuple[str, list[dict]]:
    """(fallback text, blocks): the category select and buttons only while undecided; once
    decided, the decision (実行中… while the network is being asked)."""
    network, kind = msg(f"channel.{item.network}"), msg(f"moderation.kind.{item.kind}")
    link = f"<{link_target(item.url)}|{msg('moderation.link')}>" if item.url else ""
    fields = [
        f"*{msg('moderation.author')}*\n{esc(shorten(item.author, 200, msg))}",
        f"*{msg('moderation.posted_at')}*\n{msg.time(item.posted_at)}",
    ]
    blocks: list = [
        SectionBlock(text=f"*{msg('moderation.header', network=network, kind=kind)}*"),
        SectionBlock(fields=[MarkdownTextObject(text=f) for f in fields]),
        SectionBlock(
            text=preview(item.text or msg("moderation.empty_text"), msg, TEXT_CHARS)
            + (f"\n{link}" if link else "")
        ),
    ]
    if item.status in (DECIDED, ACTING):
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=decided_line(msg, item))]))
    else:
        blocks.extend(_undecided(msg, item))
    author = esc(shorten(item.author, 200, msg))
    fallback = msg("moderation.fallback", network=network, kind=kind, author=author)
    return fallback, [b.to_dict() for b in blocks]


def decided_line(msg: Messages, item: ItemView) -> str:
    key = "moderation.acting" if item.status == ACTING else "moderation.decided"
    label = msg(f"moderation.action.{item.action}")
    who, when = esc(item.decided_by or "?"), msg.time(item.decided_at) if item.decided_at else ""
    who += msg("card.acting") if item.by_deputy else ""  # 代決
    if item.category:
        category = category_label(item.category)
        return msg(f"{key}_category", label=label, category=category, who=who, when=when)
    return msg(key, label=label, who=who, when=when)


def failure_text(msg: Messages, item: ItemView) -> str:
    """The decider's message when the network did not carry out the action."""
    network, label = (
        msg(f"channel.{item.network}"),
        msg(f"moderation.action.{item.failed_action}"),
    )
    return msg("moderation.failed", network=network, label=label, detail=esc(item.error or ""))


def _undecided(msg: Messages, item: ItemView) -> list:
    blocks: list = []
    if any(action != DISMISS for action in item.actions):
        select = StaticSelectElement(
            action_id=CATEGORY,
            placeholder=msg("moderation.category_placeholder"),
            options=[
                Option(value=str(n), text=category_label(n)) for n in range(1, len(CATEGORIES) + 1)
            ],
        )
        blocks.append(
            SectionBlock(
                block_id=f"{CATEGORY_BLOCK}:{item.id}",
                text=f"*{msg('moderation.category')}*",
                accessory=select,
            )
        )
    buttons = [_button(msg, item, action) for action in item.actions if action in ACTION_IDS]
    blocks.append(ActionsBlock(block_id=f"{ACTIONS_BLOCK}:{item.id}", elements=buttons))
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=msg("moderation.rule"))]))
    return blocks


def _button(msg: Messages, item: ItemView, action: str) -> ButtonElement:
    confirm = None
    if action in (DELETE, BLOCK):
        confirm = ConfirmObject(
            title=msg("moderation.confirm.title"),
            text=msg(f"moderation.confirm.{action}"),
            confirm=msg("moderation.confirm.yes"),
            deny=msg("moderation.confirm.no"),
            style="danger",
        )
    return ButtonElement(
        action_id=ACTION_IDS[action],
        text=msg(f"moderation.action.{action}"),
        value=str(item.id),
        style=STYLES.get(action),
        confirm=confirm,
    )


def chosen_category(state_values: dict) -> int | None:
    """The category picked on the card, from a block_actions payload's `state.values`."""
    blocks = state_values.values() if isinstance(state_values, dict) else ()
    for block in blocks:
        element = block.get(CATEGORY) if isinstance(block, dict) else None
        option = element.get("selected_option") if isinstance(element, dict) else None
        value = option.get("value") if isinstance(option, dict) else None
        value = value if isinstance(value, str) else ""
        if value.isascii() and value.isdigit() and len(value) <= 2 and category_text(int(value)):
            return int(value)
    return None
