"""The message catalogue: Japanese and English stay in step, every text formats, JST times."""

from __future__ import annotations

import ast
import string
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from bot.approval.drafts import CATEGORIES, SOURCES
from bot.config import CHANNELS
from bot.messages import CATALOGUES, EN, JA, Messages
from bot.models import APPROVED, PENDING, REJECTED, WITHDRAWN


def fields_of(template: str) -> set[str]:
    """The placeholder names a template uses (`{id}`, `{max}` …)."""
    return {
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name is not None
    }


def test_japanese_and_english_have_the_same_keys():
    assert set(JA) - set(EN) == set(), "keys missing in English"
    assert set(EN) - set(JA) == set(), "keys missing in Japanese"


def test_every_catalogue_has_the_same_keys():
    assert set(CATALOGUES) >= {"ja", "en"}
    for locale, texts in CATALOGUES.items():
        assert set(texts) == set(JA), locale


@pytest.mark.parametrize("key", sorted(JA))
def test_both_languages_name_the_same_placeholders(key):
    assert fields_of(JA[key]) == fields_of(EN[key])


@pytest.mark.parametrize("locale", sorted(CATALOGUES))
def test_every_text_formats_with_its_placeholders(locale):
    msg = Messages(locale)
    for key, template in CATALOGUES[locale].items():
        values = {name: f"<{name}>" for name in fields_of(template)}
        text = msg(key, **values)  # a KeyError here names a placeholder nobody passes
        assert all(v in text for v in values.values()), key


@pytest.mark.parametrize("locale", sorted(CATALOGUES))
def test_every_text_is_non_empty_and_placeholders_are_named(locale):
    for key, template in CATALOGUES[locale].items():
        assert template.strip(), key
        assert "" not in fields_of(template), f"{key}: positional {{}} placeholder"


def test_japanese_is_the_default_and_unknown_locales_fall_back_to_it():
    assert Messages().locale == "ja"
    assert Messages("xx").locale == "ja"
    assert Messages("xx")("modal.submit") == JA["modal.submit"]
    assert Messages("en")("modal.submit") == EN["modal.submit"]


def test_messages_format_values():
    assert Messages("ja")("card.header", id=7, revision=2) == "決裁依頼 #7（第 2 版）"
    assert Messages("en")("refuse.not_found", id=3) == "Draft #3 was not found."


def test_unknown_key_is_an_error_not_a_silent_blank():
    with pytest.raises(KeyError):
        Messages("ja")("no.such.key")


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (datetime(2026, 1, 1, 0, 0, tzinfo=UTC), "2026-01-01 09:00"),
        (datetime(2026, 3, 31, 15, 0, tzinfo=UTC), "2026-04-01 00:00"),
        (datetime(2026, 7, 1, 14, 59, 59, tzinfo=UTC), "2026-07-01 23:59"),  # no summer time
        (datetime(2026, 1, 1, 9, 0, tzinfo=timezone(timedelta(hours=9))), "2026-01-01 09:00"),
    ],
)
def test_time_is_shown_in_japan_time(moment, shown):
    assert Messages("ja").time(moment) == shown
    assert Messages("en").time(moment) == shown


# -- keys the code uses ------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]


def _literal_keys() -> list[tuple[str, str]]:
    """(file, key) for every `msg("key", …)` / `self.msg("key", …)` call with a literal key."""
    found = []
    for path in sorted(
        p for pkg in ("bot", "handlers", "publishers") for p in (ROOT / pkg).rglob("*.py")
    ):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            func, first = node.func, node.args[0]
            named_msg = (isinstance(func, ast.Name) and func.id == "msg") or (
                isinstance(func, ast.Attribute) and func.attr == "msg"
            )
            if named_msg and isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.append((path.relative_to(ROOT).as_posix(), first.value))
    return found


def test_the_code_asks_for_messages():
    assert len(_literal_keys()) > 30


@pytest.mark.parametrize(("path", "key"), _literal_keys(), ids=lambda v: str(v))
def test_every_key_the_code_uses_exists(path, key):
    assert key in JA, f"{path} uses {key!r}, which the catalogue lacks"


@pytest.mark.parametrize(
    "key",
    [
        *(f"source.{s}" for s in SOURCES),
        *(f"source_rule.{s}" for s in SOURCES),
        *(f"category.{c}" for c in CATEGORIES),
        *(f"channel.{c}" for c in CHANNELS),
        *(f"state.{s}" for s in (PENDING, APPROVED, REJECTED, WITHDRAWN)),
        *(f"decision.{s}" for s in (APPROVED, REJECTED, WITHDRAWN)),
    ],
)
def test_keys_built_from_values_exist(key):
    assert key in JA


def test_the_catalogue_parts_share_no_key():
    """Each language's catalogue is one dict made of parts by feature: a key in two parts would
    silently shadow the earlier text."""
    from bot.messages import (
        en_drafts,
        en_requests,
        en_teams_home,
        ja_drafts,
        ja_requests,
        ja_teams_home,
    )

    for parts in (
        (ja_drafts.DRAFTS, ja_requests.REQUESTS, ja_teams_home.TEAMS_AND_HOME),
        (en_drafts.DRAFTS, en_requests.REQUESTS, en_teams_home.TEAMS_AND_HOME),
    ):
        keys = [key for part in parts for key in part]
        assert len(keys) == len(set(keys))
