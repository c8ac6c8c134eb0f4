"""`snsbot doctor --teams` checks Teams only: a real token from the token service, Teams ids."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import TOKEN
from fakes.token_service import FakeTokenService
from processes import free_port
from teams_client import CHIEF, OPERATOR
from test_run import clean_env

from bot.cli import main
from handlers.teams.settings import PREFIX

TENANT = "0000aaaa-0000-4000-8000-00000000000a"
APP_ID = "0000bbbb-0000-4000-8000-00000000000b"
SECRET = "teams-client-secret-Zq8~doctor"


@pytest.fixture
def token_service():
    with FakeTokenService(TENANT, APP_ID, SECRET) as fake:
        yield fake


def teams_env(token_service, database_url: str, **changes: str) -> dict[str, str]:
    values = {
        PREFIX + "CLIENTID": APP_ID,
        PREFIX + "CLIENTSECRET": SECRET,
        PREFIX + "TENANTID": TENANT,
        PREFIX + "AUTHORITY": token_service.authority,
        "SNSBOT_TEAMS_CHIEF": CHIEF.aad,
        "SNSBOT_TEAMS_OPERATORS": OPERATOR.aad,
        "DATABASE_URL": database_url,
    }
    return {**values, **changes}


@pytest.fixture
def env(monkeypatch, tmp_path, fake_slack, token_service, database_url):
    monkeypatch.chdir(tmp_path)  # no .env here
    for key in ("SNSBOT_CHIEF", "SLACK_APP_TOKEN", "SNSBOT_DRY_RUN", PREFIX + "ANONYMOUS_ALLOWED"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)  # set, and yet Slack is not asked
    monkeypatch.setenv("SLACK_API_URL", fake_slack.base_url)
    for key, value in teams_env(token_service, database_url).items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def doctor_teams(capsys) -> tuple[int, list[str]]:
    code = main(["doctor", "--teams"])
    return code, capsys.readouterr().out.splitlines()


def test_doctor_teams_obtains_a_token_and_never_asks_slack(env, capsys, fake_slack, token_service):
    code, lines = doctor_teams(capsys)
    assert code == 0, lines
    assert f"✓ Teams credentials work: {token_service.authority}/oauth2/v2.0/token issued the " \
           "bot a token" in lines  # fmt: skip
    (call,) = token_service.calls("token")
    assert call.form["client_id"] == APP_ID and call.form["grant_type"] == "client_credentials"
    assert call.form["scope"] == "https://api.botframework.com/.default"
    assert fake_slack.calls() == []
    assert not any(SECRET in line for line in lines)


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({PREFIX + "CLIENTSECRET": "an-expired-secret"}, "(invalid_client: AADSTS7000215"),
        ({PREFIX + "CLIENTID": "0000cccc-0000-4000-8000-00000000000c"}, "(unauthorized_client"),
    ],
    ids=["secret", "app-id"],
)
def test_refused_credentials_are_a_cross_naming_what_to_check(env, capsys, change, said):
    for key, value in change.items():
        env.setenv(key, value)
    code, lines = doctor_teams(capsys)
    assert code == 1
    (cross,) = [line for line in lines if "token service" in line]
    assert cross.startswith("✗ Microsoft's token service at ") and said in cross
    assert "check CLIENTID, CLIENTSECRET (not expired?) and TENANTID" in cross
    assert not any("an-expired-secret" in line for line in lines)


def test_an_unreachable_token_service_is_a_cross_naming_network_and_proxy(env, capsys):
    env.setenv(PREFIX + "AUTHORITY", f"http://127.0.0.1:{free_port()}/{TENANT}")
    code, lines = doctor_teams(capsys)
    assert code == 1
    (cross,) = [line for line in lines if "token service" in line]
    assert cross.startswith("✗ cannot reach Microsoft's token service at http://127.0.0.1:")
    assert "a proxy (HTTPS_PROXY, NO_PROXY)" in cross


def test_roster_ids_that_are_not_teams_ids_are_flagged(env, capsys, token_service):
    env.setenv("SNSBOT_TEAMS_CHIEF", "U0123ABCD")
    env.setenv("SNSBOT_TEAMS_OPERATORS", f"{OPERATOR.aad},hanako@example.jp")
    assert main(["roles", "list", "--platform", "teams"]) == 0
    code, lines = doctor_teams(capsys)
    assert code == 1
    crosses = [line for line in lines if line.startswith("✗ ")]
    assert any(line.startswith("✗ SNSBOT_TEAMS_CHIEF holds U0123ABCD, which is a Slack user id,")
               for line in crosses), lines  # fmt: skip
    assert any(line.startswith("✗ SNSBOT_TEAMS_OPERATORS holds hanako@example.jp, which is an "
                               "e-mail address") for line in crosses), lines  # fmt: skip
    assert not any(OPERATOR.aad in line and "holds" in line for line in crosses)


def test_doctor_slack_and_plain_doctor_still_ask_slack(env, capsys, fake_slack):
    env.setenv("SLACK_SIGNING_SECRET", "doctor-signing-secret")
    for args in (["doctor", "--slack"], ["doctor"]):
        main(args)
        lines = capsys.readouterr().out.splitlines()
        assert any("Slack token is the bot @snsbot" in line for line in lines), lines
        assert not any("Teams" in line for line in lines)
    assert len(fake_slack.calls("auth.test")) == 2


def test_run_teams_with_an_unreachable_token_service_says_so_in_one_line(tmp_path, database_url):
    pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")
    authority = f"http://127.0.0.1:{free_port()}/{TENANT}"
    with FakeTokenService(TENANT, APP_ID, SECRET) as unused:
        env = clean_env(tmp_path, **teams_env(unused, database_url, **{PREFIX + "AUTHORITY": authority}))  # fmt: skip
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--teams", "--port", str(free_port())],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and SECRET not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("snsbot cannot")]
    assert line.startswith(f"snsbot cannot start: cannot reach Microsoft's token service at "
                           f"{authority}/oauth2/v2.0/token (")  # fmt: skip
    assert "(--debug shows the details)" in line
