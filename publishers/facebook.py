"""Facebook Page publisher over the Graph API: feed and photo posts, look-up and token check."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bot.ports import Image, NetworkError, Post, Published, Text
from publishers.facebook_findagain import feed_query, matching_item
from publishers.facebook_graph import Duplicate, GraphClient, object_id
from publishers.http import TIMEOUT

# The Graph API version is pinned once, in bot.config.DEFAULT_FACEBOOK_GRAPH_URL
# (FACEBOOK_GRAPH_URL overrides the whole base, version included).
PERMALINK_BASE = "https://www.facebook.com"


@dataclass(frozen=True)
class FacebookConfig:
    """What FacebookPublisher needs: the Graph API base, the Page and its Page access token."""

    graph_url: str
    page_id: str
    page_token: str = field(repr=False)


class FacebookPublisher:
    """Posts to one Facebook Page with its Page access token (sent as a header, never in URLs)."""

    name = "facebook"
    dry_run = False

    def __init__(self, config: FacebookConfig, *, timeout=TIMEOUT, session=None):
        self._page = config.page_id
        self._graph = GraphClient(
            config.graph_url, config.page_id, config.page_token, timeout=timeout, session=session
        )

    def preview(self, post: Post) -> str:
        return _text(post)

    def publish(self, post: Post) -> Published:
        try:
            post_id = self._send(post)
        except Duplicate:
            # An earlier attempt may have gone through (e.g. its answer timed out).
            found = self.find(post)
            if found is None:
                raise
            return found
        return Published(remote_id=post_id, url=permalink(post_id))

    def find(self, post: Post) -> Published | None:
        """The Page post made since the first attempt with this message and this link."""
        feed = self.call("GET", f"{self._page}/feed", params=feed_query(post))
        item = matching_item(feed, post, _text(post))
        if item is None:
            return None
        url = item.get("permalink_url")
        if not (isinstance(url, str) and url.startswith("https://")):
            url = permalink(str(item["id"]))
        return Published(remote_id=str(item["id"]), url=url)

    def verify_account(self) -> Text | None:
        try:
            body = self.call("GET", "me", params={"fields": "id,name"})
        except NetworkError as exc:
            return Text("identity.failed", {"channel": "Facebook", "detail": exc.text})
        actual = str(body.get("id") or "?")
        if actual == self._page:
            return None
        values = {"channel": "Facebook", "expected": self._page, "actual": actual}
        return Text("identity.mismatch", values)

    def profile(self) -> dict[str, str]:
        """The Page's name and its about text (policy §2, §9): `GET /{page-id}?fields=name,about,
        description` (https://developers.facebook.com/docs/graph-api/reference/page: `about` is
        the Page's short description, `description` its longer one)."""
        body = self.call("GET", self._page, params={"fields": "name,about,description"})
        about = "\n".join(str(body.get(field) or "") for field in ("about", "description"))
        return {"name": str(body.get("name") or ""), "username": "", "about": about.strip()}

    def call(self, method: str, path: str, *, params=None, data=None, files=None) -> dict:
        """One Graph request (the moderation inbox and the sharer make theirs with it too): the
        decoded answer, or TransientError / PermanentError."""
        return self._graph.call(method, path, params=params, data=data, files=files)

    # ------------------------------------------------------------------ internals

    def _send(self, post: Post) -> str:
        """Make the post; return its id (`{page}_{post}`)."""
        if not post.images:
            data = {"message": post.payload.get("message") or ""}
            if post.payload.get("link"):
                data["link"] = post.payload["link"]
            return object_id(self.call("POST", f"{self._page}/feed", data=data))
        # Photo posts have no link field: the link goes at the end of the text.
        caption = _text(post)
        photos = f"{self._page}/photos"
        if len(post.images) == 1:
            data = {"caption": caption, **_alt(post.images[0])}
            body = self.call("POST", photos, data=data, files=_source(post.images[0]))
            return str(body.get("post_id") or object_id(body))
        # Several images: upload each unpublished, then one feed post that attaches them all.
        data = {"message": caption}
        for i, image in enumerate(post.images):
            unpublished = {"published": "false", **_alt(image)}
            body = self.call("POST", photos, data=unpublished, files=_source(image))
            data[f"attached_media[{i}]"] = json.dumps({"media_fbid": object_id(body)})
        return object_id(self.call("POST", f"{self._page}/feed", data=data))


def permalink(post_id: str) -> str:
    """The public address of a Page post (`{page}_{post}`) or of another object."""
    page, sep, story = post_id.partition("_")
    if sep and page and story:
        return f"{PERMALINK_BASE}/{page}/posts/{story}"
    return f"{PERMALINK_BASE}/{post_id}"


def _text(post: Post) -> str:
    """The message, with the link on its own line unless the message already holds it."""
    message = (post.payload.get("message") or "").strip()
    link = (post.payload.get("link") or "").strip()
    if link and link not in message:
        return f"{message}\n\n{link}" if message else link
    return message


def _source(image: Image) -> dict:
    return {"source": (image.name, image.data, image.mimetype)}


def _alt(image: Image) -> dict:
    """The photo's alternative text as the Graph API takes it (`alt_text_custom`), if given."""
    return {"alt_text_custom": image.alt} if image.alt else {}
