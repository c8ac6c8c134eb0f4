"""Dispatcher throughput: N queued publications drained by 1, 2 and 4 `snsbot worker --once` processes."""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import benchlib
import seed
from benchlib import CHIEF, OPERATORS, TOKEN, table
from fakes.slack_api import FakeSlack
from sqlalchemy import event, func, select, text

from bot import db, register
from bot.config import CHANNELS
from bot.models import OPEN_PUBLICATION_STATES, PUBLISHED, Notice, Publication, RegisterEntry
from bot.people import roles
from bot.services import utc_now

GOAL = 200.0  # publications per second on one worker

# The fakes' servers keep Python's default listen backlog of 5. With several workers each
# opening a connection per Slack call, the kernel dropped connections (`ListenOverflows`) and
# clients waited 1-3 s to retry: seconds without a single call. Slack itself does not do that.
socketserver.TCPServer.request_queue_size = 1024

# Experiments only, not how snsbot runs: the same worker with notice delivery switched off
# (publications only; notices stay owed), and/or each dry-run post taking BENCH_POST_LATENCY s,
# as a platform answering that late would (the dispatcher's threads wait, the CPU does not).
WORKER_PATCHED = """
import os, sys, time
if os.environ.get("BENCH_NO_NOTICES"):
    from bot.delivery.dispatcher import Dispatcher
    Dispatcher.deliver_due = lambda self, limit=50: 0
latency = float(os.environ.get("BENCH_POST_LATENCY") or 0)
if latency:
    from publishers.dryrun import DryRunPublisher
    instant = DryRunPublisher.publish
    DryRunPublisher.publish = lambda self, post: (time.sleep(latency), instant(self, post))[1]
from bot.cli import main
sys.exit(main(sys.argv[1:]))
"""


@dataclass
class Run:
    backend: str
    workers: int
    mode: str  # "once", "once, publish only", "once, notices only" or "service"
    wall: float = 0.0
    startup: float = 0.0  # wall s of one `worker --once` that finds nothing to do
    startup_cpu: float = 0.0  # and its CPU s
    window: float = 0.0  # s from the first claim to the last publication
    drain: float = 0.0  # s from the first claim to the last Slack call (notices included)
    exit_codes: list[int] = field(default_factory=list)
    checks: dict = field(default_factory=dict)
    slack_calls: int = 0
    notices: int = 0
    cpu: float = 0.0  # CPU seconds used by the worker processes


