"""Follows, retweets, likes and shares (policy §7, §8): validation, decisions, exactly once, e2e."""

from __future__ import annotations

import json
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from conftest import CHIEF, OPERATOR, OPERATOR2, STRANGER, running_app
from drafting import click
from fakes.graph_api import FEED, FakeGraph
from fakes.x_engage import USERS, FakeXEngage
from platforms import with_platforms
from slack_signing import checkbox_value, radio_value, text_value
from sqlalchemy import select, update

from bot import db, register
from bot.approval import deciding, engagement
from bot.approval.engagement_view import EngagementView
from bot.delivery import notices
from bot.delivery.dispatcher import Dispatcher
from bot.features.engagement_targets import CATEGORIES, ERROR_KEYS, KINDS, parse
from bot.messages import CATALOGUES, JA, Messages
from bot.models import ENGAGEMENT, Engagement, RegisterEntry
from bot.people import roles
from bot.ports import NoticeMark, PermanentError, Published, RetryLater, TransientError
from handlers.slack.engagement_blocks import (
    CATEGORY,
    OFFICIAL,
    TARGET,
    Form,
    allow_list_blocks,
    engagement_card,
    engagement_modal,
    read_form,
)

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
X_KEYS = ("e2e-consumer-key", "e2e-consumer-secret", "99-e2e-access-token", "e2e-access-secret")
FB_POST = "https://www.facebook.com/wakoshi.npo/posts/123456789"
TWEET = "https://x.com/wako_npo/status/1790000000000000001"

# -- validation -------------------------------------------------------------------------------

GOOD = [
    ("follow", "@wako_npo", "wako_npo"),
    ("follow", "＠wako_npo", "wako_npo"),  # full-width ＠, as a Japanese keyboard types it
    ("follow", "https://x.com/wako_npo", "wako_npo"),
    ("follow", "https://twitter.com/Wako_NPO/", "Wako_NPO"),
    ("follow", "x.com/wako_npo", "wako_npo"),
    ("follow", "<https://x.com/wako_npo>", "wako_npo"),  # as Slack may wrap a link
    ("follow", "https://mobile.twitter.com/wako_npo?lang=ja", "wako_npo"),
    ("retweet", TWEET, "1790000000000000001"),
    ("retweet", "https://twitter.com/wako_npo/status/1234567890?s=20", "1234567890"),
    ("retweet", "https://x.com/i/web/status/1234567890", "1234567890"),
    ("like", "https://x.com/wako_npo/status/1234567890/photo/1", "1234567890"),
    ("like", " https://x.com/wako_npo/status/1234567890 ", "1234567890"),
    ("share", FB_POST, FB_POST),
    ("share", "https://m.facebook.com/story.php?story_fbid=1&id=2", None),
    ("share", "https://facebook.com/groups/wakonpo/permalink/3/", None),
]
BAD = [
    ("follow", ""),
    ("follow", "wako_npo"),  # neither @handle nor a URL
    ("follow", "@"),
    ("follow", "@wako-npo"),
    ("follow", "@" + "a" * 16),
    ("follow", "@wako npo"),
    ("follow", TWEET),  # a post, not an account
    ("follow", "https://x.com/home"),
    ("follow", "https://example.com/wako_npo"),
    ("follow", "https://x.com.evil.example/wako_npo"),
    ("follow", "ftp://x.com/wako_npo"),
    ("follow", FB_POST),
    ("retweet", "@wako_npo"),
    ("retweet", "https://x.com/wako_npo"),
    ("retweet", "https://x.com/wako_npo/status/abc"),
    ("retweet", "1234567890"),
    ("like", ""),
    ("share", TWEET),
    ("share", "https://facebook.com/"),
    ("share", "https://facebook.com.evil.example/page"),
    ("share", "https://notfacebook.com/page"),
    ("share", "@wako_npo"),
    ("share", "https://www.facebook.com/page with space"),
    ("share", "https://www.facebook.com/" + "a" * 2000),
]


@pytest.mark.parametrize(("kind", "text", "value"), GOOD)
def test_good_targets_are_accepted(kind, text, value):
    target, problem = parse(kind, text)
    assert problem is None and target is not None
    if value is not None:
        assert target.value == value
    assert target.url.startswith("https://")


@pytest.mark.parametrize(("kind", "text"), BAD)
def test_bad_targets_get_a_japanese_inline_error(kind, text):
    target, problem = parse(kind, text)
    assert target is None and problem == ERROR_KEYS[kind]
    message = Messages("ja")(problem)
    assert re.search(r"[ぁ-んァ-ヶ]", message) and "例:" in message


