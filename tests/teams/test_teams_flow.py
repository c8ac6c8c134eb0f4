"""Teams end to end: draft in a dialog → the chief approves in Teams → posts → the author's DM."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

import json

from adaptive_cards import problems
from fakes.graph_api import FakeGraph
from fakes.wordpress import FakeWordPress
from fakes.x_api import TWEETS, FakeX
from platforms import with_platforms
from teams_app import running_teams, teams_settings
from teams_client import BOT, CHIEF, OPERATOR, STRANGER, verbs

from bot.messages import Messages
from bot.models import Draft, RegisterEntry


def submit_draft(teams, person=OPERATOR, **values) -> dict:
    form = teams.client.open_form(person)
    values = {"body": "和光市民まつりのお知らせ", "url": "https://example.jp/m", **values}
    return teams.client.submit_form(person, form, **values)


def chief_card(teams) -> dict:
    """The approval card, as sent to the chief (one conversation created for the chief)."""
    created = teams.connector.wait_for(lambda: teams.connector.created())
    chief_chat = next(
        conv for conv, params in teams.connector.conversations().items()
        if params["members"][0]["id"] == CHIEF.aad
    )  # fmt: skip
    assert created
    return teams.connector.wait_for(lambda: teams.connector.cards(chief_chat)[0])


X_KEYS = ("teams-consumer-key", "teams-consumer-secret", "99-teams-token", "teams-token-secret")


@pytest.fixture
def live_teams(settings, connector):
    """Teams with the real publishers pointed at the X, Graph and WordPress fakes."""
    with (
        FakeX(X_KEYS[0], X_KEYS[2], consumer_secret=X_KEYS[1], access_token_secret=X_KEYS[3]) as x,
        FakeGraph() as graph,
        FakeWordPress() as blog,
    ):
        configured = with_platforms(settings, X_KEYS, x, graph, blog)
        with running_teams(configured, teams_settings(connector), connector) as app:
            yield app, x, graph, blog


def test_draft_approve_publish_and_tell_the_author(live_teams):
    teams, x, graph, blog = live_teams
    answer = submit_draft(teams)
    sent = "提出しました（下書き #1）。課長の決裁に回り、結果はこのチャットでお知らせします。"
    assert answer == {"task": {"type": "message", "value": sent}}
    card = chief_card(teams)
    assert "和光市民まつりのお知らせ" in json.dumps(card, ensure_ascii=False)
    assert not verbs(card) & {"approve", "reject"}  # the shared view has no decision buttons
    assert card["refresh"]["userIds"] == [CHIEF.mri]  # Teams refreshes only for `29:` ids

    mine = teams.client.refresh(CHIEF, card)  # the chief's own view
    assert {"approve", "reject"} <= verbs(mine)
    decided = teams.client.click(CHIEF, mine, "approve")
    assert decided["type"] == "application/vnd.microsoft.card.adaptive"
    assert "承認しました" in json.dumps(decided["value"], ensure_ascii=False)

    text = json.dumps(results_card(teams), ensure_ascii=False)
    posted = [c.json["text"] for c in x.calls(TWEETS) if c.method == "POST"]
    assert posted == ["和光市民まつりのお知らせ https://example.jp/m"]
    assert [p["message"] for p in graph.feed()] == ["和光市民まつりのお知らせ"]
    assert len(blog.posts) == 1
    assert "https://x.com/wakokyodo/status/" in text and "facebook.com" in text
    assert blog.posts[min(blog.posts)]["link"] in text
    final = teams.connector.wait_for(
        lambda: [u for u in teams.connector.updates()
                 if "投稿を見る" in json.dumps(u, ensure_ascii=False)]
    )  # fmt: skip
    assert final[-1]["attachments"][0]["content"]["actions"]  # the full text stays one click away
    with teams.services.session_factory() as session:
        draft = session.get(Draft, 1)
        assert (draft.front_end, draft.author_id, draft.status) == (
            "teams",
            OPERATOR.aad,
            "approved",
        )
        assert draft.decided_by == CHIEF.aad


def results_card(teams) -> dict:
    return teams.connector.wait_for(
        lambda: [c for c in teams.connector.cards(OPERATOR.conversation)
                 if "投稿結果" in json.dumps(c, ensure_ascii=False)]
    )[0]  # fmt: skip


def register_actions(teams) -> list[tuple[str, str]]:
    with teams.services.session_factory() as session:
        return [
            (e.action, e.actor) for e in session.query(RegisterEntry).order_by(RegisterEntry.id)
        ]


def test_a_double_click_decides_once(teams):
    submit_draft(teams)
    mine = teams.client.refresh(CHIEF, chief_card(teams))
    first = teams.client.click(CHIEF, mine, "approve")
    second = teams.client.click(CHIEF, mine, "approve")  # Teams retries an unanswered click
    assert first["type"] == second["type"] == "application/vnd.microsoft.card.adaptive"
    assert "承認しました" in json.dumps(second["value"], ensure_ascii=False)
    results_card(teams)
    assert [a for a, _ in register_actions(teams)].count("approved") == 1
    assert [a for a, _ in register_actions(teams)].count("published") == 3


def test_someone_not_the_chief_sees_no_buttons_and_is_refused(teams):
    submit_draft(teams)
    card = chief_card(teams)
    assert not verbs(teams.client.refresh(STRANGER, card)) & {"approve", "reject"}
    assert not verbs(teams.client.refresh(OPERATOR, card)) & {"approve", "reject"}
    chiefs_view = teams.client.refresh(CHIEF, card)
    for person in (STRANGER, OPERATOR):  # a forged click with the chief's card
        answer = teams.client.click(person, chiefs_view, "approve")
        assert answer == {
            "statusCode": 200,
            "type": "application/vnd.microsoft.activity.message",
            "value": "この操作は課長だけが行えます。操作の試みは決裁簿に記録しました。",
        }
    assert ("refused", STRANGER.aad) in register_actions(teams)
    assert ("refused", OPERATOR.aad) in register_actions(teams)
    with teams.services.session_factory() as session:
        assert session.get(Draft, 1).status == "pending"


def test_reject_needs_a_reason_and_the_author_can_resubmit(teams):
    submit_draft(teams)
    mine = teams.client.refresh(CHIEF, chief_card(teams))
    empty = teams.client.click(CHIEF, mine, "reject", reason="  ")
    assert "差し戻しの理由を入力してください。" in json.dumps(empty["value"], ensure_ascii=False)
    rejected = teams.client.click(CHIEF, mine, "reject", reason="日付が違います")
    assert "差し戻しました" in json.dumps(rejected["value"], ensure_ascii=False)

    dm = teams.connector.wait_for(
        lambda: [c for c in teams.connector.cards(OPERATOR.conversation)
                 if "日付が違います" in json.dumps(c, ensure_ascii=False)]
    )[0]  # fmt: skip
    button = next(a for a in dm["actions"] if a["data"].get("verb") == "resubmit")
    form = teams.client.invoke(OPERATOR, "task/fetch", {"data": button["data"]})
    form = form["task"]["value"]["card"]["content"]
    assert (
        next(e for e in form["body"] if e.get("id") == "body")["value"]
        == "和光市民まつりのお知らせ"
    )
    answer = teams.client.submit_form(OPERATOR, form, body="和光市民まつり（11月3日）のお知らせ")
    assert answer["task"]["type"] == "message"
    teams.connector.wait_for(  # the chief's chat is now the one they clicked from
        lambda: [c for c in teams.connector.cards(CHIEF.conversation)
                 if "第 2 版" in json.dumps(c, ensure_ascii=False)]
    )  # fmt: skip


def test_the_author_withdraws_a_pending_draft(teams):
    submit_draft(teams)
    mine = teams.client.refresh(CHIEF, chief_card(teams))  # the chief's buttons, on screen
    receipt = teams.connector.wait_for(lambda: teams.connector.cards(OPERATOR.conversation)[0])
    assert (
        teams.client.click(STRANGER, receipt, "withdraw")["value"]
        == "この操作は起案者だけが行えます。"
    )
    answer = teams.client.click(OPERATOR, receipt, "withdraw")
    assert answer["value"] == "下書き #1 を取り下げました。"
    with teams.services.session_factory() as session:
        assert session.get(Draft, 1).status == "withdrawn"
    late = json.dumps(teams.client.click(CHIEF, mine, "approve"), ensure_ascii=False)
    assert "下書き #1 は既に 運用 花子 が" in late and "に取り下げています。" in late


def test_invalid_input_shows_the_form_again_with_the_value_kept(teams):
    form = teams.client.open_form(OPERATOR)
    answer = teams.client.submit_form(
        OPERATOR, form, body="お知らせ", url="ftp://example.jp", publish_date="2030-01-01"
    )
    again = answer["task"]["value"]["card"]["content"]
    body = again["body"]
    url_at = next(i for i, e in enumerate(body) if e.get("id") == "url")
    assert body[url_at]["value"] == "ftp://example.jp"
    following = [e.get("text") for e in body[url_at + 1 : url_at + 3]]
    assert any("URL" in (t or "") and e.get("color") == "attention"
               for t, e in zip(following, body[url_at + 1 : url_at + 3], strict=True))  # fmt: skip
    texts = json.dumps(body, ensure_ascii=False)
    assert "予約するときは日付と時刻を両方入れてください。" in texts
    assert next(e for e in body if e.get("id") == "body")["value"] == "お知らせ"
    with teams.services.session_factory() as session:
        assert session.query(Draft).count() == 0


def test_with_no_group_registered_a_group_request_shows_the_form_again(teams):
    """Found as a bug: with no registered group at all, any typed group was accepted (§5(4))."""
    form = teams.client.open_form(OPERATOR)
    at = next(i for i, e in enumerate(form["body"]) if e.get("id") == "group")
    assert "snsbot groups add" in form["body"][at + 1]["text"]
    answer = teams.client.submit_form(
        OPERATOR, form, body="みどりの会のお知らせ", url="https://midori.example.jp/event",
        source="group_request", group="和光みどりの会", group_date="2026-11-20",
        group_draft="みどりの会からの原稿です",
    )  # fmt: skip
    body = answer["task"]["value"]["card"]["content"]["body"]
    at = next(i for i, e in enumerate(body) if e.get("id") == "group")
    assert body[at]["value"] == "和光みどりの会"
    error = body[at + 2]
    assert error.get("color") == "attention"
    assert "登録団体がまだ 1 つもない" in error["text"] and "snsbot groups add" in error["text"]
    with teams.services.session_factory() as session:
        assert session.query(Draft).count() == 0


def test_the_same_form_submitted_twice_is_one_draft(teams):
    form = teams.client.open_form(OPERATOR)
    first = teams.client.submit_form(OPERATOR, form, body="一度だけ")
    second = teams.client.submit_form(OPERATOR, form, body="一度だけ")
    assert first == second
    with teams.services.session_factory() as session:
        assert session.query(Draft).count() == 1


def test_a_form_forged_as_the_chiefs_edit_is_refused_to_an_operator_and_recorded(teams):
    assert submit_draft(teams)["task"]["type"] == "message"
    with teams.services.session_factory() as session:
        draft_id = session.query(Draft).one().id
    form = teams.client.open_form(OPERATOR)
    answer = teams.client.submit_form(OPERATOR, form, body="書き換え", mode="edit", draft=draft_id)
    assert answer["task"] == {"type": "message", "value": Messages("ja")("refuse.not_chief")}
    with teams.services.session_factory() as session:
        assert session.query(Draft).count() == 1
        assert session.get(Draft, draft_id).revision == 1
        refused = session.query(RegisterEntry).filter_by(action="refused").one()
        assert (refused.actor, refused.details["attempted"]) == (OPERATOR.aad, "edit")


def test_commands_in_the_chat(teams):
    teams.client.say(OPERATOR, "sns")
    launcher = teams.connector.wait_for(lambda: teams.connector.cards(OPERATOR.conversation)[0])
    button = launcher["actions"][0]
    assert button["data"]["msteams"] == {"type": "task/fetch"}
    teams.client.say(OPERATOR, "help")
    teams.client.say(STRANGER, "sns")
    teams.client.say(OPERATOR, "status")
    teams.client.say(OPERATOR, "どうしたら")
    sent = teams.connector.wait_for(
        lambda: len(teams.connector.sent()) >= 5 and teams.connector.sent()
    )
    texts = [a.get("text") or json.dumps(a.get("attachments"), ensure_ascii=False) for a in sent]
    assert "使い方" in texts[1]
    assert "運用者として登録されていません" in texts[2]
    assert "課長（課長 和光）" in texts[2]  # the chief's name from the member lookup, no GUID
    assert CHIEF.aad not in texts[2]
    assert "進行中の下書きはありません" in texts[3]
    assert "というコマンドはありません" in texts[4]


def test_message_extension_starts_from_a_message(teams):
    value = {"commandId": "snsDraft", "commandContext": "message",
             "messagePayload": {"body": {"contentType": "html",
                                         "content": "<p>防災訓練のお知らせ</p>"}}}  # fmt: skip
    answer = teams.client.invoke(OPERATOR, "composeExtension/fetchTask", value)
    form = answer["task"]["value"]["card"]["content"]
    assert next(e for e in form["body"] if e.get("id") == "body")["value"] == "防災訓練のお知らせ"
    data = {e["id"]: e.get("value", "") for e in form["body"] if e.get("id")}
    data["on_internet"] = "no"  # policy §4's question, answered
    data.update(form["actions"][0]["data"])
    closed = teams.client.invoke(
        OPERATOR, "composeExtension/submitAction", {"commandId": "snsDraft", "data": data}
    )
    sent = "提出しました（下書き #1）。課長の決裁に回り、結果はこのチャットでお知らせします。"
    assert closed == {"task": {"type": "message", "value": sent}}  # shown by every client
    chief_card(teams)


def test_english_teams_gets_english(teams):
    from teams_client import ENGLISH_OPERATOR

    teams.client.say(ENGLISH_OPERATOR, "help")
    reply = teams.connector.wait_for(lambda: teams.connector.sent(ENGLISH_OPERATOR.conversation))
    assert "how to use it" in reply[0]["text"]


def test_a_failed_channel_is_retried_from_the_results_message(teams):
    from fakes.publisher import ControlledPublisher, PermanentError

    facebook = ControlledPublisher("facebook", failures=[PermanentError("トークンが無効です。")])
    teams.runtime.dispatcher.publishers.update(
        {"x": ControlledPublisher("x"), "facebook": facebook, "blog": ControlledPublisher("blog")}
    )
    submit_draft(teams)
    teams.client.click(CHIEF, teams.client.refresh(CHIEF, chief_card(teams)), "approve")
    results = results_card(teams)
    assert "トークンが無効です。" in json.dumps(results, ensure_ascii=False)
    refused = teams.client.click(STRANGER, results, "retry")
    assert refused["value"] == "この操作は起案者か課長だけが行えます。"
    answer = teams.client.click(OPERATOR, results, "retry")
    assert answer["value"] == "下書き #1 の失敗した投稿先（Facebook ページ）を再送します。"
    teams.connector.wait_for(lambda: len(facebook.published) == 1)
    assert ("refused", STRANGER.aad) in register_actions(teams)


def test_a_busy_connector_delays_the_card_but_does_not_lose_it(teams):
    from fakes.bot_connector import SEND

    teams.connector.fail_next(SEND, 429, headers={"Retry-After": "1"})
    teams.connector.fail_next(SEND, 503)
    submit_draft(teams)
    card = chief_card(teams)
    assert "和光市民まつりのお知らせ" in json.dumps(card, ensure_ascii=False)
    statuses = [c.status for c in teams.connector.calls(SEND)]
    assert statuses[:2] == [429, 503] and 200 in statuses


def test_the_results_card_offers_cross_posting_with_the_form_pre_filled(live_teams):
    teams, x, graph, blog = live_teams
    submit_draft(teams, channels="x", x_text="まつりのお知らせ（X）")
    mine = teams.client.refresh(CHIEF, chief_card(teams))
    teams.client.click(CHIEF, mine, "approve")
    results = results_card(teams)
    assert problems(results) == []
    button = next(a for a in results["actions"] if a["data"].get("verb") == "cross_post")
    assert button["title"] == "他のSNSにも投稿"
    refused = teams.client.invoke(STRANGER, "task/fetch", {"data": button["data"]})
    assert "登録されていません" in refused["task"]["value"]  # only the roster drafts
    dialog = teams.client.invoke(OPERATOR, "task/fetch", {"data": button["data"]})
    form = dialog["task"]["value"]["card"]["content"]
    assert problems(form) == []
    values = {e["id"]: e.get("value") for e in form["body"] if e.get("id")}
    tweet = next(c.response for c in x.calls(TWEETS) if c.method == "POST")
    assert values["body"] == "和光市民まつりのお知らせ" and values["source"] == "cross_post"
    assert values["channels"] == "facebook,blog"
    assert values["url"].startswith("https://x.com/wakokyodo/status/") and tweet
    answer = teams.client.submit_form(OPERATOR, form)
    assert answer["task"]["type"] == "message"
    with teams.services.session_factory() as session:
        second = session.get(Draft, 2)
        assert (second.current.source, second.current.channels) == (
            "cross_post",
            ["facebook", "blog"],
        )


def test_installing_the_app_greets_with_what_the_bot_does(teams):
    added = teams.client.activity(
        OPERATOR, "conversationUpdate", membersAdded=[{"id": BOT["id"]}, {"id": OPERATOR.mri}]
    )
    teams.client.post(added)
    welcome = teams.connector.wait_for(lambda: teams.connector.cards(OPERATOR.conversation)[0])
    text = json.dumps(welcome, ensure_ascii=False)
    assert "SNS 投稿の決裁ボットへようこそ" in text and "`sns`" in text
    assert welcome["actions"][0]["data"]["msteams"] == {"type": "task/fetch"}
    teams.client.post(teams.client.activity(OPERATOR, "installationUpdate", action="add"))
    someone = teams.client.activity(OPERATOR, "conversationUpdate",
                                    membersAdded=[{"id": STRANGER.mri}])  # fmt: skip
    teams.client.post(someone)
    teams.client.say(OPERATOR, "help")
    sent = teams.connector.wait_for(
        lambda: (
            len(teams.connector.sent(OPERATOR.conversation)) >= 2
            and teams.connector.sent(OPERATOR.conversation)
        )
    )
    assert len(sent) == 2 and "使い方" in sent[1]["text"]  # welcomed once, then help


def test_a_refusal_never_shows_the_chiefs_id_even_when_teams_cannot_name_them(teams):
    teams.connector.fail_next("members", 404, times=10)
    teams.client.say(STRANGER, "sns")
    refusal = teams.connector.wait_for(lambda: teams.connector.sent(STRANGER.conversation)[0])
    assert refusal["text"].startswith("あなたは SNS の運用者として登録されていません。課長に")
    assert CHIEF.aad not in refusal["text"]
