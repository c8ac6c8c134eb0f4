"""Fan-out: time from the approve click to the last post when X, Facebook and the blog each take 1 s."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import benchlib
from benchlib import CHIEF, OPERATORS, SECRET, TOKEN, table
from drafting import card_button, draft_values
from fakes import graph_api, wordpress
from fakes.graph_api import FakeGraph
from fakes.slack_api import FakeSlack
from fakes.wordpress import FakeWordPress
from fakes.x_api import TWEETS, FakeX
from slack_signing import SignedSlackClient

from bot.app import assemble
from bot.config import Settings
from handlers.slack.server import HttpServer

OPERATOR = OPERATORS[0]
X_KEYS = ("bench-consumer-key", "bench-consumer-secret", "99-bench-access-token", "bench-secret")
GOAL_FACTOR = 1.2


class PostLog:
    """Wraps each platform fake's request handler to note when a post arrives and is answered."""

    def __init__(self):
        self.lock = threading.Lock()
        self.posts: list[tuple[str, float, float]] = []  # (platform, arrived, answered)

    def watch(self, fake, method_name: str, platform: str, path_suffix: str) -> None:
        original = getattr(fake, method_name)

        def handle(handler):
            arrived = time.monotonic()
            try:
                original(handler)
            finally:
                path = handler.path.split("?")[0]
                if handler.command == "POST" and path.endswith(path_suffix):
                    with self.lock:
                        self.posts.append((platform, arrived, time.monotonic()))

        setattr(fake, method_name, handle)

    def wait(self, count: int, timeout: float) -> list[tuple[str, float, float]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.posts) >= count:
                    return list(self.posts)
            time.sleep(0.005)
        raise SystemExit(f"only {len(self.posts)} of {count} posts arrived in {timeout:.0f} s")


def settings_for(database_url: str, slack: FakeSlack, x: FakeX, graph: FakeGraph, blog) -> Settings:
    """The settings tests/publishers/test_platforms_e2e.py uses: real publishers against the three fakes."""
    return replace(
        Settings(
            slack_bot_token=TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=slack.base_url,
            database_url=database_url,
            chief=CHIEF,
            operators=OPERATORS,
        ),
        x_api_key=X_KEYS[0],
        x_api_secret=X_KEYS[1],
        x_access_token=X_KEYS[2],
        x_access_token_secret=X_KEYS[3],
        x_username="wakokyodo",
        x_api_url=x.url,
        facebook_page_id=graph_api.PAGE_ID,
        facebook_page_token=graph_api.PAGE_TOKEN,
        facebook_graph_url=graph.base_url,
        blog_kind="wordpress",
        wordpress_url=blog.root_url,
        wordpress_user=wordpress.USER,
        wordpress_app_password=wordpress.APP_PASSWORD,
    )


def is_card(call) -> bool:
    return call.params.get("channel") == CHIEF and bool(call.params.get("blocks"))


def is_results(call) -> bool:
    return call.params.get("channel") == OPERATOR and "投稿結果" in str(call.params.get("text"))


def submit(client: SignedSlackClient, fake: FakeSlack, count: int) -> list:
    """Submit `count` drafts with distinct texts; return their approval cards."""
    before = len([c for c in fake.calls("chat.postMessage") if is_card(c)])
    for _ in range(count):
        body = f"和光市民まつりのお知らせ（ベンチマーク {time.time_ns()}）"
        response = client.view_submission(OPERATOR, "draft_submit", draft_values(body=body))
        if response.status_code != 200 or response.text:
            raise SystemExit(f"draft not accepted: {response.status_code} {response.text[:200]}")
    return fake.wait_for("chat.postMessage", before + count, timeout=30, where=is_card)[before:]


def click_approve(url: str, fake: FakeSlack, card) -> float:
    """Click approve on `card` (own HTTP session); return the click time (monotonic)."""
    button = card_button(card, "approve")
    client = SignedSlackClient(url, SECRET, fake)
    clicked = time.monotonic()
    response = client.block_action(
        CHIEF,
        "approve",
        button["value"],
        block_id=button["block_id"],
        channel_id=card.response["channel"],
        message_ts=card.response["ts"],
    )
    client.close()
    if response.status_code != 200:
        raise SystemExit(f"approve click answered {response.status_code}")
    return clicked


