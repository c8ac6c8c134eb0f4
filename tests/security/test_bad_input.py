"""Bad input, property-based (hypothesis): whatever arrives signed, no 5xx and nothing half-written.

Every request is signed correctly, so it reaches the handlers. Over slash command text, every
field of the draft modal, the reject modal, button values and raw bodies (malformed form data,
invalid JSON, unknown action ids, huge values, control characters, mixed scripts, emoji and
bidirectional marks): the answer is never a 5xx and never shows a traceback, the user gets a
Japanese message where one is due (modal errors, ephemeral replies), and the database holds no
draft without its revision, no register entry without its draft, and an intact hash chain.

One app per database dialect is shared by the module; examples are few and derandomized so the
suite stays quick and repeatable in CI.
"""

from __future__ import annotations

import json
import re
import time
from urllib.parse import urlencode

import pytest
from conftest import CHIEF, OPERATOR, OPERATOR2, STRANGER
from drafting import draft_values
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from processes import shared_app
from slack_signing import FORM, JSON
from sqlalchemy import func, select

from bot import register
from bot.approval import workflow
from bot.approval.drafts import DraftInput
from bot.models import Decision, Draft, Publication, RegisterEntry, Revision
from handlers.slack import ids

FEW = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,  # the same examples every run, in CI too
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
USERS = st.sampled_from([OPERATOR, OPERATOR2, CHIEF, STRANGER, "U" + "9" * 40, "W0 \u202e"])

SPECIAL = [
    "\u202e",  # right-to-left override
    "\u200f",  # right-to-left mark
    "\u200b",  # zero width space
    "\ufeff",
    "\x00",
    "\x07",
    "\x1b[31m",
    "\r\n",
    "\u2028",
    "👨‍👩‍👧‍👦",
    "🇯🇵",
    "עברית",
    "العربية",
    "한국어",
    "和光市",
    "ｶﾀｶﾅ",
    "<@U0123ABCD>",
    "<!channel>",
    "*太字*",
    "&amp;<b>",
    "%00",
    "payload",
    '{"type":"x"}',
    "\\",
    "https://example.jp/a?b=c#d",
    "javascript:alert(1)",
]
messy = st.lists(st.one_of(st.text(max_size=30), st.sampled_from(SPECIAL)), max_size=10).map(
    "".join
)
huge = st.builds(lambda piece, n: piece * n, st.sampled_from(["あ", "a", "👍", "\u202e"]),
                 st.integers(1_000, 30_000))  # fmt: skip
field_text = st.one_of(messy, messy, messy, huge, st.none())


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, tmp_path_factory, pg_template):
    with shared_app(request.param, tmp_path_factory.mktemp("bad_input"), pg_template) as running:
        running.slack.command(OPERATOR, "")  # the draft modal, to know its input blocks
        running.draft_blocks = {
            b["block_id"]
            for b in running.fake.wait_for("views.open")[0].params["view"]["blocks"]
            if b["type"] == "input"
        }
        yield Shared(running)
        with running.services.session_factory() as session:
            assert register.verify(session) == []


class Shared:
    """The shared app, printed short in hypothesis's report of a failing example."""

    def __init__(self, app):
        self._app = app

    def __getattr__(self, name):
        return getattr(self._app, name)

    def __repr__(self) -> str:
        return "app"


def japanese(text: str) -> bool:
    return bool(JAPANESE.search(text or ""))


def assert_answered_sanely(response) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:500])
    assert "Traceback" not in response.text and 'File "' not in response.text


