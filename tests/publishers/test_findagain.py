"""Find-again adopts only this publication's own post: its window, its link, its installation.

The dispatcher runs real publishers against the platform fakes, with a clock that starts at the
real time (the fakes stamp posts with it). A first attempt either loses its answer after the
post was made (the retry must find that post) or fails before posting while an older post with
the same text exists (the retry must post, not adopt the older one).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from conftest import CHIEF, OPERATOR
from fakes.atompub import FakeAtomPub
from fakes.graph_api import FEED, READ_FEED
from fakes.wordpress import CREATE
from fakes.x_api import TWEETS, USER_TWEETS
from processes import platform_fakes
from sqlalchemy import select, update
from test_dispatcher import Clock, FakeNotifier

from bot.approval import workflow
from bot.approval.drafts import DraftInput, payloads
from bot.config import Settings
from bot.delivery.dispatcher import Dispatcher
from bot.messages import Messages
from bot.models import PUBLISHED, QUEUED, Installation, Publication
from bot.networks import atompub_config, facebook_config, wordpress_config, x_config
from bot.ports import CLOCK_SKEW, Post
from publishers.atompub import AtomPubPublisher
from publishers.facebook import FacebookPublisher
from publishers.wordpress import WordPressPublisher
from publishers.x import XPublisher

MSG = Messages("ja")
BODY = "今月の市民活動相談会のお知らせ"
OLD_LINK = "https://wako-kyodo.example.jp/soudan/2026-04"
NEW_LINK = "https://wako-kyodo.example.jp/soudan/2026-05"
LAST_MONTH = timedelta(days=30)
QUICK = (2, 0.5)  # connect, read: a fake told to answer late makes the answer "lost"
LATE = 1.5


@pytest.fixture
def platforms():
    with platform_fakes() as fakes:
        yield fakes


@pytest.fixture
def settings(platforms) -> Settings:
    return platforms.settings(Settings())


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime.now(UTC))


@pytest.fixture
def dispatch(factory, settings, clock) -> Iterator:
    """`dispatch(channel)`: a dispatcher with that channel's real publisher (short timeouts)."""
    made: list[Dispatcher] = []
    kinds = {
        "x": (XPublisher, x_config),
        "facebook": (FacebookPublisher, facebook_config),
        "blog": (WordPressPublisher, wordpress_config),
    }

    def make(channel: str) -> Dispatcher:
        kind, config = kinds[channel]
        publisher = kind(config(settings), timeout=QUICK)
        dispatcher = Dispatcher(
            factory, {channel: publisher}, {"slack": FakeNotifier()}, MSG, clock
        )
        made.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in made:
        dispatcher.stop()


def approve(factory, clock, channel: str, url: str = NEW_LINK) -> int:
    content = DraftInput(body=BODY, channels=(channel,), url=url)
    with factory.begin() as session:
        draft_id = workflow.submit(session, author_id=OPERATOR, content=content, now=clock()).id
    with factory.begin() as session:
        workflow.decide(session, draft_id=draft_id, actor=CHIEF, approve=True, now=clock())
    return draft_id


def publication(factory, draft_id: int) -> Publication:
    with factory() as session:
        return session.scalars(select(Publication).where(Publication.draft_id == draft_id)).one()


def retry_when_due(factory, clock, dispatcher, draft_id: int) -> Publication:
    """The first attempt failed for a while: let the retry time come and run again."""
    first = publication(factory, draft_id)
    assert first.status == QUEUED and first.attempts == 1, first.error
    clock.now = max(clock.now, first.due_at) + timedelta(seconds=1)
    dispatcher.run_until_idle()
    return publication(factory, draft_id)


# ---------------------------------------------------------------------- Facebook


def test_facebook_retry_after_a_lost_answer_finds_this_post_not_last_months(
    factory, platforms, clock, dispatch
):
    graph = platforms.graph
    old = graph.add_post(BODY, link=NEW_LINK, created_time=clock() - LAST_MONTH)
    graph.add_post("別のお知らせ", created_time=clock() - timedelta(days=7))
    dispatcher = dispatch("facebook")
    draft_id = approve(factory, clock, "facebook")
    graph.delay(FEED, LATE)  # the post is made; its answer never arrives in time
    dispatcher.run_until_idle()
    graph.delay(FEED, 0)

    done = retry_when_due(factory, clock, dispatcher, draft_id)

    newest, _, older = graph.feed()
    assert older["id"] == old["id"] and len(graph.feed()) == 3  # posted once, not twice
    assert (done.status, done.remote_id, done.attempts) == (PUBLISHED, newest["id"], 2)
    assert done.first_claimed_at < done.claimed_at  # the retry did not move the window
    [look] = graph.calls(READ_FEED)
    since = datetime.fromtimestamp(int(look.query["since"]), UTC)
    assert since == (done.first_claimed_at - CLOCK_SKEW).replace(microsecond=0)