def approve_together(url, fake, log: PostLog, cards, channels: int) -> dict:
    """Click approve on every card at once; time to the last post and to the last results DM."""
    posts_before = len(log.posts)
    dms_before = len([c for c in fake.calls("chat.postMessage") if is_results(c)])
    clicks: list[float] = []
    threads = [
        threading.Thread(target=lambda c=card: clicks.append(click_approve(url, fake, c)))
        for card in cards
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    expected = posts_before + channels * len(cards)
    posts = log.wait(expected, timeout=60)[posts_before:expected]
    dms = fake.wait_for("chat.postMessage", dms_before + len(cards), timeout=60, where=is_results)
    first_click = min(clicks)
    return {
        "posts": len(posts),
        "first_arrival": min(p[1] for p in posts) - first_click,
        "last_arrival": max(p[1] for p in posts) - first_click,
        "last_answered": max(p[2] for p in posts) - first_click,
        "results_dm": max(c.at for c in dms[dms_before:]) - first_click,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--drafts", type=int, default=5, help="drafts approved one at a time (5)")
    parser.add_argument(
        "--bursts",
        default="2,4",
        help="also approve this many drafts at the same moment, comma-separated (2,4; '' = none)",
    )
    parser.add_argument(
        "--delay", type=float, default=1.0, help="each platform's answer time (1.0)"
    )
    parser.add_argument("--allowance", type=float, default=0.05, help="allowed on top, s (0.05)")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="a throwaway database on SNSBOT_TEST_POSTGRES_URL's server instead of SQLite",
    )
    args = parser.parse_args()
    bursts = [int(x) for x in args.bursts.split(",") if x.strip()]
    print(f"machine: {benchlib.machine()}")
    with (
        tempfile.TemporaryDirectory(prefix="snsbot-bench-") as tmp,
        benchlib.database("postgresql" if args.postgres else "sqlite", Path(tmp)) as url,
        FakeSlack(TOKEN) as slack,
        FakeX(X_KEYS[0], X_KEYS[2], consumer_secret=X_KEYS[1], access_token_secret=X_KEYS[3]) as x,
        FakeGraph() as graph,
        FakeWordPress() as blog,
    ):
        runtime = assemble(settings_for(url, slack, x, graph, blog))
        publishers = runtime.services.publishers
        channels = len(publishers)
        for name, publisher in publishers.items():  # as `snsbot run` does at start
            problem = None if publisher.dry_run else publisher.verify_account()
            if publisher.dry_run or problem:
                said = problem.render(runtime.services.msg) if problem else "dry run"
                raise SystemExit(f"{name} is not a real, verified publisher: {said}")
        log = PostLog()
        log.watch(x, "_handle", "x", "/2/tweets")
        log.watch(graph, "_handle", "facebook", "/feed")
        log.watch(blog, "_handle", "blog", "/wp/v2/posts")
        x.delay(TWEETS, args.delay)
        graph.delay(graph_api.FEED, args.delay)
        blog.delay(wordpress.CREATE, args.delay)
        http = HttpServer(runtime.app, SECRET, port=0, foreground=runtime.services.foreground)
        http.start()
        runtime.dispatcher.start()
        events = f"http://127.0.0.1:{http.port}/slack/events"
        submitter = SignedSlackClient(events, SECRET, slack)
        print(
            f"database: {url.split('@')[-1]}; {channels} channels, each answering after "
            f"{args.delay:.2f} s; dispatcher pool {runtime.dispatcher.actions.workers} threads"
        )
        try:
            rows, singles = [], []
            # One unreported draft first, so every connection and cache is warm.
            approve_together(events, slack, log, submit(submitter, slack, 1), channels)
            for n in range(1, args.drafts + 1):
                result = approve_together(events, slack, log, submit(submitter, slack, 1), channels)
                singles.append(result)
                rows.append(row(f"single #{n}", 1, result, args.delay))
            for size in bursts:
                result = approve_together(
                    events, slack, log, submit(submitter, slack, size), channels
                )
                rows.append(row("together", size, result, args.delay))
        finally:
            submitter.close()
            http.stop()
            runtime.dispatcher.stop()
            runtime.services.engine.dispose()
    print()
    print(
        table(
            [
                "run",
                "drafts",
                "posts",
                "first post sent s",
                "last post sent s",
                "last post done s",
                "results DM s",
                "× slowest channel",
            ],
            rows,
        )
    )
    goal = GOAL_FACTOR * args.delay + args.allowance
    done = [r["last_answered"] for r in singles]
    if done:
        worst, median = max(done), statistics.median(done)
        verdict = "meets" if worst <= goal else "misses"
        print(
            f"\nclick → last post done, one draft at a time: median {median:.3f} s, worst "
            f"{worst:.3f} s = {worst / args.delay:.2f} × the slowest channel "
            f"({verdict} goal ≤ {goal:.2f} s = {GOAL_FACTOR} × {args.delay:.2f} s + {args.allowance:.2f} s)"
        )
        print(f"serial posting would take about {channels * args.delay:.1f} s")
    return 0


def row(name: str, drafts: int, r: dict, delay: float) -> list[object]:
    return [
        name,
        drafts,
        r["posts"],
        f"{r['first_arrival']:.3f}",
        f"{r['last_arrival']:.3f}",
        f"{r['last_answered']:.3f}",
        f"{r['results_dm']:.3f}",
        f"{r['last_answered'] / delay:.2f}",
    ]


if __name__ == "__main__":
    sys.exit(main())
