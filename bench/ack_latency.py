"""Ack latency of `snsbot run --http` at 1, 20 and 50 concurrent Slack clients, beside a bare Bolt floor."""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import benchlib
import requests
from benchlib import CHIEF, OPERATORS, SECRET, TOKEN, percentile, table
from drafting import card_button, draft_values
from fakes.slack_api import FakeSlack
from slack_signing import SignedSlackClient
from sqlalchemy import func, select

from bot import db
from bot.models import APPROVED, Draft

OPERATOR = OPERATORS[0]
SLACK_DEADLINE = 3.0  # Slack shows an error to the user when the ack takes longer
KINDS = ("command", "approve")

# Experiment only (--listener-threads): snsbot with another Bolt listener pool size than
# handlers/slack/server.py's LISTENER_THREADS, to compare. Not how snsbot runs.
WITH_LISTENER_POOL = """
import sys
from handlers.slack import server
server.LISTENER_THREADS = int(sys.argv[1])
from bot.cli import main
sys.exit(main(sys.argv[2:]))
"""


@dataclass
class Phase:
    app: str
    kind: str
    concurrency: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0
    cpu: float | None = None  # CPU seconds the serving process used during the phase
    cpu_until_quiet: float | None = None  # the same, until its work after the acks was done too

    @property
    def slow(self) -> int:
        return sum(1 for x in self.latencies if x >= SLACK_DEADLINE)


