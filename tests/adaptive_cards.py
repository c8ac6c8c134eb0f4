"""Adaptive Cards 1.5 as Teams renders them: the element, action and property set of the schema.

A hand-written check of the 1.5 schema (adaptivecards.io/schemas/1.5.0/adaptive-card.json):
every element, inline and action type must be one 1.5 defines, carry only the properties 1.5
gives it, its required ones present, and each enumerated value one the schema allows (the
schema compares those without case).
"""

from __future__ import annotations

ELEMENT = {"type", "id", "requires", "fallback", "height", "separator", "spacing", "isVisible"}
INPUT = ELEMENT | {"isRequired", "errorMessage", "label"}
ACTION = {"type", "id", "title", "iconUrl", "style", "fallback", "tooltip", "isEnabled", "mode",
          "requires"}  # fmt: skip
TEXT_STYLE = {"color", "fontType", "isSubtle", "size", "weight"}
CONTAINER = {"selectAction", "style", "verticalContentAlignment", "bleed", "backgroundImage",
             "minHeight", "rtl"}  # fmt: skip

ELEMENTS = {  # type: (allowed properties, required properties)
    "TextBlock": (
        ELEMENT | TEXT_STYLE | {"text", "horizontalAlignment", "maxLines", "wrap", "style"},
        {"text"},
    ),  # fmt: skip
    "RichTextBlock": (ELEMENT | {"inlines", "horizontalAlignment"}, {"inlines"}),
    "FactSet": (ELEMENT | {"facts"}, {"facts"}),
    "Image": (
        ELEMENT
        | {
            "url",
            "altText",
            "backgroundColor",
            "horizontalAlignment",
            "selectAction",
            "size",
            "style",
            "width",
        },
        {"url"},
    ),  # fmt: skip
    "Container": (ELEMENT | CONTAINER | {"items"}, {"items"}),
    "ColumnSet": (
        ELEMENT | {"columns", "selectAction", "style", "bleed", "minHeight", "horizontalAlignment"},
        set(),
    ),  # fmt: skip
    "Column": (ELEMENT | CONTAINER | {"items", "width"}, set()),
    "ActionSet": (ELEMENT | {"actions"}, {"actions"}),
    "Input.Text": (
        INPUT
        | {"isMultiline", "maxLength", "placeholder", "style", "inlineAction", "value", "regex"},
        {"id"},
    ),  # fmt: skip
    "Input.ChoiceSet": (
        INPUT | {"choices", "isMultiSelect", "style", "value", "placeholder", "wrap"},
        {"id", "choices"},
    ),  # fmt: skip
    "Input.Date": (INPUT | {"max", "min", "placeholder", "value"}, {"id"}),
    "Input.Time": (INPUT | {"max", "min", "placeholder", "value"}, {"id"}),
    "Input.Number": (INPUT | {"max", "min", "placeholder", "value"}, {"id"}),
    "Input.Toggle": (INPUT | {"title", "value", "valueOff", "valueOn", "wrap"}, {"id", "title"}),
}
ACTIONS = {
    "Action.Execute": (ACTION | {"verb", "data", "associatedInputs"}, set()),
    "Action.Submit": (ACTION | {"data", "associatedInputs"}, set()),
    "Action.OpenUrl": (ACTION | {"url"}, {"url"}),
    "Action.ShowCard": (ACTION | {"card"}, set()),
    "Action.ToggleVisibility": (ACTION | {"targetElements"}, {"targetElements"}),
}
TEXT_RUN = TEXT_STYLE | {"type", "text", "highlight", "italic", "selectAction", "strikethrough",
                         "underline"}  # fmt: skip
CARD = {"type", "version", "body", "actions", "selectAction", "fallbackText", "backgroundImage",
        "minHeight", "rtl", "speak", "lang", "verticalContentAlignment", "refresh",
        "authentication", "metadata", "$schema"}  # fmt: skip
SPACING = {"none", "small", "default", "medium", "large", "extralarge", "padding"}
ENUMS = {
    "color": {"default", "dark", "light", "accent", "good", "warning", "attention"},
    "size": {"default", "small", "medium", "large", "extralarge", "auto", "stretch"},
    "weight": {"default", "lighter", "bolder"},
    "spacing": SPACING,
    "fontType": {"default", "monospace"},
    "horizontalAlignment": {"left", "center", "right"},
    "associatedInputs": {"auto", "none"},
    "mode": {"primary", "secondary"},
}
STYLES = {  # `style` means something else on each type
    "TextBlock": {"default", "heading"},
    "Input.Text": {"text", "tel", "url", "email", "password"},
    "Input.ChoiceSet": {"compact", "expanded", "filtered"},
    "action": {"default", "positive", "destructive"},
    "container": {"default", "emphasis", "good", "attention", "warning", "accent"},
}
BOOLS = {"wrap", "isSubtle", "separator", "isVisible", "isRequired", "isMultiline",
         "isMultiSelect", "italic", "highlight", "strikethrough", "underline", "isEnabled"}  # fmt: skip


