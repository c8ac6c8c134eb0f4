"""Each Slack user's language: their Slack locale (users.info), remembered in the database and
cached a while, so that every message goes out in its reader's language."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.messages import Messages, messages_for
from bot.people import addresses

log = logging.getLogger(__name__)

FRONT_END = "slack"
PERSON = re.compile(r"[UW][A-Z0-9]{2,}")  # a user id; channels (C…, D…, G…) have no locale
CACHE_FOR = timedelta(hours=6)  # a person who changes Slack's language is heard within this
ASK_TIMEOUT = 2  # seconds: users.info may run before an ack, which Slack wants within 3 s


class SlackLanguages:
    """`msg_for(user_id)`: the catalogue for that person (SNSBOT_LOCALE when unknown).

    Their locale is asked of Slack (`users.info` with `include_locale`) when they first act or
    are written to, then every CACHE_FOR; the answer is kept in `chat_addresses` (front end
    `slack`) so that a failed ask, or a restart, still finds it. The DM channel each card went
    to is kept there too: a card updated later is worded for whoever reads that DM.
    """

    def __init__(
        self,
        client: WebClient,
        session_factory: sessionmaker[Session],
        default: str,
        clock: Callable[[], datetime],
    ):
        self.client = client
        self.session_factory = session_factory
        self.default = default
        self.clock = clock
        self._known: dict[str, tuple[str | None, datetime]] = {}
        self._readers: dict[str, str] = {}  # DM channel → its user
        self._lock = threading.Lock()

    def msg_for(self, user_id: str | None) -> Messages:
        return messages_for(self.locale_of(user_id or ""), self.default)

    def msg_for_channel(self, channel: str) -> Messages:
        """The catalogue for whoever reads `channel` (a DM the bot wrote to, or a user id)."""
        with self._lock:
            reader = self._readers.get(channel)
        if reader is None and channel.startswith("D"):
            reader = next((u for u, a in self._stored().items() if a.get("dm") == channel), None)
        return self.msg_for(reader or channel)

    def locale_of(self, user_id: str) -> str | None:
        if not PERSON.fullmatch(user_id):
            return None
        now = self.clock()
        with self._lock:
            known = self._known.get(user_id)
        if known is not None and now - known[1] < CACHE_FOR:
            return known[0]
        locale = self._ask(user_id)
        stored = self._stored().get(user_id, {})
        if locale is None:
            locale = stored.get("locale")
        elif stored.get("locale") != locale:
            self._remember(user_id, {**stored, "locale": locale})
        with self._lock:
            self._known[user_id] = (locale, now)
        return locale

    def note_dm(self, user_id: str, channel: str) -> None:
        """Keep which DM a card to `user_id` went to, to word its later updates for them."""
        if not PERSON.fullmatch(user_id) or not channel.startswith("D"):
            return
        with self._lock:
            if self._readers.get(channel) == user_id:
                return
            self._readers[channel] = user_id
        stored = self._stored().get(user_id, {})
        if stored.get("dm") != channel:
            self._remember(user_id, {**stored, "dm": channel})

    def _ask(self, user_id: str) -> str | None:
        try:
            user = self.client.users_info(user=user_id, include_locale=True).get("user") or {}
        except Exception as error:  # Slack unreachable or refusing: the stored locale serves
            log.warning("no locale for %s from Slack: %s", user_id, type(error).__name__)
            return None
        locale = user.get("locale")
        return locale if isinstance(locale, str) and locale else None

    def _stored(self) -> dict[str, dict]:
        try:
            with self.session_factory() as session:
                return addresses.all_of(session, FRONT_END)
        except SQLAlchemyError:
            log.exception("could not read the stored Slack locales")
            return {}

    def _remember(self, user_id: str, address: dict) -> None:
        try:
            with self.session_factory.begin() as session:
                addresses.remember(session, FRONT_END, user_id, address, self.clock())
        except SQLAlchemyError:
            log.exception("could not keep %s's Slack locale", user_id)


def locale_client(token: str, base_url: str) -> WebClient:
    """A client for users.info alone: a short timeout and no retries, as it may delay an ack."""
    return WebClient(token=token, base_url=base_url, timeout=ASK_TIMEOUT, retry_handlers=[])
