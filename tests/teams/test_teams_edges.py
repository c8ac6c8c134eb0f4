"""Teams at its edges: tokens, malformed activities, card size, and Slack beside Teams."""

from __future__ import annotations

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

import json
from contextlib import contextmanager
from dataclasses import replace

import requests
from conftest import CHIEF as SLACK_CHIEF
from conftest import OPERATOR as SLACK_OPERATOR
from conftest import running_app
from drafting import draft_values
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from teams_app import running_teams, teams_settings
from teams_client import CHIEF, OPERATOR, TeamsClient

from bot.approval.drafts import BODY_MAX_CHARS, DraftInput
from bot.approval.snapshot import take
from bot.delivery.foreground import Foreground
from bot.messages import Messages
from bot.models import Draft
from handlers.teams import approval_card, cards, chat_cards
from handlers.teams.settings import PREFIX, TeamsSettings

CARD_LIMIT = 80 * 1024  # Microsoft advises at most 80 KB per bot message (hard limit 100 KB)


def utf16_size(activity: dict) -> int:
    return len(json.dumps(activity, ensure_ascii=False).encode("utf-16-le"))


def test_requests_without_a_valid_token_are_refused_when_anonymous_mode_is_off(settings, connector):
    app_id = "5b0e3c2a-1d2e-4f5a-8b9c-0d1e2f3a4b5c"
    environment = {PREFIX + "CLIENTID": app_id, PREFIX + "TENANTID": "tenant",
                   PREFIX + "CLIENTSECRET": "teams-client-secret"}  # fmt: skip
    secured = replace(
        teams_settings(connector),
        anonymous=False,
        app_id=app_id,
        client_secret="teams-client-secret",
        sdk_environment=environment,
    )
    with running_teams(settings, secured, connector) as teams:
        for token in (None, "not-a-jwt", "eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0."):
            client = TeamsClient(teams.client.endpoint, connector.base_url, token=token)
            response = client.say(OPERATOR, "sns")
            assert response.status_code == 401, token
            assert "teams-client-secret" not in response.text
        with teams.services.session_factory() as session:
            assert session.query(Draft).count() == 0
        assert requests.get(teams.client.endpoint.replace("/api/messages", "/healthz")).ok
    assert connector.calls() == []


