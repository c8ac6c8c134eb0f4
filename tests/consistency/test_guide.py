"""The staff guide (docs/guide.ja.md) explains every button and error of the Japanese catalogue.

Which keys are buttons and errors is derived, never listed by hand, so that a key added later
without a guide entry fails here:

- buttons: every catalogue key with a `button` segment (`button.approve`, `engage.button.reject`)
  or ending in `.submit` / `.close` (a form's own buttons), and every key the chat front ends
  (handlers/) put on a button: the label given to `button`, `execute` or `dialog_button`, the
  `text` of a `ButtonElement`, what a `ConfirmObject` says, a form's `submit` / `close`, and the
  `title` of an Adaptive Card action (`Action.Execute`, `Action.Submit`, `Action.ShowCard`).
  A key built in an f-string (`f"moderation.action.{action}"`) stands for every catalogue key
  starting with its fixed part.
- errors: every key with an `error` or `refuse` segment (`error.*`, `pub.error.*`,
  `engage.refuse.*`, `moderation.refuse.*` …), every key whose last segment says something went
  wrong (`…failed`, `…invalid`, `…mismatch`, `…not_found`, `…nothing`, `…not_done`, `…unknown`,
  `…incomplete`, `…unchecked`, `…not_operator`, `…usage`), and every key an Adaptive Card shows
  as an input's `errorMessage`.

The matching rule: a text is explained when each of its fixed parts appears in the guide. The
fixed parts are the text split at its placeholders (`{weight}`, `{id}`, a mention `<@{who}>`)
and at line breaks, with Slack's markup (`*`, `` ` ``, `<`, `>`, `|`) removed and blanks
collapsed, in the guide too; a part with fewer than two word characters (`（`, ` / `, `X: `) is
not required. So the guide quotes a message with each placeholder written as 〇〇, e.g.
「下書き #〇〇 を取り下げました。」.

A key that needs no explanation goes in NOT_EXPLAINED with the reason. The failure message
names each missing key with its Japanese text, to be added to the guide's table of messages.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from test_docs import slash_subcommands

from bot.approval.moderation import CATEGORIES as MODERATION_CATEGORIES
from bot.messages import JA
from handlers.slack import ids as slack_ids
from handlers.teams import ids as teams_ids

ROOT = Path(__file__).resolve().parents[2]
GUIDE_PATH = ROOT / "docs" / "guide.ja.md"

# Keys that are buttons or errors by the rules above but need no entry in the guide.
NOT_EXPLAINED: dict[str, str] = {
    "error.already_decided_modal": "no code shows it: a decided draft is refused with "
    "refuse.already_decided, which the guide explains",
    "error.channel_unknown": "the form offers only the channels that exist; only a forged "
    "request can name another",
    "search.usage": "the search syntax itself, which the guide explains in its own words",
}

MEANINGFUL = 2  # word characters a fixed part needs before the guide must contain it
PLACEHOLDER = re.compile(r"<@\{[^{}]*\}>|\{[^{}]*\}")  # a Slack mention `<@{who}>` is one
MARKUP = re.compile(r"[*`<>|]")
ERROR_SEGMENTS = {"error", "refuse"}
ERROR_ENDINGS = re.compile(
    r"(failed|invalid|mismatch|not_found|nothing|not_done|unknown|incomplete|unchecked"
    r"|not_operator|usage)$"
)
LABEL_MAKERS = {"button", "execute", "dialog_button"}  # a label key among their arguments
BUTTON_KEYWORDS = {
    "ButtonElement": {"text"},
    "ConfirmObject": {"title", "text", "confirm", "deny"},
}
FORM_BUTTON_KEYWORDS = {"submit", "close"}  # of any call: a modal's or a form's buttons
ADAPTIVE_ACTIONS = {"Action.Execute", "Action.Submit", "Action.ShowCard"}


# -- which keys are buttons and errors ------------------------------------------------------------


def _keys_named_by(node: ast.AST | None, names: dict[str, ast.AST]) -> set[str]:
    """The catalogue keys an expression names: a literal key, `msg("key")`, an f-string's
    fixed start (every key beginning with it), or a local variable holding one of these."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value} if node.value in JA else set()
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and "." in str(first.value):
            return {key for key in JA if key.startswith(first.value)}
        return set()
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        if (isinstance(func, ast.Name) and func.id == "msg") or (
            isinstance(func, ast.Attribute) and func.attr == "msg"
        ):
            return _keys_named_by(node.args[0], names)
    if isinstance(node, ast.Name) and node.id in names:
        return _keys_named_by(names[node.id], {})
    return set()


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _dict_entries(node: ast.Dict) -> dict[str, ast.AST]:
    return {
        k.value: v
        for k, v in zip(node.keys, node.values, strict=True)
        if isinstance(k, ast.Constant) and isinstance(k.value, str)
    }


