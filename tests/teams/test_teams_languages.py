"""Teams: each activity's `locale` picks the language of the answer; SNSBOT_LOCALE only when unknown."""

from __future__ import annotations

from dataclasses import replace

import pytest

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

from teams_app import running_teams, teams_settings
from teams_client import CHIEF, ENGLISH_OPERATOR, OPERATOR

from bot.messages import messages_for


@pytest.mark.parametrize(
    ("locale", "default", "language"),
    [("en-US", "ja", "en"), ("en", "ja", "en"), ("en_GB", "ja", "en"), ("ja-JP", "en", "ja"),
     ("fr-FR", "en", "en"), ("fr-FR", "ja", "ja"), (None, "en", "en"), ("", "ja", "ja")],
)  # fmt: skip
def test_the_one_choice_of_catalogue_for_a_person(locale, default, language):
    assert messages_for(locale, default).locale == language


def test_english_and_japanese_people_each_hear_their_own_language(settings, connector):
    english_default = replace(settings, locale="en")
    with running_teams(english_default, teams_settings(connector), connector) as teams:
        teams.client.say(ENGLISH_OPERATOR, "help")
        teams.client.say(OPERATOR, "help")  # ja-JP, though SNSBOT_LOCALE is en
        teams.client.say(CHIEF, "deputy")
        english = connector.wait_for(lambda: connector.sent(ENGLISH_OPERATOR.conversation))
        japanese = connector.wait_for(lambda: connector.sent(OPERATOR.conversation))
        card = connector.wait_for(lambda: connector.cards(CHIEF.conversation))[0]
    assert "how to use it" in english[0]["text"]
    assert "使い方" in japanese[0]["text"]
    assert card["body"][0]["text"] == "代決者（課長の不在中に代わりに決裁する人）"
