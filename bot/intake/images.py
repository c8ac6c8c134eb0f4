"""Images a group sends: their type read from their bytes, and read back for publishing."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from bot.approval.drafts import IMAGE_TYPES
from bot.models import GroupRequestImage
from bot.ports import PermanentError

SIGNATURES = (  # (mimetype, bytes it starts with, bytes at 8..12 or b"")
    ("image/png", b"\x89PNG\r\n\x1a\n", b""),
    ("image/jpeg", b"\xff\xd8\xff", b""),
    ("image/webp", b"RIFF", b"WEBP"),
)
INTAKE_KEY = "intake"  # a draft image's key naming the GroupRequestImage row it is read from


def sniff(data: bytes) -> str | None:
    """The image type the bytes are (one the networks take), whatever the file claims; or None."""
    for mimetype, start, inner in SIGNATURES:
        if data.startswith(start) and (not inner or data[8:12] == inner):
            return mimetype if mimetype in IMAGE_TYPES else None
    return None


def fetcher(
    session_factory: sessionmaker[Session], fallback: Callable[[dict], bytes] | None
) -> Callable[[dict], bytes]:
    """The dispatcher's `fetch_file`: a group's image from the database, else the chat's."""

    def fetch(meta: dict) -> bytes:
        image_id = meta.get(INTAKE_KEY)
        if image_id is None:
            if fallback is None:
                raise PermanentError("pub.error.unavailable")
            return fallback(meta)
        with session_factory() as session:
            row = session.get(GroupRequestImage, int(image_id))
            if row is None:
                name = str(meta.get("name", ""))[:100]
                raise PermanentError("pub.error.image", {"name": name, "detail": "gone"})
            return row.data

    return fetch
