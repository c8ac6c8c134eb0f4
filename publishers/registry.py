"""Builds the mapping from channel name to publisher out of the settings."""

from __future__ import annotations

from bot.config import CHANNELS, Settings
from bot.messages import Messages
from publishers.base import Publisher
from publishers.dryrun import DryRunPublisher
from publishers.guard import IdentityGuard


def _real(channel: str, settings: Settings, msg: Messages) -> Publisher:
    if channel == "x":
        from publishers.x import XPublisher

        return XPublisher(settings, msg)
    if channel == "facebook":
        from publishers.facebook import FacebookPublisher

        return FacebookPublisher(settings, msg)
    if settings.blog_kind == "atompub":
        from publishers.atompub import AtomPubPublisher

        return AtomPubPublisher(settings, msg)
    from publishers.wordpress import WordPressPublisher

    return WordPressPublisher(settings, msg)


def build_publishers(settings: Settings, msg: Messages) -> dict[str, Publisher]:
    """Every channel gets a publisher: a real one behind an identity guard when its credentials
    are set, else (or with SNSBOT_DRY_RUN=1) a dry-run one that records what it would post."""
    publishers: dict[str, Publisher] = {}
    for channel in CHANNELS:
        missing = settings.missing_credentials(channel)
        if settings.dry_run:
            publishers[channel] = DryRunPublisher(channel, "SNSBOT_DRY_RUN=1")
        elif missing:
            publishers[channel] = DryRunPublisher(channel, f"not set: {', '.join(missing)}")
        else:
            publishers[channel] = IdentityGuard(_real(channel, settings, msg))
    return publishers
