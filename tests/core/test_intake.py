"""Group intake (policy §5(4)) in the core: links, the form's rules, the request, its draft."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import CHIEF, OPERATOR, OPERATOR2
from sqlalchemy import select

from bot import register
from bot.approval import drafts, forms, workflow
from bot.intake import images, links, requests, status
from bot.intake.limits import RateLimit
from bot.models import (
    GROUP_REQUEST,
    Draft,
    GroupRequest,
    IntakeLink,
    Notice,
    RegisterEntry,
)
from bot.people import groups

NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
GROUP = "和光こども食堂の会"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 64


def form(**changes) -> requests.RequestInput:
    values = dict(
        body="こども食堂を 5 月 10 日に開きます。どなたでもどうぞ。",
        contact_name="山田 花子",
        channels=("x", "facebook", "blog"),
        url="https://example.jp/kodomo",
        wished_date="2026-05-08",
    )
    return requests.RequestInput(**{**values, **changes})


@pytest.fixture
def group(factory):
    with factory.begin() as session:
        groups.add(session, GROUP, contact="山田", site="", actor="cli", now=NOW)
    return GROUP


def issue(factory, name=GROUP, rotate=False, expires_at=None, now=NOW):
    with factory.begin() as session:
        return links.issue(session, name, rotate=rotate, expires_at=expires_at, actor="cli",
                           now=now)  # fmt: skip


def opens(factory, token, now=NOW):
    with factory() as session:
        return links.group_for(session, token, now)


# -- links ---------------------------------------------------------------------------------


def test_a_link_is_unguessable_kept_hashed_and_opens_its_groups_form(factory, group):
    result = issue(factory)
    assert result.outcome == links.CREATED and len(result.token) >= 43
    assert opens(factory, result.token) == GROUP
    with factory() as session:
        stored = session.execute(select(IntakeLink)).scalar_one()
    assert stored.token_hash == links.digest(result.token) and result.token not in stored.token_hash
    assert opens(factory, result.token[:-1] + ("A" if result.token[-1] != "A" else "B")) is None


def test_an_existing_link_is_never_shown_again_and_rotating_kills_the_old_one(factory, group):
    first = issue(factory).token
    assert issue(factory) == links.LinkResult(links.EXISTS)
    second = issue(factory, rotate=True)
    assert second.outcome == links.ROTATED and second.token != first
    assert opens(factory, first) is None
    assert opens(factory, second.token) == GROUP


def test_a_link_stops_at_its_expiry_and_with_its_group(factory, group):
    token = issue(factory, expires_at=NOW + timedelta(days=1)).token
    assert opens(factory, token, NOW + timedelta(hours=23)) == GROUP
    assert opens(factory, token, NOW + timedelta(days=1)) is None
    assert issue(factory, expires_at=NOW + timedelta(days=30)).outcome == links.EXPIRY_SET
    assert opens(factory, token, NOW + timedelta(days=2)) == GROUP
    with factory.begin() as session:
        groups.remove(session, GROUP, actor="cli", now=NOW)
    assert opens(factory, token) is None


def test_only_a_registered_group_gets_a_link(factory):
    assert issue(factory, name="知らない団体").outcome == links.NO_GROUP
    assert opens(factory, "short") is None and opens(factory, "x" * 43 + "/") is None


# -- the form's rules ----------------------------------------------------------------------


def test_a_complete_request_is_valid():
    assert requests.validate(GROUP, form(), NOW) == {}


def test_the_form_refuses_what_the_draft_form_refuses_and_names_its_own_fields():
    errors = requests.validate(GROUP, form(body="", contact_name="", url="javascript:x"), NOW)
    assert errors["body"][0] == "error.body_required"
    assert errors["contact_name"][0] == "error.contact_required"
    assert errors["url"][0] == "error.url_invalid"
    assert not {"group", "group_date", "group_draft"} & set(errors)
    assert (
        requests.validate(GROUP, form(channels=()), NOW)["channels"][0] == "error.channels_required"
    )


def test_the_x_count_is_the_draft_forms_own():
    long = "あ" * 141
    assert requests.x_count(form(x_text=long, url="")) == drafts.x_weight(long) == 282
    problem = requests.validate(GROUP, form(x_text=long), NOW)["x_text"]
    assert problem[0] == "error.x_too_long" and problem[1]["max"] == drafts.X_MAX_WEIGHT


def test_images_are_checked_by_their_bytes_their_size_and_their_words():
    assert images.sniff(PNG) == "image/png" and images.sniff(JPEG) == "image/jpeg"
    assert images.sniff(WEBP) == "image/webp" and images.sniff(b"RIFF\0\0\0\0AVI ") is None
    assert images.sniff(b"<svg onload=alert(1)>") is None and images.sniff(b"GIF89a") is None
    big = PNG + b"\x00" * drafts.IMAGE_MAX_BYTES
    sent = (
        requests.Upload("photo.jpg", b"<html>not an image", "説明"),
        requests.Upload("big.png", big, "大きな写真"),
        requests.Upload("ok.webp", WEBP, ""),
    )
    errors = requests.validate(GROUP, form(images=sent), NOW)
    assert errors["image1"][0] == "error.image_type"
    assert errors["image2"][0] == "error.image_size"
    assert errors["alt3"][0] == "error.alt_required" and "image3" not in errors
    five = tuple(requests.Upload(f"{n}.png", PNG, "写真") for n in range(5))
    assert requests.validate(GROUP, form(images=five), NOW)["images"][0] == "error.too_many_images"


def test_the_wished_date_is_a_real_day_not_past():
    assert requests.validate(GROUP, form(wished_date="2026-02-30"), NOW)["wished_date"][0] == (
        "error.date_invalid"
    )
    assert requests.validate(GROUP, form(wished_date="2026-04-30"), NOW)["wished_date"][0] == (
        "error.date_past"
    )
    assert requests.validate(GROUP, form(wished_date=""), NOW) == {}


# -- the request and its draft -------------------------------------------------------------


def receive(factory, sent=None, now=NOW) -> str:
    with factory.begin() as session:
        return requests.receive(session, GROUP, sent or form(), now)


def request_id(factory, reference: str) -> int:
    with factory() as session:
        return session.execute(
            select(GroupRequest.id).where(GroupRequest.reference == reference)
        ).scalar_one()


def test_a_request_is_kept_as_sent_recorded_and_owed_to_the_operators(factory, group):
    sent = form(images=(requests.Upload("会場.png", PNG, "会場の入口"),))
    reference = receive(factory, sent)
    assert reference.startswith("G-") and len(reference) == 11
    with factory() as session:
        notice = session.execute(select(Notice).where(Notice.subject == GROUP_REQUEST)).scalar_one()
        entry = session.execute(
            select(RegisterEntry).where(RegisterEntry.action == "group_request_received")
        ).scalar_one()
        view = status.view(session, notice.subject_id)
        assert register.check(session).problems == []
    assert notice.front_end == "slack" and notice.kind == requests.ARRIVED
    assert entry.actor == f"group:{GROUP}" and entry.details["group_draft"] == sent.body
    assert entry.details["images"] == [{"name": "会場.png", "alt": "会場の入口"}]
    assert view.body == sent.body and view.images == (("会場.png", "会場の入口"),)


def submit(factory, request, content, user=OPERATOR, key="k1"):
    return forms.submit_form(factory, lambda: NOW, front_end="slack", user_id=user,
                             content=content, submission_key=key, group_request=request)  # fmt: skip


def test_the_operators_draft_keeps_the_groups_words_beside_the_edited_text(factory, group):
    sent = form(images=(requests.Upload("会場.png", PNG, "会場の入口"),))
    rid = request_id(factory, receive(factory, sent))
    with factory() as session:
        initial = status.draft_input(status.view(session, rid))
    assert initial.source == "group_request" and initial.group_draft == sent.body
    edited = drafts.DraftInput(
        body="【登録団体のお知らせ】こども食堂を 5 月 10 日に開きます。",
        channels=("x", "blog"),
        source="new",  # whatever the form says, the request fixes these
        url=sent.url,
        group_name="ほかの団体",
        group_draft="書き換えた原稿",
    )
    result = submit(factory, rid, edited)
    assert result.stored, result
    with factory() as session:
        draft = session.execute(select(Draft)).scalar_one()
        revision = draft.current
        entry = session.execute(
            select(RegisterEntry).where(RegisterEntry.action == "submitted")
        ).scalar_one()
        assert session.get(GroupRequest, rid).draft_id == draft.id
    assert revision.body == edited.body and revision.source == "group_request"
    assert revision.group_name == GROUP and revision.group_draft == sent.body
    assert revision.group_date == "2026-05-01"
    assert revision.images[0]["intake"] and revision.images[0]["alt"] == "会場の入口"
    assert entry.details["group_draft"] == sent.body and entry.details["body"] == edited.body
    again = submit(factory, rid, edited, user=OPERATOR2, key="k2")
    assert again.problem == ("intake.already_drafted", {})
    assert submit(factory, 999, edited, key="k3").problem == ("intake.not_found", {})


def test_the_draft_publishes_the_groups_image_from_the_database(factory, group):
    rid = request_id(
        factory, receive(factory, form(images=(requests.Upload("a.png", PNG, "説明"),)))
    )
    submit(
        factory,
        rid,
        drafts.DraftInput(body="本文", channels=("x",), url="https://example.jp/kodomo"),
    )
    with factory() as session:
        meta = session.execute(select(Draft)).scalar_one().current.images[0]
    fetch = images.fetcher(factory, fallback=None)
    assert fetch(meta) == PNG
    slack_meta = {"id": "F1", "name": "s.png"}
    assert images.fetcher(factory, fallback=lambda m: b"from-slack")(slack_meta) == b"from-slack"


def states(factory):
    with factory() as session:
        return [(r.state, r.reason, r.links) for r in status.of_group(session, GROUP)]


def test_the_group_sees_what_became_of_each_request(factory, group):
    rid = request_id(factory, receive(factory))
    assert states(factory) == [(status.RECEIVED, "", ())]
    submit(
        factory,
        rid,
        drafts.DraftInput(body="本文", channels=("x",), url="https://example.jp/kodomo"),
    )
    assert states(factory) == [(status.WAITING, "", ())]
    with factory.begin() as session:
        draft_id = session.execute(select(Draft.id)).scalar_one()
        workflow.decide(session, draft_id=draft_id, actor=CHIEF, approve=False, now=NOW,
                        reason="日付が未定のため")  # fmt: skip
    assert states(factory) == [(status.DECLINED, "", ())]  # the reason is the chief's to share
    with factory.begin() as session:
        assert status.share_reason(session, draft_id)
    assert states(factory) == [(status.DECLINED, "日付が未定のため", ())]


def test_a_rate_limit_counts_per_key_in_its_window():
    now = [0.0]
    limit = RateLimit(2, 60, clock=lambda: now[0])
    assert limit.allow("a") and limit.allow("a") and not limit.allow("a")
    assert limit.allow("b")
    now[0] = 61
    assert limit.allow("a")
