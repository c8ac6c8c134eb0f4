"""The platform fakes extended for the moderation inbox: mentions and comments served, and every
hide, delete and ban call recorded. Subclasses only; the base fakes are untouched.

- `ModerationX`: `GET /2/users/{id}/mentions` and `PUT /2/tweets/{id}/hidden` (X has no block).
- `ModerationGraph`: comments on the Page's posts through `GET /{page}/feed?fields=…comments…`,
  `POST /{comment}` with `is_hidden`, `DELETE /{comment}`, `POST /{page}/blocked` with `user`.
- `ModerationWordPress`: `GET wp/v2/comments`, `DELETE wp/v2/comments/{id}` (trash, or `force`).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from datetime import UTC, datetime
from typing import Any

from fakes import x_api
from fakes.graph_api import READ_FEED, FakeGraph
from fakes.wordpress import Call, FakeWordPress, error_answer, json_answer
from fakes.x_api import USER_ID, FakeX

MENTIONS, HIDDEN = "users/mentions", "tweets/hidden"
COMMENTS, COMMENT_DELETE = "comments", "comment_delete"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class ModerationX(FakeX):
    """FakeX with mentions (replies among them) and hiding replies."""

    methods = (*FakeX.methods, "PUT")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mentions: list[dict[str, Any]] = []  # newest last
        self.users: dict[str, dict[str, str]] = {}
        self.hidden: list[str] = []
        self._ids = itertools.count(1700000000000000001)

    def add_mention(
        self, text: str, username: str, *, reply: bool, at: datetime | None = None
    ) -> str:
        """A tweet mentioning the account (a reply to one of its tweets when `reply`)."""
        tweet_id = str(next(self._ids))
        author_id = str(2000 + len(self.users))
        author_id = next((i for i, u in self.users.items() if u["username"] == username), author_id)
        self.users[author_id] = {"id": author_id, "username": username, "name": f"{username}さん"}
        tweet = {
            "id": tweet_id,
            "text": text,
            "edit_history_tweet_ids": [tweet_id],
            "author_id": author_id,
            "created_at": _iso(at or datetime.now(UTC)),
            "conversation_id": "1800000000000000001" if reply else tweet_id,
        }
        if reply:
            tweet["referenced_tweets"] = [{"type": "replied_to", "id": "1800000000000000001"}]
        with self._lock:
            self.mentions.append(tweet)
        return tweet_id

    def _answer(self, call: x_api.Call) -> tuple[int, Any]:
        if call.method == "GET" and re.fullmatch(r"/2/users/[^/]+/mentions", call.path):
            call.endpoint = MENTIONS
            return self._mentions(call)
        found = re.fullmatch(r"/2/tweets/([^/]+)/hidden", call.path)
        if call.method == "PUT" and found:
            call.endpoint = HIDDEN
            tweet_id = found.group(1)
            tweet = next((t for t in self.mentions if t["id"] == tweet_id), None)
            if tweet is None or "referenced_tweets" not in tweet:
                return 403, x_api.FORBIDDEN
            if (call.json or {}).get("hidden") is not True:
                return 400, x_api.invalid_request("$.hidden is required.")
            self.hidden.append(tweet_id)
            return 200, {"data": {"hidden": True}}
        return super()._answer(call)

    def _mentions(self, call: x_api.Call) -> tuple[int, Any]:
        if call.path.split("/")[3] != USER_ID:
            return 200, {"meta": {"result_count": 0}}
        start = call.query.get("start_time", "")
        chosen = [t for t in reversed(self.mentions) if t["created_at"][:19] >= start[:19]]
        fields = {
            "id",
            "text",
            "edit_history_tweet_ids",
            *call.query.get("tweet.fields", "").split(","),
        }
        data = [{k: v for k, v in t.items() if k in fields} for t in chosen]
        body: dict[str, Any] = {"meta": {"result_count": len(data)}}
        if data:
            body["data"] = data
            if "author_id" in call.query.get("expansions", ""):
                authors = {t["author_id"] for t in chosen}
                body["includes"] = {"users": [self.users[a] for a in sorted(authors)]}
        return 200, body


class ModerationGraph(FakeGraph):
    """FakeGraph with comments on the Page's posts, and hiding, deleting and banning."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.comments: dict[str, dict[str, Any]] = {}
        self.blocked: list[str] = []
        self._comment_ids = itertools.count(500000000000001)
        self._request = threading.local()

    def add_comment(
        self, post_id: str, message: str, author_id: str, author_name: str, *, parent=None
    ) -> str:
        story = post_id.split("_", 1)[1]
        comment_id = f"{story}_{next(self._comment_ids)}"
        comment = {
            "id": comment_id,
            "message": message,
            "from": {"id": author_id, "name": author_name},
            "created_time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "permalink_url": f"https://www.facebook.com/{post_id}?comment_id={comment_id}",
            "post_id": post_id,
            "is_hidden": False,
        }
        if parent:
            comment["parent"] = {"id": parent}
        with self._lock:
            self.comments[comment_id] = comment
        return comment_id

    def _handle(self, handler) -> None:
        self._request.method = handler.command
        super()._handle(handler)

    def _answer(self, endpoint: str, parts: list[str], params: dict, files: dict):
        method = self._request.method
        if endpoint == READ_FEED and "comments" in (params.get("fields") or ""):
            limit = min(int(params.get("limit") or 25), 100)
            data = [self._with_comments(post) for post in self.feed()[:limit]]
            return 200, {"data": data, "paging": {}}, {}
        if len(parts) == 1 and parts[0] in self.comments:
            comment = self.comments[parts[0]]
            if method == "POST" and "is_hidden" in params:
                comment["is_hidden"] = params["is_hidden"] == "true"
                return 200, {"success": True}, {}
            if method == "DELETE":
                del self.comments[parts[0]]
                return 200, {"success": True}, {}
        if parts == [self.page_id, "blocked"] and method == "POST":
            users = json.loads(params.get("user") or "[]")
            self.blocked.extend(str(u) for u in users)
            return 200, {str(u): True for u in users}, {}
        return super()._answer(endpoint, parts, params, files)

    def _with_comments(self, post: dict[str, Any]) -> dict[str, Any]:
        comments = [
            {k: v for k, v in c.items() if k not in ("post_id", "is_hidden")}
            for c in reversed(list(self.comments.values()))
            if c["post_id"] == post["id"]
        ]
        return {"id": post["id"], "comments": {"data": comments, "paging": {}}}


