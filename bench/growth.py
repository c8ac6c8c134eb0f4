"""Growth: App Home, `/sns status`, the pending list and the audit export at 1k, 10k and 100k drafts."""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import benchlib
import seed
from benchlib import CHIEF, TOKEN, table
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import db, register
from bot.app import build_services
from bot.approval import workflow
from bot.config import Settings
from bot.features import dashboard
from bot.models import PENDING, Draft
from bot.people import roles
from bot.services import utc_now
from handlers.slack.commands import open_drafts
from handlers.slack.home import publish_home
from handlers.slack.home_blocks import status_line

AUTHOR = seed.AUTHORS[0]
GOAL = 2.0  # largest size at most this many times slower than the smallest


class RecordingClient:
    """Stands in for the Slack WebClient: keeps what `views.publish` would have sent."""

    def __init__(self):
        self.published: list[tuple[str, dict]] = []

    def views_publish(self, *, user_id: str, view: dict) -> None:
        self.published.append((user_id, view))


class NullStream:
    """A text stream that only counts what is written (the CSV goes nowhere)."""

    def __init__(self):
        self.chars = 0

    def write(self, text: str) -> int:
        self.chars += len(text)
        return len(text)


def views(services) -> dict[str, Callable[[], object]]:
    """Each measured code path, as the bot runs it."""
    msg = services.msg

    def home(user_id: str):
        def run():
            client = RecordingClient()
            publish_home(services, client, user_id)
            return client.published

        return run

    def status():  # handlers/slack/commands.py, `/sns status`
        with services.session_factory() as session:
            if roles.role_of(session, AUTHOR) is None:
                raise SystemExit(f"{AUTHOR} has no role")
            lines = [status_line(msg, d) for d in open_drafts(services, session, AUTHOR)]
            return f"*{msg('status.header')}*\n" + ("\n".join(lines) or msg("status.none"))

    def pending():
        with services.session_factory() as session:
            return pending_drafts(session)

    def export(entries: bool):
        def run():  # bot/cli.py, `snsbot audit export [--entries]`
            stream = NullStream()
            with services.session_factory() as session:
                if entries:
                    register.write_csv(register.entry_rows(session), stream, register.ENTRY_COLUMNS)
                else:
                    register.write_csv(register.export_rows(session), stream)
            return stream.chars

        return run

    return {
        "App Home (chief)": home(CHIEF),
        "App Home (operator)": home(AUTHOR),
        "/sns status": status,
        "pending list": pending,
        "audit export": export(False),
        "audit export --entries": export(True),
    }


def pending_drafts(session: Session, limit: int = 20) -> list[Draft]:
    """The first pending drafts in id order (the pending list's query shape; the core reads
    them a page at a time through dashboard.pending)."""
    query = select(Draft).where(Draft.status == PENDING).order_by(Draft.id).limit(limit)
    return list(session.execute(query).scalars())


def queries(services) -> dict[str, Callable[[], object]]:
    """The App Home's queries one by one (`--queries`), each in its own session."""
    now = services.clock()

    def read(query: Callable[[Session], object]) -> Callable[[], object]:
        def run():
            with services.session_factory() as session:
                return query(session)

        return run

    return {
        "dashboard.pending": read(dashboard.pending),
        "dashboard.scheduled": read(lambda session: dashboard.scheduled(session, now)),
        "dashboard.failures": read(dashboard.failures),
        "dashboard.mine": read(lambda session: dashboard.mine(session, AUTHOR)),
        "dashboard.latest_publications": read(dashboard.latest_publications),
        "workflow.open_drafts": read(lambda session: workflow.open_drafts(session, AUTHOR)),
        "pending drafts (id order)": read(pending_drafts),
    }


CLOCKS = {
    "wall": time.perf_counter,
    # This thread's CPU time: steadier than wall time on a shared machine. On SQLite it holds
    # all the work; on PostgreSQL it leaves out the server's.
    "cpu": time.thread_time,
}


def timed(
    run: Callable[[], object], repeat: int, budget: float, clock=time.perf_counter
) -> list[float]:
    """Up to `repeat` timings, fewer once `budget` seconds are spent (at least one)."""
    times: list[float] = []
    while len(times) < repeat and (not times or sum(times) < budget):
        gc.collect()
        t0 = clock()
        run()
        times.append(clock() - t0)
    return times