def assert_nothing_half_written(app) -> None:
    with app.services.session_factory() as session:
        drafts = session.execute(select(Draft)).scalars().all()
        for draft in drafts:
            numbers = {r.number for r in draft.revisions}
            assert 1 in numbers and draft.revision in numbers, draft.id
            decided = session.execute(
                select(func.count(Decision.id)).where(Decision.draft_id == draft.id)
            ).scalar_one()
            assert (decided > 0) == (draft.status in ("approved", "rejected")), draft.id
        submitted = session.execute(
            select(func.count(RegisterEntry.id)).where(RegisterEntry.action == "submitted")
        ).scalar_one()
        assert submitted == len(drafts)
        orphans = session.execute(
            select(func.count(RegisterEntry.id)).where(
                RegisterEntry.draft_id.is_not(None), RegisterEntry.draft_id.not_in(
                    select(Draft.id))
            )
        ).scalar_one()  # fmt: skip
        assert orphans == 0
        unapproved = session.execute(
            select(func.count(Publication.id))
            .join(Draft, Draft.id == Publication.draft_id)
            .where(Draft.status != "approved")
        ).scalar_one()
        assert unapproved == 0


def drafts_stored(app) -> int:
    with app.services.session_factory() as session:
        return session.execute(select(func.count(Draft.id))).scalar_one()


def replies_to(app, response_url: str, timeout: float = 5.0) -> list[str]:
    calls = app.fake.wait_for(
        "response_url", where=lambda c: c.path in response_url, timeout=timeout
    )
    return [c.params.get("text", "") for c in calls]


# ---------------------------------------------------------------------- slash command


@FEW
@given(
    user=USERS,
    sub=st.sampled_from(["", "draft ", "status ", "help ", "policy ", "HELP ", "ヘルプ ", "x "]),
    text=field_text,
)
def test_slash_command_text(app, user, sub, text):
    response = app.slack.command(user, sub + (text or ""))
    assert_answered_sanely(response)
    assert response.status_code == 200
    if response.text:  # an ephemeral answer in the ack: always in Japanese
        answer = response.json()
        assert answer["response_type"] == "ephemeral" and japanese(answer["text"])
    assert_nothing_half_written(app)


# ---------------------------------------------------------------------- the draft modal


def _text(value):
    return {"type": "plain_text_input", "value": value}


def _option(value):
    return None if value is None else {"text": {"type": "plain_text", "text": "x"}, "value": value}


choice = st.one_of(st.none(), st.sampled_from(["new", "hp_update", "group_request", "civic"]),
                   messy)  # fmt: skip
files = st.lists(
    st.fixed_dictionaries(
        {
            "id": messy,
            "name": messy,
            "mimetype": st.sampled_from(["image/png", "image/gif", "text/html", ""]) | messy,
            "size": st.integers(0, 2**40),
            "url_private": st.sampled_from(["https://files.slack.com/x", "http://127.0.0.1:9/"]),
        }
    ),
    max_size=6,
)
stamps = st.one_of(st.none(), st.integers(0, 4_102_444_800))  # the picker: now and then to 2100


printable = st.lists(
    st.one_of(
        st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=20),
        st.sampled_from([t for t in SPECIAL if not any(ord(c) < 32 for c in t)]),
    ),
    min_size=1,
    max_size=6,
).map("".join)


def mostly(valid, other=None):
    """Usually a value the form accepts, sometimes anything: both paths get exercised."""
    return st.one_of(valid, valid, valid, other if other is not None else field_text)