class Process:
    """A server subprocess with its output in a file, stopped with SIGTERM (then SIGKILL)."""

    def __init__(self, argv: list[str], env: dict[str, str], workdir: Path, name: str):
        self.log = workdir / f"{name}.log"
        with open(self.log, "wb") as out:
            self.popen = subprocess.Popen(
                argv, env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT
            )

    def cpu_seconds(self) -> float | None:
        """User + system CPU time so far (Linux /proc; None elsewhere)."""
        try:
            fields = Path(f"/proc/{self.popen.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)


def wait_healthy(url: str, proc: Process, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise SystemExit(f"the server exited early; see {proc.log}:\n{proc.log.read_text()}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s; see {proc.log}")


def run_phase(phase: Phase, url: str, fake: FakeSlack, send, count: int, limit: float) -> Phase:
    """`count` requests from `phase.concurrency` threads (one HTTP session each), within `limit` s."""
    counter, lock = itertools.count(), threading.Lock()
    start = threading.Barrier(phase.concurrency + 1)
    deadline = [0.0]

    def client_thread():
        client = SignedSlackClient(url, SECRET, fake, timeout=10)
        start.wait()
        try:
            while True:
                with lock:
                    i = next(counter)
                if i >= count or time.monotonic() > deadline[0]:
                    return
                t0 = time.perf_counter()
                try:
                    ok = send(client, i).status_code == 200
                except requests.RequestException:
                    ok = False
                took = time.perf_counter() - t0
                with lock:
                    phase.latencies.append(took)
                    phase.errors += 0 if ok else 1
        finally:
            client.close()

    threads = [threading.Thread(target=client_thread) for _ in range(phase.concurrency)]
    for thread in threads:
        thread.start()
    with benchlib.measuring():
        deadline[0] = time.monotonic() + limit
        t0 = time.perf_counter()
        start.wait()
        for thread in threads:
            thread.join(limit + 30)
        phase.elapsed = time.perf_counter() - t0
    return phase


def quiesce(fake: FakeSlack, quiet: float = 1.0, limit: float = 120.0) -> None:
    """Wait until the app has stopped calling Slack (its dispatcher finished the backlog)."""
    deadline, seen, since = time.monotonic() + limit, -1, time.monotonic()
    while time.monotonic() < deadline:
        now_seen = len(fake.calls())
        if now_seen != seen:
            seen, since = now_seen, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.1)


def is_card(call) -> bool:
    return call.params.get("channel") == CHIEF and bool(call.params.get("blocks"))


def prepare_drafts(url: str, fake: FakeSlack, count: int) -> list:
    """Submit `count` drafts (signed view_submission) and return their approval cards."""
    before = len([c for c in fake.calls("chat.postMessage") if is_card(c)])
    counter, lock, failed = itertools.count(), threading.Lock(), []

    def submitter():
        client = SignedSlackClient(url, SECRET, fake, timeout=30)
        try:
            while True:
                with lock:
                    i = next(counter)
                if i >= count:
                    return
                body = f"ベンチマーク下書き {time.time_ns()} 番 {i}"
                response = client.view_submission(OPERATOR, "draft_submit", draft_values(body=body))
                if response.status_code != 200 or response.text:
                    with lock:
                        failed.append(f"{response.status_code} {response.text[:200]}")
        finally:
            client.close()

    threads = [threading.Thread(target=submitter) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    if failed:
        raise SystemExit(f"{len(failed)} draft submissions failed, e.g. {failed[0]}")
    try:
        cards = fake.wait_for("chat.postMessage", before + count, timeout=180, where=is_card)
    except AssertionError as error:
        raise SystemExit(f"the approval cards did not all arrive: {str(error)[:300]}") from None
    return cards[before : before + count]


def approve_sender(cards):
    def send(client: SignedSlackClient, i: int):
        card = cards[i]
        button = card_button(card, "approve")
        return client.block_action(
            CHIEF,
            "approve",
            button["value"],
            block_id=button["block_id"],
            channel_id=card.response["channel"],
            message_ts=card.response["ts"],
        )

    return send


def command_sender(client: SignedSlackClient, i: int):
    return client.command(OPERATOR, "")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def summary_rows(phases: list[Phase]) -> list[list[object]]:
    return [
        [
            p.concurrency,
            p.kind,
            p.app,
            len(p.latencies),
            ms(percentile(p.latencies, 50)),
            ms(percentile(p.latencies, 99)),
            ms(max(p.latencies, default=float("nan"))),
            p.errors,
            p.slow,
            f"{len(p.latencies) / p.elapsed:.0f}" if p.elapsed else "-",
            "-" if p.cpu is None or not p.latencies else f"{p.cpu / len(p.latencies) * 1000:.1f}",
            "-"
            if p.cpu_until_quiet is None or not p.latencies
            else f"{p.cpu_until_quiet / len(p.latencies) * 1000:.1f}",
        ]
        for p in phases
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--requests", type=int, default=600, help="requests per kind, app and level (600)"
    )
    parser.add_argument("--levels", default="1,20,50", help="concurrent clients (1,20,50)")
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help=f"requests to measure ({','.join(KINDS)})"
    )
    parser.add_argument("--warmup", type=int, default=20, help="unmeasured requests per app (20)")
    parser.add_argument(
        "--phase-limit", type=float, default=60.0, help="stop a phase after this many s (60)"
    )
    parser.add_argument("--database-url", help="snsbot's database (default: a temp SQLite file)")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="a throwaway database on SNSBOT_TEST_POSTGRES_URL's server instead of SQLite",
    )
    parser.add_argument("--bare-threads", type=int, default=16, help="waitress threads (16)")
    parser.add_argument(
        "--listener-threads",
        type=int,
        help="experiment: give snsbot's Bolt app a listener pool of this size (snsbot's: 5)",
    )
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="run snsbot with --no-worker and the dispatcher as a separate `snsbot worker`",
    )
    args = parser.parse_args()
    levels = [int(x) for x in args.levels.split(",")]

    print(f"machine: {benchlib.machine()}")
    with tempfile.TemporaryDirectory(prefix="snsbot-bench-") as tmp, FakeSlack(TOKEN) as fake:
        workdir = Path(tmp)
        pg_name = benchlib.pg_create() if args.postgres else None
        database_url = (
            benchlib.pg_url_for(pg_name)
            if pg_name
            else args.database_url or f"sqlite:///{workdir / 'snsbot.db'}"
        )
        env = benchlib.child_env(
            SLACK_BOT_TOKEN=TOKEN,
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.base_url,
            DATABASE_URL=database_url,
            SNSBOT_CHIEF=CHIEF,
            SNSBOT_OPERATORS=",".join(OPERATORS),
            SNSBOT_DRY_RUN="1",
        )
        snsbot_port, bare_port = benchlib.free_port(), benchlib.free_port()
        run_argv = ["run", "--http", "--port", str(snsbot_port)]
        run_argv += ["--no-worker"] if args.no_worker else []
        snsbot_argv = [*benchlib.snsbot_command(), *run_argv]
        if args.listener_threads:
            snsbot_argv = [sys.executable, "-c", WITH_LISTENER_POOL, str(args.listener_threads)]
            snsbot_argv += run_argv
        snsbot = Process(
            snsbot_argv,
            env,
            workdir,
            "snsbot",
        )
        worker = None
        bare = Process(
            [
                sys.executable,
                str(Path(__file__).with_name("bare_bolt_app.py")),
                "--port",
                str(bare_port),
                "--threads",
                str(args.bare_threads),
            ],
            env,
            workdir,
            "bare",
        )
        try:
            wait_healthy(f"http://127.0.0.1:{snsbot_port}/healthz", snsbot)
            if args.no_worker:  # after `run` has migrated the database
                worker = Process([*benchlib.snsbot_command(), "worker"], env, workdir, "worker")
            benchlib.wait_for_port(bare_port)
            urls = {
                "snsbot": f"http://127.0.0.1:{snsbot_port}/slack/events",
                "bare": f"http://127.0.0.1:{bare_port}/slack/events",
            }
            print(
                f"database: {database_url.split('@')[-1]}; levels {levels}; {args.requests} each;"
                f" dispatcher {'in a separate process' if args.no_worker else 'in the bot process'}"
                + (
                    f"; EXPERIMENT: Bolt listener pool of {args.listener_threads}"
                    if args.listener_threads
                    else ""
                )
            )
            phases = measure(args, levels, urls, fake, {"snsbot": snsbot, "bare": bare})
        finally:
            for proc in (snsbot, bare, worker):
                if proc is not None:
                    proc.stop()
        try:
            engine = db.make_engine(database_url)
            with engine.connect() as conn:
                approved = conn.execute(
                    select(func.count()).select_from(Draft).where(Draft.status == APPROVED)
                ).scalar()
            engine.dispose()
        finally:
            if pg_name:
                benchlib.pg_drop(pg_name)
    report(phases, levels, approved)
    return 0