def peak_memory(run: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sizes", default="1000,10000", help="draft counts, ascending (1000,10000; add 100000)"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per view (5)")
    parser.add_argument(
        "--export-repeat", type=int, default=1, help="timed runs per audit export (1)"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help="stop repeating a view after this many s; a view slower than this runs once (20)",
    )
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="a throwaway database on SNSBOT_TEST_POSTGRES_URL's server instead of SQLite",
    )
    parser.add_argument(
        "--queries", action="store_true", help="also time the App Home's queries one by one"
    )
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="wall",
        help="what to time (wall; cpu: this thread's CPU)",
    )
    args = parser.parse_args()
    clock = CLOCKS[args.clock]
    sizes = sorted(int(x) for x in args.sizes.split(","))
    print(f"machine: {benchlib.machine()}")
    results: dict[tuple[int, str], tuple[float, int | None]] = {}
    with (
        tempfile.TemporaryDirectory(prefix="snsbot-bench-") as tmp,
        benchlib.database("postgresql" if args.postgres else "sqlite", Path(tmp)) as url,
    ):
        engine = db.make_engine(url)
        db.upgrade(engine)
        with db.make_session_factory(engine).begin() as session:
            roles.bootstrap(session, CHIEF, seed.AUTHORS, utc_now())
        services = build_services(
            Settings(slack_bot_token=TOKEN, database_url=url, chief=CHIEF, operators=seed.AUTHORS),
            migrate=False,
        )
        print(
            f"database: {url.split('@')[-1]}; mix {seed.GROWTH_MIX}, {len(seed.AUTHORS)} authors;"
            f" timing {args.clock} time"
        )
        have = 0
        for size in sizes:
            t0 = time.perf_counter()
            done = seed.seed(engine, seed.kinds_for(size - have, seed.GROWTH_MIX))
            have = size
            if engine.dialect.name == "postgresql":  # as autovacuum would after a bulk insert
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE")
            print(
                f"  {size} drafts: +{done.rows} rows in {time.perf_counter() - t0:.1f} s; "
                f"{dict(seed.status_counts(engine))}",
                flush=True,
            )
            measured = views(services) | (queries(services) if args.queries else {})
            for name, run in measured.items():
                export = name.startswith("audit export")
                times = timed(run, 1, args.budget, clock)  # warm-up (and a check that it works)
                if times[0] < args.budget:  # else that one slow run is the measurement
                    repeat = args.export_repeat if export else args.repeat
                    times = timed(run, repeat, args.budget, clock)
                peak = peak_memory(run) if times[0] < args.budget or export else None
                results[size, name] = (statistics.median(times), peak)
                memory = f"{peak / 1024:9.0f} KiB" if peak is not None else "(not measured: slow)"
                print(
                    f"    {name:<24} {statistics.median(times) * 1000:9.1f} ms"
                    f" ×{len(times)}  peak {memory}",
                    flush=True,
                )
        services.engine.dispose()
        engine.dispose()
    report(results, sizes)
    return 0


def report(results, sizes) -> None:
    names = list(dict.fromkeys(name for _, name in results))
    rows = []
    for name in names:
        row = [name]
        for size in sizes:
            seconds, peak = results[size, name]
            row += [f"{seconds * 1000:.1f}", "-" if peak is None else f"{peak / 1024:.0f}"]
        small, large = results[sizes[0], name], results[sizes[-1], name]
        slowdown = large[0] / small[0]
        grew = "-" if large[1] is None or not small[1] else f"{large[1] / small[1]:.1f}×"
        if name.startswith("audit export"):  # the goal: flat memory; time grows with the rows
            verdict = "flat" if large[1] is not None and large[1] <= 2 * small[1] else "grows"
            row += [f"{slowdown:.1f}×", f"{grew} ({verdict})"]
        else:
            verdict = "meets" if slowdown <= GOAL else "misses"
            row += [f"{slowdown:.1f}× ({verdict})", grew]
        rows.append(row)
    headers = ["view"]
    for size in sizes:
        headers += [f"{size:,} ms", f"{size:,} peak KiB"]
    headers += [f"time {sizes[-1]:,}/{sizes[0]:,}", f"memory {sizes[-1]:,}/{sizes[0]:,}"]
    print()
    print(table(headers, rows))
    print(
        f"\ngoal: views at most {GOAL:.0f}× slower from the smallest to the largest size; "
        "the export's peak memory flat (streaming)"
    )


if __name__ == "__main__":
    sys.exit(main())