@st.composite
def draft_states(draw) -> dict:
    """`view.state.values` of the draft modal with every field filled by hypothesis."""
    channels = draw(
        mostly(
            st.lists(st.sampled_from(["x", "facebook", "blog"]), min_size=1, max_size=3),
            st.lists(st.sampled_from(["x", "facebook", "blog"]) | messy, max_size=5),
        )
    )
    values = {
        ids.BODY: _text(draw(mostly(printable.filter(str.strip)))),
        ids.X_TEXT: _text(draw(mostly(st.none()))),
        ids.BLOG_TITLE: _text(draw(mostly(st.none() | printable))),
        ids.URL: _text(draw(mostly(st.none() | st.just("https://example.jp/お知らせ?a=1")))),
        ids.GROUP: _text(draw(mostly(st.none()))),
        ids.CHANNELS: {"type": "checkboxes", "selected_options": [_option(v) for v in channels]},
        ids.SOURCE: {
            "type": "static_select",
            "selected_option": _option(draw(mostly(st.sampled_from(["new", "other"]), choice))),
        },
        ids.CATEGORY: {
            "type": "radio_buttons",
            "selected_option": _option(draw(mostly(st.sampled_from(["civic", "other"]), choice))),
        },
        ids.PUBLISH_AT: {
            "type": "datetimepicker",
            "selected_date_time": draw(mostly(st.none(), stamps)),
        },
        ids.IMAGES: {"type": "file_input", "files": draw(mostly(st.just([]), files))},
    }
    for extra in ("GROUP_DATE", "GROUP_DRAFT"):  # fields added beyond the contract
        block_id = getattr(ids, extra, None)
        if block_id == "group_date":
            day = draw(st.one_of(st.none(), st.dates().map(str), messy))
            values[block_id] = {"type": "datepicker", "selected_date": day}
        elif block_id:
            values[block_id] = _text(draw(mostly(st.none())))
    return {block_id: {block_id: element} for block_id, element in values.items()}


def metadata_strategy():
    return st.one_of(
        st.just(""),
        st.just(""),
        st.just(""),
        messy,
        st.builds(
            lambda mode, draft: json.dumps({"mode": mode, "draft": draft}),
            st.sampled_from(["edit", "resubmit", "new", None]),
            st.one_of(st.integers(-5, 10**12), messy, st.none()),
        ),
    )


@FEW
@given(user=USERS, values=draft_states(), meta=metadata_strategy())
def test_every_field_of_the_draft_modal(app, user, values, meta):
    before = drafts_stored(app)
    response = app.slack.view_submission(user, "draft_submit", values, private_metadata=meta)
    assert_answered_sanely(response)
    assert response.status_code == 200
    if response.text:
        answer = response.json()
        assert answer["response_action"] == "errors", answer
        assert answer["errors"] and set(answer["errors"]) <= app.draft_blocks, answer
        assert all(japanese(text) for text in answer["errors"].values()), answer
        assert drafts_stored(app) == before
    else:  # accepted: a new draft (or a revision of one), complete
        assert drafts_stored(app) in (before, before + 1)
    assert_nothing_half_written(app)


@FEW
@given(user=USERS, reason=field_text, meta=metadata_strategy())
def test_the_reject_modal(app, user, reason, meta):
    values = {ids.REASON: {ids.REASON: _text(reason)}}
    response = app.slack.view_submission(user, "reject_submit", values, private_metadata=meta)
    assert_answered_sanely(response)
    if response.text:
        answer = response.json()
        assert set(answer["errors"]) == {ids.REASON} and japanese(answer["errors"][ids.REASON])
    assert_nothing_half_written(app)


# ---------------------------------------------------------------------- buttons

DECIDING_BUTTONS = [
    ids.APPROVE,
    ids.REJECT,
    ids.RETRY,
    ids.CANCEL,
    ids.WITHDRAW,
    ids.SHOW_FULL,
    ids.EDIT,
    ids.RESUBMIT,
]


@FEW
@given(
    user=USERS,
    action_id=st.sampled_from(DECIDING_BUTTONS),
    value=st.one_of(messy, huge).filter(lambda v: not v[:1].isdigit()),
    block_id=st.one_of(st.just("card_actions:1"), messy.filter(bool)),
)
def test_a_button_with_a_value_that_names_no_draft_is_answered_in_japanese(
    app, user, action_id, value, block_id
):
    response_url = app.fake.response_url("fuzz")
    response = app.slack.block_action(
        user,
        action_id,
        value[:2000],
        block_id=block_id[:255],
        response_url=response_url,
    )
    assert_answered_sanely(response)
    assert response.status_code == 200
    replies = replies_to(app, response_url)
    assert all(japanese(text) for text in replies), replies
    assert_nothing_half_written(app)