def test_facebook_an_older_post_with_the_same_text_is_not_taken_for_one_never_made(
    factory, platforms, clock, dispatch
):
    graph = platforms.graph
    old = graph.add_post(BODY, link=NEW_LINK, created_time=clock() - LAST_MONTH)
    graph.add_post("別のお知らせ", created_time=clock() - timedelta(days=7))
    dispatcher = dispatch("facebook")
    draft_id = approve(factory, clock, "facebook")
    graph.fail_next(FEED, status=503)  # refused before anything was posted
    dispatcher.run_until_idle()

    done = retry_when_due(factory, clock, dispatcher, draft_id)

    assert len(graph.feed()) == 3 and done.status == PUBLISHED
    assert done.remote_id == graph.feed()[0]["id"] != old["id"]


def facebook(settings) -> FacebookPublisher:
    return FacebookPublisher(facebook_config(settings), timeout=QUICK)


def fb_post(since: datetime | None, link: str | None = NEW_LINK) -> Post:
    payload = {"message": BODY, "link": link}
    return Post(draft_id=1, revision=1, channel="facebook", payload=payload, since=since)


def test_facebook_find_wants_the_same_link_too(platforms, settings):
    now = datetime.now(UTC)
    platforms.graph.add_post(BODY, link=OLD_LINK)  # same text, in the window, another link
    assert facebook(settings).find(fb_post(now)) is None
    made = platforms.graph.add_post(BODY, link=NEW_LINK)
    assert facebook(settings).find(fb_post(now)).remote_id == made["id"]


def test_facebook_find_takes_a_post_made_within_the_clock_skew_margin(platforms, settings):
    now = datetime.now(UTC)
    early = platforms.graph.add_post(BODY, link=NEW_LINK, created_time=now - CLOCK_SKEW / 2)
    assert facebook(settings).find(fb_post(now)).remote_id == early["id"]
    assert facebook(settings).find(fb_post(now + CLOCK_SKEW)) is None


def test_facebook_find_reads_the_link_from_the_attachments(platforms, settings):
    made = platforms.graph.add_post(BODY, link=NEW_LINK)
    assert facebook(settings).find(fb_post(datetime.now(UTC))).remote_id == made["id"]
    [look] = platforms.graph.calls(READ_FEED)
    assert "attachments{unshimmed_url,url}" in look.query["fields"]


def test_facebook_find_reads_a_link_behind_facebooks_redirect(platforms, settings):
    shim = "https://l.facebook.com/l.php?u=https%3A%2F%2Fwako-kyodo.example.jp%2Fsoudan%2F2026-05"
    attachments = {"data": [{"type": "share", "url": f"{shim}&h=AT0"}]}
    made = platforms.graph.add_post(BODY, attachments=attachments)
    assert facebook(settings).find(fb_post(datetime.now(UTC))).remote_id == made["id"]


# ---------------------------------------------------------------------- X


def test_x_retry_after_a_lost_answer_finds_this_tweet_with_its_shortened_link(
    factory, platforms, clock, dispatch
):
    x = platforms.x
    old = x.add_tweet(f"{BODY} {NEW_LINK}", created_at=clock() - LAST_MONTH)
    dispatcher = dispatch("x")
    draft_id = approve(factory, clock, "x")
    x.delay(TWEETS, LATE)
    dispatcher.run_until_idle()
    x.delay(TWEETS, 0)

    done = retry_when_due(factory, clock, dispatcher, draft_id)

    newest, older = x.tweets()
    assert older["id"] == old and "t.co/" in newest["text"] and NEW_LINK not in newest["text"]
    assert (done.status, done.remote_id) == (PUBLISHED, newest["id"])
    [look] = x.calls(USER_TWEETS)
    assert "entities" in look.query["tweet.fields"].split(",")
    start = datetime.fromisoformat(look.query["start_time"].replace("Z", "+00:00"))
    assert start == (done.first_claimed_at - CLOCK_SKEW).replace(microsecond=0)


