"""The policy itself (§12): its dates, where it is published, and what `/sns policy` shows."""

from __future__ import annotations

from bot.messages import Messages

APPROVED_ON = "平成29年3月16日"  # the policy's 決裁, as printed at its head
REVISED_ON = "令和元年9月5日"  # its 改定


def summary(msg: Messages, url: str, line_break: str = "\n") -> str:
    """The summary, the policy's dates and where it is published (SNSBOT_POLICY_URL)."""
    where = msg("policy.url", url=url) if url else msg("policy.url_unset")
    dates = msg("policy.dates", approved=APPROVED_ON, revised=REVISED_ON)
    return line_break.join((msg("policy.text"), dates, where))
