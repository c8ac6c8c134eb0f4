"""The English catalogue: message key to text, the same keys as the Japanese one."""

from __future__ import annotations

from bot.messages.en_drafts import DRAFTS
from bot.messages.en_requests import REQUESTS
from bot.messages.en_teams_home import TEAMS_AND_HOME

# One dict from its parts (by feature); the parts share no key (tests/consistency/test_messages.py).
EN: dict[str, str] = {**DRAFTS, **REQUESTS, **TEAMS_AND_HOME}