def _scan_function(function: ast.AST, buttons: set[str], errors: set[str]) -> None:
    names = {
        target.id: node.value
        for node in ast.walk(function)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            name = _call_name(node)
            if name in LABEL_MAKERS:
                for argument in node.args:
                    buttons |= _keys_named_by(argument, names)
            for keyword in node.keywords:
                if keyword.arg in BUTTON_KEYWORDS.get(name, set()) | FORM_BUTTON_KEYWORDS:
                    buttons |= _keys_named_by(keyword.value, names)
        elif isinstance(node, ast.Dict):
            entries = _dict_entries(node)
            kind = entries.get("type")
            if isinstance(kind, ast.Constant) and kind.value in ADAPTIVE_ACTIONS:
                buttons |= _keys_named_by(entries.get("title"), names)
            if "errorMessage" in entries:
                errors |= _keys_named_by(entries["errorMessage"], names)


def keys_the_builders_use() -> tuple[set[str], set[str]]:
    """(button keys, error keys) the Block Kit and Adaptive Card builders in handlers/ use."""
    buttons: set[str] = set()
    errors: set[str] = set()
    for path in sorted((ROOT / "handlers").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                _scan_function(node, buttons, errors)
    return buttons, errors


def is_button_key(key: str) -> bool:
    segments = key.split(".")
    return "button" in segments or segments[-1] in ("submit", "close")


def is_error_key(key: str) -> bool:
    segments = key.split(".")
    return bool(ERROR_SEGMENTS & set(segments)) or bool(ERROR_ENDINGS.search(segments[-1]))


def button_keys() -> set[str]:
    return {key for key in JA if is_button_key(key)} | keys_the_builders_use()[0]


def error_keys() -> set[str]:
    return {key for key in JA if is_error_key(key)} | keys_the_builders_use()[1]


# -- the matching rule ----------------------------------------------------------------------------


def normalised(text: str) -> str:
    """Slack's markup removed and blanks collapsed (the guide is read the same way)."""
    return " ".join(MARKUP.sub("", text).split())


def fixed_parts(template: str) -> list[str]:
    """The parts of a catalogue text the guide must quote: between placeholders and line
    breaks, each with at least MEANINGFUL word characters."""
    parts = (
        normalised(line) for piece in PLACEHOLDER.split(template) for line in piece.split("\n")
    )
    return [part for part in parts if len(re.findall(r"\w", part)) >= MEANINGFUL]


def guide_text() -> str:
    assert GUIDE_PATH.is_file(), "docs/guide.ja.md is missing"
    return normalised(GUIDE_PATH.read_text(encoding="utf-8"))


def missing_parts(key: str, guide: str) -> list[str]:
    return [part for part in fixed_parts(JA[key]) if part not in guide]


def _report(kind: str, keys: set[str]) -> str | None:
    guide = guide_text()
    lines = [
        f"  {key}: 「{JA[key]}」 (not found: {' / '.join(repr(p) for p in missing)})"
        for key in sorted(keys - NOT_EXPLAINED.keys())
        if (missing := missing_parts(key, guide))
    ]
    if not lines:
        return None
    return (
        f"docs/guide.ja.md does not explain these {len(lines)} {kind} of bot/messages/ja.py. Quote"
        " each text in the guide (its table of messages, or the section on that task), with 〇〇"
        " for each {placeholder}, or add the key to NOT_EXPLAINED in"
        " tests/consistency/test_guide.py with the reason:\n" + "\n".join(lines)
    )


# -- the tests ------------------------------------------------------------------------------------


def test_every_button_label_is_in_the_guide():
    problem = _report("button labels", button_keys())
    assert problem is None, problem


def test_every_error_message_is_in_the_guide():
    problem = _report("error messages", error_keys())
    assert problem is None, problem


def test_the_rules_find_the_buttons_and_errors_staff_meet():
    """The scan itself works: keys known to be buttons and errors are found by each route."""
    found_by_builders = keys_the_builders_use()[0]
    for key in ("home.new_draft", "teams.refresh", "teams.open_form", "moderation.confirm.yes",
                "moderation.action.block", "reject.submit", "home.next"):  # fmt: skip
        assert key in found_by_builders, key
    assert {"button.approve", "engage.button.reject", "modal.submit"} <= button_keys()
    errors = error_keys()
    for key in ("error.body_required", "refuse.not_chief", "pub.error.x_duplicate",
                "moderation.refuse.need_category", "engage.error.follow_target",
                "identity.mismatch", "teams.publish_at_incomplete", "crosspost.nothing"):  # fmt: skip
        assert key in errors, key
    assert "card.header" not in button_keys() | errors


def test_exemptions_name_existing_buttons_or_errors_with_a_reason():
    for key, reason in NOT_EXPLAINED.items():
        assert key in JA, f"NOT_EXPLAINED names {key}, which the catalogue no longer has"
        assert key in button_keys() | error_keys(), f"{key} is neither a button nor an error"
        assert len(reason.split()) >= 3, f"{key}: say why it needs no explanation"


@pytest.mark.parametrize(
    ("template", "parts"),
    [
        ("下書き #{id} を取り下げました。", ["下書き #", "を取り下げました。"]),
        ("X: {weight} / {max}（残り {left}）", ["（残り"]),
        ("✅ {channel}: <{url}|投稿を見る>", ["投稿を見る"]),
        ("決裁簿: {count} 件\n（記録に `a b` ）", ["決裁簿:", "件", "（記録に a b ）"]),
    ],
)
def test_fixed_parts_split_at_placeholders_and_lines(template, parts):
    assert fixed_parts(template) == [p for p in parts if len(re.findall(r"\w", p)) >= MEANINGFUL]


def test_a_quote_with_placeholders_as_circles_is_explained():
    guide = normalised("「下書き #〇〇 を取り下げました。」")
    assert missing_parts("withdraw.done", guide) == []
    assert missing_parts("cancel.done", guide) != []


def test_every_moderation_category_is_in_the_guide_as_the_policy_words_it():
    guide = guide_text()
    for number, words in enumerate(MODERATION_CATEGORIES, start=1):
        assert normalised(words) in guide, f"policy §11 ({number}) {words}"


def test_every_chat_command_is_in_the_guide():
    guide = guide_text()
    assert f"{slack_ids.COMMAND} " in guide or f"{slack_ids.COMMAND}" in guide
    for sub in sorted(slash_subcommands()):
        assert normalised(f"{slack_ids.COMMAND} {sub}") in guide, f"{slack_ids.COMMAND} {sub}"
    for command in teams_ids.COMMANDS + teams_ids.TYPED_COMMANDS:
        assert f"`{command}`" in GUIDE_PATH.read_text(encoding="utf-8"), command
