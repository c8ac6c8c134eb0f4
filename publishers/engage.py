"""Engagement performers (policy §7, §8): X follow, retweet and like; a Facebook share. Never block."""

from __future__ import annotations

import threading

from bot.ports import PermanentError, Post, Published, TransientError
from publishers.facebook import FacebookConfig, FacebookPublisher
from publishers.x import XConfig, XPublisher, mapped_errors

SHARE_LOOKBACK = 25  # Page posts searched for a share that a crashed worker may have made


class _AccountCheck:
    """Acts only once the credentials proved to be the configured account (as IdentityGuard)."""

    def __init__(self, verify) -> None:
        self._verify = verify
        self._lock = threading.Lock()
        self._verified = False

    def require(self) -> None:
        with self._lock:
            if self._verified:
                return
        problem = self._verify()
        if problem:
            raise TransientError(problem.key, problem.values)
        with self._lock:
            self._verified = True


class XEngager:
    """Follows, retweets and likes as the center's X account, with XPublisher's tweepy client."""

    network = "x"
    dry_run = False

    def __init__(self, config: XConfig) -> None:
        self.config = config
        publisher = XPublisher(config)  # tweepy client with the X_API_URL adapter mounted
        self.client = publisher.client
        self._account = _AccountCheck(publisher.verify_account)

    def perform(self, kind: str, target: str) -> Published:
        self._account.require()
        with mapped_errors(self.config.secrets, engaging=True):
            if kind == "follow":
                user = self.client.get_user(username=target, user_auth=True).data
                if user is None:
                    raise PermanentError("engage.error.x_no_user", {"handle": target})
                self.client.follow_user(user.id, user_auth=True)
                return Published(remote_id=str(user.id), url=f"https://x.com/{user.username}")
            if kind == "retweet":
                self.client.retweet(target, user_auth=True)
            elif kind == "like":
                self.client.like(target, user_auth=True)
            else:
                raise PermanentError("pub.error.unavailable")
        return Published(remote_id=str(target), url=f"https://x.com/i/web/status/{target}")

    def look_up(self, kind: str, target: str) -> Published | None:
        return None  # following, retweeting or liking again leaves the same state: just redo it


class FacebookSharer:
    """Shares a URL on the center's Page: a feed post with the link (`POST /{page}/feed`)."""

    network = "facebook"
    dry_run = False

    def __init__(self, config: FacebookConfig, **kwargs) -> None:
        # The Page's publisher posts the share and makes the look-up's Graph request.
        self._fb = FacebookPublisher(config, **kwargs)
        self._page = config.page_id
        self._account = _AccountCheck(self._fb.verify_account)

    def perform(self, kind: str, target: str) -> Published:
        if kind != "share":
            raise PermanentError("pub.error.unavailable")
        self._account.require()
        share = Post(draft_id=0, revision=0, channel="facebook", payload={"link": target})
        return self._fb.publish(share)

    def look_up(self, kind: str, target: str) -> Published | None:
        self._account.require()
        params = {"fields": "id,link,permalink_url", "limit": SHARE_LOOKBACK}
        feed = self._fb.call("GET", f"{self._page}/feed", params=params)
        for item in feed.get("data") or []:
            if isinstance(item, dict) and item.get("id") and item.get("link") == target:
                url = item.get("permalink_url")
                url = url if isinstance(url, str) else None
                return Published(remote_id=str(item["id"]), url=url)
        return None


class DryRunPerformer:
    """Performs nothing, and says so: no credentials, or SNSBOT_DRY_RUN=1."""

    dry_run = True

    def __init__(self, network: str, reason: str) -> None:
        self.network = network
        self.reason = reason

    def perform(self, kind: str, target: str) -> Published:
        return Published(remote_id=f"dry-run:{kind}:{target}"[:200], url=None)

    def look_up(self, kind: str, target: str) -> Published | None:
        return None
