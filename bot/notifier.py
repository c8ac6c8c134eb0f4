"""The notifier interface: how the core tells people things, whatever the chat front end."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.oversight import ReviewItem, RotationItem
from bot.snapshot import DraftSnapshot


@dataclass(frozen=True)
class NoticeMark:
    """Which owed notice a message delivers; the front end stores it with the message.

    `key` is unique within this installation ("notice:42"). `tried_since` is when an earlier
    attempt began (None on the first): that attempt may have delivered the message although no
    answer came back, so the front end looks for a message carrying `key` before sending again.
    """

    key: str
    tried_since: datetime | None = None


class Notifier(Protocol):
    """Implemented by each chat front end (Slack now, Teams next). Raise to be retried later."""

    def post_card(
        self, draft: DraftSnapshot, notice: NoticeMark | None = None
    ) -> list[tuple[str, str]]:
        """Send the approval card to the approvers; return where it went (channel, message id).

        With `notice`, each message carries it, and after an earlier attempt one that does is
        taken for it rather than sent again (as in every method that takes `notice`).
        """

    def update_card(self, draft: DraftSnapshot) -> None:
        """Re-render the card in place at every `draft.card_refs` (older revisions: superseded)."""

    def tell_author(
        self, draft: DraftSnapshot, kind: str, notice: NoticeMark | None = None
    ) -> None:
        """Direct-message the author: submitted, rejected, results, edited, expired, cancelled."""

    def tell_approvers(
        self, draft: DraftSnapshot, kind: str, notice: NoticeMark | None = None
    ) -> None:
        """Direct-message the approvers about a draft: expired."""

    def remind(
        self, user_id: str, waiting: list[DraftSnapshot], notice: NoticeMark | None = None
    ) -> None:
        """The business-day reminder: the drafts waiting for a decision."""

    def ask_review(self, user_id: str, items: list[ReviewItem]) -> None:
        """The deputy's decisions for the returning chief to confirm (後閲), one button each."""

    def ask_rotation(
        self, user_id: str, items: list[RotationItem], notice: NoticeMark | None = None
    ) -> None:
        """The accounts whose credentials must change (§6), one "変更済み" button each."""

    def tell_user(self, user_id: str, text: str) -> None:
        """Direct-message anyone a short plain text (e.g. the chief, about a disabled channel)."""


class RetryLater(Exception):
    """A notice could not be delivered now; `retry_after` seconds when the platform said."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after
