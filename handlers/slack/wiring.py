"""How listeners reach the core: a Bolt middleware puts the services in every request's context."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt.middleware import Middleware

from bot.services import Services

SERVICES = "services"  # context key: the core's Services
AFTER_ACK = "after_ack"  # context key: `run(work, **arguments)`, what a click causes after its ack


class ServicesInContext(Middleware):
    """Puts what the listeners need in `context` (Bolt injects `context` into every listener)."""

    def __init__(self, services: Services, after_ack: Callable[..., None]):
        self.services = services
        self.after_ack = after_ack

    def process(self, *, req, resp, next):
        req.context[SERVICES] = self.services
        req.context[AFTER_ACK] = self.after_ack
        return next()