def test_the_form_requires_a_category_and_the_official_confirmation():
    values = {TARGET: {TARGET: text_value("@wako_npo")}, CATEGORY: {CATEGORY: radio_value(None)}}
    form, errors = read_form("follow", values)
    assert form.target.value == "wako_npo"
    assert errors == {
        CATEGORY: "engage.error.category_required",
        OFFICIAL: "engage.error.official_required",
    }
    assert read_form("follow", form_values("nonsense"))[1] == {TARGET: "engage.error.follow_target"}
    expected = Form(parse("follow", "@wako_npo")[0], "civic_group", True)
    assert read_form("follow", form_values("@wako_npo")) == (expected, {})


# -- builders ---------------------------------------------------------------------------------


def form_values(target: str, category: str | None = "civic_group", official: bool = True):
    values = {
        TARGET: {TARGET: text_value(target or None)},
        CATEGORY: {CATEGORY: radio_value(category)},
        OFFICIAL: {OFFICIAL: checkbox_value(*(["official"] if official else []))},
    }
    return values


@pytest.fixture(params=sorted(CATALOGUES))
def msg(request) -> Messages:
    return Messages(request.param)


@pytest.mark.parametrize("kind", KINDS)
def test_modal_contract(msg, kind):
    view = engagement_modal(msg, kind, "@wako_npo", dry_run=True)
    assert view["callback_id"] == "engagement_submit"
    assert json.loads(view["private_metadata"]) == {"kind": kind}
    assert all(len(view[k]["text"]) <= 24 for k in ("title", "submit", "close"))
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == [TARGET, CATEGORY, OFFICIAL]
    assert all(b["element"]["action_id"] == b["block_id"] for b in inputs)
    by_id = {b["block_id"]: b["element"] for b in inputs}
    assert [o["value"] for o in by_id[CATEGORY]["options"]] == list(CATEGORIES)
    assert [o["value"] for o in by_id[OFFICIAL]["options"]] == ["official"]
    assert by_id[TARGET]["initial_value"] == "@wako_npo"
    assert not any(b.get("optional") for b in inputs)


def test_modal_words_the_five_kinds_and_the_checkbox_in_japanese():
    view = engagement_modal(Messages("ja"), "follow")
    texts = json.dumps(view, ensure_ascii=False)
    for word in ("市民活動団体", "地域活動団体", "他の市民活動センター", "行政機関", "公共的機関"):
        assert word in texts
    assert "公式アカウントであることを確認しました" in texts


def view_of(**overrides) -> EngagementView:
    values = dict(
        id=7, front_end="slack", requester_id=OPERATOR, kind="follow", network="x",
        target="wako_npo", target_url="https://x.com/wako_npo", account="@wako_npo",
        category="civic_group", official_confirmed=True, status="pending", created_at=NOW,
        decided_by=None, decided_at=None, attempts=0, due_at=None, result_url=None,
        dry_run=False, error=None, approvers=(CHIEF,), card_refs=(),
    )  # fmt: skip
    values.update(overrides)
    return EngagementView(**values)


def buttons(blocks) -> dict:
    return {
        e["action_id"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]
    }  # fmt: skip


def test_card_has_its_own_buttons_valued_with_the_request_id(msg):
    fallback, blocks = engagement_card(msg, view_of())
    found = buttons(blocks)
    assert set(found) == {"engagement_approve", "engagement_reject"}
    assert {e["value"] for e in found.values()} == {"7"}
    assert (found["engagement_approve"]["style"], found["engagement_reject"]["style"]) == (
        "primary",
        "danger",
    )
    assert "@wako_npo" in fallback
    decided = view_of(status="done", decided_by=CHIEF, decided_at=NOW, result_url="https://x.com/w")
    _, blocks = engagement_card(msg, decided)
    assert not buttons(blocks)


def test_allow_list_blocks_fit_slack_and_count_the_rest(msg):
    items = [
        engagement.AllowedTarget(
            "x",
            f"@npo_{i}",
            f"https://x.com/npo_{i}",
            "civic_group",
            ("follow", "like"),
            NOW,
            CHIEF,
        )
        for i in range(100)
    ]
    blocks = allow_list_blocks(msg, items)
    assert all(len(b["text"]["text"]) <= 3000 for b in blocks if b["type"] == "section")
    assert "@npo_0" in json.dumps(blocks) and "@npo_99" not in json.dumps(blocks)
    assert msg("home.more", count=40) in json.dumps(blocks, ensure_ascii=False)
    empty = allow_list_blocks(msg, [])
    assert msg("home.none") in json.dumps(empty, ensure_ascii=False)