def test_x_an_older_tweet_with_the_same_text_is_not_taken_for_one_never_made(
    factory, platforms, clock, dispatch
):
    x = platforms.x
    old = x.add_tweet(f"{BODY} {NEW_LINK}", created_at=clock() - LAST_MONTH)
    dispatcher = dispatch("x")
    draft_id = approve(factory, clock, "x")
    x.fail_next(TWEETS, status=503)
    dispatcher.run_until_idle()

    done = retry_when_due(factory, clock, dispatcher, draft_id)

    assert len(x.tweets()) == 2 and done.status == PUBLISHED
    assert done.remote_id == x.tweets()[0]["id"] != old


def test_x_find_skips_a_tweet_stamped_before_the_window(platforms, settings):
    now = datetime.now(UTC)
    platforms.x.add_tweet(f"{BODY} {NEW_LINK}", created_at=now - timedelta(hours=1))
    post = Post(1, 1, "x", {"text": f"{BODY} {NEW_LINK}"}, since=now)
    publisher = XPublisher(x_config(settings))
    assert publisher.find(post) is None
    mine = platforms.x.add_tweet(f"{BODY} {NEW_LINK}", created_at=now)
    assert publisher.find(post).remote_id == mine


# ---------------------------------------------------------------------- WordPress


def test_wordpress_posts_of_another_installation_or_an_old_one_are_not_adopted(
    factory, platforms, clock, dispatch
):
    blog = platforms.blog
    with factory() as session:
        ours = session.scalar(select(Installation.installation_id))
    assert re.fullmatch(r"[0-9a-f]{10}", ours)
    # A reinstall, a move to PostgreSQL or a staging copy wrote to this blog before.
    blog.add_post("snsbot-1-1", "先月の投稿", clock() - LAST_MONTH)
    blog.add_post("snsbot-0123456789-1-1", "別の環境の投稿", clock() - timedelta(minutes=5))
    dispatcher = dispatch("blog")
    draft_id = approve(factory, clock, "blog")
    assert draft_id == 1
    dispatcher.run_until_idle()

    done = publication(factory, draft_id)
    slugs = [p["slug"] for p in blog.posts.values()]
    assert slugs == ["snsbot-1-1", "snsbot-0123456789-1-1", f"snsbot-{ours}-1-1"]
    assert (done.status, done.remote_id) == (PUBLISHED, str(max(blog.posts)))


def test_wordpress_retry_after_a_lost_answer_finds_this_post(factory, platforms, clock, dispatch):
    blog = platforms.blog
    dispatcher = dispatch("blog")
    draft_id = approve(factory, clock, "blog")
    blog.delay(CREATE, LATE)
    dispatcher.run_until_idle()
    blog.delay(CREATE, 0)

    done = retry_when_due(factory, clock, dispatcher, draft_id)

    [made] = blog.posts.values()
    assert (done.status, done.remote_id) == (PUBLISHED, str(made["id"]))
    assert made["slug"] == done.payload["slug"]


def test_a_queued_publication_of_an_older_version_keeps_its_stored_slug(
    factory, platforms, clock, dispatch
):
    blog = platforms.blog
    dispatcher = dispatch("blog")
    draft_id = approve(factory, clock, "blog")
    with factory.begin() as session:  # as stored before slugs held the installation id
        row = session.scalars(select(Publication).where(Publication.draft_id == draft_id)).one()
        row.payload = {**row.payload, "slug": f"snsbot-{draft_id}-1"}
    dispatcher.run_until_idle()
    assert [p["slug"] for p in blog.posts.values()] == [f"snsbot-{draft_id}-1"]
    assert publication(factory, draft_id).status == PUBLISHED


def wp_post(since: datetime | None, title: str = "相談会", slug: str = "snsbot-abcdef0123-7-1"):
    payload = {"title": title, "content": "本文", "slug": slug}
    return Post(draft_id=7, revision=1, channel="blog", payload=payload, since=since)


def test_wordpress_find_skips_a_post_with_the_slug_dated_before_the_first_attempt(platforms):
    blog, settings = platforms.blog, platforms.settings(Settings())
    now = datetime.now(UTC)
    old = blog.add_post("snsbot-abcdef0123-7-1", "古い投稿", now - timedelta(hours=1))
    publisher = WordPressPublisher(wordpress_config(settings))
    assert publisher.find(wp_post(now)) is None
    assert publisher.find(wp_post(None)).remote_id == str(old["id"])  # no window, no check
    assert publisher.find(wp_post(now - timedelta(hours=1))).remote_id == str(old["id"])