def make_template(backend: str, workdir: Path, count: int) -> str:
    """A migrated database holding `count` queued publications (3 channels per draft)."""
    if backend == "sqlite":
        path = workdir / "template.db"
        url, template = f"sqlite:///{path}", str(path)
    else:
        template = benchlib.pg_create()
        url = benchlib.pg_url_for(template)
    engine = db.make_engine(url)
    db.upgrade(engine)
    with db.make_session_factory(engine).begin() as session:
        roles.bootstrap(session, CHIEF, OPERATORS, utc_now())
    full, rest = divmod(count, len(CHANNELS))
    kinds = [seed.QUEUED_KIND] * (full + (1 if rest else 0))
    t0 = time.perf_counter()
    done = seed.seed(
        engine,
        kinds,
        channels_of=lambda k: CHANNELS if k < full else CHANNELS[:rest],
        authors=OPERATORS,
    )
    print(
        f"  {backend}: seeded {done.drafts} drafts, {done.publications} queued publications "
        f"({done.rows} rows) in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    if backend == "postgresql":  # statistics, as autovacuum keeps them on a live database
        with engine.connect() as connection:
            connection.execute(text("ANALYZE"))
            connection.commit()
    engine.dispose()
    return template


def spawn(argv_tail: list[str], env: dict, workdir: Path, name: str, no_notices: bool):
    if no_notices or env.get("BENCH_POST_LATENCY"):
        env = {**env, "BENCH_NO_NOTICES": "1" if no_notices else ""}
        argv = [sys.executable, "-c", WORKER_PATCHED, *argv_tail]
    else:
        argv = [*benchlib.snsbot_command(), *argv_tail]
    out = open(workdir / f"{name}.log", "wb")  # noqa: SIM115 (closed by wait_all)
    return subprocess.Popen(argv, env=env, cwd=workdir, stdout=out, stderr=subprocess.STDOUT), out


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_workers(count: int, env: dict, workdir: Path, limit: float, no_notices=False, tag="w"):
    """Start `count` `worker --once` together; return (s until the last exits, codes, CPU s)."""
    cpu0, t0 = _children_cpu(), time.monotonic()
    procs = [
        spawn(["worker", "--once", "--timeout", str(limit)], env, workdir, f"{tag}{i}", no_notices)
        for i in range(count)
    ]
    codes, last = [], t0
    for proc, out in procs:
        try:
            codes.append(proc.wait(max(1.0, t0 + limit + 30 - time.monotonic())))
        except subprocess.TimeoutExpired:
            proc.kill()
            codes.append(proc.wait(10))
        last = max(last, time.monotonic())
        out.close()
    return last - t0, codes, _children_cpu() - cpu0


def run_service(count: int, env: dict, url: str, workdir: Path, limit: float):
    """Start `count` long-running `snsbot worker`s; stop them once everything is delivered.

    Returns (s until nothing was left to do, exit codes, CPU s).
    """
    engine = db.make_engine(url)
    cpu0, t0 = _children_cpu(), time.monotonic()
    procs = [spawn(["worker"], env, workdir, f"s{i}", False) for i in range(count)]
    done_at = None
    try:
        while time.monotonic() - t0 < limit:
            time.sleep(0.25)
            with engine.connect() as conn:
                left = (
                    conn.execute(
                        select(func.count())
                        .select_from(Publication)
                        .where(Publication.status.in_(OPEN_PUBLICATION_STATES))
                    ).scalar()
                    + conn.execute(
                        select(func.count()).select_from(Notice).where(Notice.done.is_(False))
                    ).scalar()
                )
            if not left:
                done_at = time.monotonic()
                break
    finally:
        engine.dispose()
        for proc, _ in procs:
            proc.terminate()
        codes = []
        for proc, out in procs:
            try:
                codes.append(proc.wait(30))
            except subprocess.TimeoutExpired:
                proc.kill()
                codes.append(proc.wait(10))
            out.close()
    wall = (done_at or time.monotonic()) - t0
    return wall, codes, _children_cpu() - cpu0


def verify(url: str, expected: int) -> dict:
    """Exactly once: every publication published on its first attempt, one register entry each."""
    engine = db.make_engine(url)
    session_factory = db.make_session_factory(engine)
    with session_factory() as session:
        statuses = Counter(
            dict(session.execute(select(Publication.status, func.count()).group_by("status")).all())
        )
        attempts = Counter(
            dict(
                session.execute(
                    select(Publication.attempts, func.count()).group_by(Publication.attempts)
                ).all()
            )
        )
        entries = session.execute(
            select(RegisterEntry.draft_id, RegisterEntry.revision, RegisterEntry.details).where(
                RegisterEntry.action == "published"
            )
        ).all()
        keys = Counter((e.draft_id, e.revision, e.details.get("channel")) for e in entries)
        window = session.execute(
            select(func.min(Publication.claimed_at), func.max(Publication.published_at))
        ).one()
        owed = session.execute(
            select(func.count()).select_from(Notice).where(Notice.done.is_(False))
        ).scalar()
        chain = register.verify(session)
    engine.dispose()
    duplicates = sum(n - 1 for n in keys.values() if n > 1)
    return {
        "published": statuses.get(PUBLISHED, 0),
        "other_states": {k: v for k, v in statuses.items() if k != PUBLISHED},
        "attempts": dict(attempts),
        "entries": len(entries),
        "duplicates": duplicates,
        "ok": statuses.get(PUBLISHED, 0) == expected
        and attempts == Counter({1: expected})
        and len(entries) == expected
        and duplicates == 0
        and not chain,
        "chain_intact": not chain,
        "window": (window[1] - window[0]).total_seconds() if window[0] and window[1] else 0.0,
        "first_claim": window[0],
        "notices_owed": owed,
    }


def last_chat_call(fake: FakeSlack) -> float | None:
    """When FakeSlack got its last chat.* call, in `time.time()` seconds."""
    arrivals = [c.at for c in fake.calls() if c.method.startswith("chat.")]
    return max(arrivals) + time.time() - time.monotonic() if arrivals else None


def slack_summary(fake: FakeSlack) -> tuple[int, int, int]:
    calls = fake.calls()
    results = sum(
        1 for c in calls if c.method == "chat.postMessage" and c.params.get("channel") in OPERATORS
    )
    updates = sum(1 for c in calls if c.method == "chat.update")
    return len(calls), results, updates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="queued publications (10000)")
    parser.add_argument("--workers", default="1,2,4", help="worker processes per run (1,2,4)")
    parser.add_argument(
        "--backends",
        default="sqlite,postgresql",
        help="sqlite and/or postgresql (needs SNSBOT_TEST_POSTGRES_URL) (sqlite,postgresql)",
    )
    parser.add_argument(
        "--split",
        action="store_true",
        help="also run with notice delivery off, then deliver the owed notices alone",
    )
    parser.add_argument(
        "--service",
        action="store_true",
        help="also run long-running `snsbot worker`s (separate publish and notice threads)",
    )
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        help="instead: profile one in-process worker over N publications (cProfile, on the "
        "first of --backends)",
    )
    parser.add_argument(
        "--profile-clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="with --profile: each thread's CPU time (hot spots) or wall time (waits) (cpu)",
    )
    parser.add_argument("--profile-out", metavar="FILE", help="with --profile: also save the stats")
    parser.add_argument(
        "--post-latency",
        type=float,
        default=0.0,
        metavar="S",
        help="experiment: each post takes S s, as a platform answering that late (0: instant)",
    )
    parser.add_argument("--limit", type=float, default=600, help="seconds allowed per run (600)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each configuration; >1 adds medians (1)"
    )
    args = parser.parse_args()
    print(f"machine: {benchlib.machine()}")
    if args.profile:
        backend = args.backends.split(",")[0]
        return profile(args.profile, args.profile_out, args.profile_clock, backend)
    backends = [b for b in args.backends.split(",") if b]
    if "postgresql" in backends and not benchlib.PG_URL:
        print("  postgresql skipped: SNSBOT_TEST_POSTGRES_URL is not set")
        backends.remove("postgresql")
    levels = [int(x) for x in args.workers.split(",")]
    if args.post_latency:
        print(f"  each post takes {args.post_latency} s (--post-latency), as a slow platform would")
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="snsbot-bench-") as tmp, FakeSlack(TOKEN) as fake:
        workdir = Path(tmp)
        for backend in backends:
            template = make_template(backend, workdir, args.count)
            try:
                for _ in range(args.repeat):  # rounds, so that a noisy minute hits every level
                    for workers in levels:
                        runs += measure(args, backend, workers, template, workdir, fake)
            finally:
                if backend == "postgresql":
                    benchlib.pg_drop(template)
    report(runs, args.count, judged=not args.post_latency)
    return 0