@pytest.mark.parametrize(
    "key",
    [
        *(f"engage.kind.{k}" for k in KINDS),
        *(f"engage.category.{c}" for c in CATEGORIES),
        *(f"engage.field.target.{k}" for k in KINDS),
        *(f"engage.modal.intro.{p}" for p in ("x", "facebook")),
        *(f"engage.rule.{p}" for p in ("x", "facebook")),
        *(f"engage.decision.{s}" for s in ("approved", "rejected")),
        *set(ERROR_KEYS.values()),
    ],
)
def test_keys_built_from_values_exist(key):
    assert all(key in texts for texts in CATALOGUES.values())


def test_a_facebook_like_is_refused_saying_the_graph_api_does_not_allow_it():
    """Policy §8 allows likes on Facebook, but a Page cannot like through the Graph API: the
    request is refused with the reason, not taken as a mistyped X post (it was, before)."""
    for text in (FB_POST, "https://www.facebook.com/wakonpo"):
        target, problem = parse("like", text)
        assert target is None and problem == "engage.error.facebook_like"
    assert "Graph API" in Messages("ja")(problem) and "方針 8" in Messages("ja")(problem)
    assert "`/sns share`" in Messages("en")(problem)


def test_the_like_form_says_facebook_likes_are_not_offered():
    from handlers.slack.engagement_blocks import engagement_modal

    for kind in KINDS:
        shown = json.dumps(engagement_modal(Messages("ja"), kind), ensure_ascii=False)
        assert ("Facebook の「いいね」は Graph API で行えない" in shown) == (kind == "like")


def test_help_lists_the_four_commands():
    for locale in CATALOGUES:
        for command in ("follow", "retweet", "like", "share"):
            assert f"/sns {command}" in Messages(locale)("help.text")


# -- the core: decisions and performing exactly once -----------------------------------------


class Clock:
    def __init__(self, now=NOW):
        self.now = now

    def __call__(self):
        return self.now


class RecordingPerformer:
    dry_run = False

    def __init__(self, network="x", errors=(), found=None):
        self.network, self.errors, self.found = network, list(errors), found
        self.calls, self.lookups = [], []
        self._lock = threading.Lock()

    def perform(self, kind, target):
        with self._lock:
            self.calls.append((kind, target))
            if self.errors:
                raise self.errors.pop(0)
        time.sleep(0.01)
        return Published(remote_id="r1", url=f"https://x.com/{target}")

    def look_up(self, kind, target):
        self.lookups.append((kind, target))
        return self.found


class RecordingNotifier:
    def __init__(self):
        self.sent = []

    def post_engagement_card(self, item, notice=None):
        self.sent.append(("card", item.id, item.status))
        return [(f"D{a}", f"1.{item.id}") for a in item.approvers]

    def update_engagement_card(self, item):
        self.sent.append(("update", item.id, item.status))

    def tell_requester(self, item, kind, notice=None):
        self.sent.append((kind, item.id, item.status))


@pytest.fixture
def core(database_url):
    engine = db.make_engine(database_url)
    factory = db.make_session_factory(engine)
    with factory.begin() as session:
        roles.bootstrap(session, CHIEF, (OPERATOR,), NOW)
    yield factory
    engine.dispose()


def ask(factory, kind="follow", text="@wako_npo", category="civic_group", who=OPERATOR) -> int:
    with factory.begin() as session:
        item = engagement.request(
            session, requester_id=who, kind=kind, target=parse(kind, text)[0],
            category=category, official_confirmed=True, now=NOW,
        )  # fmt: skip
        return item.id


def decide(factory, engagement_id, actor=CHIEF, approve=True):
    with factory.begin() as session:
        return engagement.decide(
            session, engagement_id=engagement_id, actor=actor, approve=approve, now=NOW
        )


def dispatcher(factory, notifier, clock, performers=None, locale="ja") -> Dispatcher:
    """The one dispatcher loop: it performs engagements and delivers their notices."""
    return Dispatcher(
        factory, {}, {"slack": notifier}, Messages(locale), clock, performers=performers, workers=2
    )