def test_malformed_activities_get_400_not_500(teams):
    for body in ("not json", "[]", json.dumps({"type": "message"}), json.dumps({"type": 3})):
        response = requests.post(
            teams.client.endpoint, data=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code in (400, 415), (body, response.status_code)
    odd = teams.client.activity(OPERATOR, "invoke", name="adaptiveCard/action", value="x")
    assert teams.client.post(odd).status_code == 200
    odd = teams.client.activity(OPERATOR, "invoke", name="task/submit", value={"data": []})
    assert teams.client.post(odd).status_code == 200


def test_a_teams_request_is_in_hand_until_answered(teams):
    """The dispatcher gives way to Teams invokes as to Slack requests (bot/delivery/foreground.py)."""
    seen = []

    class Watched(Foreground):
        @contextmanager
        def answering(self):
            with super().answering():
                seen.append(self.busy)
                yield

    teams.services.foreground = Watched()
    teams.client.open_form(OPERATOR)
    assert seen and all(seen) and not teams.services.foreground.busy


def test_the_card_for_the_longest_allowed_draft_stays_under_teams_limit(teams):
    longest = DraftInput(
        body="𠮷" * BODY_MAX_CHARS,  # outside the BMP: two UTF-16 units each
        channels=("x", "facebook", "blog"),
        x_text="あ" * 140,
        blog_title="題" * 200,
        url="https://example.jp/" + "a" * 1900,
        source="group_request",
        group_name="団" * 200,
        group_date="2026-11-01",
        group_draft="🎌" * BODY_MAX_CHARS,
    )
    from bot.approval import workflow

    with teams.services.session_factory.begin() as session:
        draft = workflow.submit(session, author_id=OPERATOR.aad, content=longest,
                                now=teams.services.clock(), front_end="teams")  # fmt: skip
        snapshot = take(session, draft, (), teams.services.clock())
    for locale in ("ja", "en"):
        msg = Messages(locale)
        for content in (
            approval_card.approval_card(msg, snapshot, str, approver_mris=(CHIEF.mri,)),
            approval_card.approval_card(
                msg, snapshot, str, approver_mris=(CHIEF.mri,), for_approver=True
            ),
            chat_cards.author_card(msg, snapshot, "submitted", str),
        ):
            activity = {"type": "message", "attachments": [cards.attachment(content)]}
            assert utf16_size(activity) < CARD_LIMIT


def test_slack_and_teams_share_one_database_and_each_hears_its_own(settings, fake_slack, connector):
    with (
        running_app(settings, fake_slack) as slack,
        running_teams(settings, teams_settings(connector), connector) as teams,
    ):
        slack.slack.view_submission(SLACK_OPERATOR, "draft_submit", draft_values(body="Slack から"))
        form = teams.client.open_form(OPERATOR)
        teams.client.submit_form(OPERATOR, form, body="Teams から", url="https://example.jp/t")
        slack_card = slack.fake.wait_for(
            "chat.postMessage", where=lambda c: c.params["channel"] == SLACK_CHIEF
        )[0]
        teams_cards = connector.wait_for(
            lambda: [c for c in connector.cards() if "決裁依頼" in json.dumps(c, ensure_ascii=False)]
        )  # fmt: skip
        assert "Slack から" in json.dumps(slack_card.params["blocks"], ensure_ascii=False)
        assert all("Slack から" not in json.dumps(c, ensure_ascii=False) for c in connector.cards())
        assert all(
            "Teams から" not in json.dumps(c.params.get("blocks"), ensure_ascii=False)
            for c in slack.fake.calls("chat.postMessage")
        )
        assert len(teams_cards) == 1
    with teams.services.session_factory() as session:
        assert sorted(d.front_end for d in session.query(Draft)) == ["slack", "teams"]


def test_settings_say_what_is_missing():
    problems = TeamsSettings.from_env({}).problems()
    assert any("CLIENTID" in p for p in problems)
    assert any("SNSBOT_TEAMS_CHIEF" in p for p in problems)
    assert TeamsSettings.from_env({PREFIX + "ANONYMOUS_ALLOWED": "true"}).problems() == []
    full = TeamsSettings.from_env(
        {PREFIX + "CLIENTID": "a", PREFIX + "TENANTID": "t", PREFIX + "CLIENTSECRET": "s3cret-value",
         "SNSBOT_TEAMS_CHIEF": CHIEF.aad, "SNSBOT_TEAMS_OPERATORS": f"{OPERATOR.aad}, 29:x"}
    )  # fmt: skip
    assert full.problems() == [] and full.operators == (OPERATOR.aad, "29:x")
    assert "s3cret-value" not in repr(full)
    assert full.secrets() == ["s3cret-value"]


def test_cli_writes_the_app_package_and_names_teams_roles(
    monkeypatch, tmp_path, database_url, capsys
):
    import zipfile

    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv(PREFIX + "CLIENTID", "5b0e3c2a-1d2e-4f5a-8b9c-0d1e2f3a4b5c")
    assert main(["teams-package", "--out", "dist"]) == 0
    with zipfile.ZipFile(tmp_path / "dist" / "snsbot-teams.zip") as package:
        manifest = json.loads(package.read("manifest.json"))
    assert manifest["bots"][0]["botId"] == "5b0e3c2a-1d2e-4f5a-8b9c-0d1e2f3a4b5c"
    assert main(["teams-package", "--app-id", "not-a-guid", "--out", "dist"]) == 2

    assert main(["roles", "set", CHIEF.aad, "chief", "--platform", "teams"]) == 0
    assert main(["roles", "set", "U0123ABCD", "operator", "--platform", "teams"]) == 2
    assert main(["roles", "set", CHIEF.aad, "chief"]) == 2  # not a Slack id
    capsys.readouterr()
    assert main(["roles", "list", "--platform", "teams"]) == 0
    assert capsys.readouterr().out == f"{CHIEF.aad}\tchief\n"
    assert main(["roles", "list"]) == 0
    assert capsys.readouterr().out == ""


def test_one_process_serves_slack_and_teams(settings, fake_slack, connector):
    from bot.approval import workflow

    with running_teams(settings, teams_settings(connector), connector, slack=True) as both:
        assert set(both.runtime.dispatcher.notifiers) == {"slack", "teams"}
        assert both.runtime.app is not None  # the Bolt app, served by `run --teams --slack`
        with both.services.session_factory.begin() as session:
            for front_end, author in (("slack", SLACK_OPERATOR), ("teams", OPERATOR.aad)):
                content = DraftInput(body=f"{front_end} の下書き", channels=("x",))
                workflow.submit(session, author_id=author, content=content,
                                now=both.services.clock(), front_end=front_end)  # fmt: skip
        both.runtime.dispatcher.wake()
        slack_card = fake_slack.wait_for(
            "chat.postMessage", where=lambda c: c.params["channel"] == SLACK_CHIEF
        )[0]
        assert "slack の下書き" in json.dumps(slack_card.params["blocks"], ensure_ascii=False)
        teams_card = connector.wait_for(lambda: connector.cards()[0])
        assert "teams の下書き" in json.dumps(teams_card, ensure_ascii=False)
        fake_slack.wait_for(  # the Slack author's receipt, in Slack
            "chat.postMessage", where=lambda c: c.params["channel"] == SLACK_OPERATOR
        )
        connector.wait_for(lambda: connector.sent(OPERATOR.conversation) or connector.created())
        everything_in_teams = json.dumps(connector.cards(), ensure_ascii=False)
        assert "slack の下書き" not in everything_in_teams
        slack_calls = json.dumps([c.params for c in fake_slack.calls()], ensure_ascii=False)
        assert "teams の下書き" not in slack_calls


ANYTHING = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=10,
)
FORM_KEYS = ("verb", "draft", "revision", "mode", "nonce", "body", "channels", "url", "source",
             "publish_date", "publish_time", "group_date", "reason")  # fmt: skip


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(
    name=st.sampled_from(["task/fetch", "task/submit", "adaptiveCard/action",
                          "composeExtension/fetchTask", "composeExtension/submitAction", "nope"]),
    data=st.dictionaries(st.sampled_from(FORM_KEYS), ANYTHING, max_size=6),
    verb=st.sampled_from(["approve", "reject", "retry", "withdraw", "refresh", "open_draft",
                          "resubmit", "show_full", "review_ack", "rotation_done", "x", None]),
)  # fmt: skip
def test_any_invoke_is_answered_without_a_server_error(teams, name, data, verb):
    value = {"data": {**data, "verb": verb},
             "action": {"type": "Action.Execute", "verb": verb, "data": data}}  # fmt: skip
    response = teams.client.post(teams.client.activity(OPERATOR, "invoke", name=name, value=value))
    assert response.status_code == 200, response.text
    assert "Traceback" not in response.text


