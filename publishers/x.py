"""The X publisher: tweets through tweepy (OAuth 1.0a user context), images through X's v2 upload."""

from __future__ import annotations

import contextlib
import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import unquote, urlsplit, urlunsplit

import requests
import tweepy
from requests.adapters import HTTPAdapter
from requests.utils import should_bypass_proxies
from twitter_text import extract_urls

from bot.ports import (
    Image,
    PermanentError,
    Post,
    Published,
    Text,
    TransientError,
    made_in_window,
    window_start,
)
from publishers.http import (
    DETAIL_MAX,
    TIMEOUT,
    Refusals,
    network_errors,
    network_reason,
    redact,
    retry_at_from_epoch,
    status_error,
)

#: Hosts tweepy and X's docs address; the session sends all of them to X_API_URL instead.
X_HOSTS = ("https://api.twitter.com", "https://api.x.com", "https://upload.twitter.com")
#: X API v2 one-shot upload: multipart `media` (raw bytes) + `media_category` (docs.x.com).
MEDIA_UPLOAD_URL = "https://api.x.com/2/media/upload"
MEDIA_METADATA_URL = "https://api.x.com/2/media/metadata"  # an image's alt text
RECENT_TWEETS = 20  # how many of the account's latest tweets find() looks through

#: X's refusals in our words: of a post (or an image for it), and of a follow, retweet or like.
POSTING = Refusals(
    auth="pub.error.x_auth", forbidden="pub.error.x_forbidden", rejected="pub.error.x_rejected"
)
UPLOADING = replace(POSTING, rejected="pub.error.image")
ENGAGING = Refusals(
    auth="pub.error.x_auth", forbidden="engage.error.x_refused", rejected="engage.error.x_refused"
)


@dataclass(frozen=True)
class XConfig:
    """What XPublisher needs: the API host, the account's keys and its @name."""

    api_url: str
    api_key: str = field(repr=False)
    api_secret: str = field(repr=False)
    access_token: str = field(repr=False)
    access_token_secret: str = field(repr=False)
    username: str
    #: Every secret to blank out of the platform's words (the installation's, not only X's).
    secrets: tuple[str, ...] = field(default=(), repr=False)


_STATUS_ERRORS = {
    400: tweepy.BadRequest,
    401: tweepy.Unauthorized,
    403: tweepy.Forbidden,
    404: tweepy.NotFound,
    429: tweepy.TooManyRequests,
}


class _ToConfiguredHost(HTTPAdapter):
    """Sends requests for X's hard-coded hosts to X_API_URL, re-signed, with a timeout."""

    def __init__(self, base_url: str, timeout, auth) -> None:
        super().__init__()
        self._base = urlsplit(base_url.rstrip("/"))
        self._timeout = timeout
        self._auth = auth

    def send(self, request, timeout=None, proxies=None, **kwargs):
        parts = urlsplit(request.url)
        base = self._base
        url = urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, ""))
        if url != request.url:
            request.url = url
            # OAuth 1.0a signs the URL, so a signature made for api.twitter.com is invalid
            # anywhere else: sign again for the URL actually used.
            if request.headers.get("Authorization", "").startswith("OAuth "):
                del request.headers["Authorization"]
                self._auth(request)
            if should_bypass_proxies(url, no_proxy=None):
                proxies = {}
        # tweepy.Client has no timeout setting: without one a silent server would hang us.
        return super().send(request, timeout=timeout or self._timeout, proxies=proxies, **kwargs)