def run(factory, performer, notifier, clock=None, locale="ja"):
    """Work until nothing is due: perform what is approved, deliver what is owed."""
    worker = dispatcher(factory, notifier, clock or Clock(), {performer.network: performer}, locale)
    try:
        worker.run_until_idle()
    finally:
        worker.stop()


def deliver_due(factory, notifier, clock) -> int:
    worker = dispatcher(factory, notifier, clock)
    try:
        return worker.deliver_due()
    finally:
        worker.stop()


def cards_of(factory, engagement_id) -> tuple:
    with factory() as session:
        return notices.card_refs(session, ENGAGEMENT, engagement_id)


def entries(factory) -> list[RegisterEntry]:
    with factory() as session:
        return list(session.execute(select(RegisterEntry).order_by(RegisterEntry.seq)).scalars())


def state(factory, engagement_id) -> Engagement:
    with factory() as session:
        return session.get(Engagement, engagement_id)


def test_an_engagement_notice_tried_before_says_since_when_so_it_is_looked_for(core):
    """A card or DM that failed may have been delivered all the same (no answer came back)."""
    marks = []

    class Unanswered(RecordingNotifier):
        def post_engagement_card(self, item, notice=None):
            marks.append(notice)
            if len(marks) == 1:
                raise RetryLater("Slack did not answer")
            return super().post_engagement_card(item, notice)

    clock, notifier = Clock(), Unanswered()
    ask(core)
    deliver_due(core, notifier, clock)
    first_try = clock.now
    clock.now += timedelta(minutes=1)
    deliver_due(core, notifier, clock)
    assert marks[0].key.startswith("notice:") and marks[0].tried_since is None
    assert marks[1] == NoticeMark(marks[0].key, first_try)
    assert [kind for kind, *_ in notifier.sent] == ["card", "requested"]


def test_nothing_is_performed_before_the_chief_approves(core):
    performer, notifier = RecordingPerformer(), RecordingNotifier()
    engagement_id = ask(core)
    run(core, performer, notifier)
    assert performer.calls == []
    assert notifier.sent == [
        ("card", engagement_id, "pending"),
        ("requested", engagement_id, "pending"),
    ]
    assert cards_of(core, engagement_id) == ((f"D{CHIEF}", f"1.{engagement_id}"),)