@FEW
@given(
    user=USERS,
    action_id=st.one_of(st.sampled_from(DECIDING_BUTTONS), messy.filter(bool)),
    value=st.one_of(st.none(), messy, st.integers(-(10**15), 10**15).map(str)),
)
def test_any_button_and_value_never_fail_the_request(app, user, action_id, value):
    response = app.slack.block_action(user, action_id[:255], value)
    assert_answered_sanely(response)
    assert response.status_code in (200, 404)  # 404: Bolt has no listener for that action id
    assert_nothing_half_written(app)


# ---------------------------------------------------------------------- raw bodies

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | messy,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(messy, inner, max_size=4),
    max_leaves=12,
)


@st.composite
def payloads(draw) -> dict:
    """Interaction payloads with Slack's outline, and wrong types where Slack never has them."""
    kind = draw(st.sampled_from(["block_actions", "view_submission", "shortcut", "view_closed"]))
    payload = {"type": kind, "user": {"id": draw(USERS)}, "team": {"id": "T0TEST"}}
    if kind == "block_actions":
        payload["actions"] = draw(
            st.lists(
                st.fixed_dictionaries(
                    {"action_id": st.sampled_from(DECIDING_BUTTONS) | messy},
                    optional={"value": json_values, "block_id": json_values},
                ),
                max_size=2,
            )
            | json_values
        )
        payload["response_url"] = draw(st.just("https://hooks.slack.com/x") | json_values)
        payload["trigger_id"] = draw(json_values)
    elif kind == "view_submission":
        payload["view"] = {
            "id": "V0FUZZ",
            "callback_id": draw(st.sampled_from(["draft_submit", "reject_submit"]) | messy),
            "private_metadata": draw(json_values),
            "state": draw(st.fixed_dictionaries({"values": json_values}) | json_values),
        }
    else:
        payload["callback_id"] = draw(messy)
    for key in draw(st.lists(st.sampled_from(list(payload)), max_size=2)):
        payload[key] = draw(json_values)
    return payload


def _view(callback_id: str, values, metadata="") -> dict:
    view = {"id": "V0FUZZ", "type": "modal", "callback_id": callback_id,
            "private_metadata": metadata}  # fmt: skip
    return {"type": "view_submission", "user": {"id": OPERATOR}, "view": {**view, **values}}


def _state(block_id: str, element: dict) -> dict:
    """A view's `state` with one input, in Slack's outline, holding `element` as its state."""
    return {"state": {"values": {block_id: {block_id: element}}}}


@FEW
@example(payload={"type": "block_actions", "user": {"id": OPERATOR}, "actions": []})
@example(payload=_view("draft_submit", {"state": "x"}))
@example(payload=_view("draft_submit", {"state": {"values": {"body": [1]}}}))
@example(
    payload=_view(
        "draft_submit",
        {"state": {"values": {"publish_at": {"publish_at": {"selected_date_time": 2**63 - 1}}}}},
    )
)
@example(
    payload=_view(
        "draft_submit",
        {"state": {"values": {"images": {"images": {"files": [{"size": "large"}]}}}}},
    )
)
@example(
    payload=_view("reject_submit", {"state": {"values": {"reason": {"reason": {"value": 5}}}}})
)
@example(payload=_view("draft_submit", _state("body", {"value": [1]})))
@example(payload=_view("draft_submit", _state("publish_at", {"selected_date_time": 2**63 - 1})))
@example(payload=_view("draft_submit", _state("images", {"files": [{"size": "large"}]})))
@example(payload=_view("reject_submit", _state("reason", {"value": 5})))
@example(payload=_view("draft_submit", {"private_metadata": {"mode": "edit"}}))
@example(payload={"type": "block_actions", "user": {"id": OPERATOR}, "actions": [{"value": "1"}]})
@example(payload={"type": "block_actions", "user": {"id": OPERATOR}, "actions": "approve"})
@example(payload={"type": "view_submission", "user": {"id": OPERATOR}, "view": {"state": {}}})
@given(payload=payloads())
def test_interaction_payloads_with_anything_inside(app, payload):
    body = urlencode({"payload": json.dumps(payload, ensure_ascii=False)})
    response = app.slack.post(body, FORM)
    assert_answered_sanely(response)
    assert_nothing_half_written(app)


