"""Moderation inbox (policy §11): collecting, the chief's decisions, the Slack card end to end, and
the rules around it: no reply (§9), no private message (§10), no block but a §11 decision (§7, §8)."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import tweepy
from conftest import CHIEF, OPERATOR, STRANGER, running_app
from drafting import card_button
from fakes import graph_api
from fakes.moderation_fakes import (
    COMMENT_DELETE,
    HIDDEN,
    MENTIONS,
    ModerationGraph,
    ModerationWordPress,
    ModerationX,
)
from fakes.slack_api import RESPONSE_URL
from platforms import with_platforms
from processes import wait_until
from sqlalchemy import func, select

from bot import db, networks, register
from bot.approval import moderation
from bot.approval.deciding import Outcome
from bot.approval.moderation import CATEGORIES
from bot.config import Settings
from bot.delivery.dispatcher import Dispatcher
from bot.messages import CATALOGUES, Messages
from bot.models import MODERATION, ModerationItem, ModerationPoll, Notice, RegisterEntry
from bot.people import roles
from bot.ports import (
    BLOCK,
    COMMENT,
    DELETE,
    DISMISS,
    HIDE,
    MENTION,
    REPLY,
    Item,
    PermanentError,
    TransientError,
)
from handlers.slack.moderation_blocks import ACTION_IDS, category_label, chosen_category
from handlers.slack.moderation_blocks import moderation_card as card_blocks

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT.parent / "shared" / "policy" / "wako-sns-policy.ja.txt"
T0 = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)
CHANNEL = "CMODERATION"

# -- the 15 categories -------------------------------------------------------------------------


def test_the_fifteen_categories_are_the_policys_own_words():
    assert len(CATEGORIES) == 15 and len(set(CATEGORIES)) == 15
    assert (
        CATEGORIES[8]
        == "本人の承諾なく個人情報をも特定・開示・漏えいする等プライバシーを害するもの"
    )
    if not POLICY.exists():
        pytest.skip(f"the policy text is not at {POLICY}")
    text = POLICY.read_text(encoding="utf-8")
    section = text[text.index("11 投稿の削除等") : text.index("12 運営方針の開示")]
    found = re.findall(r"^- \((\d+)\) (.+?)\s*$", section, flags=re.MULTILINE)
    assert [(int(n), words) for n, words in found] == list(enumerate(CATEGORIES, 1))


def test_category_labels_keep_the_policys_numbering_and_fit_a_select_option():
    for number, words in enumerate(CATEGORIES, 1):
        assert category_label(number) == f"({number}) {words}"
        assert len(category_label(number)) <= 75


# -- the core on plain values ----------------------------------------------------------------


def item(remote_id: str, kind=REPLY, actions=(HIDE, DELETE, BLOCK), at=T0, author_id="A1"):
    return Item(
        remote_id,
        kind,
        "あるユーザー",
        author_id,
        f"本文 {remote_id}",
        "https://e.jp/",
        at,
        actions,
    )


class RecordingInbox:
    """An inbox on plain values: serves `items`, records each action, can be made to fail."""

    poll_minutes = 5

    def __init__(self, name: str, items: list[Item]):
        self.name, self.items = name, items
        self.fetches: list[datetime] = []
        self.calls: list[tuple[str, str]] = []
        self.fail: Exception | None = None

    def fetch(self, since: datetime) -> list[Item]:
        self.fetches.append(since)
        if self.fail:
            raise self.fail
        return [i for i in self.items if i.posted_at >= since]

    def hide(self, it: Item) -> None:
        self._act(HIDE, it)

    def delete(self, it: Item) -> None:
        self._act(DELETE, it)

    def block(self, it: Item) -> None:
        self._act(BLOCK, it)

    def _act(self, action: str, it: Item) -> None:
        if self.fail:
            raise self.fail
        self.calls.append((action, it.remote_id))


class RecordingNotifier:
    def __init__(self):
        self.posted, self.fail = [], False

    def post_item(self, view, notice=None):
        if self.fail:
            raise RuntimeError("Slack is down")
        self.posted.append(view)
        return [(CHANNEL, f"{len(self.posted)}.000")]

    def update_item(self, view):
        pass


@pytest.fixture
def factory(database_url):
    engine = db.make_engine(database_url)
    session_factory = db.make_session_factory(engine)
    with session_factory.begin() as session:
        roles.bootstrap(session, CHIEF, (OPERATOR,), T0)
    yield session_factory
    engine.dispose()


def poll(factory, inboxes, notifier, at=T0) -> int:
    """Read the inboxes due at `at`, then deliver the cards owed (the dispatcher's notice loop):
    how many cards were posted."""
    moderation.poll_once(factory, inboxes, Messages("ja"), lambda: at)
    dispatcher = Dispatcher(factory, {}, {"slack": notifier}, Messages("ja"), lambda: at)
    try:
        return dispatcher.deliver_due()
    finally:
        dispatcher.stop()


def decide(factory, inboxes, item_id=1, actor=CHIEF, action=HIDE, category=5, at=T0, locale="ja"):
    """The chief's click, then the dispatcher's action loop until idle: what came of it."""
    outcome = moderation.decide(
        factory,
        inboxes,
        item_id=item_id,
        actor=actor,
        action=action,
        category=category,
        now=at,
        msg=Messages(locale),
    )
    if outcome.result != moderation.QUEUED:
        return outcome
    return act(factory, inboxes, item_id, at, locale)


def act(factory, inboxes, item_id=1, at=T0, locale="ja") -> Outcome:
    """Run the action outbox at `at` until idle; the item's outcome from its final state."""
    dispatcher = Dispatcher(factory, {}, {}, Messages(locale), lambda: at, inboxes=inboxes)
    try:
        dispatcher.run_until_idle()
    finally:
        dispatcher.stop()
    with factory() as session:
        row = session.get(ModerationItem, item_id)
        shown = moderation.view(row)
    if row.status == moderation.DECIDED:
        return Outcome(moderation.DONE, item=shown)
    if row.status == moderation.NEW:
        return Outcome(moderation.FAILED, item=shown, detail=row.error or "")
    return Outcome(moderation.QUEUED, item=shown, detail=row.error or "")  # to be tried again


def entries(factory, action: str) -> list[RegisterEntry]:
    with factory() as session:
        query = select(RegisterEntry).where(RegisterEntry.action == action)
        return list(session.execute(query.order_by(RegisterEntry.seq)).scalars())


def test_each_item_is_stored_and_shown_once_however_often_it_is_read(factory):
    inbox = RecordingInbox("x", [item("1"), item("2", MENTION, ())])
    notifier = RecordingNotifier()
    assert poll(factory, {"x": inbox}, notifier) == 2
    assert inbox.fetches == [T0 - timedelta(days=7)]  # the first read looks a week back
    assert poll(factory, {"x": inbox}, notifier) == 0 and len(inbox.fetches) == 1  # not due yet
    later = T0 + timedelta(minutes=6)
    assert poll(factory, {"x": inbox}, notifier, at=later) == 0  # read again: nothing new shown
    assert inbox.fetches[1] == T0 - timedelta(minutes=10)  # the newest item, with an overlap
    with factory() as session:
        rows = session.execute(select(ModerationItem)).scalars().all()
    assert sorted(r.remote_id for r in rows) == ["1", "2"]
    assert [v.actions for v in notifier.posted] == [(DISMISS, HIDE, DELETE, BLOCK), (DISMISS,)]


def test_a_card_slack_refused_is_posted_when_tried_again_and_only_then(factory):
    inbox, notifier = RecordingInbox("facebook", [item("c1")]), RecordingNotifier()
    notifier.fail = True
    assert poll(factory, {"facebook": inbox}, notifier) == 0
    notifier.fail = False
    assert poll(factory, {"facebook": inbox}, notifier) == 0  # it waits for its backoff
    assert poll(factory, {"facebook": inbox}, notifier, T0 + timedelta(seconds=2)) == 1
    assert poll(factory, {"facebook": inbox}, notifier, T0 + timedelta(hours=1)) == 0


def test_a_failing_platform_waits_for_its_reset_and_does_not_stop_the_others(factory):
    broken, fine = RecordingInbox("x", [item("1")]), RecordingInbox("blog", [item("9")])
    broken.fail = TransientError("rate limited", retry_at=T0 + timedelta(hours=1))
    notifier = RecordingNotifier()
    assert poll(factory, {"x": broken, "blog": fine}, notifier) == 1
    with factory() as session:
        stuck = session.get(ModerationPoll, "x")
        assert stuck.next_at == T0 + timedelta(hours=1) and stuck.last_error == "rate limited"
    assert poll(factory, {"x": broken}, notifier, T0 + timedelta(minutes=30)) == 0
    assert len(broken.fetches) == 1


@pytest.fixture
def one_item(factory):
    inbox = RecordingInbox("facebook", [item("c1")])
    poll(factory, {"facebook": inbox}, RecordingNotifier())
    return {"facebook": inbox}


def test_only_the_chief_decides_and_every_refusal_is_recorded(factory, one_item):
    for actor in (OPERATOR, STRANGER):
        assert decide(factory, one_item, actor=actor, action=BLOCK).result == moderation.REFUSED
    assert one_item["facebook"].calls == []
    refused = entries(factory, "refused")
    assert [(e.actor, e.details["attempted"], e.details["role"]) for e in refused] == [
        (OPERATOR, BLOCK, "operator"),
        (STRANGER, BLOCK, "none"),
    ]
    assert refused[0].details["platform"] == "facebook" and refused[0].details["item"] == "c1"


@pytest.mark.parametrize("action", [HIDE, DELETE, BLOCK])
@pytest.mark.parametrize("category", [None, 0, 16])
def test_hide_delete_and_block_need_one_of_the_fifteen_categories(
    factory, one_item, action, category
):
    outcome = decide(factory, one_item, action=action, category=category)
    assert outcome.result == moderation.NEED_CATEGORY and outcome.item.status == moderation.NEW
    assert one_item["facebook"].calls == [] and entries(factory, "moderated") == []


def test_the_chief_blocks_once_with_a_category_and_the_register_says_so(factory, one_item):
    outcome = decide(factory, one_item, action=BLOCK, category=2)
    assert outcome.result == moderation.DONE and outcome.item.status == moderation.DECIDED
    again = decide(factory, one_item, action=HIDE, category=2)
    assert again.result == moderation.ALREADY_DECIDED and again.item.action == BLOCK
    assert one_item["facebook"].calls == [(BLOCK, "c1")]
    (entry,) = entries(factory, "moderated")
    assert entry.actor == CHIEF
    assert {k: entry.details[k] for k in ("platform", "item", "decision", "label", "category")} == {
        "platform": "facebook",
        "item": "c1",
        "decision": BLOCK,
        "label": "ブロック",
        "category": 2,
    }
    assert entry.details["category_text"] == "特定の個人・団体等を誹謗中傷するもの"
    assert entry.details["text"] == "本文 c1"  # the evidence stays after the platform deletes it
    with factory() as session:
        assert register.verify(session) == []


def test_dismiss_records_no_problem_without_a_category(factory, one_item):
    outcome = decide(factory, one_item, action=DISMISS, category=7)
    assert outcome.result == moderation.DONE and outcome.item.category is None
    (entry,) = entries(factory, "moderated")
    assert (entry.details["decision"], entry.details["label"]) == (DISMISS, "問題なし")
    assert entry.details["category"] is None and one_item["facebook"].calls == []


@pytest.mark.parametrize("locale", ["ja", "en"])
def test_an_inboxs_error_key_is_stored_in_the_installations_language(factory, one_item, locale):
    expected = Messages(locale)("moderation.error.not_done")
    one_item["facebook"].fail = PermanentError("moderation.error.not_done")
    outcome = decide(factory, one_item, action=DELETE, locale=locale)
    assert (outcome.result, outcome.detail) == (moderation.FAILED, expected)
    with factory() as session:
        assert session.get(ModerationItem, outcome.item.id).error == expected


def test_an_action_the_platform_lacks_is_refused(factory):
    inbox = RecordingInbox("blog", [item("w1", COMMENT, (DELETE,))])
    poll(factory, {"blog": inbox}, RecordingNotifier())
    for action in (HIDE, BLOCK, "reply"):
        assert decide(factory, {"blog": inbox}, action=action).result == moderation.NOT_SUPPORTED
    assert inbox.calls == []


def test_a_failed_platform_call_leaves_the_item_open_to_try_again(factory, one_item):
    one_item["facebook"].fail = PermanentError("Facebook が受け付けませんでした")
    outcome = decide(factory, one_item, action=DELETE)
    assert outcome.result == moderation.FAILED and outcome.item.status == moderation.NEW
    assert outcome.detail == "Facebook が受け付けませんでした"
    assert entries(factory, "moderated") == []
    one_item["facebook"].fail = None
    assert decide(factory, one_item, action=DELETE).result == moderation.DONE
    assert decide(factory, {}, item_id=99).result == moderation.NOT_FOUND


def test_an_unexpected_error_is_logged_and_tried_again_later(factory, one_item, caplog):
    one_item["facebook"].fail = RuntimeError("a bug")
    outcome = decide(factory, one_item, action=HIDE)
    assert outcome.result == moderation.QUEUED and outcome.item.status == moderation.ACTING
    assert "raised unexpectedly" in caplog.text and "RuntimeError" in caplog.text
    assert entries(factory, "moderated") == [] and one_item["facebook"].calls == []
    one_item["facebook"].fail = None
    assert act(factory, one_item, at=T0 + timedelta(seconds=1)).result == moderation.QUEUED
    assert act(factory, one_item, at=T0 + timedelta(seconds=5)).result == moderation.DONE
    assert one_item["facebook"].calls == [(HIDE, "c1")] and len(entries(factory, "moderated")) == 1


def test_two_clicks_act_once(factory, one_item):
    first = moderation.decide(factory, one_item, item_id=1, actor=CHIEF, action=DELETE,
                              category=5, now=T0, msg=Messages("ja"))  # fmt: skip
    second = moderation.decide(factory, one_item, item_id=1, actor=CHIEF, action=BLOCK,
                               category=5, now=T0, msg=Messages("ja"))  # fmt: skip
    assert (first.result, second.result) == (moderation.QUEUED, moderation.BUSY)
    assert first.item.status == moderation.ACTING and one_item["facebook"].calls == []
    assert act(factory, one_item).result == moderation.DONE
    assert decide(factory, one_item, action=BLOCK).result == moderation.ALREADY_DECIDED
    assert one_item["facebook"].calls == [(DELETE, "c1")]
    assert [e.details["decision"] for e in entries(factory, "moderated")] == [DELETE]
    with factory() as session:
        owed = session.execute(
            select(Notice.kind).where(Notice.subject == MODERATION).order_by(Notice.id)
        ).scalars()
        assert list(owed) == ["card", "card_update"]  # one refresh owed, not queued twice


def test_a_failure_tells_the_decider_and_opens_the_card_again(factory, one_item):
    one_item["facebook"].fail = PermanentError("moderation.error.not_done")
    assert decide(factory, one_item, action=BLOCK, category=2).result == moderation.FAILED
    with factory() as session:
        row = session.get(ModerationItem, 1)
        assert (row.status, row.decided_by, row.action, row.category) == (
            moderation.NEW,
            None,
            None,
            None,
        )
        assert (row.failed_by, row.failed_action) == (CHIEF, BLOCK)
        owed = session.execute(
            select(Notice.kind, Notice.front_end)
            .where(Notice.subject == MODERATION, Notice.done.is_(False))
            .order_by(Notice.id)
        ).all()
    assert [tuple(n) for n in owed] == [("card_update", "slack"), ("failed", "slack")]


def test_a_platform_without_credentials_now_is_unavailable(factory, one_item):
    assert decide(factory, {}, action=HIDE).result == moderation.UNAVAILABLE
    assert decide(factory, one_item, action=HIDE).result == moderation.DONE


def test_inboxes_exist_only_for_real_channels_with_a_moderation_channel():
    full = Settings(
        moderation_channel=CHANNEL,
        x_api_key="k",
        x_api_secret="s",
        x_access_token="1-t",
        x_access_token_secret="ts",
        x_username="wakokyodo",
        facebook_page_id="1",
        facebook_page_token="t",
        blog_kind="wordpress",
        wordpress_url="https://b.example",
        wordpress_user="u",
        wordpress_app_password="p",
    )
    assert set(networks.build_inboxes(full)) == {"x", "facebook", "blog"}
    assert networks.build_inboxes(replace(full, dry_run=True)) == {}
    assert networks.build_inboxes(replace(full, moderation_channel="")) == {}
    atompub = replace(full, blog_kind="atompub", facebook_page_token="")
    assert set(networks.build_inboxes(atompub)) == {"x"}


# -- the card, without Slack -----------------------------------------------------------------


def view(actions, status=moderation.NEW, **extra) -> moderation.ItemView:
    values = dict(
        id=7,
        network="facebook",
        kind=COMMENT,
        author="<b>Spam</b>",
        text="本文 & <x>",
        url="https://www.facebook.com/1_2?comment_id=3",
        posted_at=T0,
        actions=(DISMISS, *actions),
        status=status,
        decided_by=None,
        decided_at=None,
        action=None,
        category=None,
        card_refs=((CHANNEL, "1.0"),),
    )
    values.update(extra)
    return moderation.ItemView(**values)


def elements(blocks):
    return [e for b in blocks for e in (b.get("elements") or [b.get("accessory")]) if e]


@pytest.mark.parametrize("locale", sorted(CATALOGUES))
@pytest.mark.parametrize(
    "actions", [(HIDE, DELETE, BLOCK), (HIDE,), (DELETE,), ()], ids=["fb", "x", "blog", "mention"]
)
def test_the_card_offers_only_what_the_platform_supports_and_never_a_reply(locale, actions):
    msg = Messages(locale)
    _, blocks = card_blocks(msg, view(actions))
    buttons = [e for e in elements(blocks) if e["type"] == "button"]
    assert [b["action_id"] for b in buttons] == [ACTION_IDS[a] for a in (DISMISS, *actions)]
    assert all(b["value"] == "7" for b in buttons)
    assert not [b for b in buttons if "reply" in b["action_id"] or "返信" in b["text"]["text"]]
    selects = [e for e in elements(blocks) if e["type"] == "static_select"]
    if actions:
        (select,) = selects
        assert [o["text"]["text"] for o in select["options"]] == [
            f"({n}) {words}" for n, words in enumerate(CATEGORIES, 1)
        ]
    else:
        assert selects == []  # nothing but 問題なし: no category to choose
    confirms = {b["action_id"] for b in buttons if "confirm" in b}
    assert confirms == {ACTION_IDS[a] for a in actions if a in (DELETE, BLOCK)}
    assert "&lt;b&gt;Spam&lt;/b&gt;" in json.dumps(blocks, ensure_ascii=False)


def test_a_decided_card_shows_the_decision_and_has_no_buttons():
    decided = view(
        (HIDE, DELETE, BLOCK),
        status=moderation.DECIDED,
        decided_by=CHIEF,
        decided_at=T0,
        action=BLOCK,
        category=5,
    )
    _, blocks = card_blocks(Messages("ja"), decided)
    assert elements(blocks) and not [e for e in elements(blocks) if e["type"] != "mrkdwn"]
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "ブロック" in shown and f"(5) {CATEGORIES[4]}" in shown and f"<@{CHIEF}>" in shown


def test_the_longest_item_fits_slack():
    _, blocks = card_blocks(Messages("ja"), view((HIDE,), text="&" * 4000, author="a" * 500))
    assert len(blocks) <= 50
    for block in blocks:
        assert len((block.get("text") or {}).get("text", "")) <= 3000
        assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))