def test_double_approval_and_racing_workers_perform_once(core):
    performer, notifier = RecordingPerformer(), RecordingNotifier()
    engagement_id = ask(core)
    assert decide(core, engagement_id).result == deciding.DONE
    again = decide(core, engagement_id)
    assert (again.result, again.status, again.decided_by) == (
        deciding.ALREADY_DECIDED,
        "approved",
        CHIEF,
    )
    workers = [
        threading.Thread(target=run, args=(core, performer, RecordingNotifier())) for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    run(core, performer, notifier)
    assert performer.calls == [("follow", "wako_npo")]
    assert state(core, engagement_id).status == "done"
    actions = [e.action for e in entries(core) if e.details.get("engagement") == engagement_id]
    assert actions == ["engagement_requested", "engagement_approved", "engagement_done"]
    done = entries(core)[-1]
    assert (done.actor, done.details["kind"], done.details["platform"]) == ("snsbot", "follow", "x")
    assert (done.details["target"], done.details["category"]) == ("wako_npo", "civic_group")
    with core() as session:
        assert register.verify(session) == []


def test_a_rejection_performs_nothing_and_tells_the_requester(core):
    performer, notifier = RecordingPerformer(), RecordingNotifier()
    engagement_id = ask(core, "like", TWEET)
    assert decide(core, engagement_id, approve=False).status == "rejected"
    assert decide(core, engagement_id).result == deciding.ALREADY_DECIDED
    run(core, performer, notifier)
    assert performer.calls == []
    assert ("result", engagement_id, "rejected") in notifier.sent
    assert entries(core)[-1].action == "engagement_rejected"


@pytest.mark.parametrize("who", [OPERATOR, STRANGER])
def test_only_the_chief_decides_and_refusals_are_recorded(core, who):
    engagement_id = ask(core, "share", FB_POST, "government")
    outcome = decide(core, engagement_id, actor=who)
    assert outcome.result == deciding.REFUSED
    refused = entries(core)[-1]
    assert (refused.actor, refused.action) == (who, "engagement_refused")
    assert refused.details["attempted"] == "approve"
    assert refused.details["role"] == ("operator" if who == OPERATOR else "none")
    assert (refused.details["kind"], refused.details["platform"]) == ("share", "facebook")
    assert (refused.details["target"], refused.details["category"]) == (FB_POST, "government")
    assert state(core, engagement_id).status == "pending"


def test_a_transient_failure_is_retried_later_and_a_permanent_one_reported(core):
    clock = Clock()
    performer = RecordingPerformer(errors=[TransientError("投稿上限のため")])
    notifier = RecordingNotifier()
    engagement_id = ask(core)
    decide(core, engagement_id)
    run(core, performer, notifier, clock)
    item = state(core, engagement_id)
    assert (item.status, item.error, len(performer.calls)) == ("approved", "投稿上限のため", 1)
    clock.now = item.due_at
    run(core, performer, notifier, clock)
    assert state(core, engagement_id).status == "done" and len(performer.calls) == 2

    failing = RecordingPerformer(errors=[PermanentError("X が受け付けませんでした")])
    second = ask(core, "retweet", TWEET)
    decide(core, second)
    run(core, failing, notifier, clock)
    item = state(core, second)
    assert (item.status, item.error) == ("failed", "X が受け付けませんでした")
    assert ("result", second, "failed") in notifier.sent
    assert entries(core)[-1].action == "engagement_failed"


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_a_performers_error_key_is_stored_in_the_installations_language(core, locale):
    msg, clock = Messages(locale), Clock()
    performer = RecordingPerformer(errors=[TransientError("pub.reason.rate_limited")])
    engagement_id = ask(core)
    decide(core, engagement_id)
    run(core, performer, RecordingNotifier(), clock, locale=locale)
    item = state(core, engagement_id)
    assert (item.status, item.error) == ("approved", msg("pub.reason.rate_limited"))

    refused = PermanentError("engage.error.x_no_user", {"handle": "nobody"})
    second = ask(core, "retweet", TWEET)
    decide(core, second)
    run(core, RecordingPerformer(errors=[refused]), RecordingNotifier(), clock, locale=locale)
    expected = msg("engage.error.x_no_user", handle="nobody")
    assert state(core, second).error == expected
    assert entries(core)[-1].details["error"] == expected


def test_a_crashed_worker_is_recovered_by_looking_up_not_by_sharing_again(core):
    engagement_id = ask(core, "share", FB_POST)
    decide(core, engagement_id)
    with core.begin() as session:  # as if a worker claimed it and died mid-call
        session.execute(
            update(Engagement)
            .where(Engagement.id == engagement_id)
            .values(status="sending", attempts=1, claimed_at=NOW - timedelta(minutes=10))
        )
    performer = RecordingPerformer("facebook", found=Published("page_1", "https://fb.example/p"))
    run(core, performer, RecordingNotifier())
    assert performer.lookups == [("share", FB_POST)] and performer.calls == []
    item = state(core, engagement_id)
    assert (item.status, item.remote_id, item.attempts) == ("done", "page_1", 2)


def test_the_allow_list_holds_approved_accounts_only(core):
    followed = ask(core)
    liked = ask(core, "like", TWEET)
    decide(core, followed)
    decide(core, liked)
    decide(core, ask(core, "follow", "@saitama_pref", "government"), approve=False)
    ask(core, "share", FB_POST)  # still pending
    with core() as session:
        allowed = engagement.allow_list(session)
    assert [(a.network, a.account, a.kinds, a.category) for a in allowed] == [
        ("x", "@wako_npo", ("follow", "like"), "civic_group")
    ]
    assert allowed[0].url == "https://x.com/wako_npo" and allowed[0].approved_by == CHIEF


# -- signed end to end, with the real publishers' clients against the fakes ------------------


@pytest.fixture
def platforms():
    with (
        FakeXEngage(
            X_KEYS[0], X_KEYS[2], consumer_secret=X_KEYS[1], access_token_secret=X_KEYS[3]
        ) as x,
        FakeGraph() as graph,
    ):
        yield x, graph


@pytest.fixture
def live_app(settings, fake_slack, platforms):
    x, graph = platforms
    configured = with_platforms(settings, X_KEYS, x, graph)
    with running_app(configured, fake_slack) as app:
        yield app


class Worker:
    """The running app's own dispatcher performs engagements and delivers their notices."""

    def __init__(self, app):
        self.app = app
        self.performers = app.runtime.dispatcher.actions.performers

    def run_until(self, done, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.app.runtime.dispatcher.wake()
            if done():
                return
            time.sleep(0.05)
        raise AssertionError("timed out")


def request_by_slash_command(app, text, category="civic_group", user=OPERATOR):
    opened = len(app.fake.calls("views.open"))
    response = app.slack.command(user, text)
    assert response.status_code == 200, response.text
    view = app.fake.wait_for("views.open", count=opened + 1)[-1].params["view"]
    target = next(b for b in view["blocks"] if b.get("block_id") == TARGET)
    values = form_values(target["element"].get("initial_value") or "", category)
    return app.slack.view_submission(
        user, "engagement_submit", values, private_metadata=view["private_metadata"]
    )


def card_of(app, kind):
    return app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.params["channel"] == CHIEF
            and f'"engagement_{kind}' in json.dumps(c.params.get("blocks"))
        ),
    )[-1]


