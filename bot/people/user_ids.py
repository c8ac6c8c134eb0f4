"""The shapes of chat user ids: a Slack member id, a Teams (Entra object or 29:…) id."""

from __future__ import annotations

import re

SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,}")
TEAMS_USER = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|29:[\w\-.:]{8,}")
TEAMS_ID_HINT = (
    "give the Entra object id (a GUID, from the Microsoft 365 admin center or Entra ID → Users) "
    "or the Teams user id (29:…)"
)


def teams_id_problem(user_id: str) -> str | None:
    """Why `user_id` cannot be a Teams user (None: it can)."""
    if TEAMS_USER.fullmatch(user_id):
        return None
    if "@" in user_id:
        return "is an e-mail address, not a Teams user id"
    if SLACK_USER.fullmatch(user_id):
        return "is a Slack user id, not a Teams one"
    return "is not a Teams user id"