def test_the_chosen_category_is_read_from_the_card_state():
    state = {"moderation_category:7": {"moderation_category": {"selected_option": {"value": "9"}}}}
    assert chosen_category(state) == 9
    assert chosen_category({}) is None and chosen_category(None) is None
    bad = {"b": {"moderation_category": {"selected_option": {"value": "16"}}}}
    assert chosen_category(bad) is None


# -- signed end to end, against the X, Facebook and WordPress fakes ---------------------------

X_KEYS = ("mod-consumer-key", "mod-consumer-secret", "77-mod-access-token", "mod-access-secret")


@pytest.fixture
def platforms():
    with (
        ModerationX(
            X_KEYS[0], X_KEYS[2], consumer_secret=X_KEYS[1], access_token_secret=X_KEYS[3]
        ) as x,
        ModerationGraph() as graph,
        ModerationWordPress() as blog,
    ):
        yield x, graph, blog


@pytest.fixture
def live(settings, fake_slack, platforms):
    x, graph, blog = platforms
    configured = with_platforms(settings, X_KEYS, x, graph, blog, moderation_channel=CHANNEL)
    with running_app(configured, fake_slack, periodic=False) as app:  # polled by hand, at
        yield app  # chosen times


def poll_live(app, at: datetime) -> int:
    """Read the inboxes due at `at`; the app's dispatcher posts the cards owed: how many."""
    services = app.services
    inboxes = services.inboxes  # the clients the chief's clicks act through
    new = moderation.poll_once(services.session_factory, inboxes, services.msg, lambda: at)
    app.runtime.dispatcher.wake()

    def owed() -> int:
        with services.session_factory() as session:
            return session.execute(
                select(func.count())
                .select_from(Notice)
                .where(Notice.subject == MODERATION, Notice.done.is_(False))
            ).scalar_one()

    wait_until(lambda: owed() == 0, 10, "the moderation cards")
    return new


