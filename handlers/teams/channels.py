"""The team channels that get the bot's cards: the approval channel's copies, the moderation inbox."""

from __future__ import annotations

import logging

from bot.ports import RetryLater

log = logging.getLogger(__name__)


class TeamChannels:
    """The approval channel (a copy of every approval card) and the moderation inbox (§11)."""

    def __init__(self, proactive, approval: str = "", moderation: str = ""):
        self.proactive = proactive
        self.approval = approval  # 19:…@thread.tacv2, or "" for none
        self.moderation = moderation

    def holds(self, conversation_id: str) -> bool:
        return bool(conversation_id) and conversation_id in (self.approval, self.moderation)

    def post(self, channel: str, content: dict) -> list[tuple[str, str]]:
        """A new card in `channel`; where it went."""
        reference = self.proactive.reference_for(channel, "channel")
        return [(channel, self.proactive.send(reference, content))]

    def copy(self, content: dict, what: str) -> list[tuple[str, str]]:
        """The approval channel's copy of a card, if one is set; its failure holds up no one."""
        if not self.approval:
            return []
        try:
            return self.post(self.approval, content)
        except RetryLater as error:
            log.error("%s not posted to the approval channel: %s", what, error)
            return []