NEVER_FROM_SLACK = {
    "no actions": {"type": "block_actions", "actions": []},
    "actions not a list": {"type": "block_actions", "actions": {"action_id": "approve"}},
    "an action without its id": {"type": "block_actions", "actions": [{"value": "1"}]},
    "a number as the button value": {
        "type": "block_actions", "actions": [{"action_id": "approve", "value": 1}]},
    "state not an object": {"type": "block_actions", "actions": [{"action_id": "approve"}],
                            "state": "x"},
    "a view without its type": {"type": "view_submission",
                                "view": {"callback_id": "draft_submit"}},
    "a view state that is text": {"type": "view_submission", "view": {
        "type": "modal", "callback_id": "draft_submit", "state": "x"}},
    "state values that are a list": {"type": "view_submission", "view": {
        "type": "modal", "callback_id": "draft_submit", "state": {"values": [1]}}},
    "metadata that is not text": {"type": "view_submission", "view": {
        "type": "modal", "callback_id": "draft_submit", "private_metadata": {"draft": 1}}},
    "a team that is a list": {"type": "block_actions", "team": ["T0TEST"],
                              "actions": [{"action_id": "approve", "value": "1"}]},
    "a response URL that is a number": {"type": "block_actions", "response_url": 7,
                                        "actions": [{"action_id": "approve", "value": "1"}]},
}  # fmt: skip


@pytest.mark.parametrize("shape", list(NEVER_FROM_SLACK))
def test_a_payload_of_a_shape_slack_never_sends_is_a_bad_request(app, shape):
    entries = _register_size(app)
    payload = {"user": {"id": OPERATOR}, "team": {"id": "T0TEST"}, **NEVER_FROM_SLACK[shape]}
    response = app.slack.post_payload(payload)
    assert response.status_code == 400, (response.status_code, response.text)
    assert "Traceback" not in response.text
    assert _register_size(app) == entries


def _register_size(app) -> int:
    with app.services.session_factory() as session:
        return session.execute(select(func.count(RegisterEntry.id))).scalar_one()


WRONG_TYPES = [  # (what, block, the element's state, the inline error shown)
    ("a number as the body", ids.BODY, {"type": "plain_text_input", "value": 12},
     "本文を入力してください"),
    ("a list as the body", ids.BODY, {"type": "plain_text_input", "value": [1]},
     "本文を入力してください"),
    ("a date past year 9999", ids.PUBLISH_AT,
     {"type": "datetimepicker", "selected_date_time": 2**63 - 1}, "投稿日時を読み取れません"),
    ("a date as text", ids.PUBLISH_AT, {"type": "datetimepicker", "selected_date_time": "明日"},
     "投稿日時を読み取れません"),
    ("a date as true", ids.PUBLISH_AT, {"type": "datetimepicker", "selected_date_time": True},
     "投稿日時を読み取れません"),
    ("a file size that is not a number", ids.IMAGES, {"type": "file_input", "files": [
        {"id": "F1", "name": "a.png", "mimetype": "image/png", "size": "large"}]}, "a.png"),
    ("a file type that is a list", ids.IMAGES, {"type": "file_input", "files": [
        {"id": "F1", "name": "b.png", "mimetype": ["image/png"], "size": 10}]}, "b.png"),
    ("files that are not a list", ids.IMAGES, {"type": "file_input", "files": "F1"}, None),
    ("checked channels that are text", ids.CHANNELS,
     {"type": "checkboxes", "selected_options": "x"}, "投稿先を 1 つ以上選んでください"),
    ("a channel value that is a number", ids.CHANNELS,
     {"type": "checkboxes", "selected_options": [{"value": 1}]}, "選べない投稿先"),
    ("a source that is a number", ids.SOURCE,
     {"type": "static_select", "selected_option": {"value": 3}}, "情報の区分を選んでください"),
    ("a category option that is text", ids.CATEGORY,
     {"type": "radio_buttons", "selected_option": "civic"}, None),
]  # fmt: skip