def card(app, fragment: str):
    (found,) = [
        c
        for c in app.fake.calls("chat.postMessage")
        if c.params["channel"] == CHANNEL
        and fragment in json.dumps(c.params["blocks"], ensure_ascii=False)
    ]
    return found


def press(app, user: str, card_call, action: str, category: int | None = None) -> None:
    """Click a card's button as `user`, with the category chosen on the card (Slack's state)."""
    button = card_button(card_call, ACTION_IDS[action])
    payload = app.slack.block_action_payload(
        user,
        button["action_id"],
        button["value"],
        block_id=button["block_id"],
        channel_id=card_call.response["channel"],
        message_ts=card_call.response["ts"],
    )
    if category is not None:
        option = {
            "text": {"type": "plain_text", "text": category_label(category)},
            "value": str(category),
        }
        block_id = f"moderation_category:{button['value']}"
        payload["state"] = {
            "values": {
                block_id: {
                    "moderation_category": {"type": "static_select", "selected_option": option}
                }
            }
        }
    response = app.slack.post_payload(payload)
    assert response.status_code == 200, response.text


def updated(app, card_call, fragment: str):
    return app.fake.wait_for(
        "chat.update",
        where=lambda c: (
            c.params["ts"] == card_call.response["ts"]
            and fragment in json.dumps(c.params["blocks"], ensure_ascii=False)
        ),
    )[-1]


