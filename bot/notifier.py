"""The notifier interface: how the core tells people things, whatever the chat front end."""

from __future__ import annotations

from typing import Protocol

from bot.oversight import ReviewItem, RotationItem
from bot.snapshot import DraftSnapshot


class Notifier(Protocol):
    """Implemented by each chat front end (Slack now, Teams next). Raise to be retried later."""

    def post_card(self, draft: DraftSnapshot) -> list[tuple[str, str]]:
        """Send the approval card to the approvers; return where it went (channel, message id)."""

    def update_card(self, draft: DraftSnapshot) -> None:
        """Re-render the card in place at every `draft.card_refs` (older revisions: superseded)."""

    def tell_author(self, draft: DraftSnapshot, kind: str) -> None:
        """Direct-message the author: submitted, rejected, results, edited, expired, cancelled."""

    def tell_approvers(self, draft: DraftSnapshot, kind: str) -> None:
        """Direct-message the approvers about a draft: expired."""

    def remind(self, user_id: str, waiting: list[DraftSnapshot]) -> None:
        """The business-day reminder: the drafts waiting for a decision."""

    def ask_review(self, user_id: str, items: list[ReviewItem]) -> None:
        """The deputy's decisions for the returning chief to confirm (後閲), one button each."""

    def ask_rotation(self, user_id: str, items: list[RotationItem]) -> None:
        """The accounts whose credentials must change (§6), one "変更済み" button each."""

    def tell_user(self, user_id: str, text: str) -> None:
        """Direct-message anyone a short plain text (e.g. the chief, about a disabled channel)."""


class RetryLater(Exception):
    """A notice could not be delivered now; `retry_after` seconds when the platform said."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after