def test_wordpress_title_is_sent_as_text_not_html(platforms):
    blog, settings = platforms.blog, platforms.settings(Settings())
    title = '<script>alert("x")</script> & <b>相談会</b>'
    WordPressPublisher(wordpress_config(settings)).publish(wp_post(None, title=title))
    [made] = blog.posts.values()
    assert made["title"]["raw"] == html.escape(title)
    assert "<" not in made["title"]["rendered"]  # WordPress shows the title unescaped
    assert html.unescape(made["title"]["rendered"]) == title


def test_the_blog_slug_holds_the_installation_id():
    content = DraftInput(body=BODY, channels=("blog",))
    assert payloads(content, 42, 3, installation="0a1b2c3d4e")["blog"]["slug"] == (
        "snsbot-0a1b2c3d4e-42-3"
    )


# ---------------------------------------------------------------------- AtomPub


@pytest.fixture
def atompub() -> Iterator[FakeAtomPub]:
    with FakeAtomPub() as fake:
        yield fake


def atom(fake: FakeAtomPub) -> AtomPubPublisher:
    settings = Settings(
        blog_kind="atompub",
        atompub_endpoint=fake.collection_url,
        atompub_user=fake.user,
        atompub_api_key=fake.api_key,
    )
    return AtomPubPublisher(atompub_config(settings))


def test_atompub_find_skips_an_entry_with_the_custom_url_published_before_the_window(atompub):
    now = datetime.now(UTC)
    atompub.add_entry("古い投稿", "snsbot-abcdef0123-7-1", now - LAST_MONTH)
    assert atom(atompub).find(wp_post(now)) is None
    published = atom(atompub).publish(wp_post(now))
    assert [e["custom_url"] for e in atompub.entries] == ["snsbot-abcdef0123-7-1"] * 2
    assert atom(atompub).find(wp_post(now)) == published


def test_atompub_title_is_declared_plain_text(atompub):
    title = '<script>alert("x")</script> & 相談会'
    atom(atompub).publish(wp_post(None, title=title))
    [entry] = atompub.entries
    assert (entry["title"], entry["title_type"]) == (title, "text")
    assert "<script>" not in atompub.calls()[-1].body.decode()  # escaped in the XML


# ---------------------------------------------------------------------- the installation id


def test_each_database_gets_its_own_installation_id(factory, tmp_path):
    from bot import db

    other = db.make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    db.upgrade(other)
    with db.make_session_factory(other)() as session:
        theirs = session.scalars(select(Installation)).all()
    other.dispose()
    with factory() as session:
        ours = session.scalars(select(Installation)).all()
    assert len(ours) == len(theirs) == 1
    assert ours[0].installation_id != theirs[0].installation_id


def test_upgrading_keeps_a_window_no_later_than_the_first_attempt(database_url, clock):
    """A publication already retried when the database is upgraded: its window starts at the
    decision (the first attempt came after it), not at the latest claim."""
    from alembic import command

    from bot import db
    from bot.people import roles

    engine = db.make_engine(database_url)
    factory = db.make_session_factory(engine)
    with factory.begin() as session:
        roles.bootstrap(session, CHIEF, (OPERATOR,), clock() - timedelta(days=1))
    draft_id = approve(factory, clock, "x")
    decided = clock()
    with factory.begin() as session:
        session.execute(
            update(Publication).values(status=QUEUED, attempts=2, claimed_at=decided + LAST_MONTH)
        )
    config = db._alembic_config(engine)
    command.downgrade(config, "0009_queue_index")
    command.upgrade(config, "heads")
    with factory() as session:
        row = session.scalars(select(Publication).where(Publication.draft_id == draft_id)).one()
        installations = session.scalars(select(Installation.installation_id)).all()
    engine.dispose()
    assert abs(row.first_claimed_at - decided) < timedelta(seconds=1)
    assert len(installations) == 1 and re.fullmatch(r"[0-9a-f]{10}", installations[0])


def test_a_missing_installation_id_is_made_again(factory, clock):
    from sqlalchemy import delete

    with factory.begin() as session:
        session.execute(delete(Installation))
    draft_id = approve(factory, clock, "blog")
    with factory() as session:
        [made] = session.scalars(select(Installation.installation_id)).all()
    assert publication(factory, draft_id).payload["slug"] == f"snsbot-{made}-{draft_id}-1"
