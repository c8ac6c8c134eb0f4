"""Pictures in Teams: sent to the bot in the personal chat, kept with their alt text, attached to
the next draft, downloaded with the bot's token only from the Bot Connector, posted after 承認."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

import json

from adaptive_cards import problems
from fakes.x_api import MEDIA_UPLOAD, TWEETS, FakeX
from platforms import with_platforms
from teams_app import running_teams, teams_settings
from teams_client import CHIEF, OPERATOR, STRANGER

from bot.models import ChatImage, Draft

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 64
GIF = b"GIF89a" + b"\x00" * 16
FILE_INFO = "application/vnd.microsoft.teams.file.download.info"
BOT_TOKEN = "anonymous-local"  # the bot's outgoing token in anonymous mode


def file_sent(connector, name: str, data: bytes) -> dict:
    """A file sent in the personal chat: a download URL that needs no token."""
    url = connector.serve_file(name, data, token=None)
    kind = name.rsplit(".", 1)[-1]
    return {"contentType": FILE_INFO, "name": name,
            "content": {"downloadUrl": url, "uniqueId": name, "fileType": kind}}  # fmt: skip


def pasted(connector, name: str, data: bytes) -> dict:
    """A picture pasted into the message: a content URL read with the bot's token."""
    return {
        "contentType": "image/*",
        "contentUrl": connector.serve_file(name, data, token=BOT_TOKEN),
    }


def send_pictures(teams, person, attachments: list[dict], text: str = "") -> dict:
    """Send pictures to the bot; its answer (a card, or the text of a plain message)."""
    before = len(teams.connector.sent(person.conversation))
    activity = teams.client.activity(person, "message", text=text, attachments=attachments)
    assert teams.client.post(activity).status_code in (200, 201, 202)
    reply = teams.connector.wait_for(lambda: teams.connector.sent(person.conversation)[before:])
    cards = [a["content"] for a in reply[0].get("attachments") or []]
    return cards[0] if cards else reply[0]["text"]


def alt_inputs(card: dict) -> dict:
    return {e["id"]: e.get("value", "") for e in card["body"] if e.get("type") == "Input.Text"}


def test_pictures_go_with_their_alt_text_to_the_next_draft(teams):
    attachments = [file_sent(teams.connector, "会場.png", PNG), pasted(teams.connector, "p1", JPEG),
                   {"contentType": "text/html", "content": "<p>会場の写真</p>"}]  # fmt: skip
    card = send_pictures(teams, OPERATOR, attachments, "<p>和光市民まつりの会場の写真</p>")
    assert problems(card) == []
    assert "画像を受け取りました（2 / 4 枚）" in json.dumps(card, ensure_ascii=False)
    assert set(alt_inputs(card).values()) == {"和光市民まつりの会場の写真"}  # the words sent
    fetched = {
        c.path.split("/")[1]: c.headers.get("authorization") for c in teams.connector.downloads()
    }
    assert fetched == {
        "files": None,
        "v3": f"Bearer {BOT_TOKEN}",
    }  # the token to the connector only

    form = teams.client.open_form(OPERATOR)
    shown = json.dumps(form, ensure_ascii=False)
    assert "添付する画像（2 枚）" in shown and "会場.png — 和光市民まつりの会場の写真" in shown
    done = teams.client.submit_form(
        OPERATOR, form, body="和光市民まつり", url="https://example.jp/m"
    )
    assert done["task"]["type"] == "message"
    with teams.services.session_factory() as session:
        draft = session.query(Draft).one()
        images = draft.current.images
        assert [(i["name"], i["mimetype"], i["alt"]) for i in images] == [
            ("会場.png", "image/png", "和光市民まつりの会場の写真"),
            ("image", "image/jpeg", "和光市民まつりの会場の写真"),
        ]
        assert all(r.used_at is not None for r in session.query(ChatImage))
    again = json.dumps(teams.client.open_form(OPERATOR), ensure_ascii=False)
    assert "画像を付けるときは" in again  # the next draft starts without them


def test_alt_text_is_required_and_saved_on_the_card(teams):
    card = send_pictures(teams, OPERATOR, [file_sent(teams.connector, "a.png", PNG)])
    (field,) = alt_inputs(card)
    assert alt_inputs(card)[field] == ""
    form = teams.client.open_form(OPERATOR)
    refused = teams.client.submit_form(OPERATOR, form, body="本文", url="https://example.jp/m")
    again = refused["task"]["value"]["card"]["content"]
    assert "画像「a.png」の代替テキストがありません" in json.dumps(again, ensure_ascii=False)
    with teams.services.session_factory() as session:
        assert session.query(Draft).count() == 0

    saved = teams.client.click(OPERATOR, card, "images_alt", **{field: "会場 <b>地図</b>"})
    assert saved["type"] == "application/vnd.microsoft.card.adaptive"
    assert alt_inputs(saved["value"])[field] == "会場 <b>地図</b>"  # kept exactly as typed
    done = teams.client.submit_form(OPERATOR, again)
    assert done["task"]["type"] == "message"
    with teams.services.session_factory() as session:
        assert session.query(Draft).one().current.images[0]["alt"] == "会場 <b>地図</b>"