def has_card(app) -> bool:
    return any(
        c.params.get("channel") == CHIEF and "engagement_approve" in json.dumps(c.params)
        for c in app.fake.calls("chat.postMessage")
    )


def dm_to(app, user, text, count=1):
    return app.fake.wait_for(
        "chat.postMessage",
        count=count,
        where=lambda c: c.params["channel"] == user and text in c.params["text"],
    )


def register_actions(app) -> list[str]:
    with app.services.session_factory() as session:
        rows = session.execute(select(RegisterEntry).order_by(RegisterEntry.seq)).scalars()
        return [e.action for e in rows if e.action.startswith("engagement_")]


def test_follow_end_to_end_performs_once_after_approval(live_app, platforms):
    x, graph = platforms
    app, worker = live_app, Worker(live_app)
    assert not any(p.dry_run for p in worker.performers.values())
    response = request_by_slash_command(app, "follow @wako_npo")
    assert response.status_code == 200 and response.text == ""
    worker.run_until(lambda: has_card(app) and dm_to_now(app, OPERATOR, "課長の決裁に回しました"))
    card = card_of(app, "approve")
    assert "@wako_npo" in card.params["text"]
    worker.run_until(lambda: True)  # more rounds: still nothing reaches X or Facebook
    assert x.calls() == [] and graph.calls() == []

    click(app, CHIEF, card, "engagement_approve")
    click(app, CHIEF, card, "engagement_approve")  # a double click changes nothing
    worker.run_until(
        lambda: dm_to_now(app, OPERATOR, "実行しました") and updated_with(app, "フォローしました")
    )
    worker.run_until(lambda: True)
    (result,) = dm_to(app, OPERATOR, "実行しました")
    follows = x.engagement_calls("following")
    assert [(c.path, c.json) for c in follows] == [
        (f"/2/users/{x.me}/following", {"target_user_id": USERS["wako_npo"]})
    ]
    assert x.followed == [USERS["wako_npo"]] and not x.retweeted and not x.liked
    assert "https://x.com/wako_npo" in result.params["text"]
    updated = updated_with(app, "フォローしました")[-1]
    assert (updated.params["channel"], updated.params["ts"]) == (
        card.response["channel"],
        card.response["ts"],
    )
    assert not buttons(updated.params["blocks"])
    assert register_actions(app) == [
        "engagement_requested",
        "engagement_approved",
        "engagement_done",
    ]
    with app.services.session_factory() as session:
        allowed = engagement.allow_list(session)
    assert [(a.account, a.kinds) for a in allowed] == [("@wako_npo", ("follow",))]
    home = json.dumps(allow_list_blocks(app.services.msg, allowed), ensure_ascii=False)
    assert "@wako_npo" in home and "市民活動団体" in home


def test_share_end_to_end_posts_the_link_on_the_page_once(live_app, platforms):
    x, graph = platforms
    app, worker = live_app, Worker(live_app)
    request_by_slash_command(app, f"share {FB_POST}", category="civic_center")
    worker.run_until(lambda: has_card(app))
    card = card_of(app, "approve")
    assert graph.calls() == []
    click(app, CHIEF, card, "engagement_approve")
    worker.run_until(lambda: dm_to_now(app, OPERATOR, "実行しました"))
    posts = graph.calls(FEED)
    assert [(c.method, c.fields.get("link")) for c in posts] == [("POST", FB_POST)]
    assert [p["link"] for p in graph.feed()] == [FB_POST]
    assert x.engagement_calls() == []


def updated_with(app, text) -> list:
    return [
        c for c in app.fake.calls("chat.update") if text in json.dumps(c.params, ensure_ascii=False)
    ]


