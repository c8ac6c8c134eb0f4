"""The shipped systemd unit (deploy/snsbot.service) is valid for systemd and runs snsbot as documented."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "snsbot.service"
INSTALL_DIR = "/opt/snsbot"  # where the unit expects the checkout


def systemd_analyze() -> str:
    """The systemd-analyze binary; missing is a failure under CI (.ci/run installs it)."""
    found = shutil.which("systemd-analyze")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("systemd-analyze is not installed: .ci/run installs Debian's systemd for CI")
    pytest.skip("systemd-analyze is not installed (Debian: apt-get install systemd)")


def verify(unit_text: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """`systemd-analyze verify` on the unit, with its install directory moved to a temporary one.

    verify checks that ExecStart's program exists and is executable, so the checkout the unit
    names is stood in for by a directory holding an executable .venv/bin/snsbot and a .env.
    """
    install = tmp_path / "snsbot"
    (install / ".venv" / "bin").mkdir(parents=True)
    program = install / ".venv" / "bin" / "snsbot"
    program.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    program.chmod(0o755)
    (install / ".env").write_text("", encoding="utf-8")
    unit = tmp_path / "snsbot.service"
    unit.write_text(unit_text.replace(INSTALL_DIR, str(install)), encoding="utf-8")
    return subprocess.run(
        [systemd_analyze(), "verify", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SYSTEMD_LOG_COLOR": "0"},
    )


def settings(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_unit_passes_systemd_analyze_verify(tmp_path):
    result = verify(UNIT.read_text(encoding="utf-8"), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr.strip() == "", result.stderr  # no warning either


def test_verify_catches_a_broken_unit(tmp_path):
    broken = UNIT.read_text(encoding="utf-8").replace(
        "ExecStart=/opt/snsbot/.venv/bin/snsbot run", "ExecStart=/opt/snsbot/.venv/bin/missing run"
    )
    assert broken != UNIT.read_text(encoding="utf-8")
    result = verify(broken, tmp_path)
    assert result.returncode != 0 and "missing" in result.stderr


def test_unit_runs_snsbot_as_a_dedicated_user_from_the_checkout():
    unit = settings(UNIT.read_text(encoding="utf-8"))
    assert unit["User"] == ["snsbot"] and unit["Group"] == ["snsbot"]
    assert unit["WorkingDirectory"] == [INSTALL_DIR]
    assert unit["EnvironmentFile"] == [f"{INSTALL_DIR}/.env"]
    assert unit["ExecStart"] == [f"{INSTALL_DIR}/.venv/bin/snsbot run"]
    assert unit["Restart"] == ["on-failure"]
    assert unit["RestartPreventExitStatus"] == ["2"]  # a wrong setting: no restart loop
    for hardening in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"):
        assert hardening in unit, hardening
    assert unit["WantedBy"] == ["multi-user.target"]


def test_operations_guide_describes_the_unit():
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    assert "deploy/snsbot.service" in guide
    assert "systemctl enable --now snsbot" in guide
    assert "/var/lib/snsbot" in guide  # the one writable directory (StateDirectory)


def test_ci_installs_systemd_analyze():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "command -v systemd-analyze" in ci
    assert "apt-get install -y -qq --no-install-recommends systemd" in ci
