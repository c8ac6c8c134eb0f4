"""Reading the draft modal's state into a DraftInput, and errors back into Slack's shape."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime

from bot.approval.drafts import DraftInput, has_unusable_chars
from bot.messages import Messages
from handlers.slack import ids

LAST_YEAR = 9999  # datetime's last year: a time in it cannot be shown in Japan time


def clean(text: str | None) -> str:
    """Strip blanks and normalise line ends; NFC so that counting matches X's."""
    return unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n").strip())


def state_values(view: dict) -> dict:
    """A view's `state.values`, or {} when the view carries none shaped as Slack sends it."""
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    return values if isinstance(values, dict) else {}


def view_metadata(view: dict) -> dict:
    """A view's private_metadata as a dict, or {} when it is not one."""
    raw = view.get("private_metadata")
    try:
        value = json.loads(raw if isinstance(raw, str) and raw else "{}")
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


def _element(values: dict, block_id: str) -> dict:
    """One input's state; anything not shaped as Slack sends it reads as empty."""
    block = values.get(block_id) if isinstance(values, dict) else None
    element = block.get(block_id) if isinstance(block, dict) else None
    return element if isinstance(element, dict) else {}


def text_input(values: dict, block_id: str) -> str:
    """A plain-text input, cleaned; a value that is not text reads as empty."""
    value = _element(values, block_id).get("value")
    return clean(value if isinstance(value, str) else "")


def _text(value) -> str:
    return value if isinstance(value, str) else ""


def _option(option) -> str:
    """An option's value; one that is not text is kept as text, for validation to refuse."""
    value = option.get("value") if isinstance(option, dict) else None
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _moment(stamp) -> datetime | None:
    """The datetimepicker's Unix seconds as a time; None when empty or no real date."""
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        return None
    try:
        moment = datetime.fromtimestamp(int(stamp), UTC)
    except (OverflowError, ValueError, OSError):
        return None
    return moment if moment.year < LAST_YEAR else None  # shown in Japan time, a day ahead


def _size(size) -> int:
    """A file's size in bytes; not a number reads as 0 (then refused as an unusable image)."""
    if isinstance(size, bool) or not isinstance(size, int | float):
        return 0
    return int(size) if abs(size) < 2**63 else 0  # also 0 for infinity and NaN


def unreadable(values: dict) -> dict[str, tuple]:
    """Problems (as drafts.validate gives them) with values no Slack input produces, and alt
    texts whose lines do not match the images one to one."""
    problems: dict[str, tuple] = {}
    stamp = _element(values, ids.PUBLISH_AT).get("selected_date_time")
    if stamp is not None and _moment(stamp) is None:
        problems[ids.PUBLISH_AT] = ("error.publish_at_invalid", {})
    files = _element(values, ids.IMAGES).get("files")
    count, lines = len(files) if isinstance(files, list) else 0, len(alt_lines(values))
    if lines != count and (count or lines):
        problems[ids.IMAGE_ALT] = ("error.image_alt_count", {"images": count, "lines": lines})
    return problems


def alt_lines(values: dict) -> list[str]:
    """The alternative texts typed one per line (blank lines skipped), in the images' order."""
    return [line.strip() for line in text_input(values, ids.IMAGE_ALT).splitlines() if line.strip()]


def draft_from_state(values: dict) -> DraftInput:
    """Turn `view.state.values` into a DraftInput; absent or malformed parts become empty.

    See unreadable() for the values that must be refused rather than read as empty.
    """

    def text(block_id: str) -> str:
        return text_input(values, block_id)

    def selected(block_id: str) -> str:
        return _option(_element(values, block_id).get("selected_option"))

    group = text(ids.GROUP) or clean(selected(ids.GROUP))
    day = _element(values, ids.GROUP_DATE).get("selected_date")
    checked = _element(values, ids.CHANNELS).get("selected_options")
    channels = tuple(_option(o) for o in checked) if isinstance(checked, list) else ()
    files = _element(values, ids.IMAGES).get("files")
    alts = alt_lines(values)
    images = tuple(
        {
            "id": _text(f.get("id")),
            "name": _text(f.get("name")),
            "mimetype": _text(f.get("mimetype")),
            "size": _size(f.get("size")),
            "url_private": _text(f.get("url_private")),
            "alt": alts[number] if number < len(alts) else "",
        }
        for number, f in enumerate(
            f for f in (files if isinstance(files, list) else ()) if isinstance(f, dict)
        )
    )
    return DraftInput(
        body=text(ids.BODY),
        channels=channels,
        source=selected(ids.SOURCE) or "new",
        category=selected(ids.CATEGORY) or "civic",
        x_text=text(ids.X_TEXT),
        blog_title=text(ids.BLOG_TITLE),
        url=text(ids.URL),
        on_internet={"yes": True, "no": False}.get(selected(ids.ON_INTERNET)),
        group_name=group,
        group_date=day if isinstance(day, str) and len(day) == 10 else "",
        group_draft=text(ids.GROUP_DRAFT),
        publish_at=_moment(_element(values, ids.PUBLISH_AT).get("selected_date_time")),
        images=images,
    )


def slack_errors(errors: dict[str, tuple], msg: Messages) -> dict[str, str]:
    """Validation problems keyed by block id, worded for the user."""
    return {field: msg(key, **values) for field, (key, values) in errors.items()}


def reason_given(
    msg: Messages, view: dict, input_id: str, required: str
) -> tuple[str, int, int | None] | dict[str, str]:
    """A reason modal's submission (the chief's reject, a reviewer's send-back): (the words,
    the draft id, the revision) from its input `input_id` and metadata, or the errors to show
    (`required`: the message key when nothing was written)."""
    words = text_input(state_values(view), input_id)
    if not words:
        return {input_id: msg(required)}
    if has_unusable_chars(words):
        return {input_id: msg("error.unusable_chars")}
    meta = view_metadata(view)
    draft_id, revision = meta.get("draft"), meta.get("revision")
    if not isinstance(draft_id, int):
        return {input_id: msg("error.internal")}
    return words[:2000], draft_id, revision if isinstance(revision, int) else None
