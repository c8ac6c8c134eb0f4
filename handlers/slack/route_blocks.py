"""Pure Block Kit builders for the approval route: a review step's card, the trail, comments."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.approval import wording
from bot.approval.snapshot import DraftSnapshot
from bot.messages import Messages
from handlers.slack import ids
from handlers.slack.blocks import button, esc, facts, previews, say, shorten


def route_blocks(msg: Messages, draft: DraftSnapshot) -> list:
    """The trail of the route's steps (who passed it, when, their words) and the comments."""
    blocks: list = []
    steps = wording.trail(draft)
    if steps:
        lines = [
            say(msg, step) + "  " + " ".join(say(msg, state) for state in states)
            for step, states in steps
        ]
        blocks.append(SectionBlock(text=(msg("card.route") + "\n" + "\n".join(lines))[:2900]))
    said = wording.comments(draft)
    if said:
        text = msg("card.comments") + "\n" + "\n".join(say(msg, c) for c in said)
        blocks.append(SectionBlock(text=text[:2900]))
    return blocks


def step_card(msg: Messages, draft: DraftSnapshot, step: int) -> tuple[str, list[dict]]:
    """(fallback text, blocks) of review step `step`'s card: 確認 and 差し戻し while the draft
    waits there, the trail alone once it has moved on."""
    value = str(draft.id)
    header = msg("route.header", id=draft.id, revision=draft.revision, n=step + 1,
                 total=len(draft.route.route))  # fmt: skip
    blocks: list = [
        HeaderBlock(text=header[:150]),
        *facts(msg, draft),
        DividerBlock(),
        *previews(msg, draft),
        *route_blocks(msg, draft),
    ]
    if draft.at_review and draft.route.step == step:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=msg("route.intro"))]))
        blocks.append(
            ActionsBlock(
                block_id=f"{ids.CARD_ACTIONS_BLOCK}:{draft.revision}:step{step}",
                elements=[
                    button(msg, ids.PASS_ON, "button.pass_on", value, "primary"),
                    button(msg, ids.SEND_BACK, "button.send_back", value, "danger"),
                    button(msg, ids.SHOW_FULL, "button.full_text", value),
                ],
            )
        )
    else:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=msg("route.done_here"))]))
        if not draft.at_review and draft.status != "pending":
            blocks.append(SectionBlock(text=say(msg, wording.decision(draft))))
    excerpt = esc(shorten(draft.content.body.replace("\n", " "), 80, msg))
    return header + " " + excerpt, [b.to_dict() for b in blocks]
