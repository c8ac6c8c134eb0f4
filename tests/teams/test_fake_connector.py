"""The fake Bot Connector answers the v3 REST shapes the Agents SDK calls, records them, fails on cue."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from urllib.parse import quote

import pytest
import requests
from fakes.bot_connector import CREATE, REPLY, SEND, UPDATE, FakeBotConnector

CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "決裁"}]}
CHANNEL_CONV = "19:abc@thread.v2;messageid=1700000000000"
PARAMS = {
    "isGroup": False,
    "bot": {"id": "28:bot-app-id"},
    "members": [{"id": "29:chief"}],
    "tenantId": "tenant-1",
}


def card_message(card: dict = CARD) -> dict:
    attachment = {"contentType": "application/vnd.microsoft.card.adaptive", "content": card}
    return {"type": "message", "attachments": [attachment]}


@pytest.fixture
def fake() -> Iterator[FakeBotConnector]:
    with FakeBotConnector() as server:
        yield server


def url(fake: FakeBotConnector, conversation_id: str, *rest: str) -> str:
    path = "/".join(["v3/conversations", quote(conversation_id, safe=""), *rest])
    return fake.base_url + path


def test_create_conversation_is_one_per_member(fake: FakeBotConnector) -> None:
    first = requests.post(fake.base_url + "v3/conversations", json=PARAMS, timeout=5)
    assert first.status_code == 201
    answer = first.json()
    assert answer["id"].startswith("a:") and answer["serviceUrl"] == fake.base_url
    assert "activityId" not in answer  # no initial activity was sent
    again = requests.post(fake.base_url + "v3/conversations", json=PARAMS, timeout=5)
    assert again.status_code == 200 and again.json()["id"] == answer["id"]
    other = dict(PARAMS, members=[{"id": "29:operator"}], activity=card_message())
    created = requests.post(fake.base_url + "v3/conversations", json=other, timeout=5).json()
    assert created["id"] != answer["id"] and created["activityId"]
    assert fake.created() == [PARAMS, PARAMS, other]
    assert set(fake.conversations()) == {answer["id"], created["id"]}
    assert fake.activity(created["id"], created["activityId"])["attachments"]
    assert fake.sent(created["id"]) == [dict(card_message(), id=created["activityId"])]
    assert fake.cards() == [CARD]
    bad = requests.post(fake.base_url + "v3/conversations", json={"isGroup": False}, timeout=5)
    assert bad.status_code == 400


def test_send_reply_update_with_encoded_conversation_ids(fake: FakeBotConnector) -> None:
    sent = requests.post(url(fake, CHANNEL_CONV, "activities"), json=card_message(), timeout=5)
    assert sent.status_code == 200
    activity_id = sent.json()["id"]
    reply = requests.post(
        url(fake, "a:1x/y", "activities", "incoming-1"),
        json={"type": "message", "text": "受け付けました"},
        timeout=5,
    )
    assert reply.status_code == 200 and reply.json()["id"] != activity_id

    (send_call,) = fake.calls(SEND)
    assert send_call.conversation_id == CHANNEL_CONV
    assert send_call.method == "POST" and "%3A" in send_call.path
    assert send_call.headers["content-type"] == "application/json"
    (reply_call,) = fake.calls(REPLY)
    assert (reply_call.conversation_id, reply_call.activity_id) == ("a:1x/y", "incoming-1")

    assert fake.sent(CHANNEL_CONV) == [dict(card_message(), id=activity_id)]
    assert [a["text"] for a in fake.sent("a:1x/y")] == ["受け付けました"]
    assert fake.cards() == [CARD]

    decided = dict(CARD, body=[{"type": "TextBlock", "text": "承認済み"}])
    put = requests.put(
        url(fake, CHANNEL_CONV, "activities", activity_id),
        json=dict(card_message(decided), id=activity_id),
        timeout=5,
    )
    assert put.status_code == 200 and put.json() == {"id": activity_id}
    (update,) = fake.updates(CHANNEL_CONV, activity_id)
    assert update["attachments"][0]["content"] == decided
    assert fake.cards(CHANNEL_CONV) == [CARD]  # as sent
    assert fake.cards(CHANNEL_CONV, current=True) == [decided]  # as the chat shows it now

    unknown = requests.put(
        url(fake, CHANNEL_CONV, "activities", "999"), json=card_message(), timeout=5
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "ActivityNotFoundInConversation"
    untyped = requests.post(url(fake, CHANNEL_CONV, "activities"), json={"text": "x"}, timeout=5)
    assert untyped.status_code == 400

    deleted = requests.delete(url(fake, CHANNEL_CONV, "activities", activity_id), timeout=5)
    assert deleted.status_code == 200
    assert fake.activity(CHANNEL_CONV, activity_id) is None
    assert fake.cards(CHANNEL_CONV, current=True) == []


def test_service_url_with_a_path_prefix(fake: FakeBotConnector) -> None:
    service_url = fake.base_url + "teams/"
    resp = requests.post(
        service_url + "v3/conversations/a%3Ac1/activities", json={"type": "typing"}, timeout=5
    )
    assert resp.status_code == 200
    assert fake.calls(SEND)[0].conversation_id == "a:c1"
    assert requests.get(fake.base_url + "nothing", timeout=5).status_code == 404


def test_members_of_a_created_conversation(fake: FakeBotConnector) -> None:
    conversation_id = requests.post(
        fake.base_url + "v3/conversations", json=PARAMS, timeout=5
    ).json()["id"]
    members = requests.get(url(fake, conversation_id, "members"), timeout=5)
    assert members.json() == [{"id": "29:chief"}]
    assert requests.get(url(fake, conversation_id, "members", "29:chief"), timeout=5).ok
    assert requests.get(url(fake, conversation_id, "members", "29:x"), timeout=5).status_code == 404


def test_faults_rate_limit_server_error_and_expired_token(fake: FakeBotConnector) -> None:
    fake.fail_next(UPDATE, 429)
    fake.fail_next(r"POST .*/activities$", 503, times=2)
    fake.fail_next(CREATE, 401)

    sent = [
        requests.post(url(fake, "a:c", "activities"), json=card_message(), timeout=5)
        for _ in range(3)
    ]
    assert [r.status_code for r in sent] == [503, 503, 200]
    assert sent[0].json()["error"]["code"] == "ServiceError"
    activity_id = sent[2].json()["id"]

    limited = requests.put(
        url(fake, "a:c", "activities", activity_id), json=card_message(), timeout=5
    )
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "1"
    assert fake.updates() == []  # a failed call stores nothing
    assert requests.put(
        url(fake, "a:c", "activities", activity_id), json=card_message(), timeout=5
    ).ok

    expired = requests.post(fake.base_url + "v3/conversations", json=PARAMS, timeout=5)
    assert expired.status_code == 401
    assert expired.json() == {"message": "Authorization has been denied for this request."}
    assert [c.status for c in fake.calls()] == [503, 503, 200, 429, 200, 401]
    assert len(fake.sent()) == 1 and fake.created() == []

    fake.fail_next(SEND, 502, body="<html>Bad Gateway</html>", headers={"X-Proxy": "1"})
    proxied = requests.post(url(fake, "a:c", "activities"), json=card_message(), timeout=5)
    assert proxied.status_code == 502 and proxied.text.startswith("<html>")
    assert proxied.headers["X-Proxy"] == "1"


def test_expect_token(fake: FakeBotConnector) -> None:
    requests.post(url(fake, "a:c", "activities"), json={"type": "message"}, timeout=5)
    fake.expect_token("good")
    missing = requests.post(url(fake, "a:c", "activities"), json={"type": "message"}, timeout=5)
    good = requests.post(
        url(fake, "a:c", "activities"),
        json={"type": "message"},
        headers={"Authorization": "Bearer good"},
        timeout=5,
    )
    assert (missing.status_code, good.status_code) == (401, 200)
    assert [c.headers.get("authorization") for c in fake.calls()] == [None, None, "Bearer good"]


def test_slow_answers(fake: FakeBotConnector) -> None:
    fake.slow(2, SEND)
    with pytest.raises(requests.Timeout):
        requests.post(url(fake, "a:c", "activities"), json={"type": "message"}, timeout=0.3)
    # A reply is another endpoint: not slowed.
    assert requests.post(
        url(fake, "a:c", "activities", "1"), json={"type": "message"}, timeout=1.5
    ).ok
    fake.slow(0, SEND)
    assert requests.post(url(fake, "a:c", "activities"), json={"type": "message"}, timeout=1.5).ok


def test_wait_for_and_clear(fake: FakeBotConnector) -> None:
    def later() -> None:
        time.sleep(0.2)
        requests.post(url(fake, "a:c", "activities"), json=card_message(), timeout=5)

    threading.Thread(target=later).start()
    assert fake.wait_for(lambda: fake.cards("a:c")[0], timeout=5) == CARD
    with pytest.raises(AssertionError, match=r"1 call\(s\)"):
        fake.wait_for(lambda: fake.updates(), timeout=0.2)
    fake.fail_next(SEND, 500)
    fake.clear()
    assert fake.calls() == [] and fake.sent() == []
    assert requests.post(url(fake, "a:c", "activities"), json={"type": "message"}, timeout=5).ok


def test_the_agents_sdk_connector_client_talks_to_it(fake: FakeBotConnector) -> None:
    pytest.importorskip("microsoft_agents.hosting.core")
    import aiohttp
    from microsoft_agents.activity import (
        Activity,
        Attachment,
        ChannelAccount,
        ConversationParameters,
    )
    from microsoft_agents.hosting.core.connector.client import ConnectorClient

    async def scenario() -> tuple[str, str]:
        client = ConnectorClient(fake.base_url, token="test-token")
        try:
            conversations = client.conversations
            created = await conversations.create_conversation(
                ConversationParameters(
                    is_group=False,
                    agent=ChannelAccount(id="28:bot"),
                    members=[ChannelAccount(id="29:chief")],
                    tenant_id="tenant-1",
                )
            )
            card = Activity(
                type="message",
                attachments=[
                    Attachment(content_type="application/vnd.microsoft.card.adaptive", content=CARD)
                ],
            )
            sent = await conversations.send_to_conversation(created.id, card)
            await conversations.reply_to_activity(
                created.id, sent.id, Activity(type="message", text="返信")
            )
            await conversations.update_activity(
                created.id, sent.id, Activity(type="message", id=sent.id, text="更新")
            )
            fake.fail_next(SEND, 429)
            with pytest.raises(aiohttp.ClientResponseError) as excinfo:
                await conversations.send_to_conversation(created.id, card)
            assert excinfo.value.status == 429
            return created.id, sent.id
        finally:
            await client.close()

    conversation_id, activity_id = asyncio.run(scenario())
    assert fake.created()[0]["members"] == [{"id": "29:chief"}]
    assert fake.created()[0]["bot"] == {"id": "28:bot"}
    assert fake.cards(conversation_id) == [CARD]
    assert fake.sent(conversation_id)[1]["text"] == "返信"
    assert fake.activity(conversation_id, activity_id)["text"] == "更新"
    assert all(c.headers["authorization"] == "Bearer test-token" for c in fake.calls())


def test_a_body_with_null_is_refused_as_the_playground_does(fake: FakeBotConnector) -> None:
    created = requests.post(fake.base_url + "v3/conversations", json=PARAMS, timeout=5).json()
    nulls = dict(card_message(), id=None, replyToId=None)
    refused = requests.post(url(fake, created["id"], "activities"), json=nulls, timeout=5)
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "BadArgument"
    assert "id" in refused.json()["error"]["message"]
    assert requests.post(url(fake, created["id"], "activities"), json=card_message(),
                         timeout=5).status_code == 200  # fmt: skip
    with FakeBotConnector(strict_nulls=False) as tolerant:  # as the real Bot Connector
        conv = requests.post(tolerant.base_url + "v3/conversations", json=PARAMS, timeout=5)
        path = "v3/conversations/" + quote(conv.json()["id"], safe="") + "/activities"
        assert requests.post(tolerant.base_url + path, json=nulls, timeout=5).status_code == 200


def test_a_member_is_found_by_either_id(fake: FakeBotConnector) -> None:
    fake.add_person("29:1someone", "aad-someone", "和光 一郎")
    params = dict(PARAMS, members=[{"id": "aad-someone"}])
    created = requests.post(fake.base_url + "v3/conversations", json=params, timeout=5).json()
    for member_id in ("aad-someone", "29:1someone"):
        found = requests.get(url(fake, created["id"], "members", member_id), timeout=5)
        assert found.status_code == 200
        assert found.json() == {"id": "29:1someone", "aadObjectId": "aad-someone",
                                "name": "和光 一郎"}  # fmt: skip
    missing = requests.get(url(fake, created["id"], "members", "29:1nobody"), timeout=5)
    assert missing.status_code == 404
