"""Teams-shaped activities: the policy's remaining words in Teams (§12 `policy`)."""

from __future__ import annotations

from dataclasses import replace

from teams_app import running_teams, teams_settings
from teams_client import OPERATOR

POLICY_URL = "https://www.city.wako.lg.jp/wakolabo/sns-policy.html"


def test_policy_shows_the_dates_and_where_it_is_published(settings, connector):
    configured = replace(settings, policy_url=POLICY_URL)
    with running_teams(configured, teams_settings(connector), connector) as teams:
        teams.client.say(OPERATOR, "policy")
        (reply,) = teams.connector.wait_for(lambda: teams.connector.sent(OPERATOR.conversation))
    assert "平成29年3月16日決裁、令和元年9月5日改定" in reply["text"]
    assert POLICY_URL in reply["text"]


def test_the_chief_confirms_a_deputys_moderation_decision_in_teams(teams):
    """§11 with §3: a moderation item the deputy decided while the chief was away is listed for
    the chief's review (後閲) on Teams, and 確認しました records it."""
    from datetime import UTC, datetime

    from adaptive_cards import problems
    from teams_client import CHIEF

    from bot.models import ModerationItem, RegisterEntry
    from bot.people import oversight
    from handlers.teams import chat_cards

    deputy, now = "0000de9u-0000-4000-8000-000000000005", datetime(2026, 5, 1, tzinfo=UTC)
    with teams.services.session_factory.begin() as session:
        session.add(ModerationItem(
            network="facebook", remote_id="c1", kind="comment", author="Spam Shop", text="宣伝です",
            url="https://www.facebook.com/c1", posted_at=now, fetched_at=now, status="decided",
            decided_by=deputy, decided_at=now, action="hide", category=5, acting=True,
        ))  # fmt: skip
    with teams.services.session_factory() as session:
        items = oversight.unreviewed(session)
    card = chat_cards.review_card(teams.services.msg, items, lambda user: "代理 次郎")
    assert problems(card) == []
    runs = [r["text"] for r in card["body"][1]["columns"][0]["items"][0]["inlines"]]
    assert "".join(runs).startswith("投稿の判断 #1（Facebook ページ）非表示（代理 次郎、")
    answer = teams.client.click(CHIEF, card, "review_ack")
    assert answer["value"] == teams.services.msg("review.done")
    with teams.services.session_factory() as session:
        assert oversight.unreviewed(session) == []
        entry = session.query(RegisterEntry).filter_by(action="reviewed").one()
    assert (entry.actor, entry.details["item_id"], entry.details["deputy"]) == (
        CHIEF.aad,
        1,
        deputy,
    )


def test_the_teams_form_asks_whether_new_information_is_on_the_internet(teams):
    """§4: the dialog asks the question; a yes without the URL shows the form again with the
    error under the URL, and nothing is stored."""
    from bot.models import Draft

    form = teams.client.open_form(OPERATOR)
    question = next(e for e in form["body"] if e.get("id") == "on_internet")
    assert question["label"] == "この情報はインターネット上に掲載されていますか"
    assert [c["value"] for c in question["choices"]] == ["yes", "no"]
    answer = teams.client.submit_form(OPERATOR, form, body="お知らせ", on_internet="yes")
    body = answer["task"]["value"]["card"]["content"]["body"]
    url_at = next(i for i, e in enumerate(body) if e.get("id") == "url")
    shown = [e.get("text") for e in body[url_at + 1 : url_at + 3]]
    assert (
        "インターネット上に掲載されている情報は、その URL を入力してください（方針 4）。" in shown
    )
    assert next(e for e in body if e.get("id") == "on_internet")["value"] == "yes"  # kept
    with teams.services.session_factory() as session:
        assert session.query(Draft).count() == 0
    url = "https://www.city.wako.lg.jp/wakolabo/event.html"
    done = teams.client.submit_form(OPERATOR, form, body="お知らせ", on_internet="yes", url=url)
    assert done["task"] == {"type": "message", "value": teams.services.msg("teams.sent", id=1)}
    with teams.services.session_factory() as session:
        assert session.query(Draft).count() == 1


