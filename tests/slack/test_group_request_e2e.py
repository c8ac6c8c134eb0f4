"""A registered group's request, end to end in Slack (policy §5(4)): from the web form to the
operator's pre-filled draft form, the chief's card, and what the group then sees."""

from __future__ import annotations

import json

import pytest
import requests
from conftest import CHIEF, OPERATOR, STRANGER
from drafting import card_button, click, draft_values
from intake_site import GROUP, PNG, filled, running_site, send
from slack_sdk.models.views import View
from sqlalchemy import select

from bot.models import Draft, GroupRequest, RegisterEntry
from handlers.slack.group_request_blocks import GROUP_REQUEST_DRAFT

GROUPS_WORDS = "こども食堂を 5 月 10 日に開きます。どなたでもどうぞ！"
EDITED = "【登録団体のお知らせ】和光こども食堂の会が 5 月 10 日にこども食堂を開きます。"


@pytest.fixture
def site(settings, fake_slack):
    with running_site(settings, fake_slack) as running:
        yield running


def told_operator(site):
    site.app.runtime.dispatcher.wake()
    return site.app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: c.params["channel"] == OPERATOR and GROUP in c.params["text"],
    )[0]


def test_an_operator_turns_a_group_request_into_a_draft_for_the_chief(site):
    with requests.Session() as browser:
        sent = send(browser, site, filled(body=GROUPS_WORDS, alt1="会場の入口"),
                    files={"image1": ("会場.png", PNG, "image/png")})  # fmt: skip
        assert sent.status_code == 200
        told = told_operator(site)
        assert "登録団体「和光こども食堂の会」から発信の依頼が届きました" in told.params["text"]
        shown = json.dumps(told.params["blocks"], ensure_ascii=False)
        assert GROUPS_WORDS in shown and "画像 1 枚" in shown and "山田 花子" in shown
        button = card_button(told, GROUP_REQUEST_DRAFT)
        with site.app.services.session_factory() as session:
            request = session.execute(select(GroupRequest)).scalar_one()
        assert button["value"] == str(request.id)

        site.app.slack.block_action(STRANGER, GROUP_REQUEST_DRAFT, button["value"],
                                    block_id=button["block_id"])  # fmt: skip
        refused = site.app.fake.wait_for("response_url")[0]
        assert "運用者として登録されていません" in refused.params["text"]
        assert not site.app.fake.calls("views.open")

        site.app.slack.block_action(OPERATOR, GROUP_REQUEST_DRAFT, button["value"],
                                    block_id=button["block_id"])  # fmt: skip
        view = site.app.fake.wait_for("views.open")[0].params["view"]
        View(**view).validate_json()  # a modal Slack accepts
        form = {b.get("block_id"): b for b in view["blocks"]}
        assert form["body"]["element"]["initial_value"] == GROUPS_WORDS
        assert form["url"]["element"]["initial_value"] == "https://example.jp/kodomo"
        assert form["source"]["element"]["initial_option"]["value"] == "group_request"
        assert "group" not in form and "group_draft" not in form  # fixed, not asked
        modal_text = json.dumps(view["blocks"], ensure_ascii=False)
        assert request.reference in modal_text and GROUPS_WORDS in modal_text
        assert json.loads(view["private_metadata"]) == {"mode": "group_request",
                                                        "request": request.id}  # fmt: skip

        values = draft_values(body=EDITED, url="https://example.jp/kodomo", source="group_request")
        response = site.app.slack.view_submission(OPERATOR, "draft_submit", values,
                                                  private_metadata=view["private_metadata"])  # fmt: skip
        assert response.status_code == 200 and response.text == ""
        card = site.app.fake.wait_for(
            "chat.postMessage",
            where=lambda c: c.params["channel"] == CHIEF and "決裁依頼" in c.params["text"],
        )[0]
        with site.app.services.session_factory() as session:
            draft = session.execute(select(Draft)).scalar_one()
            revision = draft.current
            assert session.get(GroupRequest, request.id).draft_id == draft.id
            entry = session.execute(
                select(RegisterEntry).where(RegisterEntry.action == "submitted")
            ).scalar_one()
        assert revision.body == EDITED and revision.group_draft == GROUPS_WORDS
        assert revision.group_name == GROUP and revision.source == "group_request"
        assert (
            revision.images[0]["name"] == "会場.png" and revision.images[0]["alt"] == "会場の入口"
        )
        assert entry.details["group_draft"] == GROUPS_WORDS and entry.details["body"] == EDITED
        page = browser.get(site.form_url + "/status", timeout=10).text
        assert request.reference in page and "決裁待ち" in page

        again = site.app.slack.view_submission(OPERATOR, "draft_submit", values,
                                               private_metadata=view["private_metadata"])  # fmt: skip
        assert "既に下書きが作られています" in json.dumps(again.json(), ensure_ascii=False)

        click(site.app, CHIEF, card, "reject")
        reject = site.app.fake.wait_for("views.open", count=2)[1].params["view"]
        View(**reject).validate_json()
        assert "share_reason" in {b.get("block_id") for b in reject["blocks"]}
        reason = "日程が決まってから、もう一度ご依頼ください。"
        ok = site.app.slack.view_submission(CHIEF, "reject_submit", {
            "reason": {"reason": {"type": "plain_text_input", "value": reason}},
            "share_reason": {"share_reason": {"type": "checkboxes",
                                              "selected_options": [{"value": "yes"}]}},
        }, private_metadata=reject["private_metadata"])  # fmt: skip
        assert ok.status_code == 200 and ok.text == ""
        page = browser.get(site.form_url + "/status", timeout=10).text
        assert "見送り" in page and reason in page


def test_a_reason_not_shared_stays_with_the_staff(site):
    with requests.Session() as browser:
        send(browser, site, filled())
        button = card_button(told_operator(site), GROUP_REQUEST_DRAFT)
        site.app.slack.block_action(OPERATOR, GROUP_REQUEST_DRAFT, button["value"],
                                    block_id=button["block_id"])  # fmt: skip
        view = site.app.fake.wait_for("views.open")[0].params["view"]
        site.app.slack.view_submission(OPERATOR, "draft_submit",
                                       draft_values(url="https://example.jp/kodomo"),
                                       private_metadata=view["private_metadata"])  # fmt: skip
        card = site.app.fake.wait_for(
            "chat.postMessage", where=lambda c: c.params["channel"] == CHIEF
        )[0]
        click(site.app, CHIEF, card, "reject")
        reject = site.app.fake.wait_for("views.open", count=2)[1].params["view"]
        site.app.slack.view_submission(CHIEF, "reject_submit", {
            "reason": {"reason": {"type": "plain_text_input", "value": "内部の事情"}},
        }, private_metadata=reject["private_metadata"])  # fmt: skip
        page = browser.get(site.form_url + "/status", timeout=10).text
        assert "見送り" in page and "内部の事情" not in page