def dm_to_now(app, user, text) -> bool:
    return any(
        c.params.get("channel") == user and text in c.params.get("text", "")
        for c in app.fake.calls("chat.postMessage")
    )


def test_an_operator_cannot_approve_and_a_rejection_reaches_no_platform(live_app, platforms):
    x, graph = platforms
    app, worker = live_app, Worker(live_app)
    request_by_slash_command(app, f"retweet {TWEET}", category="community_group")
    worker.run_until(lambda: has_card(app))
    card = card_of(app, "approve")
    click(app, OPERATOR2, card, "engagement_approve")
    refusal = app.fake.wait_for("response_url")[-1]
    assert "課長だけ" in refusal.params["text"]
    worker.run_until(lambda: "engagement_refused" in register_actions(app))
    click(app, CHIEF, card, "engagement_reject")
    worker.run_until(lambda: dm_to_now(app, OPERATOR, "却下されました"))
    worker.run_until(lambda: True)
    assert x.calls() == [] and graph.calls() == []
    assert register_actions(app) == [
        "engagement_requested",
        "engagement_refused",
        "engagement_rejected",
    ]
    with app.services.session_factory() as session:
        refused = session.execute(
            select(RegisterEntry).where(RegisterEntry.action == "engagement_refused")
        ).scalar_one()
        assert engagement.allow_list(session) == []
    assert refused.actor == OPERATOR2
    assert (refused.details["kind"], refused.details["target"]) == (
        "retweet",
        TWEET.rsplit("/", 1)[1],
    )


def test_sns_like_with_a_facebook_url_says_the_api_does_not_allow_it(app):
    """Signed end to end: `/sns like <Facebook URL>` opens the form with the note, and its
    submission is answered inline with why a Facebook like cannot be requested (policy §8)."""
    response = request_by_slash_command(app, f"like {FB_POST}")
    assert response.json() == {
        "response_action": "errors",
        "errors": {TARGET: JA["engage.error.facebook_like"]},
    }
    view = app.fake.calls("views.open")[-1].params["view"]
    assert JA["engage.note.facebook_like"] in json.dumps(view, ensure_ascii=False)
    assert register_actions(app) == [] and not has_card(app)


def test_the_form_shows_each_problem_inline_in_japanese(app):
    for kind, text in BAD[::3]:
        response = app.slack.view_submission(
            OPERATOR,
            "engagement_submit",
            form_values(text),
            private_metadata=json.dumps({"kind": kind}),
        )
        assert response.json() == {
            "response_action": "errors",
            "errors": {TARGET: JA[ERROR_KEYS[kind]]},
        }, (kind, text)
    response = app.slack.view_submission(
        OPERATOR, "engagement_submit", form_values("@wako_npo", None, False),
        private_metadata=json.dumps({"kind": "follow"}),
    )  # fmt: skip
    assert response.json()["errors"] == {
        CATEGORY: JA["engage.error.category_required"],
        OFFICIAL: JA["engage.error.official_required"],
    }
    assert register_actions(app) == []


@pytest.mark.parametrize(
    ("metadata", "values"),
    [
        ("", form_values("@wako_npo")),
        ("[1]", form_values("@wako_npo")),
        (json.dumps({"kind": "block"}), form_values("@wako_npo")),
        (json.dumps({"kind": "follow"}), {TARGET: "x", CATEGORY: [1], OFFICIAL: {OFFICIAL: 5}}),
        (json.dumps({"kind": "follow"}), {TARGET: {TARGET: {"value": 5}}}),
        (
            json.dumps({"kind": "share"}),
            {CATEGORY: {CATEGORY: {"selected_option": "civic_group"}},
             OFFICIAL: {OFFICIAL: {"selected_options": "official"}}},
        ),
    ],
)  # fmt: skip
def test_malformed_submissions_are_answered_inline_and_store_nothing(app, metadata, values):
    response = app.slack.view_submission(OPERATOR, "engagement_submit", values, metadata)
    assert response.status_code == 200
    assert response.json()["response_action"] == "errors"
    assert register_actions(app) == []