def draft_values_for_types(body: str) -> dict:
    """A draft form Slack could send (blog only: nothing else to check), to spoil one part of."""
    return draft_values(body=body, channels=("blog",))


@pytest.mark.parametrize(("what", "block", "element", "shown"), WRONG_TYPES,
                         ids=[case[0] for case in WRONG_TYPES])  # fmt: skip
def test_a_wrong_type_inside_the_draft_form_is_read_or_refused_in_japanese(
    app, what, block, element, shown
):
    """Read as empty (then the usual rule speaks), or refused beside the field: never a 5xx."""
    before = drafts_stored(app)
    values = draft_values_for_types(f"型の試験 {what}")
    values[block] = {block: element}
    response = app.slack.view_submission(OPERATOR, "draft_submit", values)
    assert_answered_sanely(response)
    assert response.status_code == 200
    if shown is None:  # read as empty, which the form allows (source new, category civic)
        assert response.text == "" and drafts_stored(app) == before + 1
    else:
        answer = response.json()
        assert answer["response_action"] == "errors" and shown in answer["errors"][block], answer
        assert all(japanese(text) for text in answer["errors"].values())
        assert drafts_stored(app) == before
    assert_nothing_half_written(app)


@pytest.mark.parametrize("block", [[1], "本文", None, {ids.BODY: [1]}, {ids.BODY: "本文"}, {}])
def test_an_input_block_of_another_shape_reads_as_empty(app, block):
    values = {**draft_values_for_types("形の試験"), ids.BODY: block}
    response = app.slack.view_submission(OPERATOR, "draft_submit", values)
    assert_answered_sanely(response)
    assert response.json()["errors"] == {ids.BODY: "本文を入力してください。"}
    assert_nothing_half_written(app)


@pytest.mark.parametrize("reason", [5, ["理由"], {"text": "理由"}, True])
def test_a_reject_reason_that_is_not_text_asks_for_the_reason_in_japanese(app, reason):
    values = {ids.REASON: {ids.REASON: {"type": "plain_text_input", "value": reason}}}
    metadata = json.dumps({"draft": 1, "revision": 1})
    response = app.slack.view_submission(CHIEF, "reject_submit", values, private_metadata=metadata)
    assert_answered_sanely(response)
    assert response.json() == {
        "response_action": "errors",
        "errors": {ids.REASON: "差し戻しの理由を入力してください。"},
    }
    assert_nothing_half_written(app)


@FEW
@given(
    body=st.one_of(
        st.binary(max_size=2000).map(lambda b: b.decode("latin-1")),
        messy,
        st.builds(lambda v: urlencode({"payload": v}), messy),
        st.builds(
            lambda fields: urlencode(fields),
            st.dictionaries(st.sampled_from(["command", "user_id", "text", "trigger_id"]), messy),
        ),
        st.builds(lambda v: json.dumps(v, ensure_ascii=False), json_values),
    ),
    content_type=st.sampled_from([FORM, JSON, "text/plain", "", "multipart/form-data"]),
)
def test_raw_bodies(app, body, content_type):
    response = app.slack.post(body, content_type)
    assert_answered_sanely(response)
    assert response.status_code in (200, 400, 404), (response.status_code, body[:200])
    assert_nothing_half_written(app)


def test_a_body_over_the_size_limit_is_refused_without_reading_it(app):
    body = urlencode({"command": "/sns", "user_id": OPERATOR, "text": "あ" * 200_000})
    response = app.slack.post(body, FORM)
    assert response.status_code in (400, 413)
    assert "Traceback" not in response.text


