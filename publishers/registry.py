"""Builds the mapping from channel name to publisher out of the settings."""

from __future__ import annotations

from bot.config import CHANNELS, Settings
from publishers.base import Publisher
from publishers.dryrun import DryRunPublisher


def build_publishers(settings: Settings) -> dict[str, Publisher]:
    """Every channel gets a publisher; without credentials (or in dry-run mode) a dry-run one."""
    publishers: dict[str, Publisher] = {}
    for channel in CHANNELS:
        if settings.dry_run:
            publishers[channel] = DryRunPublisher(channel, "SNSBOT_DRY_RUN=1")
        else:
            missing = settings.missing_credentials(channel)
            # Real publishers arrive with issue "Real publishers"; until then every channel is
            # a dry run, with the reason stated.
            reason = f"not set: {', '.join(missing)}" if missing else "real publisher not built yet"
            publishers[channel] = DryRunPublisher(channel, reason)
    return publishers
