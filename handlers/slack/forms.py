"""Reading the draft modal's state into a DraftInput, and errors back into Slack's shape."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from bot.drafts import DraftInput
from bot.messages import Messages
from handlers.slack import ids


def clean(text: str | None) -> str:
    """Strip blanks and normalise line ends; NFC so that counting matches X's."""
    return unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n").strip())


def _element(values: dict, block_id: str) -> dict:
    return (values.get(block_id) or {}).get(block_id) or {}


def draft_from_state(values: dict) -> DraftInput:
    """Turn `view.state.values` into a DraftInput; absent or malformed parts become empty."""

    def text(block_id: str) -> str:
        value = _element(values, block_id).get("value")
        return clean(value if isinstance(value, str) else "")

    def selected(block_id: str) -> str:
        option = _element(values, block_id).get("selected_option") or {}
        return str(option.get("value") or "")

    group = text(ids.GROUP) or clean(selected(ids.GROUP))
    day = _element(values, ids.GROUP_DATE).get("selected_date")

    checked = _element(values, ids.CHANNELS).get("selected_options") or []
    channels = tuple(str(o.get("value")) for o in checked if isinstance(o, dict))
    stamp = _element(values, ids.PUBLISH_AT).get("selected_date_time")
    publish_at = datetime.fromtimestamp(int(stamp), UTC) if isinstance(stamp, int | float) else None
    files = _element(values, ids.IMAGES).get("files") or []
    images = tuple(
        {
            "id": f.get("id", ""),
            "name": f.get("name", ""),
            "mimetype": f.get("mimetype", ""),
            "size": f.get("size", 0),
            "url_private": f.get("url_private", ""),
        }
        for f in files
        if isinstance(f, dict)
    )
    return DraftInput(
        body=text(ids.BODY),
        channels=channels,
        source=selected(ids.SOURCE) or "new",
        category=selected(ids.CATEGORY) or "civic",
        x_text=text(ids.X_TEXT),
        blog_title=text(ids.BLOG_TITLE),
        url=text(ids.URL),
        group_name=group,
        group_date=day if isinstance(day, str) and len(day) == 10 else "",
        group_draft=text(ids.GROUP_DRAFT),
        publish_at=publish_at,
        images=images,
    )


def slack_errors(errors: dict[str, tuple], msg: Messages) -> dict[str, str]:
    """Validation problems keyed by block id, worded for the user."""
    return {field: msg(key, **values) for field, (key, values) in errors.items()}