class ModerationWordPress(FakeWordPress):
    """FakeWordPress with comments: listed newest first, trashed (or deleted with force)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.comments: dict[int, dict[str, Any]] = {}
        self._comment_ids = itertools.count(9001)

    def add_comment(self, post_id: int, author_name: str, content: str, *, parent: int = 0) -> int:
        comment_id = next(self._comment_ids)
        with self._lock:
            self.comments[comment_id] = {
                "id": comment_id,
                "post": post_id,
                "parent": parent,
                "author": 0,
                "author_name": author_name,
                "date_gmt": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
                "content": {"rendered": f"<p>{content}</p>\n"},
                "link": f"{self.root_url}/?p={post_id}#comment-{comment_id}",
                "status": "approved",
            }
        return comment_id

    def _endpoint(self, call: Call, path: str) -> str:
        route = (self._route(call, path) or "").rstrip("/")
        if route == "/wp/v2/comments" and call.method == "GET":
            return COMMENTS
        if re.fullmatch(r"/wp/v2/comments/\d+", route) and call.method == "DELETE":
            return COMMENT_DELETE
        return super()._endpoint(call, path)

    def _answer(self, call: Call, path: str):
        if call.endpoint not in (COMMENTS, COMMENT_DELETE):
            return super()._answer(call, path)
        problem = self._login(call)
        if problem:
            return error_answer(problem)
        if call.endpoint == COMMENTS:
            after = call.query.get("after", "")
            shown = [
                c
                for c in sorted(self.comments.values(), key=lambda c: c["date_gmt"], reverse=True)
                if c["status"] == "approved" and c["date_gmt"] > after
            ]
            return json_answer(shown[: int(call.query.get("per_page", "10"))])
        if problem is not None:  # anonymous
            return error_answer("not_logged_in")
        comment_id = int((self._route(call, path) or "").rstrip("/").rsplit("/", 1)[1])
        comment = self.comments.get(comment_id)
        if comment is None:
            body = {"code": "rest_comment_invalid_id", "message": "Invalid comment ID."}
            return json_answer({**body, "data": {"status": 404}}, 404)
        if call.query.get("force") == "true":
            del self.comments[comment_id]
            return json_answer({"deleted": True, "previous": comment})
        comment["status"] = "trash"
        return json_answer(comment)