def test_revisions_always_belong_to_a_draft(app):
    with app.services.session_factory() as session:
        strays = session.execute(
            select(func.count(Revision.id)).where(Revision.draft_id.not_in(select(Draft.id)))
        ).scalar_one()
    assert strays == 0


# ---------------------------------------------------------------------- malformed, yet signed


OTHER_DIGITS = {
    "fullwidth": "０１２３４５６７８９",
    "arabic": "٠١٢٣٤٥٦٧٨٩",
    "devanagari": "०१२३४५६७८९",
}


def _a_pending_draft(app) -> int:
    with app.services.session_factory.begin() as session:
        draft = workflow.submit(
            session,
            author_id=OPERATOR,
            content=DraftInput(body=f"数字の試験 {time.monotonic_ns()}", channels=("x",)),
            now=app.services.clock(),
        )
        return draft.id


def post_ascii_payload(app, payload: dict):
    """An interaction as Slack may send it: JSON with non-ASCII as escapes (a lone `\\ud800`)."""
    return app.slack.post(urlencode({"payload": json.dumps(payload)}), FORM)


@pytest.mark.parametrize(
    "part",
    [
        {"user": 5},
        {"user": ["U1"]},
        {"user": {"id": 7}},
        {"channel": 5},
        {"channel": ["C1"]},
        {"channel": {"id": True}},
        {"user_id": 5},
        {"channel_id": {"id": "C1"}},
        {"item": {"channel": 9}},
        {"message": {"user": 3}},
        {"previous_message": {"user": []}},
    ],
)
def test_an_event_naming_its_user_or_channel_other_than_slack_does_is_a_bad_request(app, part):
    response = app.slack.event({"type": "app_home_opened", "tab": "home", **part})
    assert_answered_sanely(response)
    assert response.status_code == 400, response.text


def test_an_event_naming_its_user_and_channel_as_slack_does_is_accepted(app):
    event = {"type": "app_home_opened", "tab": "messages", "user": OPERATOR, "channel": "D1"}
    assert app.slack.event(event).status_code == 200
    event = {"type": "user_change", "user": {"id": OPERATOR, "name": "x"}}
    assert app.slack.event(event).status_code in (200, 404)


GROUP_REQUEST = {"source": "group_request", "group_date": "2026-12-01", "group_draft": "原稿"}


@pytest.mark.parametrize("field", ["body", "x_text", "blog_title", "group", "group_draft"])
def test_a_lone_surrogate_in_a_draft_field_gets_an_inline_error(app, field):
    before = drafts_stored(app)
    given = {**GROUP_REQUEST, "group": "和光の会"} if field.startswith("group") else {}
    values = draft_values(**{**given, field: "市民活動フェア \ud800 開催"})
    payload = app.slack.view_submission_payload(OPERATOR, "draft_submit", values)
    response = post_ascii_payload(app, payload)
    assert_answered_sanely(response)
    answer = response.json()
    assert answer["response_action"] == "errors", answer
    assert japanese(answer["errors"][field]), answer
    assert drafts_stored(app) == before
    assert_nothing_half_written(app)


@pytest.mark.parametrize("char", ["\x7f", "\x80", "\x85", "\x9b", "\x9f", "\x00", "\x1b"])
@pytest.mark.parametrize("field", ["body", "x_text", "blog_title", "url"])
def test_del_and_c1_control_characters_are_refused_beside_the_field(app, char, field):
    before = drafts_stored(app)
    text = f"https://example.jp/a{char}b" if field == "url" else f"市民活動フェア{char}開催"
    values = draft_values(**{field: text})
    response = app.slack.view_submission(OPERATOR, "draft_submit", values)
    assert_answered_sanely(response)
    answer = response.json()
    assert answer["response_action"] == "errors", answer
    assert japanese(answer["errors"][field]), answer
    assert drafts_stored(app) == before


