"""Reading the Teams draft form's values (Action.Submit data) into a DraftInput."""

from __future__ import annotations

import re
from datetime import datetime

from bot.approval.drafts import DraftInput, clean_input
from bot.messages import JST
from handlers.teams import ids

DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits only
TIME = re.compile(r"[0-9]{2}:[0-9]{2}(:[0-9]{2})?")


def whole_number(value) -> int | None:
    """An id sent back in a card's data: a JSON integer, nothing else (not a bool, not "7")."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def draft_from_data(data: dict) -> tuple[DraftInput, dict[str, tuple]]:
    """The form's values as a DraftInput, and problems only Teams' separate date and time have."""

    def value(name: str) -> str:
        return clean_input(data.get(name))

    problems: dict[str, tuple] = {}
    publish_at = None
    day, moment = value(ids.PUBLISH_DATE), value(ids.PUBLISH_TIME)
    if day or moment:
        publish_at = _moment(day, moment)
        if publish_at is None:
            problems["publish_at"] = ("teams.publish_at_incomplete", {})
    channels = tuple(c for c in value(ids.CHANNELS).split(",") if c)
    group_date = value(ids.GROUP_DATE)
    content = DraftInput(
        body=value(ids.BODY),
        channels=channels,
        source=value(ids.SOURCE) or "new",
        category=value(ids.CATEGORY) or "civic",
        x_text=value(ids.X_TEXT),
        blog_title=value(ids.BLOG_TITLE),
        url=value(ids.URL),
        on_internet={"yes": True, "no": False}.get(value(ids.ON_INTERNET)),
        group_name=value(ids.GROUP),
        group_date=group_date if DATE.fullmatch(group_date) else "",
        group_draft=value(ids.GROUP_DRAFT),
        publish_at=publish_at,
    )
    return content, problems


def _moment(day: str, moment: str) -> datetime | None:
    """A date and a time typed in Japan time, as an aware datetime (None when incomplete)."""
    if not DATE.fullmatch(day) or not TIME.fullmatch(moment):
        return None
    try:
        return datetime.fromisoformat(f"{day}T{moment[:5]}").replace(tzinfo=JST)
    except ValueError:
        return None
