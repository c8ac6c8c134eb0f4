"""`snsbot doctor`: one ✓ or ✗ line per check, what to do for each ✗, exit 1 when any fails."""

from __future__ import annotations

import pytest
from conftest import CHIEF, TOKEN
from fakes.x_api import FakeX

from bot import db
from bot.cli import main

X_ENV = {
    "X_API_KEY": "doctor-key",
    "X_API_SECRET": "doctor-secret",
    "X_ACCESS_TOKEN": "7-doctor-token",
    "X_ACCESS_TOKEN_SECRET": "doctor-token-secret",
    "X_USERNAME": "wakokyodo",
}


@pytest.fixture
def env(monkeypatch, tmp_path, fake_slack, database_url):
    monkeypatch.chdir(tmp_path)  # no .env here
    for key in ("SLACK_APP_TOKEN", "SNSBOT_DRY_RUN", "BLOG_KIND", "SNSBOT_NO_REPLY_NOTICE",
                "FACEBOOK_PAGE_NAME", "BLOG_NAME", *X_ENV):  # fmt: skip
        monkeypatch.delenv(key, raising=False)
    values = {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": "doctor-signing-secret",
        "SLACK_API_URL": fake_slack.base_url,
        "DATABASE_URL": database_url,
        "SNSBOT_CHIEF": CHIEF,
        "SNSBOT_POLICY_URL": "https://www.city.wako.lg.jp/wakolabo/sns-policy.html",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def doctor(capsys) -> tuple[int, list[str]]:
    code = main(["doctor"])
    return code, capsys.readouterr().out.splitlines()


def test_all_good_is_all_ticks_and_exit_0(env, capsys):
    code, lines = doctor(capsys)
    assert code == 0, lines
    assert lines and all(line.startswith("✓ ") for line in lines)
    assert any("Slack token is the bot @snsbot" in line for line in lines)
    assert any("x: dry run, because these are not set" in line for line in lines)


def test_each_problem_is_a_cross_that_says_what_to_do(env, capsys):
    env.setenv("SLACK_BOT_TOKEN", "xoxb-wrong-token")
    env.setenv("SNSBOT_LOCALE", "fr")
    code, lines = doctor(capsys)
    assert code == 1
    crosses = [line for line in lines if line.startswith("✗ ")]
    assert any("invalid_auth" in line and "copy it again" in line for line in crosses)
    assert any("SNSBOT_LOCALE must be 'ja' or 'en'" in line for line in crosses)
    assert not any("xoxb-wrong-token" in line for line in lines)


def test_an_old_database_says_to_upgrade(env, capsys, tmp_path):
    env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    code, lines = doctor(capsys)
    assert code == 1
    assert any("run `snsbot db upgrade`" in line for line in lines)


def test_a_token_of_the_wrong_account_is_a_cross(env, capsys, database_url):
    db.upgrade(db.make_engine(database_url))
    with FakeX(X_ENV["X_API_KEY"], X_ENV["X_ACCESS_TOKEN"], username="someone_else") as x:
        for key, value in {**X_ENV, "X_API_URL": x.url}.items():
            env.setenv(key, value)
        code, lines = doctor(capsys)
    assert code == 1
    assert any(line.startswith("✗ X:") and "@someone_else" in line for line in lines)
    assert not any(X_ENV["X_API_SECRET"] in line for line in lines)


def test_without_the_policys_address_doctor_warns_but_passes(env, capsys):
    env.delenv("SNSBOT_POLICY_URL")
    code, lines = doctor(capsys)
    assert code == 0, lines
    assert any(line.startswith("⚠ SNSBOT_POLICY_URL is not set") and "policy 12" in line
               for line in lines)  # fmt: skip


def test_names_and_the_no_reply_notice_are_checked_on_the_profiles(env, capsys, database_url):
    from fakes.graph_api import PAGE_ID, PAGE_TOKEN, FakeGraph

    db.upgrade(db.make_engine(database_url))
    with FakeX(X_ENV["X_API_KEY"], X_ENV["X_ACCESS_TOKEN"]) as x, FakeGraph() as graph:
        for key, value in {**X_ENV, "X_API_URL": x.url, "FACEBOOK_PAGE_ID": PAGE_ID,
                           "FACEBOOK_PAGE_TOKEN": PAGE_TOKEN, "FACEBOOK_GRAPH_URL": graph.base_url,
                           "FACEBOOK_PAGE_NAME": graph.page["name"]}.items():  # fmt: skip
            env.setenv(key, value)
        code, lines = doctor(capsys)
        assert code == 0, lines
        assert any(line.startswith("✓ profiles: names and the no-reply notice") for line in lines)
        x.description = "The center's official account."
        env.setenv(
            "FACEBOOK_PAGE_NAME", "わこらぼ／和光市市民協働推進センター（公式）フェイスブック"
        )
        code, lines = doctor(capsys)
    assert code == 1
    crosses = [line for line in lines if line.startswith("✗ ")]
    assert any(line.startswith('✗ X: the profile description does not contain "個別のコメントや')
               for line in crosses)  # fmt: skip
    assert any(line.startswith("✗ Facebook Page: the name is not the official name of policy 2")
               and "わこらぼ／和光市市民協働推進センター（公式）フェイスブック" in line
               and graph.page["name"] in line for line in crosses)  # fmt: skip


# -- the roster settings against the roster (found as a bug: removed people came back) -------

OPERATOR, OPERATOR2, NEW_CHIEF = "UOPER001", "UOPER002", "UNEWCHF1"


def test_before_the_first_start_the_roster_settings_are_what_will_be_seeded(env, capsys):
    env.setenv("SNSBOT_OPERATORS", f"{OPERATOR},{OPERATOR2}")
    code, lines = doctor(capsys)
    assert code == 0, lines
    assert (
        f"✓ slack roster: empty so far; the first snsbot command fills it once from "
        f"SNSBOT_CHIEF and SNSBOT_OPERATORS: {CHIEF}, {OPERATOR}, {OPERATOR2}" in lines
    )


def test_roster_settings_that_agree_with_the_roster_are_a_tick(env, capsys):
    env.setenv("SNSBOT_OPERATORS", f"{OPERATOR},{OPERATOR2}")
    assert main(["roles", "list"]) == 0  # seeds the roster from the settings
    code, lines = doctor(capsys)
    assert code == 0, lines
    assert (
        f"✓ slack roster: chief {CHIEF}; it agrees with SNSBOT_CHIEF and SNSBOT_OPERATORS" in lines
    )


def test_roster_settings_that_disagree_with_the_roster_are_crosses(env, capsys):
    env.setenv("SNSBOT_OPERATORS", f"{OPERATOR},{OPERATOR2}")
    assert main(["roles", "list"]) == 0
    assert main(["roles", "set", OPERATOR2, "none"]) == 0
    assert main(["roles", "set", NEW_CHIEF, "chief"]) == 0
    assert main(["roles", "set", "UOPER003", "operator"]) == 0
    capsys.readouterr()
    code, lines = doctor(capsys)
    assert code == 1
    crosses = [line for line in lines if line.startswith("✗ ")]
    assert len(crosses) == 3, lines
    chief, removed, unlisted = crosses
    assert chief.startswith(f"✗ SNSBOT_CHIEF is {CHIEF}, but the chief on the slack roster is "
                            f"{NEW_CHIEF}: set SNSBOT_CHIEF={NEW_CHIEF} (or empty it)")  # fmt: skip
    assert f"`snsbot roles set {CHIEF} chief`" in chief
    assert removed.startswith(f"✗ SNSBOT_OPERATORS lists {OPERATOR2}, who have no role")
    assert "take them out of SNSBOT_OPERATORS" in removed
    assert "`snsbot roles set <user> operator`" in removed
    assert unlisted.startswith("✗ UOPER003 are operators on the slack roster but not in")
    assert all("the roster in the database counts now" in line for line in crosses)
    assert main(["roles", "list"]) == 0  # and nobody came back
    assert OPERATOR2 not in capsys.readouterr().out


def test_teams_roster_settings_are_checked_against_the_teams_roster(env, capsys, database_url):
    from bot.people import roles
    from bot.services import utc_now

    db.upgrade(db.make_engine(database_url))
    factory = db.make_session_factory(db.make_engine(database_url))
    teams_chief, teams_operator = "29:teams-chief-1", "29:teams-operator-1"
    with factory.begin() as session:
        roles.bootstrap(session, teams_chief, (teams_operator,), utc_now(), "teams")
        for user in (teams_operator, teams_chief):
            roles.set_role(session, user, "none", actor="cli", now=utc_now(), front_end="teams")
    env.setenv("SNSBOT_TEAMS_CHIEF", teams_chief)
    env.setenv("SNSBOT_TEAMS_OPERATORS", teams_operator)
    code = main(["doctor", "--teams"])
    lines = capsys.readouterr().out.splitlines()
    assert code == 1
    assert any(
        line.startswith(f"✗ SNSBOT_TEAMS_OPERATORS lists {teams_operator}, who have no role on "
                        "the teams roster")
        and "`snsbot roles set <user> operator --platform teams`" in line
        for line in lines
    ), lines  # fmt: skip
    assert any(
        line.startswith(f"✗ SNSBOT_TEAMS_CHIEF is {teams_chief}, but the teams roster has no "
                        f"chief: make {teams_chief} chief with `snsbot roles set {teams_chief} "
                        "chief --platform teams`. ")
        for line in lines
    ), lines  # fmt: skip


def test_a_read_only_or_missing_database_says_what_is_wrong(env, capsys, tmp_path):
    path = tmp_path / "copy.db"
    db.upgrade(db.make_engine(f"sqlite:///{path}"))
    env.setenv("DATABASE_URL", f"sqlite:///file:{path}?mode=ro&uri=true")
    code, lines = doctor(capsys)
    assert code == 1
    assert f"✗ cannot use the database: the SQLite file {path} is read-only" in "\n".join(lines)
    env.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/gone/snsbot.db")
    code, lines = doctor(capsys)
    assert code == 1
    assert f"the directory {tmp_path}/gone does not exist" in "\n".join(lines)