@pytest.mark.parametrize(
    "reason", ["理由\x7fです", "理由\x9bです", "理由\x00です", "理由\ud800です"]
)
def test_a_reject_reason_with_control_characters_or_a_lone_surrogate_is_refused(app, reason):
    draft_id = _a_pending_draft(app)
    metadata = json.dumps({"draft": draft_id, "revision": 1})
    values = {ids.REASON: {ids.REASON: _text(reason)}}
    payload = app.slack.view_submission_payload(CHIEF, "reject_submit", values, metadata)
    response = post_ascii_payload(app, payload)
    assert_answered_sanely(response)
    answer = response.json()
    assert set(answer["errors"]) == {ids.REASON} and japanese(answer["errors"][ids.REASON])
    assert_nothing_half_written(app)


@pytest.mark.parametrize("digits", list(OTHER_DIGITS))
@pytest.mark.parametrize("action_id", DECIDING_BUTTONS)
def test_a_button_value_in_other_digits_names_no_draft(app, digits, action_id):
    draft_id = _a_pending_draft(app)
    other = str(draft_id).translate(str.maketrans("0123456789", OTHER_DIGITS[digits]))
    for value in (other, f"{other}:x", f"{draft_id}\n"):
        response_url = app.fake.response_url("digits")
        response = app.slack.block_action(
            CHIEF, action_id, value, block_id="card_actions:1", response_url=response_url
        )
        assert_answered_sanely(response)
        replies = replies_to(app, response_url)
        assert replies and all(japanese(text) for text in replies), (value, replies)
    with app.services.session_factory() as session:
        assert session.get(Draft, draft_id).status == "pending"
        decided = select(func.count(Decision.id)).where(Decision.draft_id == draft_id)
        assert session.execute(decided).scalar_one() == 0


def test_the_live_x_counter_counts_a_lone_surrogate_rather_than_failing(app):
    app.slack.command(OPERATOR, "", trigger_id="counter-surrogate")
    opened = app.fake.wait_for(
        "views.open", where=lambda c: c.params.get("trigger_id") == "counter-surrogate"
    )[0]
    view = opened.params["view"]
    state = {"values": draft_values(body="あ\ud800い")}
    typed = {**opened.response["view"], "state": state, "blocks": view["blocks"]}
    payload = app.slack.block_action_payload(
        OPERATOR, "body", None, block_id="body", view=typed, action_type="plain_text_input"
    )
    response = post_ascii_payload(app, payload)
    assert_answered_sanely(response)
    update = app.fake.wait_for(
        "views.update", where=lambda c: c.params.get("view_id") == typed["id"]
    )[0]
    shown = next(b for b in update.params["view"]["blocks"] if b["block_id"] == "x_counter")
    assert shown["elements"][0]["text"] == "X: 6 / 280（残り 274）"  # U+FFFD counts 2


@pytest.mark.parametrize("digit", ["２", "٢", "२", "²"])
def test_every_id_read_from_a_value_is_ascii_digits_only(digit):
    from handlers.slack.approval import revision_of
    from handlers.slack.engagement import ENGAGEMENT_ID
    from handlers.slack.feed import ENTRY_ID
    from handlers.slack.moderation import ITEM_ID
    from handlers.slack.moderation_blocks import CATEGORY, chosen_category
    from handlers.slack.replies import draft_id_of
    from handlers.teams.forms import draft_from_data

    for value in (digit, f"1{digit}", f"{digit}:x,blog"):
        assert draft_id_of({"value": value}) is None, value
        assert revision_of({"block_id": f"card_actions:{value}"}) is None, value
        for pattern in (ENGAGEMENT_ID, ENTRY_ID, ITEM_ID):
            assert not pattern.fullmatch(value), value
    assert chosen_category({"b": {CATEGORY: {"selected_option": {"value": digit}}}}) is None
    assert draft_id_of({"value": "12:x,blog"}) == 12 and draft_id_of({"value": "12\n"}) is None
    date = f"2026-12-0{digit}"
    content, problems = draft_from_data({"publish_date": date, "publish_time": "10:00",
                                         "group_date": date})  # fmt: skip
    assert content.publish_at is None and problems and content.group_date == ""
