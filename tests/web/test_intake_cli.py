"""`snsbot groups link` and the intake pages of a real `snsbot run` process (policy §5(4))."""

from __future__ import annotations

import re
import subprocess

import requests
from processes import free_port, healthy, snsbot, snsbot_env, wait_until

from bot.cli import main

LINK = re.compile(r"^https://sns\.example\.jp/intake/([A-Za-z0-9_-]{43})$")


def link_of(capsys) -> str:
    out = capsys.readouterr().out.strip()
    match = LINK.match(out)
    assert match, out
    return match.group(1)


def test_groups_link_prints_a_new_link_once_and_rotates_it(database_url, capsys, monkeypatch,
                                                            tmp_path):  # fmt: skip
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SNSBOT_PUBLIC_URL", "https://sns.example.jp/")
    assert main(["groups", "link", "和光みどりの会"]) == 1
    assert "not registered" in capsys.readouterr().err
    assert main(["groups", "add", "和光みどりの会"]) == 0
    capsys.readouterr()
    assert main(["groups", "link", "和光みどりの会", "--expires", "2027-03-31"]) == 0
    first = link_of(capsys)
    assert main(["groups", "link", "和光みどりの会"]) == 1
    said = capsys.readouterr()
    assert first not in said.out + said.err and "--rotate" in said.err
    assert main(["groups", "link", "和光みどりの会", "--expires", "2027-06-30"]) == 0
    assert "2027-06-30" in capsys.readouterr().out
    assert main(["groups", "link", "和光みどりの会", "--rotate"]) == 0
    second = link_of(capsys)
    assert second != first
    assert main(["audit", "verify"]) == 0  # each change is in the register, the chain intact


def test_run_serves_the_intake_pages_on_its_port_and_on_the_web_port(
    tmp_path, fake_slack, database_url, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SNSBOT_PUBLIC_URL", "https://sns.example.jp")
    main(["groups", "add", "和光みどりの会"])
    capsys.readouterr()
    main(["groups", "link", "和光みどりの会"])
    token = link_of(capsys)
    port, web_port = free_port(), free_port()
    env = snsbot_env(database_url, fake_slack)
    command = snsbot("run", "--http", "--port", str(port), "--web-port", str(web_port))
    log = tmp_path / "run.log"
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)  # fmt: skip
    try:
        wait_until(lambda: healthy(port) and healthy(web_port), what="snsbot run")
        for served in (port, web_port):
            page = requests.get(f"http://127.0.0.1:{served}/intake/{token}", timeout=10)
            assert page.status_code == 200 and "和光みどりの会" in page.text
            gone = requests.get(f"http://127.0.0.1:{served}/intake/{'x' * 43}", timeout=10)
            assert gone.status_code == 404
            css = requests.get(f"http://127.0.0.1:{served}/intake/static/intake.css", timeout=10)
            assert css.status_code == 200 and css.headers["Content-Type"].startswith("text/css")
    finally:
        process.terminate()
        process.wait(timeout=15)
    output = log.read_text()
    assert "Traceback" not in output and token not in output
