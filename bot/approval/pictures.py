"""Pictures kept in the database for drafts (Teams): is it really an image; fetch it to post."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from bot.models import ChatImage
from bot.ports import PermanentError

SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/webp": (b"RIFF",),
}
KEPT = "chat_image"  # an image dict's key naming its ChatImage row (else: the chat's own file)


def looks_like(mimetype: str, data: bytes) -> bool:
    """The bytes start as a `mimetype` image does (a renamed file or an HTML page does not)."""
    webp_ok = mimetype != "image/webp" or data[8:12] == b"WEBP"
    return webp_ok and any(data.startswith(sig) for sig in SIGNATURES.get(mimetype, ()))


class KeptImages:
    """`fetch(image)` for the dispatcher: a kept picture from the database, others passed on."""

    def __init__(self, session_factory: sessionmaker[Session],
                 other: Callable[[dict], bytes] | None = None):  # fmt: skip
        self.session_factory = session_factory
        self.other = other

    def fetch(self, image: dict) -> bytes:
        number = image.get(KEPT)
        if number is None:
            if self.other is None:
                raise PermanentError("pub.error.unavailable")
            return self.other(image)
        with self.session_factory() as session:
            row = session.get(ChatImage, number) if isinstance(number, int) else None
            if row is None:
                detail = {"name": str(image.get("name", ""))[:100], "detail": "not found"}
                raise PermanentError("pub.error.image", detail)
            return row.data


def detect(data: bytes) -> str | None:
    """The image type the bytes are (of those X, Facebook and the blog take), if any."""
    return next((kind for kind in SIGNATURES if looks_like(kind, data)), None)
