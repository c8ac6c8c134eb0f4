"""A registered group's request in Slack (policy §5(4)): what it asks, and its 下書きを作成 button."""

from __future__ import annotations

from slack_sdk.models.blocks import ActionsBlock, ContextBlock, MarkdownTextObject, SectionBlock

from bot.intake.status import RequestView, details
from bot.messages import Messages
from handlers.slack.blocks import SECTION_CHARS, button, esc, link_target

GROUP_REQUEST_DRAFT = "group_request_draft"  # value = the request's id (DESIGN.md §4)


def shown(msg: Messages, values: dict, escape) -> dict:
    """A detail's values as a line shows them: networks by name, people's words `escape`d."""
    return {
        key: "、".join(msg(f"channel.{c}") for c in value) if key == "channels"
        else escape(value) if isinstance(value, str) else value
        for key, value in values.items()
    }  # fmt: skip


def group_request_message(msg: Messages, request: RequestView) -> tuple[str, list[dict]]:
    """(fallback text, blocks): who asks, their draft as they wrote it, and the draft button."""
    text = msg("intake.arrived", group=esc(request.group_name), reference=request.reference)
    excerpt = esc(request.body)
    if len(excerpt) > SECTION_CHARS:
        excerpt = excerpt[: SECTION_CHARS - 1] + "…"
    notes = [msg(key, **shown(msg, values, esc)) for key, values in details(request)]
    if request.url:
        notes.append(f"<{link_target(request.url)}>")
    notes.append(msg("intake.hint"))
    blocks = [
        SectionBlock(text=f"*{text}*"),
        SectionBlock(text=excerpt),
        ContextBlock(elements=[MarkdownTextObject(text=n) for n in notes]),
        ActionsBlock(
            block_id=f"{GROUP_REQUEST_DRAFT}:{request.id}",
            elements=[
                button(
                    msg,
                    GROUP_REQUEST_DRAFT,
                    "button.group_request_draft",
                    str(request.id),
                    "primary",
                )
            ],  # fmt: skip
        ),
    ]
    return text, [b.to_dict() for b in blocks]
