"""Signed end to end: the policy's remaining words in Slack (§12 `/sns policy`)."""

from __future__ import annotations

from dataclasses import replace

from conftest import OPERATOR, running_app

POLICY_URL = "https://www.city.wako.lg.jp/wakolabo/sns-policy.html"


def test_sns_policy_shows_the_dates_and_where_it_is_published(settings, fake_slack):
    with running_app(replace(settings, policy_url=POLICY_URL), fake_slack) as app:
        text = app.slack.command(OPERATOR, "policy").json()["text"]
    assert "平成29年3月16日決裁、令和元年9月5日改定" in text
    assert f"方針の全文: {POLICY_URL}" in text
    assert "回答しません" in text  # the summary stays


def test_sns_policy_says_when_the_published_address_is_not_set(app):
    text = app.slack.command(OPERATOR, "policy").json()["text"]
    assert "平成29年3月16日決裁、令和元年9月5日改定" in text
    assert "SNSBOT_POLICY_URL の設定を依頼してください" in text
