"""The reader's language on the intake pages: `?lang=en`, else the browser's, else Japanese."""

from __future__ import annotations

from bot.messages import CATALOGUES, Messages


def locale(request) -> str:
    chosen = request.args.get("lang", "")
    if chosen in CATALOGUES:
        return chosen
    return request.accept_languages.best_match(["ja", "en"], default="ja") or "ja"


def messages(request) -> Messages:
    return Messages(locale(request))
