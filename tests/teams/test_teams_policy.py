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