def test_unusable_pictures_are_refused_with_the_same_rules_as_slack(teams):
    sent = [file_sent(teams.connector, "anim.gif", GIF), file_sent(teams.connector, "x.png", JPEG)]
    card = send_pictures(teams, OPERATOR, sent, "説明")
    text = json.dumps(card, ensure_ascii=False)
    assert "画像「anim.gif」は JPEG・PNG・WebP のいずれかにしてください。" in text
    assert "（1 / 4 枚）" in text  # a JPEG named .png is kept as the JPEG it is
    many = [file_sent(teams.connector, f"{n}.png", PNG) for n in range(4)]
    card = send_pictures(teams, OPERATOR, many, "説明")
    text = json.dumps(card, ensure_ascii=False)
    assert "画像は 4 枚までです。" in text and "（4 / 4 枚）" in text
    cleared = teams.client.click(OPERATOR, card, "images_clear")
    assert "画像を取り消しました" in json.dumps(cleared, ensure_ascii=False)
    with teams.services.session_factory() as session:
        assert session.query(ChatImage).count() == 0

    # the bot's token never leaves for a host that is not the Bot Connector
    forged = {"contentType": "image/*", "contentUrl": "https://evil.example/x.png"}
    reply = send_pictures(teams, OPERATOR, [forged])
    assert "受け取れませんでした" in json.dumps(reply, ensure_ascii=False)


def test_a_stranger_cannot_leave_pictures(teams):
    reply = send_pictures(teams, STRANGER, [file_sent(teams.connector, "a.png", PNG)], "x")
    assert "運用者として登録されていません" in reply
    assert teams.connector.downloads() == []


@pytest.fixture
def x_teams(settings, connector):
    keys = ("teams-consumer-key", "teams-consumer-secret", "99-teams-token", "teams-token-secret")
    with FakeX(keys[0], keys[2], consumer_secret=keys[1], access_token_secret=keys[3]) as x:
        configured = with_platforms(settings, keys, x)
        with running_teams(configured, teams_settings(connector), connector) as app:
            yield app, x


def test_kept_pictures_are_posted_after_approval(x_teams):
    teams, x = x_teams
    send_pictures(teams, OPERATOR, [pasted(teams.connector, "p", PNG)], "写真の説明")
    form = teams.client.open_form(OPERATOR)
    teams.client.submit_form(OPERATOR, form, body="写真付きのお知らせ", channels="x",
                             url="https://example.jp/m")  # fmt: skip
    created = teams.connector.wait_for(
        lambda: [
            c
            for c, p in teams.connector.conversations().items()
            if p["members"][0]["id"] == CHIEF.aad
        ]  # fmt: skip
    )
    card = teams.connector.wait_for(lambda: teams.connector.cards(created[0])[0])
    assert "1 枚" in json.dumps(card, ensure_ascii=False)  # the chief sees there is a picture
    mine = teams.client.refresh(CHIEF, card)
    teams.client.click(CHIEF, mine, "approve")
    tweet = teams.connector.wait_for(lambda: [c for c in x.calls(TWEETS) if c.method == "POST"])[0]
    uploads = x.calls(MEDIA_UPLOAD)
    assert len(uploads) == 1 and PNG in uploads[0].raw_body
    assert len(tweet.json["media"]["media_ids"]) == 1


def test_a_resubmission_keeps_the_pictures(teams):
    send_pictures(teams, OPERATOR, [file_sent(teams.connector, "a.png", PNG)], "会場")
    form = teams.client.open_form(OPERATOR)
    teams.client.submit_form(OPERATOR, form, body="最初の文", url="https://example.jp/m")
    chief_chat = teams.connector.wait_for(
        lambda: [
            c
            for c, p in teams.connector.conversations().items()
            if p["members"][0]["id"] == CHIEF.aad
        ]  # fmt: skip
    )[0]
    card = teams.connector.wait_for(lambda: teams.connector.cards(chief_chat)[0])
    teams.client.click(CHIEF, teams.client.refresh(CHIEF, card), "reject", reason="直してください")
    with teams.services.session_factory() as session:
        draft_id = session.query(Draft).one().id
    answer = teams.client.invoke(OPERATOR, "task/fetch",
                                 {"data": {"verb": "resubmit", "draft": draft_id}})  # fmt: skip
    again = answer["task"]["value"]["card"]["content"]
    assert "添付する画像（1 枚）" in json.dumps(again, ensure_ascii=False)
    done = teams.client.submit_form(OPERATOR, again, body="直した文")
    assert done["task"]["type"] == "message", done
    with teams.services.session_factory() as session:
        draft = session.query(Draft).one()
        assert draft.revision == 2 and draft.current.body == "直した文"
        assert [i["name"] for i in draft.current.images] == ["a.png"]
