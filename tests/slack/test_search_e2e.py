"""`/sns search` over signed HTTP: an ephemeral list built by a pure builder, links to the posts."""

from __future__ import annotations

from conftest import CHIEF, OPERATOR, OPERATOR2, STRANGER
from slack_sdk.models.blocks import Block
from test_register import settle

from bot.approval import drafts, workflow
from bot.ports import Published

X_URL = "https://x.com/wakokyodo/status/1790000000000000001"


def seed(app) -> tuple[int, int]:
    app.runtime.dispatcher.stop()  # the test publishes by itself, as the dispatcher would
    now = app.services.clock()
    factory = app.services.session_factory
    with factory.begin() as session:
        autumn = workflow.submit(session, author_id=OPERATOR, now=now, content=drafts.DraftInput(
            body="秋の講座 <!channel> *太字*", channels=("x",)), front_end="slack").id  # fmt: skip
        winter = workflow.submit(session, author_id=OPERATOR2, now=now, content=drafts.DraftInput(
            body="冬の講座_案内", channels=("facebook",))).id  # fmt: skip
    with factory.begin() as session:
        workflow.decide(session, draft_id=autumn, actor=CHIEF, approve=True, now=now)
    settle(factory, now, {"x": Published("1790000000000000001", X_URL)})
    return autumn, winter


def answer(app, user: str, text: str) -> dict:
    response = app.slack.command(user, f"search {text}".strip())
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    for block in body.get("blocks", []):
        Block.parse(block).validate_json()
    return body


def texts(body: dict) -> str:
    return "\n".join(b.get("text", {}).get("text", "") for b in body.get("blocks", []))


def test_search_lists_matching_drafts_with_links_to_their_posts(app):
    autumn, winter = seed(app)
    body = answer(app, OPERATOR2, "講座")
    shown = texts(body)
    assert "検索結果: 2 件" in shown and f"*#{autumn}*" in shown and f"*#{winter}*" in shown
    assert f"<{X_URL}|X（旧 Twitter）の投稿を開く>" in shown
    assert "&lt;!channel&gt;" in shown and "<!channel>" not in shown  # people's words, harmless
    assert f"<@{OPERATOR}>" in shown and "承認済み" in shown and "決裁待ち" in shown


def test_search_conditions_narrow_the_list(app):
    autumn, winter = seed(app)
    assert f"#{winter}*" in texts(answer(app, OPERATOR, f"from:<@{OPERATOR2}|sato>"))
    mine = texts(answer(app, OPERATOR, "from:me state:published network:x"))
    assert f"#{autumn}*" in mine and f"#{winter}*" not in mine
    underscore = texts(answer(app, OPERATOR, "_"))  # a LIKE wildcard, matched as itself
    assert f"#{winter}*" in underscore and f"#{autumn}*" not in underscore
    assert "見つかりませんでした" in answer(app, OPERATOR, "until:2000-01-01")["text"]
    by_name = texts(answer(app, OPERATOR, f"from:@user-{OPERATOR2}"))  # as Slack sends @name
    assert f"#{winter}*" in by_name and f"#{autumn}*" not in by_name
    nobody = answer(app, OPERATOR, "from:@だれか")["text"]
    assert "「だれか」という登録者が見つかりません" in nobody


def test_search_usage_errors_and_refusal(app):
    usage = answer(app, OPERATOR, "")["text"]
    assert "/sns search 言葉" in usage and "from:me" in usage and "state:" in usage
    wrong = answer(app, OPERATOR, "network:tiktok")["text"]
    assert "`network:tiktok` は使えません" in wrong
    refused = answer(app, STRANGER, "講座")["text"]
    assert "運用者として登録されていません" in refused
    assert "/sns search" in app.slack.command(OPERATOR, "help").json()["text"]