def measure(args, levels, urls, fake, servers: dict[str, Process]) -> list[Phase]:
    warm_cards = prepare_drafts(urls["snsbot"], fake, args.warmup)
    for app, url in urls.items():
        run_phase(Phase(app, "command", 1), url, fake, command_sender, args.warmup, 60)
        run_phase(Phase(app, "approve", 1), url, fake, approve_sender(warm_cards), args.warmup, 60)
    quiesce(fake)
    phases: list[Phase] = []
    for level in levels:
        approving = "approve" in args.kinds.split(",")
        cards = prepare_drafts(urls["snsbot"], fake, args.requests) if approving else []
        quiesce(fake)
        senders = {"command": command_sender, "approve": approve_sender(cards)}
        for kind in args.kinds.split(","):
            send = senders[kind]
            for app, url in urls.items():
                cpu0 = servers[app].cpu_seconds()
                phase = run_phase(
                    Phase(app, kind, level), url, fake, send, args.requests, args.phase_limit
                )
                cpu1 = servers[app].cpu_seconds()
                phase.cpu = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
                phases.append(phase)
                print(
                    f"  {level:>3} clients {kind:<8} {app:<7} p50 {ms(percentile(phase.latencies, 50))} ms"
                    f"  p99 {ms(percentile(phase.latencies, 99))} ms  errors {phase.errors}",
                    flush=True,
                )
                quiesce(fake)
                cpu2 = servers[app].cpu_seconds()
                phase.cpu_until_quiet = None if cpu0 is None or cpu2 is None else cpu2 - cpu0
    return phases


def report(phases: list[Phase], levels: list[int], approved: int) -> None:
    print()
    print(
        table(
            [
                "clients",
                "request",
                "app",
                "n",
                "p50 ms",
                "p99 ms",
                "max ms",
                "errors",
                "≥3 s",
                "req/s",
                "server CPU ms/req",
                "… until quiet",
            ],
            summary_rows(phases),
        )
    )
    print()
    at = 20 if 20 in levels else levels[len(levels) // 2]
    measured = tuple(k for k in KINDS if any(p.kind == k for p in phases))
    for kind in (*measured, "both") if len(measured) > 1 else measured:
        kinds = measured if kind == "both" else (kind,)
        lat = {
            app: [
                x
                for p in phases
                if p.app == app and p.concurrency == at and p.kind in kinds
                for x in p.latencies
            ]
            for app in ("snsbot", "bare")
        }
        ratio = percentile(lat["snsbot"], 99) / percentile(lat["bare"], 99)
        verdict = "meets" if ratio <= 1.5 else "misses"
        print(f"p99 ratio snsbot/bare at {at} clients, {kind}: {ratio:.2f} ({verdict} goal ≤ 1.5)")
    snsbot_phases = [p for p in phases if p.app == "snsbot"]
    worst = max((max(p.latencies, default=0) for p in snsbot_phases), default=0)
    errors = sum(p.errors for p in snsbot_phases)
    under = all(p.slow == 0 for p in snsbot_phases) and errors == 0
    print(
        f"every snsbot response under 3 s: {'yes' if under else 'no'} "
        f"(slowest {ms(worst)} ms, {errors} errors)"
    )
    clicks = sum(len(p.latencies) for p in snsbot_phases if p.kind == "approve")
    print(f"drafts approved: {approved} (measured clicks {clicks}, plus the warm-up's)")


if __name__ == "__main__":
    sys.exit(main())