def told(app, fragment: str, count: int = 1):
    """The ephemeral answers (through response_url) that contain `fragment`."""
    return app.fake.wait_for(
        RESPONSE_URL,
        count=count,
        where=lambda c: (
            fragment in c.params.get("text", "") and c.params.get("response_type") == "ephemeral"
        ),
    )


def test_the_inbox_end_to_end_from_platforms_to_the_register(live, platforms):
    x, graph, blog = platforms
    app = live
    reply_id = x.add_mention("@wakokyodo 今すぐ登録で儲かる！", "spammer", reply=True)
    x.add_mention("@wakokyodo まつり楽しみです", "citizen", reply=False)
    post = graph.add_post("和光市民まつりのお知らせ")
    spam = graph.add_comment(post["id"], "激安セール開催中", "9001", "Spam Shop")
    rude = graph.add_comment(post["id"], "ひどい悪口", "9002", "Rude")
    off = graph.add_comment(post["id"], "関係のない話", "9003", "Off Topic", parent=rude)
    blog_comment = blog.add_comment(101, "通りすがり", "宣伝です <a href='x'>こちら</a>")
    now = datetime.now(UTC)

    assert poll_live(app, now) == 6
    cards = [c for c in app.fake.calls("chat.postMessage") if c.params["channel"] == CHANNEL]
    assert len(cards) == 6
    assert poll_live(app, now + timedelta(hours=1)) == 0  # read again, nothing shown twice
    assert len(x.calls(MENTIONS)) == 2
    assert (
        len([c for c in app.fake.calls("chat.postMessage") if c.params["channel"] == CHANNEL]) == 6
    )

    x_reply, x_mention = card(app, "今すぐ登録"), card(app, "まつり楽しみ")
    fb_spam, fb_rude, fb_off = (
        card(app, "激安セール"),
        card(app, "ひどい悪口"),
        card(app, "関係のない話"),
    )
    wp = card(app, "通りすがり")

    def offered(c):
        return [
            b["action_id"]
            for b in c.params["blocks"]
            for b in b.get("elements", [])
            if b.get("type") == "button"
        ]

    assert offered(x_reply) == [ACTION_IDS[DISMISS], ACTION_IDS[HIDE]]
    assert offered(x_mention) == [ACTION_IDS[DISMISS]]
    assert offered(fb_spam) == [ACTION_IDS[a] for a in (DISMISS, HIDE, DELETE, BLOCK)]
    assert offered(wp) == [ACTION_IDS[DISMISS], ACTION_IDS[DELETE]]

    # Someone other than the chief: refused privately, recorded, nothing done.
    press(app, OPERATOR, fb_spam, BLOCK, category=5)
    press(app, STRANGER, wp, DELETE, category=5)
    told(app, "課長（不在中は代決者）だけ", count=2)

    # A block without a category: refused, in Japanese.
    press(app, CHIEF, fb_spam, BLOCK)
    told(app, "禁止事項")
    assert graph.blocked == [] and not [c for c in graph.calls() if c.path.endswith("/blocked")]

    # The chief's decisions, each with a category: exactly one platform call each.
    press(app, CHIEF, fb_spam, BLOCK, category=5)
    block_card = updated(app, fb_spam, "✅ ブロック")  # done, not 実行中…
    assert f"(5) {CATEGORIES[4]}" in json.dumps(block_card.params["blocks"], ensure_ascii=False)
    assert not [
        e
        for b in block_card.params["blocks"]
        for e in b.get("elements", [])
        if e.get("type") == "button"
    ]
    assert graph.blocked == ["9001"]
    (ban,) = [c for c in graph.calls() if c.path.endswith("/blocked")]
    assert ban.method == "POST" and ban.path.endswith(f"/{graph_api.PAGE_ID}/blocked")

    press(app, CHIEF, x_reply, HIDE, category=5)
    updated(app, x_reply, "✅ 非表示")
    assert x.hidden == [reply_id] and len(x.calls(HIDDEN)) == 1

    press(app, CHIEF, fb_rude, DELETE, category=2)
    updated(app, fb_rude, "✅ 削除")
    assert rude not in graph.comments
    assert [c.method for c in graph.calls() if c.path.endswith(f"/{rude}")] == ["DELETE"]

    press(app, CHIEF, fb_off, HIDE, category=14)
    updated(app, fb_off, "✅ 非表示")
    hid = [c for c in graph.calls() if c.path.endswith(f"/{off}")]
    assert [(c.method, c.fields.get("is_hidden")) for c in hid] == [("POST", "true")]

    press(app, CHIEF, wp, DELETE, category=5)
    updated(app, wp, "✅ 削除")
    assert blog.comments[blog_comment]["status"] == "trash" and len(blog.calls(COMMENT_DELETE)) == 1

    press(app, CHIEF, x_mention, DISMISS)
    updated(app, x_mention, "✅ 問題なし")

    # A second click on a decided card changes nothing.
    press(app, CHIEF, fb_spam, BLOCK, category=5)
    told(app, "判断済み")
    assert graph.blocked == ["9001"]
    assert spam in graph.comments  # a ban does not delete the comment

    with app.services.session_factory() as session:
        rows = session.execute(select(RegisterEntry).order_by(RegisterEntry.seq)).scalars().all()
        assert register.verify(session) == []
    moderated = [
        (e.details["platform"], e.details["decision"], e.details["label"], e.details["category"])
        for e in rows
        if e.action == "moderated"
    ]
    assert moderated == [
        ("facebook", BLOCK, "ブロック", 5),
        ("x", HIDE, "非表示", 5),
        ("facebook", DELETE, "削除", 2),
        ("facebook", HIDE, "非表示", 14),
        ("blog", DELETE, "削除", 5),
        ("x", DISMISS, "問題なし", None),
    ]
    assert all(e.actor == CHIEF for e in rows if e.action == "moderated")
    refused = [(e.actor, e.details["attempted"]) for e in rows if e.action == "refused"]
    assert sorted(refused) == [(OPERATOR, BLOCK), (STRANGER, DELETE)]  # answered concurrently


