"""Builds the network adapters (publishers, performers, inboxes) and their configs from the settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import CHANNELS, Settings
from bot.ports import Inbox, Performer, Publisher
from publishers.atompub import AtomPubConfig
from publishers.dryrun import DryRunPublisher
from publishers.engage import DryRunPerformer
from publishers.facebook import FacebookConfig
from publishers.guard import IdentityGuard
from publishers.wordpress import WordPressConfig

if TYPE_CHECKING:
    from publishers.x import XConfig

ENGAGING = ("x", "facebook")  # the networks that follow, retweet, like or share


def x_config(settings: Settings) -> XConfig:
    """X's config (tweepy is imported only when X is configured)."""
    from publishers.x import XConfig

    return XConfig(
        api_url=settings.x_api_url,
        api_key=settings.x_api_key,
        api_secret=settings.x_api_secret,
        access_token=settings.x_access_token,
        access_token_secret=settings.x_access_token_secret,
        username=settings.x_username,
        secrets=tuple(settings.secrets()),
    )


def facebook_config(settings: Settings) -> FacebookConfig:
    return FacebookConfig(
        graph_url=settings.facebook_graph_url,
        page_id=settings.facebook_page_id,
        page_token=settings.facebook_page_token,
    )


def wordpress_config(settings: Settings) -> WordPressConfig:
    return WordPressConfig(
        url=settings.wordpress_url,
        user=settings.wordpress_user,
        app_password=settings.wordpress_app_password,
    )


def atompub_config(settings: Settings) -> AtomPubConfig:
    return AtomPubConfig(
        endpoint=settings.atompub_endpoint,
        user=settings.atompub_user,
        api_key=settings.atompub_api_key,
    )


def _real_publisher(channel: str, settings: Settings) -> Publisher:
    if channel == "x":
        from publishers.x import XPublisher

        return XPublisher(x_config(settings))
    if channel == "facebook":
        from publishers.facebook import FacebookPublisher

        return FacebookPublisher(facebook_config(settings))
    if settings.blog_kind == "atompub":
        from publishers.atompub import AtomPubPublisher

        return AtomPubPublisher(atompub_config(settings))
    from publishers.wordpress import WordPressPublisher

    return WordPressPublisher(wordpress_config(settings))


def _dry_run_reason(settings: Settings, channel: str) -> str | None:
    """Why `channel` only pretends (SNSBOT_DRY_RUN=1, or credentials not set); None when real."""
    if settings.dry_run:
        return "SNSBOT_DRY_RUN=1"
    missing = settings.missing_credentials(channel)
    return f"not set: {', '.join(missing)}" if missing else None


def build_publishers(settings: Settings) -> dict[str, Publisher]:
    """Every channel gets a publisher: a real one behind an identity guard when its credentials
    are set, else (or with SNSBOT_DRY_RUN=1) a dry-run one that records what it would post."""
    publishers: dict[str, Publisher] = {}
    for channel in CHANNELS:
        reason = _dry_run_reason(settings, channel)
        if reason:
            publishers[channel] = DryRunPublisher(channel, reason)
        else:
            publishers[channel] = IdentityGuard(_real_publisher(channel, settings))
    return publishers


def build_performers(settings: Settings) -> dict[str, Performer]:
    """A performer per network: real when its credentials are set, else a dry-run one."""
    from publishers.engage import FacebookSharer, XEngager

    performers: dict[str, Performer] = {}
    for network in ENGAGING:
        reason = _dry_run_reason(settings, network)
        if reason:
            performers[network] = DryRunPerformer(network, reason)
        elif network == "x":
            performers[network] = XEngager(x_config(settings))
        else:
            performers[network] = FacebookSharer(facebook_config(settings))
    return performers


def build_inboxes(settings: Settings) -> dict[str, Inbox]:
    """An inbox per channel with credentials; none in dry-run mode or without a channel to show."""
    if settings.dry_run or not settings.moderation_channel:
        return {}
    inboxes: dict[str, Inbox] = {}
    if not settings.missing_credentials("x"):
        from publishers.x_inbox import XInbox

        inboxes["x"] = XInbox(x_config(settings))
    if not settings.missing_credentials("facebook"):
        from publishers.facebook_inbox import FacebookInbox

        inboxes["facebook"] = FacebookInbox(facebook_config(settings))
    if settings.blog_kind == "wordpress" and not settings.missing_credentials("blog"):
        from publishers.wordpress_inbox import WordPressInbox

        inboxes["blog"] = WordPressInbox(wordpress_config(settings))
    return inboxes