def measure(args, backend, workers, template, workdir, fake) -> list[Run]:
    modes = ["once"] + (["once, publish only"] if args.split else [])
    modes += ["service"] if args.service else []
    runs = []
    for mode in modes:
        with benchlib.database(backend, workdir, template) as url:
            env = benchlib.child_env(
                SLACK_BOT_TOKEN=TOKEN,
                SLACK_API_URL=fake.base_url,
                DATABASE_URL=url,
                SNSBOT_CHIEF=CHIEF,
                SNSBOT_OPERATORS=",".join(OPERATORS),
                SNSBOT_DRY_RUN="1",
                BENCH_POST_LATENCY=str(args.post_latency or ""),
            )
            fake.clear()
            run = Run(backend, workers, mode)
            if mode == "service":
                run.wall, run.exit_codes, run.cpu = run_service(
                    workers, env, url, workdir, args.limit
                )
            else:
                run.wall, run.exit_codes, run.cpu = run_workers(
                    workers, env, workdir, args.limit, no_notices=mode != "once"
                )
            run.checks = verify(url, args.count)
            run.window = run.checks["window"]
            last_call, first_claim = last_chat_call(fake), run.checks["first_claim"]
            if last_call and first_claim and mode != "once, publish only":
                run.drain = last_call - first_claim.timestamp()
            run.slack_calls, results, updates = slack_summary(fake)
            run.checks["results_dms"], run.checks["card_updates"] = results, updates
            done = [run]
            if mode == "once, publish only":  # then the owed notices alone
                fake.clear()
                notices = Run(
                    backend, workers, "once, notices only", notices=run.checks["notices_owed"]
                )
                notices.wall, notices.exit_codes, notices.cpu = run_workers(
                    workers, env, workdir, args.limit
                )
                notices.slack_calls, results, updates = slack_summary(fake)
                notices.checks = {
                    "ok": verify(url, args.count)["notices_owed"] == 0,
                    "results_dms": results,
                    "card_updates": updates,
                }
                done.append(notices)
            # The start-up cost: one more `worker --once`, which finds nothing to do.
            idle, _, idle_cpu = run_workers(1, env, workdir, args.limit, tag="idle")
            for each in done:
                each.startup, each.startup_cpu = idle, idle_cpu
                print(f"  {line(each)}", flush=True)
            runs += done
    return runs


