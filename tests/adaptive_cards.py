"""Adaptive Cards as Teams takes them: the official 1.5 JSON schema, plus Teams' own rules.

The schema is Microsoft's (tests/data/adaptive-cards/, source in its README): every element,
inline and action type, its properties, required ones and enumerated values. Beside it, what
the schema cannot say and Teams needs:

- the card says version "1.5" (the schema takes any version string);
- every Action.Execute sits in an ActionSet in the body, with an Action.Submit fallback: some
  older Teams clients honour the fallback only there (Microsoft's backward-compatibility
  advice for Universal Actions); the schema accepts any fallback;
- a refresh names at most 5 users (Teams refreshes automatically for 5 at most);
- no JSON null anywhere (the schema allows it in places; some connectors refuse it).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from jsonschema import Draft6Validator
from jsonschema.exceptions import best_match

SCHEMA_FILE = Path(__file__).parent / "data" / "adaptive-cards" / "adaptive-card-1.5.json"
REFRESH_USERS_MAX = 5


@cache
def _validators() -> tuple[Draft6Validator, Draft6Validator]:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    submit = {"$ref": "#/definitions/Action.Submit", "definitions": schema["definitions"]}
    return Draft6Validator(schema), Draft6Validator(submit)


def problems(card: dict, where: str = "card") -> list[str]:
    """Every way `card` departs from Adaptive Cards 1.5 as Teams takes it (empty: valid)."""
    card_schema, submit_schema = _validators()
    found = [_say(error, where) for error in _errors(card_schema, card)]
    if card.get("type") != "AdaptiveCard" or card.get("version") != "1.5":
        found.append(f"{where}: not an AdaptiveCard of version 1.5")
    users = (card.get("refresh") or {}).get("userIds") or []
    if len(users) > REFRESH_USERS_MAX:
        found.append(f"{where}.refresh.userIds: more than {REFRESH_USERS_MAX} users")
    found += [f"{where}{path}: null" for path in _nulls(card)]
    for path, action in _actions(card, where):
        if action.get("type") != "Action.Execute":
            continue
        if _card_level(path):
            found.append(f"{path}: an Action.Execute belongs in an ActionSet in the body")
        fallback = action.get("fallback")
        if not isinstance(fallback, dict) or fallback.get("type") != "Action.Submit":
            found.append(f"{path}: an Action.Execute needs an Action.Submit fallback")
        else:
            found += [_say(e, f"{path}.fallback") for e in _errors(submit_schema, fallback)]
    return found


def _errors(validator: Draft6Validator, instance) -> list:
    error = best_match(validator.iter_errors(instance))
    return [] if error is None else [_deepest(error)]


def _deepest(error):
    """Of an anyOf over every element type, the branch whose `type` matched says why."""
    while error.context:
        branches: dict = {}
        for e in error.context:
            branches.setdefault(e.relative_schema_path[0], []).append(e)
        typed = [errors for errors in branches.values() if not any(_wrong_type(e) for e in errors)]
        error = best_match(typed[0] if typed else error.context)
    return error


def _wrong_type(error) -> bool:
    return error.validator == "enum" and list(error.relative_path)[-1:] == ["type"]


def _say(error, where: str) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return f"{where}{path}: {error.message[:300]}"


def _nulls(value, path: str = "") -> list[str]:
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [n for k, v in value.items() for n in _nulls(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [n for i, v in enumerate(value) for n in _nulls(v, f"{path}[{i}]")]
    return []


def _actions(thing, path: str):
    """(path, action) of every action in a card, its body, columns and shown cards."""
    if isinstance(thing, dict):
        if str(thing.get("type", "")).startswith("Action.") and not path.endswith(".fallback"):
            yield path, thing
        for key, value in thing.items():
            if key not in ("fallback", "refresh", "selectAction"):
                yield from _actions(value, f"{path}.{key}")
    elif isinstance(thing, list):
        for i, value in enumerate(thing):
            yield from _actions(value, f"{path}[{i}]")


def _card_level(path: str) -> bool:
    """The path names a card's own `actions` (`card.actions[0]`, `….card.actions[1]`), not an
    ActionSet's (`….body[3].actions[0]`)."""
    head = path.rpartition(".actions[")[0]
    return head.endswith(".card") or head == path.split(".")[0]
