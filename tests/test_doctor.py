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
    for key in ("SLACK_APP_TOKEN", "SNSBOT_DRY_RUN", "BLOG_KIND", *X_ENV):
        monkeypatch.delenv(key, raising=False)
    values = {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": "doctor-signing-secret",
        "SLACK_API_URL": fake_slack.base_url,
        "DATABASE_URL": database_url,
        "SNSBOT_CHIEF": CHIEF,
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