def line(run: Run) -> str:
    checks = run.checks
    return (
        f"{run.backend} {run.workers} worker(s) {run.mode}: {run.wall:.1f} s, "
        f"CPU {run.cpu:.1f} s, exit codes {run.exit_codes}, "
        f"checks {'ok' if checks.get('ok') else checks}"
    )


HEADERS = [
    "db",
    "workers",
    "mode",
    "wall s",
    "start-up s",
    "pub/s (wall − start-up)",
    "pub/s (1st claim → last publish)",
    "pub/s (1st claim → last Slack call)",
    "worker CPU ms/pub (start-up excluded)",
    "Slack calls",
    "results DMs",
    "exactly once",
]


def row(run: Run, count: int) -> list:
    """One line of the table; rates and CPU are numbers, for medians."""
    net, c = run.wall - run.startup, run.checks
    cpu = run.cpu - run.workers * run.startup_cpu
    if run.mode.endswith("notices only"):
        rate = run.notices / net if net > 0 else None
        per = cpu / run.notices * 1000 if run.notices else None
        once = f"{run.notices} notices delivered" if c["ok"] else f"PROBLEM {c}"
        return [run.backend, run.workers, run.mode, run.wall, run.startup, rate, None, None, per,
                run.slack_calls, c["results_dms"], once]  # fmt: skip
    once = f"{c['duplicates']} dup, {c['entries']} entries, " + (
        "exactly once" if c["ok"] else f"PROBLEM {c}"
    )
    return [
        run.backend,
        run.workers,
        run.mode,
        run.wall,
        run.startup,
        count / net if net > 0 else None,
        count / run.window if run.window else None,
        count / run.drain if run.drain else None,
        cpu / count * 1000,
        run.slack_calls,
        c["results_dms"],
        once,
    ]


def shown(cells: list) -> list[str]:
    """A row as text; a notices-only run's rate and CPU are per notice."""
    per_notice = cells[2].endswith("notices only")
    formats = [str, str, str, "{:.1f}", "{:.1f}", "{:.0f} notices/s" if per_notice else "{:.0f}",
               "{:.0f}", "{:.0f}", "{:.1f}/notice" if per_notice else "{:.1f}", "{:,.0f}",
               "{:,.0f}", str]  # fmt: skip
    return [
        "-" if v is None else (f(v) if callable(f) else f.format(v))
        for f, v in zip(formats, cells, strict=True)
    ]


def report(runs: list[Run], count: int, judged: bool = True) -> None:
    """The tables; `judged`: also each one-worker rate against the goal (instant posts)."""
    rows = [row(run, count) for run in runs]
    print()
    print(table(HEADERS, [shown(r) for r in rows]))
    groups: dict[tuple, list[list]] = {}
    for r in rows:
        groups.setdefault(tuple(r[:3]), []).append(r)
    if any(len(g) > 1 for g in groups.values()):
        print(f"\nMedians of {max(len(g) for g in groups.values())} runs each:\n")
        medians = [
            [*key, *(_median([r[i] for r in g]) for i in range(3, 11)), _worst([r[11] for r in g])]
            for key, g in groups.items()
        ]
        print(table(HEADERS, [shown(m) for m in medians]))
        rows = medians
    for r in rows:
        if judged and r[1] == 1 and r[2] in ("once", "service") and r[5] is not None:
            verdict = "meets" if r[5] >= GOAL else "misses"
            print(
                f"{r[0]}, one worker ({r[2]}): {r[5]:.0f} publications/s ({verdict} goal ≥ {GOAL:.0f})"
            )


