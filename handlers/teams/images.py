"""Pictures sent to the bot in the personal chat: downloaded, checked, kept for the next draft."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from sqlalchemy import delete, select, update

from bot.approval.drafts import IMAGE_MAX_BYTES, MAX_IMAGES, clean_input, image_problem
from bot.approval.pictures import KEPT, detect
from bot.messages import messages_for
from bot.models import ChatImage, Draft
from bot.people import roles
from bot.services import Services
from handlers.teams import images_card, people
from handlers.teams.cards import card_answer
from handlers.teams.forms import whole_number
from handlers.teams.ids import FRONT_END
from handlers.teams.settings import is_loopback_url

log = logging.getLogger(__name__)

FILE_INFO = "application/vnd.microsoft.teams.file.download.info"
TIMEOUT = 20  # seconds
ALT_MAX_CHARS = 1000  # X takes up to 1000 characters of alt text


@dataclass(frozen=True)
class Incoming:
    """One picture an activity carries: where to download it, and whether with the bot's token."""

    url: str
    name: str
    with_token: bool


def incoming(activity) -> list[Incoming]:
    """The pictures of a message: files sent in the personal chat (a download URL that needs no
    token) and pictures pasted inline (a content URL read with the bot's token)."""
    found = []
    for attachment in activity.attachments or ():
        kind = attachment.content_type or ""
        content = attachment.content if isinstance(attachment.content, dict) else {}
        if kind == FILE_INFO and isinstance(content.get("downloadUrl"), str):
            found.append(Incoming(content["downloadUrl"], attachment.name or "", False))
        elif kind.startswith("image/") and attachment.content_url:
            found.append(Incoming(attachment.content_url, attachment.name or "image", True))
    return found


def waiting(session, owner: str) -> list[ChatImage]:
    """The pictures `owner` sent that no draft has taken yet, oldest first."""
    query = select(ChatImage).where(ChatImage.front_end == FRONT_END, ChatImage.owner == owner,
                                    ChatImage.used_at.is_(None))  # fmt: skip
    return list(session.execute(query.order_by(ChatImage.id)).scalars())


def as_attached(row: ChatImage) -> dict:
    """A kept picture as a draft's image (DraftInput.images; KeptImages.fetch reads it back)."""
    return {KEPT: row.id, "name": row.name, "mimetype": row.mimetype, "size": row.size,
            "alt": row.alt_text}  # fmt: skip


def _download(item: Incoming, token: str, allowed: Callable[[str, bool], bool]) -> bytes | None:
    if not allowed(item.url, item.with_token):  # the bot's token goes to the Bot Connector only
        log.warning("a Teams picture from a host not allowed was not downloaded")
        return None
    headers = {"Authorization": f"Bearer {token}"} if item.with_token else {}
    try:
        with requests.get(item.url, headers=headers, timeout=TIMEOUT, stream=True) as response:
            data = response.raw.read(IMAGE_MAX_BYTES + 1, decode_content=True)
    except requests.RequestException as error:
        log.warning("a Teams picture could not be downloaded: %s", type(error).__name__)
        return None
    return data if response.status_code == 200 else None


