"""FakeX plus what engagements use: user look-up by username, follow, retweet and like.

Endpoints added: GET /2/users/by/username/{username}, POST /2/users/{id}/following,
POST /2/users/{id}/retweets, POST /2/users/{id}/likes. As on X, `{id}` must be the authenticated
user (the numeric prefix of the OAuth 1.0a access token, or FakeX's USER_ID), and an unknown
username answers 200 with an `errors` list and no `data`. There is deliberately no block endpoint.
"""

from __future__ import annotations

import re
from typing import Any

from fakes.x_api import FORBIDDEN, USER_ID, Call, FakeX, invalid_request

#: Accounts the fake knows: username → user id.
USERS = {"wako_npo": "2100000000000000001", "saitama_pref": "2100000000000000002"}

_BY_USERNAME = re.compile(r"/2/users/by/username/([^/]+)")
_ENGAGE = re.compile(r"/2/users/([^/]+)/(following|retweets|likes)")
_FIELD = {"following": "target_user_id", "retweets": "tweet_id", "likes": "tweet_id"}
_ANSWER = {"following": "following", "retweets": "retweeted", "likes": "liked"}


class FakeXEngage(FakeX):
    """FakeX that also looks users up and records follows, retweets and likes."""

    def __init__(self, *args: Any, users: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.users = dict(USERS if users is None else users)
        self.followed: list[str] = []  # target user ids, in order
        self.retweeted: list[str] = []  # tweet ids
        self.liked: list[str] = []  # tweet ids

    @property
    def me(self) -> str:
        """The authenticated user's id as X derives it: the access token's numeric prefix."""
        prefix = self.access_token.split("-", 1)[0]
        return prefix if prefix.isdigit() else USER_ID

    def engagement_calls(self, kind: str | None = None) -> list[Call]:
        """POSTs to following / retweets / likes (`kind` one of those three to narrow)."""
        return [
            c
            for c in self.calls()
            if c.method == "POST"
            and (m := _ENGAGE.fullmatch(c.path))
            and kind in (None, m.group(2))
        ]

    def _answer(self, call: Call) -> tuple[int, Any]:
        found = _BY_USERNAME.fullmatch(call.path)
        if call.method == "GET" and found:
            return self._user(found.group(1))
        found = _ENGAGE.fullmatch(call.path)
        if call.method == "POST" and found:
            return self._engage(call, found.group(1), found.group(2))
        return super()._answer(call)

    def _user(self, username: str) -> tuple[int, Any]:
        for name, user_id in self.users.items():
            if name.lower() == username.lower():
                return 200, {"data": {"id": user_id, "name": name, "username": name}}
        return 200, {
            "errors": [
                {
                    "value": username,
                    "detail": f"Could not find user with username: [{username}].",
                    "title": "Not Found Error",
                    "resource_type": "user",
                    "parameter": "username",
                    "resource_id": username,
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
            ]
        }

    def _engage(self, call: Call, source: str, what: str) -> tuple[int, Any]:
        if source not in (self.me, USER_ID):
            return 403, FORBIDDEN
        body = call.json if isinstance(call.json, dict) else {}
        target = str(body.get(_FIELD[what]) or "")
        if not target.isdigit():
            return 400, invalid_request(f"$.{_FIELD[what]} is required.")
        if what == "following" and target not in self.users.values():
            return 400, invalid_request("The `target_user_id` is not a known user.")
        {"following": self.followed, "retweets": self.retweeted, "likes": self.liked}[what].append(
            target
        )
        data: dict[str, Any] = {_ANSWER[what]: True}
        if what == "following":
            data["pending_follow"] = False
        return 200, {"data": data}