# -- consistency: no reply, no DM, no block but a §11 decision --------------------------------


def modules(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (ROOT / pkg).rglob("*.py"))


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


REPLY_OR_DM = (
    "in_reply_to",
    "/dm",
    "dm_conversations",
    "direct_messages",
    "/messages",
    "conversations",
)
REPLY_OR_DM_METHODS = {"create_direct_message", "send_direct_message", "reply", "create_reply"}


def test_the_chiefs_click_acts_through_the_inboxes_the_composition_root_built(live, platforms):
    """The inbox clients are built once (bot/app.py) and handed in: no listener builds its own."""
    x, graph, blog = platforms
    app = live
    post = graph.add_post("和光市民まつりのお知らせ")
    spam = graph.add_comment(post["id"], "激安セール開催中", "9001", "Spam Shop")
    assert poll_live(app, datetime.now(UTC)) == 1
    handed_in = RecordingInbox("facebook", [])
    app.services.inboxes["facebook"] = handed_in

    press(app, CHIEF, card(app, "激安セール"), HIDE, category=5)
    updated(app, card(app, "激安セール"), "✅ 非表示")
    assert handed_in.calls == [(HIDE, spam)]
    assert spam in graph.comments and not [c for c in graph.calls() if c.method != "GET"]


def test_a_failed_action_comes_back_to_the_chief_as_a_message_and_the_cards_buttons(
    live, platforms
):
    """The click queues the action (the card says 実行中…); the network refuses it: the chief is
    told why, privately, and the card offers its buttons again."""
    x, graph, blog = platforms
    app = live
    post = graph.add_post("和光市民まつりのお知らせ")
    graph.add_comment(post["id"], "激安セール開催中", "9001", "Spam Shop")
    assert poll_live(app, datetime.now(UTC)) == 1
    refusing = RecordingInbox("facebook", [])
    refusing.fail = PermanentError("moderation.error.not_done")
    app.services.inboxes["facebook"] = refusing

    spam = card(app, "激安セール")
    press(app, CHIEF, spam, DELETE, category=5)
    app.fake.wait_for(
        "chat.postMessage",
        where=lambda c: (
            c.params["channel"] == CHIEF
            and c.params.get("text")
            == "Facebook ページで「削除」できませんでした: 相手のサービスが操作の完了を返しませんでした。"
        ),
    )
    reopened = updated(app, spam, ACTION_IDS[DELETE])  # the buttons are back
    assert "実行中" not in json.dumps(reopened.params["blocks"], ensure_ascii=False)
    assert not told_any(app) and entries_of(app, "moderated") == []
    with app.services.session_factory() as session:
        assert (
            session.get(ModerationItem, int(card_button(spam, ACTION_IDS[DELETE])["value"])).status
            == moderation.NEW
        )