def problems(card: dict, where: str = "card") -> list[str]:
    """Every way `card` departs from Adaptive Cards 1.5 (empty: valid)."""
    found = []
    if card.get("type") != "AdaptiveCard" or card.get("version") != "1.5":
        found.append(f"{where}: not an AdaptiveCard of version 1.5")
    found += _unknown(card, CARD, where)
    for i, element in enumerate(card.get("body", [])):
        found += _element(element, f"{where}.body[{i}]")
    for i, action in enumerate(card.get("actions", [])):
        found += _action(action, f"{where}.actions[{i}]")
    refresh = card.get("refresh")
    if refresh is not None:
        found += _unknown(refresh, {"action", "userIds", "expires"}, f"{where}.refresh")
        if refresh.get("action", {}).get("type") != "Action.Execute":
            found.append(f"{where}.refresh: its action must be an Action.Execute")
        if not all(isinstance(u, str) for u in refresh.get("userIds", [])):
            found.append(f"{where}.refresh.userIds: strings only")
    return found


def _unknown(thing: dict, allowed: set, where: str) -> list[str]:
    return [f"{where}: no property {key!r} in 1.5" for key in thing if key not in allowed]


def _values(thing: dict, kind: str, where: str) -> list[str]:
    found = []
    for key, value in thing.items():
        if key in BOOLS and not isinstance(value, bool):
            found.append(f"{where}.{key}: not a boolean")
        allowed = ENUMS.get(key)
        if key == "style":
            allowed = STYLES.get(kind, STYLES["container"])
        if allowed and not (isinstance(value, str) and value.lower() in allowed):
            found.append(f"{where}.{key}: {value!r} is not one of {sorted(allowed)}")
    return found


def _checked(thing: dict, table: dict, where: str, style_kind: str | None = None) -> list[str]:
    kind = thing.get("type")
    if kind not in table:
        return [f"{where}: no type {kind!r} here in 1.5"]
    allowed, required = table[kind]
    found = _unknown(thing, allowed, where) + _values(thing, style_kind or kind, where)
    return found + [f"{where}: {key!r} is required" for key in required if key not in thing]


def _element(element: dict, where: str) -> list[str]:
    if not isinstance(element, dict):
        return [f"{where}: not an element"]
    found = _checked(element, ELEMENTS, where)
    kind = element.get("type")
    for i, inline in enumerate(element.get("inlines", []) if kind == "RichTextBlock" else []):
        at = f"{where}.inlines[{i}]"
        if isinstance(inline, str):
            continue
        if inline.get("type") != "TextRun" or not isinstance(inline.get("text"), str):
            found.append(f"{at}: an inline is a TextRun with a text")
        found += _unknown(inline, TEXT_RUN, at) + _values(inline, "TextRun", at)
        if "selectAction" in inline:
            found += _action(inline["selectAction"], f"{at}.selectAction")
    for i, fact in enumerate(element.get("facts", [])):
        if set(fact) != {"title", "value"} or not all(isinstance(v, str) for v in fact.values()):
            found.append(f"{where}.facts[{i}]: a fact is a title and a value, both strings")
    for i, choice in enumerate(element.get("choices", [])):
        if set(choice) != {"title", "value"} or not all(
            isinstance(v, str) for v in choice.values()
        ):
            found.append(f"{where}.choices[{i}]: a choice is a title and a value, both strings")
    for i, column in enumerate(element.get("columns", [])):
        found += _checked(column, {"Column": ELEMENTS["Column"]}, f"{where}.columns[{i}]",
                          "container")  # fmt: skip
        for j, item in enumerate(column.get("items", [])):
            found += _element(item, f"{where}.columns[{i}].items[{j}]")
    for i, item in enumerate(element.get("items", []) if kind == "Container" else []):
        found += _element(item, f"{where}.items[{i}]")
    for i, action in enumerate(element.get("actions", []) if kind == "ActionSet" else []):
        found += _action(action, f"{where}.actions[{i}]")
    return found


def _action(action: dict, where: str) -> list[str]:
    if not isinstance(action, dict):
        return [f"{where}: not an action"]
    found = _checked(action, ACTIONS, where, "action")
    if action.get("type") == "Action.ShowCard" and "card" in action:
        found += problems(action["card"], f"{where}.card")
    fallback = action.get("fallback")
    if isinstance(fallback, dict):
        found += _action(fallback, f"{where}.fallback")
    return found
