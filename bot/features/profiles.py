"""The SNS profiles against the policy: the official names (§2) and the no-reply notice (§9)."""

from __future__ import annotations

import logging
import unicodedata

from bot.config import Settings
from bot.messages import Messages
from bot.ports import NetworkError, Publisher

log = logging.getLogger(__name__)

# Where the §9 notice must stand: the X profile and the Facebook Page's about text (the blog
# carries it in every post, SNSBOT_BLOG_FOOTER).
NOTICE_NETWORKS = ("x", "facebook")


def official_names(settings: Settings) -> dict[str, str]:
    """The §2 names configured per network ("" = not compared); X's is X_USERNAME, which the
    identity check itself compares."""
    return {"facebook": settings.facebook_page_name, "blog": settings.blog_name}


def _plain(text: str) -> str:
    """Compared as people read it: full- and half-width alike, blanks collapsed, any case."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split()).casefold()


def problems(publishers: dict[str, Publisher], settings: Settings, msg: Messages) -> list[str]:
    """What differs from the policy on each real network's profile, in `msg`'s language: a name
    that is not the official one, a profile without the no-reply notice."""
    names, notice = official_names(settings), settings.no_reply_notice
    found: list[str] = []
    for network, publisher in publishers.items():
        expected = names.get(network, "")
        wants_notice = bool(notice) and network in NOTICE_NETWORKS
        if publisher.dry_run or not (expected or wants_notice):
            continue
        label = msg(f"account.{network}")
        try:
            profile = publisher.profile()
        except Exception as error:  # one network failing must not hide the others
            if not isinstance(error, NetworkError):
                log.exception("reading the %s profile failed", network)
            detail = error.render(msg) if isinstance(error, NetworkError) else type(error).__name__
            found.append(msg("profile.unreadable", account=label, detail=detail))
            continue
        actual = profile.get("name") or ""
        if expected and _plain(actual) != _plain(expected):
            found.append(msg("profile.name_differs", account=label, expected=expected,
                             actual=actual or "?"))  # fmt: skip
        if wants_notice and _plain(notice) not in _plain(profile.get("about") or ""):
            found.append(msg(f"profile.notice_missing.{network}", notice=notice))
    return found