def receive(services: Services, activity, token: str, allowed, refuse) -> dict | str:
    """A message with pictures: keep each usable one (alt text: the message's words), and answer
    with the card of the pictures waiting, or why not."""
    items = incoming(activity)
    with services.session_factory.begin() as session:
        user = people.identify(session, activity)
        people.remember(session, user, activity, services.clock())
        msg = messages_for(user.locale, services.settings.locale)
        if roles.role_of(session, user.id, FRONT_END) is None:
            return refuse(services, session, msg)
        room = MAX_IMAGES - len(waiting(session, user.id))
    problems = []
    if len(items) > room:
        problems.append(msg("error.too_many_images", max=MAX_IMAGES))
        items = items[: max(room, 0)]
    alt = clean_input(images_card.TAG.sub("", activity.text or ""))[:ALT_MAX_CHARS]
    kept = []
    for number, item in enumerate(items, 1):
        name = (item.name or f"image-{number}")[:200]
        data = _download(item, token, allowed)
        if data is None:
            problems.append(msg("teams.images.download_failed", name=name))
            continue
        image = {"name": name, "mimetype": detect(data) or "", "size": len(data)}
        problem = image_problem(image)
        if problem:
            problems.append(msg(problem[0], **problem[1]))
            continue
        kept.append(ChatImage(front_end=FRONT_END, owner=user.id, data=data, alt_text=alt,
                              received_at=services.clock(), **image))  # fmt: skip
    with services.session_factory.begin() as session:
        session.add_all(kept)
        session.flush()
        return images_card.waiting_card(msg, waiting(session, user.id), problems)


def save_alt(services, session, user, msg, name_of, data) -> dict:
    """代替テキストを保存: each waiting picture's alt text as typed on the card."""
    rows = waiting(session, user.id)
    for row in rows:
        typed = data.get(f"{images_card.ALT}{row.id}")
        if isinstance(typed, str):
            row.alt_text = clean_input(typed)[:ALT_MAX_CHARS]
    return card_answer(images_card.waiting_card(msg, rows, [], saved=True))


def clear(services, session, user, msg, name_of, data) -> dict:
    """画像を取り消す: the waiting pictures are dropped (those a draft took stay with it)."""
    session.execute(delete(ChatImage).where(ChatImage.front_end == FRONT_END,
                    ChatImage.owner == user.id, ChatImage.used_at.is_(None)))  # fmt: skip
    return card_answer(images_card.cleared_card(msg))


def for_form(session, owner: str) -> tuple[tuple[dict, ...], dict[str, tuple]]:
    """The waiting pictures as a draft's images, and the form's problem when one has no alt
    text (X and Facebook read it to people who cannot see the picture)."""
    rows = waiting(session, owner)
    missing = [row.name for row in rows if not row.alt_text]
    problems = {"images": ("teams.images.alt_missing", {"name": missing[0]})} if missing else {}
    return tuple(as_attached(row) for row in rows), problems


def of_draft(session, draft_id) -> tuple[dict, ...]:
    """The pictures of a draft's current revision (a resubmission keeps them unless new ones
    were sent: the form itself never holds pictures)."""
    number = whole_number(draft_id)
    draft = session.get(Draft, number) if number is not None else None
    return tuple(draft.current.images or ()) if draft is not None else ()


def mark_used(services: Services, attached: tuple[dict, ...]) -> None:
    """A stored draft took these pictures: the next draft starts without them."""
    numbers = [n for image in attached if (n := whole_number(image.get(KEPT))) is not None]
    if numbers:
        with services.session_factory.begin() as session:
            session.execute(update(ChatImage)
                            .where(ChatImage.id.in_(numbers), ChatImage.used_at.is_(None))
                            .values(used_at=services.clock()))  # fmt: skip


@dataclass(frozen=True)
class PictureAccess:
    """How the bot reads pictures: its Bot Connector token, and the hosts it may read from."""

    token: Callable[[], Awaitable[str]]
    allowed: Callable[[str, bool], bool]  # (url, with the bot's token?) -> may it be read


def hosts_allowed(anonymous: bool, connector_allowed: Callable[[str], bool]):
    """Pictures come from the Bot Connector (with the bot's token) or, for files sent in the
    chat, from SharePoint (a download URL that carries its own grant: never the bot's token);
    in anonymous mode (local tests) from this machine only."""

    def allowed(url: str, with_token: bool) -> bool:
        if anonymous:
            return is_loopback_url(url)
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.username or parts.password:
            return False
        if with_token:
            return connector_allowed(url)
        host = (parts.hostname or "").lower()
        return host.endswith(".sharepoint.com")

    return allowed