def test_doctor_checks_the_teams_settings(monkeypatch, tmp_path, database_url, capsys):
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    for key in ("SNSBOT_DRY_RUN", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    assert main(["doctor", "--teams"]) == 1
    out = capsys.readouterr().out
    assert f"✗ {PREFIX}CLIENTID is not set" in out and "SLACK_BOT_TOKEN" not in out
    for key, value in ((PREFIX + "CLIENTID", "5b0e3c2a-1d2e-4f5a-8b9c-0d1e2f3a4b5c"),
                       (PREFIX + "TENANTID", "t"), (PREFIX + "CLIENTSECRET", "doctor-secret"),
                       ("SNSBOT_TEAMS_CHIEF", CHIEF.aad)):  # fmt: skip
        monkeypatch.setenv(key, value)
    main(["doctor", "--teams"])
    out = capsys.readouterr().out
    assert "✓ Teams settings present" in out and "doctor-secret" not in out


@pytest.mark.parametrize(
    ("field", "value"),
    [("body", "お知らせ\ud800です"), ("x_text", "X\udfffの文"), ("blog_title", "題\x85名"),
     ("body", "お知らせ\x7fです"), ("group_draft", "原稿\x9bです")],
)  # fmt: skip
def test_a_lone_surrogate_or_c1_in_the_teams_form_is_refused_beside_the_field(teams, field, value):
    form = teams.client.open_form(OPERATOR)
    given = {"source": "group_request", "group": "和光の会", "group_date": "2026-12-01",
             "group_draft": "原稿"} if field == "group_draft" else {}  # fmt: skip
    answer = teams.client.submit_form(OPERATOR, form, **{"body": "本文", **given, field: value})
    body = answer["task"]["value"]["card"]["content"]["body"]
    at = next(i for i, e in enumerate(body) if e.get("id") == field)
    after = body[at + 1 : at + 3]
    assert any(e.get("color") == "attention" and "文字" in e.get("text", "") for e in after), after
    with teams.services.session_factory() as session:
        assert session.query(Draft).count() == 0


@pytest.mark.parametrize("reason", ["理由\x7fです", "理由\x80です", "理由\ud800です"])
def test_a_teams_reject_reason_with_del_c1_or_a_lone_surrogate_is_refused(teams, reason):
    from bot.approval import workflow

    with teams.services.session_factory.begin() as session:
        draft = workflow.submit(session, author_id=OPERATOR.aad, content=DraftInput(
            body="差し戻し試験", channels=("x",)), now=teams.services.clock(), front_end="teams")  # fmt: skip
        draft_id = draft.id
    data = {"draft": draft_id, "revision": 1, "reason": reason}
    value = {"action": {"type": "Action.Execute", "verb": "reject", "data": data}}
    answer = teams.client.invoke(CHIEF, "adaptiveCard/action", value)
    assert "使えない文字" in json.dumps(answer, ensure_ascii=False)
    with teams.services.session_factory() as session:
        assert session.get(Draft, draft_id).status == "pending"


@pytest.mark.parametrize("form", ["fullwidth", "arabic", "text", "float", "bool"])
def test_a_teams_button_names_a_draft_only_by_a_json_integer(teams, form):
    from bot.approval import workflow

    with teams.services.session_factory.begin() as session:
        draft = workflow.submit(session, author_id=OPERATOR.aad, content=DraftInput(
            body="数字の試験", channels=("x",)), now=teams.services.clock(), front_end="teams")  # fmt: skip
        draft_id = draft.id
    assert draft_id == 1  # a fresh database: True would read as this draft
    value = {"fullwidth": "１", "arabic": "١", "text": "1", "float": 1.0, "bool": True}[form]
    answer = teams.client.invoke(
        CHIEF, "adaptiveCard/action",
        {"action": {"type": "Action.Execute", "verb": "approve",
                    "data": {"draft": value, "revision": 1}}},
    )  # fmt: skip
    assert answer["value"] == Messages("ja")("error.internal"), answer
    with teams.services.session_factory() as session:
        assert session.get(Draft, draft_id).status == "pending"


def test_a_teams_operator_removed_stays_removed_after_a_restart(settings, connector):
    """Found as a bug: each start added SNSBOT_TEAMS_OPERATORS back to the Teams roster."""
    from bot.people import roles

    seed = teams_settings(connector)
    with running_teams(settings, seed, connector) as first:
        factory, now = first.services.session_factory, first.services.clock()
    with factory.begin() as session:
        assert roles.role_of(session, OPERATOR.aad, "teams") == "operator"
        roles.set_role(session, OPERATOR.aad, roles.NONE, actor="cli", now=now, front_end="teams")
    with running_teams(settings, seed, connector) as again:
        with again.services.session_factory() as session:
            assert roles.role_of(session, OPERATOR.aad, "teams") is None
            assert roles.chief_id(session, "teams") == CHIEF.aad
        answer = again.client.invoke(OPERATOR, "task/fetch", {"data": {"verb": "open_draft"}})
        assert "運用者として登録されていません" in json.dumps(answer, ensure_ascii=False)
