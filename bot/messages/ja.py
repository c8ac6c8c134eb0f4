"""The Japanese catalogue (the default language): message key to text."""

from __future__ import annotations

from bot.messages.ja_drafts import DRAFTS
from bot.messages.ja_requests import REQUESTS
from bot.messages.ja_teams_home import TEAMS_AND_HOME

# One dict from its parts (by feature); the parts share no key (tests/consistency/test_messages.py).
JA: dict[str, str] = {**DRAFTS, **REQUESTS, **TEAMS_AND_HOME}
