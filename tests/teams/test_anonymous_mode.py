"""Anonymous mode (no token checked) is for local tests: refused beside credentials or off loopback.

And the outbound host check stays on in every mode: anonymous mode calls loopback only, so an
activity naming any other serviceUrl is refused before anything is called.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest
from processes import healthy, wait_until
from teams_app import teams_settings
from teams_client import CHIEF, OPERATOR, TeamsClient
from test_run import clean_env, free_port

from bot.app import assemble
from bot.config import ConfigError
from bot.models import Draft
from bot.ports import RetryLater
from handlers.teams.settings import PREFIX, TeamsSettings

pytest.importorskip("microsoft_agents.hosting.aiohttp", reason="pip install -e '.[teams]'")

from handlers.teams import server as teams_server  # noqa: E402

APP_ID = "5b0e3c2a-1d2e-4f5a-8b9c-0d1e2f3a4b5c"
SECRET = "teams-secret-not-to-show"
ANONYMOUS = {PREFIX + "ANONYMOUS_ALLOWED": "true"}


def start_teams(tmp_path, env: dict, *args: str) -> tuple[bool, int | None, str]:
    """`snsbot run --teams`: (whether it refused to start, its exit code, its stderr)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--teams", "--port", str(port), *args],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        wait_until(lambda: healthy(port) or process.poll() is not None, what="run --teams")
    finally:
        refused = process.poll() is not None
        if not refused:
            process.terminate()
        _, stderr = process.communicate(timeout=10)
    return refused, process.returncode, stderr


def the_error(stderr: str) -> str:
    """One line, logged at ERROR, no traceback."""
    assert "Traceback" not in stderr and SECRET not in stderr
    (line,) = [line for line in stderr.splitlines() if "snsbot cannot start" in line]
    assert " ERROR " in line and "ANONYMOUS_ALLOWED is on" in line
    return line


@pytest.mark.parametrize(
    "credentials",
    [{PREFIX + "CLIENTID": APP_ID, PREFIX + "CLIENTSECRET": SECRET}, {PREFIX + "CLIENTID": APP_ID}],
    ids=["id-and-secret", "id"],
)
def test_run_teams_refuses_anonymous_mode_beside_credentials(tmp_path, connector, credentials):
    env = clean_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path}/snsbot.db",
        SNSBOT_TEAMS_CHIEF=CHIEF.aad,
        SNSBOT_TEAMS_SERVICE_URL=connector.base_url,
        **ANONYMOUS,
        **credentials,
    )
    refused, code, stderr = start_teams(tmp_path, env)
    assert refused and code == 2, stderr
    assert "the Teams credentials are set" in the_error(stderr)
    assert PREFIX + "CLIENTID" in the_error(stderr)
    assert not (tmp_path / "snsbot.db").exists()  # refused before anything else


def test_run_teams_refuses_anonymous_mode_off_loopback(tmp_path, connector):
    env = clean_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path}/snsbot.db",
        SNSBOT_TEAMS_CHIEF=CHIEF.aad,
        SNSBOT_TEAMS_SERVICE_URL=connector.base_url,
        **ANONYMOUS,
    )
    refused, code, stderr = start_teams(tmp_path, env, "--host", "0.0.0.0")
    assert refused and code == 2, stderr
    assert "would listen on 0.0.0.0, not on loopback" in the_error(stderr)


def test_assembly_refuses_anonymous_mode_beside_credentials_or_off_loopback(
    settings, connector, teams
):
    for credentials in ({"app_id": APP_ID}, {"client_secret": SECRET},
                        {"sdk_environment": {PREFIX + "CERTPFXFILE": "bot.pfx"}}):  # fmt: skip
        with pytest.raises(ConfigError, match="ANONYMOUS_ALLOWED is on") as refused:
            assemble(settings, slack=False, teams=teams_settings(connector, **credentials))
        assert SECRET not in str(refused.value.problems)
    for host in ("0.0.0.0", "", "192.0.2.7", "::"):
        with pytest.raises(ConfigError, match="loopback only"):
            teams_server.TeamsServer(teams.runtime.teams.web_app, host=host, port=0)
    assert TeamsSettings(anonymous=True, tenant_id="t").anonymous_refusal("::1") is None