class XPublisher:
    """Posts to the center's X account; it can neither reply nor send direct messages."""

    name = "x"
    dry_run = False

    def __init__(self, config: XConfig, *, timeout=TIMEOUT) -> None:
        self.config = config
        keys = (config.api_key, config.api_secret, config.access_token, config.access_token_secret)
        self._auth = tweepy.OAuth1UserHandler(*keys).apply_auth()
        self.client = tweepy.Client(
            consumer_key=keys[0], consumer_secret=keys[1], access_token=keys[2],
            access_token_secret=keys[3],
        )  # fmt: skip
        adapter = _ToConfiguredHost(config.api_url, timeout, self._auth)
        for host in X_HOSTS:
            self.client.session.mount(host, adapter)
        self._user_id: str | None = None

    def preview(self, post: Post) -> str:
        return post.payload["text"]

    def publish(self, post: Post) -> Published:
        with self._mapped_errors():
            media_ids = [self._upload(image) for image in post.images]
            response = self.client.create_tweet(
                text=post.payload["text"], media_ids=media_ids or None, user_auth=True
            )
        return self._published(response.data["id"])

    def find(self, post: Post) -> Published | None:
        """Our tweet with this text and these links, made since the first attempt."""
        with self._mapped_errors():
            if self._user_id is None:
                self._user_id = str(self.client.get_me(user_auth=True).data.id)
            response = self.client.get_users_tweets(
                self._user_id,
                max_results=RECENT_TWEETS,
                start_time=window_start(post),
                tweet_fields=["created_at", "entities"],
                user_auth=True,
            )
        for tweet in response.data or ():
            if made_in_window(tweet.created_at, post) and _same_post(
                post.payload["text"], tweet.text, tweet.entities
            ):
                return self._published(tweet.id)
        return None

    def verify_account(self) -> Text | None:
        try:
            user = self.client.get_me(user_auth=True).data
        except tweepy.Unauthorized:
            return _identity_failed(Text("identity.reason.auth"))
        except tweepy.HTTPException as error:
            detail = f"HTTP {error.response.status_code} {_detail(error, self.config.secrets)}"
            return _identity_failed(detail)
        except (requests.RequestException, tweepy.TweepyException) as error:
            return _identity_failed(Text(network_reason(error) or "pub.reason.connection"))
        expected = self.config.username
        if user.username.lower() != expected.lower():
            values = {"channel": "X", "expected": f"@{expected}", "actual": f"@{user.username}"}
            return Text("identity.mismatch", values)
        self._user_id = str(user.id)
        return None

    def profile(self) -> dict[str, str]:
        """The account's name, @name and profile description (policy §2, §9): `GET /2/users/me`
        with `user.fields=description` (https://docs.x.com/x-api/users/get-my-user)."""
        with self._mapped_errors():
            user = self.client.get_me(user_fields=["description"], user_auth=True).data
        return {"name": user.name or "", "username": user.username or "",
                "about": user.description or ""}  # fmt: skip

    def account_id(self) -> str:
        """The configured account's id; TransientError until the credentials proved to be its."""
        if self._user_id is None:
            problem = self.verify_account()
            if problem:
                raise TransientError(problem.key, problem.values)
        return self._user_id

    def _upload(self, image: Image) -> str:
        """Upload one image, then give it its alternative text; the media id."""
        with self._mapped_errors(image=image.name):
            response = self._media_call(
                MEDIA_UPLOAD_URL,
                data={"media_category": "tweet_image", "media_type": image.mimetype},
                files={"media": (image.name, image.data, image.mimetype)},
            )
            media_id = str(response.json()["data"]["id"])
            if image.alt:
                alt = {"id": media_id, "metadata": {"alt_text": {"text": image.alt}}}
                self._media_call(MEDIA_METADATA_URL, json=alt)
        return media_id

    def _media_call(self, url: str, **body) -> requests.Response:
        """One POST to X's media endpoints (which tweepy.Client lacks), errors as tweepy's."""
        headers = {"User-Agent": self.client.user_agent}
        response = self.client.session.post(url, headers=headers, auth=self._auth, **body)
        error = _STATUS_ERRORS.get(response.status_code)
        if error is None and response.status_code >= 500:
            error = tweepy.TwitterServerError
        if error is None and not 200 <= response.status_code < 300:
            error = tweepy.HTTPException
        if error is not None:
            raise error(response)
        return response

    def _mapped_errors(self, image: str | None = None) -> contextlib.AbstractContextManager[None]:
        return mapped_errors(self.config.secrets, image=image)

    def _published(self, tweet_id) -> Published:
        url = f"https://x.com/{self.config.username}/status/{tweet_id}"
        return Published(remote_id=str(tweet_id), url=url)


@contextlib.contextmanager
def mapped_errors(
    secrets: tuple[str, ...], *, image: str | None = None, engaging: bool = False
) -> Iterator[None]:
    """Turn tweepy's and requests' errors into ours, with messages free of secrets.

    `image` names an image being uploaded; `engaging` words the refusals for a follow, retweet
    or like (engage.py), whose rate limit is waited out to the 15-minute window's reset.
    """
    with network_errors(tweepy.TweepyException):
        try:
            yield
        except tweepy.HTTPException as error:
            raise _refusal(error, secrets, image, engaging) from None


def _refusal(error: tweepy.HTTPException, secrets, image, engaging) -> Exception:
    status, headers = error.response.status_code, error.response.headers
    detail = _detail(error, secrets)
    retry_at = None  # X's reset headers speak of its rate limits only
    if engaging:
        if status == 429:
            retry_at = retry_at_from_epoch(headers.get("x-rate-limit-reset"))
        return status_error(status, ENGAGING, retry_at=retry_at, detail=detail)
    if status == 403 and "duplicate content" in detail.lower():
        return PermanentError("pub.error.x_duplicate")
    if status == 429:
        retry_at = _retry_at(headers)
    refusals = POSTING if image is None else UPLOADING
    return status_error(status, refusals, retry_at=retry_at, detail=detail, name=image)


def _identity_failed(detail) -> Text:
    return Text("identity.failed", {"channel": "X", "detail": detail})


def _detail(error: tweepy.HTTPException, secrets) -> str:
    """X's own words for the refusal, shortened, with any secret blanked out."""
    detail = "; ".join(str(m) for m in error.api_messages) or error.response.reason or ""
    return redact(detail, secrets)[:DETAIL_MAX]


def _retry_at(headers) -> datetime | None:
    """The 15-minute window's reset, or a 24-hour window's reset when that one is used up."""
    names = ["x-rate-limit-reset"]
    for scope in ("user", "app"):
        if headers.get(f"x-{scope}-limit-24hour-remaining") == "0":
            names.append(f"x-{scope}-limit-24hour-reset")
    moments = [retry_at_from_epoch(headers.get(name)) for name in names]
    return max((m for m in moments if m is not None), default=None)


# How find() recognises our tweet. X replaces every link with a t.co link (and appends one for
# attached images), HTML-escapes &, < and >, and may touch whitespace. So compare the texts
# with all links removed, entities unescaped, NFC-normalised and whitespace collapsed; then
# require each of our links among the tweet's expanded links, so that two posts differing only
# in their link are not taken for each other (that mistake would lose a post). A prefix
# comparison would fail as soon as a link sits in the middle of the text.
def _same_post(ours: str, theirs: str, entities: dict | None) -> bool:
    our_text, our_links = _split_links(ours)
    their_text, _ = _split_links(html.unescape(theirs))
    expanded = {_bare(u.get("expanded_url", "")) for u in (entities or {}).get("urls", [])}
    return our_text == their_text and {_bare(link) for link in our_links} <= expanded


def _split_links(text: str) -> tuple[str, list[str]]:
    text = unicodedata.normalize("NFC", text)
    links = extract_urls(text)
    for link in links:
        text = text.replace(link, " ")
    return " ".join(text.split()), links


def _bare(url: str) -> str:
    return unquote(re.sub(r"^https?://", "", url.strip(), flags=re.IGNORECASE)).rstrip("/")