def told_any(app) -> list:
    return [c for c in app.fake.calls(RESPONSE_URL) if c.params.get("response_type") == "ephemeral"]


def entries_of(app, action: str) -> list:
    with app.services.session_factory() as session:
        query = select(RegisterEntry).where(RegisterEntry.action == action)
        return list(session.execute(query).scalars())


@pytest.mark.parametrize("path", modules("bot", "publishers"), ids=rel)
def test_no_core_or_platform_module_replies_or_sends_a_private_message(path):
    source = path.read_text(encoding="utf-8")
    for needle in REPLY_OR_DM:
        assert needle not in source.lower(), f"{rel(path)} mentions {needle} (policy 9, 10)"
    calls = {
        node.func.attr
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    }
    assert not calls & REPLY_OR_DM_METHODS, f"{rel(path)} calls {calls & REPLY_OR_DM_METHODS}"


def test_blocking_is_reachable_only_through_a_moderation_decision():
    """Policy §7, §8: followers and sharers are never blocked; §11 alone allows a block."""
    sources = {
        rel(p): p.read_text(encoding="utf-8") for p in modules("bot", "handlers", "publishers")
    }
    endpoint = [name for name, text in sources.items() if re.search(r"[/\"']blocked\b", text)]
    assert endpoint == ["publishers/facebook_inbox.py"]  # POST /{page}/blocked, nowhere else
    callers = sorted(
        name
        for name, text in sources.items()
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Attribute) and node.attr in ("block", "block_user", "create_block")
    )
    assert callers == ["bot/approval/moderation.py"]  # perform(): a decision's queued action
    assert not hasattr(tweepy.Client, "block")  # X: no block API at all


def test_a_new_items_card_is_owed_to_every_front_end_with_a_chief(factory):
    """Slack and Teams served by two processes on one database: whichever polls, the card goes
    to each front end's chief (§11), and to no front end without one."""
    with factory.begin() as session:
        roles.set_role(session, "29:teams-chief", "chief", actor="cli", now=T0, front_end="teams")
    assert moderation.poll_once(factory, {"x": RecordingInbox("x", [item("1")])}, Messages("ja"),
                                lambda: T0) == 1  # fmt: skip
    with factory() as session:
        owed = session.execute(select(Notice.front_end, Notice.kind)).all()
    assert sorted(owed) == [("slack", "card"), ("teams", "card")]
