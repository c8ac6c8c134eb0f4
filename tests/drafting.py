"""Builders for draft-form state and shortcuts used by the end-to-end tests."""

from __future__ import annotations

from slack_signing import (
    checkbox_value,
    datetime_value,
    files_value,
    radio_value,
    static_select_value,
    text_value,
)


def draft_values(
    body: str = "市民活動フェアを 12 月 5 日に開催します。",
    *,
    channels: tuple[str, ...] = ("x", "facebook", "blog"),
    source: str | None = "new",
    category: str | None = "civic",
    x_text: str = "",
    blog_title: str = "",
    url: str = "",
    on_internet: str | None = "no",
    group: str = "",
    group_date: str = "",
    group_draft: str = "",
    publish_at: int | None = None,
    images: list | None = None,
    image_alt: str | None = None,
) -> dict:
    """`view.state.values` of the draft modal, as Slack sends it; `image_alt` (one line per
    image) defaults to each image's file name."""
    if image_alt is None:
        image_alt = "\n".join(str(i.get("name") or "") for i in images or ())

    def one(block_id: str, value: dict) -> tuple[str, dict]:
        return block_id, {block_id: value}

    return dict(
        [
            one("body", text_value(body or None)),
            one("x_text", text_value(x_text or None)),
            one("blog_title", text_value(blog_title or None)),
            one("url", text_value(url or None)),
            one("on_internet", radio_value(on_internet)),
            one("channels", checkbox_value(*channels)),
            one("source", static_select_value(source)),
            one("category", radio_value(category)),
            one("group", text_value(group or None)),
            one("group_date", {"type": "datepicker", "selected_date": group_date or None}),
            one("group_draft", text_value(group_draft or None)),
            one("publish_at", datetime_value(publish_at)),
            one("images", files_value(images or [])),
            one("image_alt", text_value(image_alt or None)),
        ]
    )


def card_button(card_call, action_id: str) -> dict:
    """The button `action_id` on an approval card the fake Slack received."""
    for block in card_call.params["blocks"]:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("action_id") == action_id:
                return {**element, "block_id": block.get("block_id")}
    raise AssertionError(f"no {action_id} button on the card")


def click(app, user_id: str, card_call, action_id: str):
    """Click a button on a card as `user_id`, from the message the card became."""
    button = card_button(card_call, action_id)
    return app.slack.block_action(
        user_id,
        action_id,
        button["value"],
        block_id=button["block_id"],
        channel_id=card_call.response["channel"],
        message_ts=card_call.response["ts"],
    )
