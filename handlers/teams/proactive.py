"""Proactive Teams messages (sends and in-place updates) from any thread, on the bot's loop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import aiohttp
from microsoft_agents.activity import (
    Activity,
    Attachment,
    ChannelAccount,
    ConversationParameters,
    ConversationReference,
)
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from bot.ports import RetryLater
from handlers.teams.cards import CARD_TYPE

log = logging.getLogger(__name__)

CHANNEL_ID = "msteams"


def message(content: dict) -> Activity:
    return Activity(
        type="message", attachments=[Attachment(content_type=CARD_TYPE, content=content)]
    )


def without_nulls(activity: Activity) -> Activity:
    """The same activity with only the fields that have values: the SDK writes `"id": null`
    (and a reference may hold other nulls), which some connectors answer with 400."""
    return Activity.model_validate(
        activity.model_dump(mode="json", by_alias=True, exclude_none=True)
    )


class Proactive:
    """Sends cards to 1:1 chats through the Bot Connector; every failure becomes RetryLater."""

    def __init__(
        self,
        adapter,
        app_id: str,
        loop,
        *,
        service_url: str,
        allowed: Callable[[str], bool],
        tenant_id: str = "",
    ):
        self.adapter = adapter
        self.allowed = allowed  # the same check as incoming activities' serviceUrl
        self.app_id = app_id
        self.loop = loop
        self.service_url = service_url
        self.tenant_id = tenant_id
        self.timeout = 30.0

    def new_conversation(self, user_id: str) -> dict:
        """Open a 1:1 chat with someone the bot has not talked to yet; its reference, whose
        `user` is the member as Teams names them (their `29:` id, name and Entra object id)."""
        self._check(self.service_url)
        reference = self._run(self._create(user_id))
        try:  # Teams refreshes a card by itself only for `29:` ids: learn this person's
            member = self._run(self._member(reference, user_id))
        except RetryLater as error:
            log.warning("Teams: could not look up the member of a new chat: %s", error)
            member = {}
        if member.get("id"):
            reference["user"] = {
                key: member[key] for key in ("id", "name", "aadObjectId") if member.get(key)
            }
        return reference

    def send(self, reference: dict, content: dict) -> str:
        """Post a card into a conversation; the new message's id."""
        self._check(reference.get("serviceUrl"))
        return self._run(self._send(reference, content))

    def update(self, reference: dict, activity_id: str, content: dict) -> None:
        self._check(reference.get("serviceUrl"))
        self._run(self._update(reference, activity_id, content))

    def _check(self, service_url) -> None:
        """Nothing is sent to an address the outbound check refuses (e.g. one stored earlier)."""
        if not service_url or not self.allowed(service_url):
            log.error("Teams: not calling %r, which the outbound host check refuses", service_url)
            raise RetryLater("the Teams service URL is not allowed by the outbound host check")

    def reference_for(self, conversation_id: str, kind: str = "personal") -> dict:
        """A reference for a conversation known only by its id (the configured service URL);
        `kind` "channel" for a team channel (19:…@thread.tacv2): a send starts a new post."""
        return {
            "channelId": CHANNEL_ID,
            "serviceUrl": self.service_url,
            "conversation": {"id": conversation_id, "conversationType": kind,
                             "tenantId": self.tenant_id or None},
            "bot": {"id": f"28:{self.app_id}" if self.app_id else "snsbot"},
        }  # fmt: skip

    # -- on the loop -------------------------------------------------------------------------

    def _run(self, coroutine):
        future = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        try:
            return future.result(self.timeout)
        except aiohttp.ClientResponseError as error:
            retry_after = (error.headers or {}).get("Retry-After") if error.headers else None
            raise RetryLater(
                f"Teams answered {error.status}",
                float(retry_after) if retry_after and retry_after.isdigit() else None,
            ) from None
        except TimeoutError:
            future.cancel()
            raise RetryLater("Teams did not answer in time") from None
        except (aiohttp.ClientError, OSError) as error:
            raise RetryLater(f"Teams could not be reached ({type(error).__name__})") from None
        except ValueError as error:  # e.g. the SDK got no token (a wrong or expired secret)
            raise RetryLater(f"Teams could not be called ({str(error)[:200]})") from None

    async def _continue(self, reference: dict, work) -> object:
        result = {}

        async def turn(context):
            try:
                result["value"] = await work(context)
            except Exception as error:  # the adapter would swallow it (on_turn_error)
                result["error"] = error

        continuation = ConversationReference.model_validate(reference).get_continuation_activity()
        await self.adapter.continue_conversation(self.app_id, continuation, turn)
        if "error" in result:
            raise result["error"]
        return result.get("value")

    async def _send(self, reference: dict, content: dict) -> str:
        async def work(context):
            activity = message(content).apply_conversation_reference(
                context.activity.get_conversation_reference()
            )
            activity.reply_to_id = None  # a new message in the chat, not a reply to anything
            client = context.services.get(ConnectorClientBase)
            conversation_id = activity.conversation.id
            response = await client.conversations.send_to_conversation(
                conversation_id, without_nulls(activity)
            )
            if not response or not response.id:
                raise RetryLater("Teams did not say which message it created")
            return response.id

        return await self._continue(reference, work)

    async def _update(self, reference: dict, activity_id: str, content: dict) -> None:
        async def work(context):
            update = message(content).apply_conversation_reference(
                context.activity.get_conversation_reference()
            )
            update.reply_to_id = None
            update.id = activity_id
            client = context.services.get(ConnectorClientBase)
            await client.conversations.update_activity(
                update.conversation.id, activity_id, without_nulls(update)
            )

        await self._continue(reference, work)

    async def _member(self, reference: dict, user_id: str) -> dict:
        """The chat member `user_id` (an Entra object id or a `29:` id) as Teams knows them."""

        async def work(context):
            client = context.services.get(ConnectorClientBase)
            conversation_id = reference["conversation"]["id"]
            member = await client.conversations.get_conversation_member(conversation_id, user_id)
            return member.model_dump(mode="json", by_alias=True, exclude_none=True)

        return await self._continue(reference, work) or {}

    async def _create(self, user_id: str) -> dict:
        created = {}

        async def turn(context):  # only note the id: sending from here fails in SDK 1.9
            created["id"] = context.activity.conversation.id

        parameters = ConversationParameters(
            is_group=False,
            agent=ChannelAccount(id=f"28:{self.app_id}" if self.app_id else "snsbot"),
            members=[ChannelAccount(id=user_id)],
            **({"tenant_id": self.tenant_id} if self.tenant_id else {}),
        )
        audience = self.adapter.create_claims_identity(self.app_id).get_token_audience()
        await self.adapter.create_conversation(
            self.app_id, CHANNEL_ID, self.service_url, audience, parameters, turn
        )
        reference = self.reference_for(created["id"])
        reference["user"] = {"id": user_id}
        return reference