def test_run_teams_refuses_a_service_url_the_check_refuses(tmp_path, connector):
    env = clean_env(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path}/snsbot.db",
        SNSBOT_TEAMS_CHIEF=CHIEF.aad,
        SNSBOT_TEAMS_SERVICE_URL="http://10.1.2.3/",
        **ANONYMOUS,
    )
    refused, code, stderr = start_teams(tmp_path, env)
    assert refused and code == 2, stderr
    assert "SNSBOT_TEAMS_SERVICE_URL=http://10.1.2.3/ is not a loopback address" in stderr
    assert "Traceback" not in stderr


def test_the_outbound_host_check_is_on_in_every_mode(connector):
    anonymous = teams_server.service_url_check(teams_settings(connector))
    assert anonymous.enabled and anonymous.is_allowed(connector.base_url)
    assert anonymous.is_allowed("http://localhost:3978/") and anonymous.is_allowed("http://[::1]/")
    for elsewhere in ("http://10.1.2.3/", "http://0.0.0.0:3978/", "http://169.254.169.254/",
                      "https://smba.trafficmanager.net/teams/", "http://127.0.0.1.evil.example/",
                      "http://user:pw@127.0.0.1/", "file:///etc/passwd", "not a url"):  # fmt: skip
        assert not anonymous.is_allowed(elsewhere), elsewhere
    production = teams_server.service_url_check(replace(teams_settings(connector), anonymous=False))
    assert production.enabled and production.is_allowed("https://smba.trafficmanager.net/teams/")
    assert not production.is_allowed(connector.base_url)
    assert not production.is_allowed("http://10.1.2.3/")


def test_anonymous_mode_calls_no_service_url_but_loopback(teams, connector):
    """0.0.0.0 reaches the fake on this machine, so a call there would be recorded."""
    assert connector.calls() == []
    for elsewhere in (f"http://0.0.0.0:{connector.port}/", "http://10.1.2.3/"):
        client = TeamsClient(teams.client.endpoint, elsewhere)
        assert client.say(OPERATOR, "sns").status_code == 401
        answer = client.post(client.activity(OPERATOR, "invoke", name="task/fetch",
                                             value={"data": {"verb": "open_draft"}}))  # fmt: skip
        assert answer.status_code == 401
    assert connector.calls() == []
    with teams.services.session_factory() as session:
        assert session.query(Draft).count() == 0
    proactive = teams.runtime.teams.notifier.proactive
    reference = proactive.reference_for("a:stored-elsewhere")
    for elsewhere in (f"http://0.0.0.0:{connector.port}/", "http://10.1.2.3/"):
        with pytest.raises(RetryLater):
            proactive.send({**reference, "serviceUrl": elsewhere}, {"type": "AdaptiveCard"})
    assert connector.calls() == []

    form = teams.client.open_form(OPERATOR)  # the fake connector on loopback still works
    assert teams.client.submit_form(OPERATOR, form, body="ループバックは通る")["task"]["type"] == (
        "message"
    )
    assert "ループバックは通る" in str(connector.wait_for(lambda: connector.cards()[0]))


def test_doctor_says_run_would_refuse(monkeypatch, tmp_path, database_url, capsys):
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    for key, value in {"DATABASE_URL": database_url, PREFIX + "CLIENTID": APP_ID,
                       PREFIX + "CLIENTSECRET": SECRET, **ANONYMOUS}.items():  # fmt: skip
        monkeypatch.setenv(key, value)
    assert main(["doctor", "--teams"]) == 1
    out = capsys.readouterr().out
    assert "✗ `snsbot run --teams` refuses: " in out and "the Teams credentials are set" in out
    assert SECRET not in out
