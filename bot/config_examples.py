"""The placeholders .env.example ships with, which a first run must not start with."""

from __future__ import annotations

import os
from collections.abc import Mapping

# The placeholders .env.example ships with, and where the real value comes from.
EXAMPLE_VALUES = {
    "SLACK_BOT_TOKEN": ("xoxb-your-bot-token", "the Bot User OAuth Token, OAuth & Permissions"),
    "SLACK_APP_TOKEN": ("xapp-your-app-level-token", "Basic Information → App-Level Tokens"),
    "SLACK_SIGNING_SECRET": ("your-signing-secret", "Basic Information → App Credentials"),
}


def example_problems(env: Mapping[str, str] | None = None) -> list[str]:
    """The settings that still hold the example values of .env.example, each with its source."""
    e = os.environ if env is None else env
    return [
        f"{key} still holds the example value from .env.example ({example}): put in your own "
        f"({where}), or empty it if you do not use it."
        for key, (example, where) in EXAMPLE_VALUES.items()
        if (e.get(key) or "").strip() == example
    ]
