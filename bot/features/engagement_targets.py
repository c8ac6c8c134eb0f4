"""Engagement targets (policy §7, §8): what follow, retweet, like and share accept, parsed purely."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

KINDS = ("follow", "retweet", "like", "share")
NETWORK_OF = {"follow": "x", "retweet": "x", "like": "x", "share": "facebook"}
# The kinds of account §7 and §8 allow: civic groups, community groups, other civic centers,
# government bodies and public bodies.
CATEGORIES = ("civic_group", "community_group", "civic_center", "government", "public_body")

X_HOSTS = frozenset(
    f"{prefix}{domain}" for prefix in ("", "www.", "mobile.") for domain in ("x.com", "twitter.com")
)
HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")
TWEET_ID = re.compile(r"[0-9]{1,19}")
# First path segments of x.com that are pages of X itself, not accounts.
X_RESERVED = frozenset({
    "home", "i", "search", "explore", "settings", "intent", "share", "hashtag", "messages",
    "notifications", "compose", "login", "logout", "signup", "tos", "privacy", "about", "jobs",
})  # fmt: skip
FACEBOOK_NODES = frozenset({"groups", "pages", "events", "people"})  # /{node}/{name}/…
URL_MAX_CHARS = 2000

# A Page cannot like through the Graph API: the reference of the likes edge
# (https://developers.facebook.com/docs/graph-api/reference/object/likes) documents reading
# only, and `/{page-id}/likes` "is not supported for Pages that have been migrated to the New
# Pages Experience" (https://developers.facebook.com/docs/graph-api/reference/page/likes/).
FACEBOOK_LIKE = "engage.error.facebook_like"

ERROR_KEYS = {
    "follow": "engage.error.follow_target",
    "retweet": "engage.error.tweet_target",
    "like": "engage.error.tweet_target",
    "share": "engage.error.share_target",
}


@dataclass(frozen=True)
class Target:
    """A checked target: `value` is what the network call takes (handle, tweet id or URL)."""

    value: str
    url: str  # where people can look at it
    account: str  # whose it is, for the allow-list: "@handle" or "facebook.com/page" ("" unknown)


def clean(text: str | None) -> str:
    """NFKC (full-width ＠ and letters become ASCII), blanks and Slack's <…|label> removed."""
    text = unicodedata.normalize("NFKC", text or "").strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].split("|", 1)[0].strip()
    return text


def parse(kind: str, text: str | None) -> tuple[Target | None, str | None]:
    """(target, None) when `text` suits `kind`, else (None, the message key of the problem)."""
    text = clean(text)
    if kind == "follow":
        target = _account(text)
    elif kind in ("retweet", "like"):
        target = _tweet(text)
    elif kind == "share":
        target = _facebook(text)
    else:
        raise ValueError(f"unknown engagement kind {kind!r}")
    if target is None and kind == "like" and _facebook(text):
        return None, FACEBOOK_LIKE  # §8 allows it, the Graph API no longer does: say so
    return (target, None) if target else (None, ERROR_KEYS[kind])


def _url(text: str, hosts) -> tuple[list[str], dict] | None:
    """Path segments and query of an http(s) URL on one of `hosts` (a scheme may be left out)."""
    if not text or len(text) > URL_MAX_CHARS or any(c.isspace() for c in text):
        return None
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not hosts(host):
        return None
    return [s for s in parts.path.split("/") if s], parse_qs(parts.query)


def _on_x(host: str) -> bool:
    return host in X_HOSTS


def _account(text: str) -> Target | None:
    if text.startswith("@"):
        handle = text[1:]
    else:
        found = _url(text, _on_x)
        if found is None or len(found[0]) != 1:
            return None
        handle = found[0][0]
        if handle.lower() in X_RESERVED:
            return None
    if not HANDLE.fullmatch(handle):
        return None
    return Target(value=handle, url=f"https://x.com/{handle}", account=f"@{handle}")


def _tweet(text: str) -> Target | None:
    found = _url(text, _on_x)
    if found is None:
        return None
    segments = found[0]
    if segments[:3] == ["i", "web", "status"] and len(segments) >= 4:
        handle, tweet_id = "", segments[3]
    elif segments[:2] == ["i", "status"] and len(segments) >= 3:
        handle, tweet_id = "", segments[2]
    elif len(segments) >= 3 and segments[1] in ("status", "statuses"):
        handle, tweet_id = segments[0], segments[2]
        if not HANDLE.fullmatch(handle) or handle.lower() in X_RESERVED:
            return None
    else:
        return None
    if not TWEET_ID.fullmatch(tweet_id):
        return None
    if handle:
        return Target(tweet_id, f"https://x.com/{handle}/status/{tweet_id}", f"@{handle}")
    return Target(tweet_id, f"https://x.com/i/web/status/{tweet_id}", "")


def _on_facebook(host: str) -> bool:
    return host == "facebook.com" or host.endswith(".facebook.com")


def _facebook(text: str) -> Target | None:
    found = _url(text, _on_facebook)
    if found is None or not found[0]:
        return None
    segments, query = found
    url = text if "://" in text else "https://" + text
    first = segments[0]
    if first.endswith(".php"):
        page_id = (query.get("id") or [""])[0]
        account = (
            f"facebook.com/profile.php?id={page_id}"
            if page_id.isascii() and page_id.isdigit()
            else ""
        )
    elif first.lower() in FACEBOOK_NODES and len(segments) >= 2:
        account = f"facebook.com/{first}/{segments[1]}"
    else:
        account = f"facebook.com/{first}"
    return Target(value=url, url=url, account=account)
