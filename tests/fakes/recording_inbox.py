"""A network's moderation inbox (bot.ports.Inbox) that fetches nothing and records each action."""

from __future__ import annotations

from bot.ports import BLOCK, DELETE, HIDE


class RecordingInbox:
    """Each hide, delete or block the dispatcher carries out, as (action, remote id)."""

    poll_minutes = 5

    def __init__(self):
        self.calls: list[tuple[str, str]] = []

    def fetch(self, since):
        return []

    def hide(self, item):
        self.calls.append((HIDE, item.remote_id))

    def delete(self, item):
        self.calls.append((DELETE, item.remote_id))

    def block(self, item):
        self.calls.append((BLOCK, item.remote_id))