def test_only_people_on_the_roster_may_ask(app):
    answer = app.slack.command(STRANGER, "follow @wako_npo").json()["text"]
    assert "登録されていません" in answer
    assert not app.fake.calls("views.open")
    response = app.slack.view_submission(
        STRANGER, "engagement_submit", form_values("@wako_npo"),
        private_metadata=json.dumps({"kind": "follow"}),
    )  # fmt: skip
    assert "登録されていません" in response.json()["errors"][TARGET]
    with app.services.session_factory() as session:
        (refused,) = session.execute(
            select(RegisterEntry).where(RegisterEntry.action.like("engagement_%"))
        ).scalars()
        assert session.execute(select(Engagement)).first() is None
    assert (refused.actor, refused.action) == (STRANGER, "engagement_refused")
    assert (refused.details["attempted"], refused.details["target"]) == ("request", "wako_npo")


def test_a_submission_delivered_three_times_is_one_request(app):
    payload = app.slack.view_submission_payload(
        OPERATOR, "engagement_submit", form_values("@wako_npo"), json.dumps({"kind": "follow"})
    )
    body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)})
    retries = ({}, {"X-Slack-Retry-Num": "1"}, {"X-Slack-Retry-Num": "2"})
    responses = [app.slack.post(body, extra_headers=headers) for headers in retries]
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert register_actions(app) == ["engagement_requested"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_click_during_a_database_outage_is_answered_try_again(app, database_url):
    import psycopg
    from conftest import PG_URL, _pg_admin_dsn
    from sqlalchemy.engine import make_url

    ask(app.services.session_factory)
    Worker(app).run_until(lambda: has_card(app))
    name = make_url(database_url).database

    def admin(*statements):
        with psycopg.connect(_pg_admin_dsn(PG_URL), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    admin(
        f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false",
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
    )
    try:
        click(app, CHIEF, card_of(app, "approve"), "engagement_approve")
        told = app.fake.wait_for("response_url", timeout=10)[0]
    finally:
        admin(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true")
    assert "もう一度" in told.params["text"]
    with app.services.session_factory() as session:
        assert session.execute(select(Engagement.status)).scalar_one() == "pending"


# -- consistency: never block anyone for following or sharing (policy §7, §8) ---------------

# Only the moderation module may ban a Facebook user, with a §11 category.
MODERATION_PATHS = ("bot/approval/moderation.py",)
BLOCK_CALLS = [
    re.compile(r"\b\w*(client|api|tweepy)\w*\.(un)?block\s*\(", re.IGNORECASE),  # tweepy Client
    re.compile(r"\.(create|destroy)_block\s*\("),  # tweepy API (v1.1)
    re.compile(r"blocks/(create|destroy)"),  # X v1.1 endpoints
    re.compile(r"/blocking\b"),  # X v2: POST/DELETE /2/users/{id}/blocking
    re.compile(r"/blocked\b"),  # Facebook: POST /{page-id}/blocked (a page ban)
]


def may_ban(path: Path) -> bool:
    name = path.relative_to(ROOT).as_posix()
    return name in MODERATION_PATHS or (name.startswith("publishers/") and "inbox" in path.name)


def block_calls(source: str) -> list[str]:
    return [m.group(0) for pattern in BLOCK_CALLS for m in pattern.finditer(source)]


def test_the_block_detector_finds_what_it_looks_for():
    for source in (
        "self.client.block(user_id)",
        "api.create_block(screen_name='x')",
        'requests.post(f"{graph}/{page}/blocked", data={"user": uid})',
        'session.post(f"{base}/2/users/{me}/blocking", json={})',
        "tweepy_client.unblock(1)",
    ):
        assert block_calls(source), source
    for source in ("SectionBlock(text='x')", "blocks.append(b)", "block_id='card'"):
        assert not block_calls(source), source


@pytest.mark.parametrize(
    "path",
    sorted(
        p
        for package in ("bot", "publishers", "handlers")
        for p in (ROOT / package).rglob("*.py")
        if not may_ban(p)
    ),
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_no_code_blocks_a_follower_or_sharer(path):
    assert block_calls(path.read_text(encoding="utf-8")) == [], "policy 7, 8: never block"


# -- the migration matches the models ---------------------------------------------------------


def test_migration_0003_creates_exactly_the_engagement_tables(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from bot.models import Base

    engine = db.make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    db.upgrade(engine)
    ours = {"engagements"}  # its engagement_notices became rows of `notices` (0015_pipeline)
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    mine = [d for d in diffs if ours & set(re.findall(r"'(\w+)'", repr(d)))]
    assert mine == []
    source = (ROOT / "bot/migrations/versions/0003_engagement.py").read_text(encoding="utf-8")
    created = set(re.findall(r'op\.create_table\(\s*"(\w+)"', source))
    assert created == ours | {"engagement_notices"}
    engine.dispose()
