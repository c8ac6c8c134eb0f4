"""The message catalogue: every text users see, in Japanese (default) and English."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.messages.en import EN
from bot.messages.ja import JA

JST = timezone(timedelta(hours=9), "JST")  # Japan keeps no daylight saving time

__all__ = ["CATALOGUES", "EN", "JA", "JST", "Messages", "messages_for"]

CATALOGUES = {"ja": JA, "en": EN}


class Messages:
    """Texts in one language: `msg("card.header", id=3)`."""

    def __init__(self, locale: str = "ja"):
        self.locale = locale if locale in CATALOGUES else "ja"
        self._texts = CATALOGUES[self.locale]

    def __call__(self, key: str, **values) -> str:
        return self._texts[key].format(**values)

    def time(self, moment: datetime) -> str:
        """A moment as staff read it: Japan time, to the minute."""
        return moment.astimezone(JST).strftime("%Y-%m-%d %H:%M")


def messages_for(locale: str | None, default: str = "ja") -> Messages:
    """The catalogue for one person: the language of their chat locale ("en-US", "ja-JP", "en")
    when we have it, else `default` (SNSBOT_LOCALE) for people whose locale is unknown."""
    language = (locale or "").strip().lower().replace("_", "-").split("-")[0]
    return Messages(language if language in CATALOGUES else default)
