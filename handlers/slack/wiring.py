"""How listeners reach the core: a Bolt middleware puts the services in every request's context."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from slack_bolt.middleware import Middleware

from bot.services import Services

SERVICES = "services"  # context key: the core's Services, speaking the acting person's language
AFTER_ACK = "after_ack"  # context key: `run(work, **arguments)`, what a click causes after its ack
LANGUAGES = "languages"  # context key: the SlackLanguages, for words to someone else (or None)


def acting_user(body: dict) -> str:
    """Who sent a request: an interaction's user, a slash command's, or an event's."""
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "")
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    return str(body.get("user_id") or event.get("user") or "")


class ServicesInContext(Middleware):
    """Puts what the listeners need in `context` (Bolt injects `context` into every listener):
    the services with `msg` in the language of the person who acted (views opened, ephemeral
    replies and refusals are theirs)."""

    def __init__(self, services: Services, after_ack: Callable[..., None], languages=None):
        self.services = services
        self.after_ack = after_ack
        self.languages = languages

    def process(self, *, req, resp, next):
        services = self.services
        if self.languages is not None:
            user = acting_user(req.body if isinstance(req.body, dict) else {})
            services = replace(services, msg=self.languages.msg_for(user))
        req.context[SERVICES] = services
        req.context[AFTER_ACK] = self.after_ack
        req.context[LANGUAGES] = self.languages
        return next()
