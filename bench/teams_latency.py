"""Answer times of `snsbot run --teams` to Teams invokes (form, submit, approve) at 1 and 20 clients."""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import benchlib  # first: puts the repository and tests/ on sys.path
from benchlib import percentile, table
from fakes.bot_connector import FakeBotConnector
from teams_client import CHIEF, OPERATOR, TeamsClient

TEAMS_DEADLINE = 5.0  # Teams retries an invoke it has no answer to within 5 s


def timed(call) -> tuple[float, bool]:
    started = time.perf_counter()
    try:
        call()
        ok = True
    except Exception:
        ok = False
    return time.perf_counter() - started, ok


def phase(name: str, clients: int, calls: list) -> list[object]:
    with ThreadPoolExecutor(clients) as pool, benchlib.measuring():
        results = list(pool.map(timed, calls))
    times = [t for t, _ in results]
    errors = sum(1 for _, ok in results if not ok)
    over = sum(1 for t in times if t >= TEAMS_DEADLINE)
    return [name, clients, len(calls), f"{percentile(times, 50) * 1000:.0f}",
            f"{percentile(times, 99) * 1000:.0f}", f"{max(times) * 1000:.0f}", errors, over]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--requests", type=int, default=200, help="per phase and level")
    args = parser.parse_args()
    rows = []
    with (
        tempfile.TemporaryDirectory() as workdir,
        benchlib.database(args.backend, Path(workdir)) as url,
        FakeBotConnector(strict_updates=False) as connector,
    ):
        port = benchlib.free_port()
        env = benchlib.child_env(
            DATABASE_URL=url,
            SNSBOT_TEAMS_CHIEF=CHIEF.aad,
            SNSBOT_TEAMS_OPERATORS=OPERATOR.aad,
            SNSBOT_TEAMS_SERVICE_URL=connector.base_url,
            CONNECTIONS__SERVICE_CONNECTION__SETTINGS__ANONYMOUS_ALLOWED="true",
            SNSBOT_DRY_RUN="1",
        )
        command = [*benchlib.snsbot_command(), "run", "--teams", "--port", str(port)]
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            benchlib.wait_for_port(port)
            client = TeamsClient(f"http://127.0.0.1:{port}/api/messages", connector.base_url)
            form = client.open_form(OPERATOR)
            for clients in (1, 20):
                n = args.requests
                rows.append(phase("open form", clients, [lambda: client.open_form(OPERATOR)] * n))
                submits = [
                    (lambda i=i, c=clients: client.submit_form(OPERATOR, form, body=f"お知らせ {c}-{i}",
                                                    nonce=f"{c}-{i}"))
                    for i in range(n)
                ]  # fmt: skip
                rows.append(phase("submit", clients, submits))

                def approval_cards():
                    return [c for c in connector.cards() if c.get("refresh")]

                connector.wait_for(lambda n=n: len(approval_cards()) >= n, timeout=300)
                views = [client.refresh(CHIEF, c) for c in approval_cards()[-n:]]  # not timed
                approves = [(lambda v=v: client.click(CHIEF, v, "approve")) for v in views]
                rows.append(phase("approve", clients, approves))
                connector.clear()
        finally:
            process.terminate()
            process.wait(30)
    print(f"# Teams invoke answer times ({args.backend}), {benchlib.machine()}")
    print(table(["invoke", "clients", "requests", "p50 ms", "p99 ms", "max ms", "errors",
                 f"≥ {TEAMS_DEADLINE:.0f} s"], rows))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