def test_a_member_removed_from_the_team_loses_the_role_and_rotation_opens(teams):
    """§6: Teams' conversationUpdate with membersRemoved (eventType teamMemberRemoved, in a team)
    ends the role and opens the credential-rotation tasks; leaving a group chat does not."""
    from processes import wait_until
    from sqlalchemy import select
    from teams_client import BOT, CHIEF, TENANT

    from bot.models import RegisterEntry, RotationTask
    from bot.people import roles

    def removed(where: dict, conversation_type: str) -> dict:
        activity = teams.client.activity(CHIEF, "conversationUpdate", membersRemoved=[
            {"id": OPERATOR.mri, "aadObjectId": OPERATOR.aad}, BOT])  # fmt: skip
        activity["conversation"] = {"id": "19:team-general@thread.tacv2", "tenantId": TENANT,
                                    "conversationType": conversation_type}  # fmt: skip
        activity["channelData"] = {"tenant": {"id": TENANT}, "eventType": "teamMemberRemoved",
                                   **where}  # fmt: skip
        return activity

    def role():
        with teams.services.session_factory() as session:
            return roles.role_of(session, OPERATOR.aad, "teams")

    assert role() == "operator"
    group_chat = removed({}, "groupChat")
    group_chat["conversation"]["id"] = "19:group-chat@thread.v2"
    assert teams.client.post(group_chat).status_code in (200, 201, 202)
    assert role() == "operator"  # answered once handled: leaving a group chat keeps the role
    team = removed({"team": {"id": "19:team@thread.tacv2", "name": "市民活動推進課"}}, "channel")
    assert teams.client.post(team).status_code in (200, 201, 202)
    wait_until(lambda: role() is None, 10, "the role ended")
    with teams.services.session_factory() as session:
        tasks = session.execute(select(RotationTask)).scalars().all()
        left = session.execute(select(RegisterEntry).where(RegisterEntry.action == "member_left")
                               ).scalars().all()  # fmt: skip
    assert {t.account for t in tasks} == {"x", "facebook", "blog", "slack"}
    assert [(e.actor, e.details["user"], e.details["how"]) for e in left] == [
        ("teams", OPERATOR.aad, "removed_from_team")
    ]


def test_while_the_chief_is_away_the_teams_deputy_gets_the_moderation_card_and_decides(teams):
    """§11 with §3 on Teams: the card goes to the deputy too while the chief is away, and the
    deputy's decision is marked 代決."""
    from datetime import UTC, datetime

    from teams_client import CHIEF, TeamsPerson, find_action

    from bot.features import moderation_store
    from bot.models import ModerationItem, RegisterEntry
    from bot.people import roles
    from bot.ports import BLOCK, DELETE, HIDE, Item

    deputy = TeamsPerson("0000de9u-0000-4000-8000-000000000005", "29:1deputy-mri", "代理 次郎")
    now = datetime(2026, 5, 1, tzinfo=UTC)
    with teams.services.session_factory.begin() as session:
        roles.set_role(session, deputy.aad, "deputy", actor=CHIEF.aad, now=now, front_end="teams")
        roles.set_away(session, CHIEF.aad, True, now=now, front_end="teams")
        comment = Item("c9", "comment", "あるユーザー", "A1", "宣伝です", "https://e.jp/c9", now,
                       (HIDE, DELETE, BLOCK))  # fmt: skip
        moderation_store.store(session, "facebook", [comment], "（不明）", now)
    with teams.services.session_factory() as session:
        item = moderation_store.view(session.query(ModerationItem).one())
    refs = teams.runtime.teams.notifier.post_item(item)
    assert len(refs) == 2  # the chief's chat and the deputy's

    def deputys_card():
        chats = [c for c, p in teams.connector.conversations().items()
                 if p["members"][0]["id"] == deputy.aad]  # fmt: skip
        return [card for chat in chats for card in teams.connector.cards(chat)]

    card = teams.connector.wait_for(deputys_card)[-1]
    find_action(card, "moderation_dismiss")
    done = teams.client.click(deputy, card, "moderation_dismiss")
    assert "（代決）" in str(done["value"])
    with teams.services.session_factory() as session:
        entry = session.query(RegisterEntry).filter_by(action="moderated").one()
    assert entry.actor == deputy.aad and entry.details["acting"] is True