def _median(values: list):
    known = sorted(v for v in values if v is not None)
    return statistics.median(known) if known else None


def _worst(checks: list[str]) -> str:
    """The exactly-once column of a group: the first problem, else the (shared) good result."""
    return next((c for c in checks if "PROBLEM" in c), checks[0])


def profile(
    count: int, save_to: str | None = None, clock: str = "cpu", backend: str = "sqlite"
) -> int:
    """One dispatcher in this process, every thread under cProfile; prints the hot spots."""
    from dataclasses import replace

    from bot.app import assemble
    from bot.config import Settings

    with tempfile.TemporaryDirectory(prefix="snsbot-bench-") as tmp, FakeSlack(TOKEN) as fake:
        template = make_template(backend, Path(tmp), count)
        try:
            with benchlib.database(backend, Path(tmp), template) as url:
                settings = replace(
                    Settings(
                        slack_bot_token=TOKEN,
                        slack_api_url=fake.base_url,
                        database_url=url,
                        chief=CHIEF,
                        operators=OPERATORS,
                    ),
                    dry_run=True,
                )
                runtime = assemble(settings)
                profiles, lock = [], threading.Lock()
                timer = time.thread_time if clock == "cpu" else time.perf_counter

                def profiled(method):
                    def run(*a):
                        task = cProfile.Profile(timer)
                        task.enable()
                        try:
                            return method(*a)
                        finally:
                            task.disable()
                            with lock:
                                profiles.append(task)

                    return run

                # Publish tasks run in the pool; `run_until_idle` delivers notices in a thread beside.
                for name in ("_publish", "_deliver_until_idle"):
                    method = getattr(runtime.dispatcher, name)
                    setattr(runtime.dispatcher, name, profiled(method))
                sql = Counter()  # statements sent, and commits, by the dispatcher

                def count_statement(_conn, _cursor, statement, *_):
                    sql[statement.split(None, 1)[0].upper()] += 1

                engine = runtime.services.engine
                event.listen(engine, "before_cursor_execute", count_statement)
                event.listen(engine, "commit", lambda _conn: sql.update(["COMMIT"]))
                main_thread = cProfile.Profile(timer)
                t0 = time.perf_counter()
                main_thread.enable()
                runtime.dispatcher.run_until_idle(timeout=600)
                main_thread.disable()
                wall = time.perf_counter() - t0
                event.remove(engine, "before_cursor_execute", count_statement)
                runtime.dispatcher.stop()
                runtime.services.engine.dispose()
                checks = verify(url, count)
        finally:
            if backend == "postgresql":
                benchlib.pg_drop(template)
    stats = pstats.Stats(main_thread)
    for task in profiles:
        stats.add(task)
    print(
        f"\nprofiled: {count} publications in {wall:.1f} s under cProfile "
        f"({count / wall:.0f}/s, slowed by the profiler); checks {'ok' if checks['ok'] else checks};"
        f" times are each thread's {'CPU' if clock == 'cpu' else 'wall-clock'} time"
    )
    statements = sum(n for kind, n in sql.items() if kind != "COMMIT")
    print(
        f"SQL: {statements / count:.1f} statements and {sql['COMMIT'] / count:.2f} commits per "
        "publication, notices included ("
        + ", ".join(f"{kind} {n / count:.2f}" for kind, n in sql.most_common())
        + ")"
    )
    if save_to:
        stats.dump_stats(save_to)
    for order, title in (("tottime", "own time"), ("cumulative", "cumulative time")):
        out = io.StringIO()
        stats.stream = out
        stats.sort_stats(order).print_stats(25)
        print(f"\n-- top 25 by {title} (main thread, every publish task, notice thread) --")
        text = out.getvalue()
        print(text[text.index("   ncalls") :] if "   ncalls" in text else text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
