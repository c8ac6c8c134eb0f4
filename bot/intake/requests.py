"""A registered group's request: the form's rules, stored once as the group sent it, operators told."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot import register
from bot.approval import drafts
from bot.config import CHANNELS
from bot.delivery import notices
from bot.intake.images import sniff
from bot.messages import JST
from bot.models import GROUP_REQUEST, GroupRequest, GroupRequestImage
from bot.people import roles

CONTACT_MAX_CHARS = 100
ALT_MAX_CHARS = 1000  # X's limit for an image's alternative text
ARRIVED = "arrived"  # the notice owed to operators about a new request
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The draft form's fields a group request fills; other problems drafts.validate finds are not
# the group's (they name fields the group does not see).
GROUP_FIELDS = ("body", "x_text", "blog_title", "url", "channels")


@dataclass(frozen=True)
class Upload:
    """One image as the group sent it: its file name, bytes and alternative text."""

    name: str
    data: bytes
    alt: str = ""


@dataclass(frozen=True)
class RequestInput:
    """What a group typed in the intake form, already cleaned (drafts.clean_input)."""

    body: str
    contact_name: str
    channels: tuple[str, ...] = ()
    x_text: str = ""
    blog_title: str = ""
    url: str = ""
    wished_date: str = ""
    images: tuple[Upload, ...] = field(default_factory=tuple)


def today(now: datetime) -> str:
    """The day in Japan, as the forms write it (YYYY-MM-DD)."""
    return now.astimezone(JST).date().isoformat()


def as_draft(group_name: str, form, now: datetime) -> drafts.DraftInput:
    """The request (a RequestInput, or a stored one's view) as the draft form would hold it,
    received `now`: the group's text is also its own draft."""
    return drafts.DraftInput(
        body=form.body,
        channels=form.channels,
        source="group_request",
        x_text=form.x_text,
        blog_title=form.blog_title,
        url=form.url,
        group_name=group_name,
        group_date=today(now),
        group_draft=form.body,
    )


def x_count(form: RequestInput) -> int:
    """The weighted length X would count, by the same code as the draft form's counter."""
    return drafts.x_weight(drafts.compose_x_text(as_draft("", form, datetime.now(JST))))


def validate(group_name: str, form: RequestInput, now: datetime) -> dict[str, tuple]:
    """Problems keyed by the intake form's field, each (message key, values); the draft form's
    own rules (drafts.validate) for what the two forms share."""
    shared = drafts.validate(as_draft(group_name, form, now), CHANNELS, now, groups=(group_name,))
    errors = {name: problem for name, problem in shared.items() if name in GROUP_FIELDS}
    if not form.contact_name:
        errors["contact_name"] = ("error.contact_required", {})
    elif len(form.contact_name) > CONTACT_MAX_CHARS:
        errors["contact_name"] = ("error.too_long", {"max": CONTACT_MAX_CHARS})
    elif drafts.has_unusable_chars(form.contact_name):
        errors["contact_name"] = ("error.unusable_chars", {})
    if form.wished_date:
        day = _day(form.wished_date)
        if day is None:
            errors["wished_date"] = ("error.date_invalid", {})
        elif day.isoformat() < today(now):
            errors["wished_date"] = ("error.date_past", {})
    if len(form.images) > drafts.MAX_IMAGES:
        errors["images"] = ("error.too_many_images", {"max": drafts.MAX_IMAGES})
    for number, image in enumerate(form.images[: drafts.MAX_IMAGES], start=1):
        errors.update(_image_problems(number, image))
    return errors


def _day(text: str) -> date | None:
    if not DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _image_problems(number: int, image: Upload) -> dict[str, tuple]:
    problems: dict[str, tuple] = {}
    name = image.name[:100]
    if sniff(image.data) is None:
        problems[f"image{number}"] = ("error.image_type", {"name": name})
    elif len(image.data) > drafts.IMAGE_MAX_BYTES:
        max_mb = drafts.IMAGE_MAX_BYTES >> 20
        problems[f"image{number}"] = ("error.image_size", {"name": name, "max_mb": max_mb})
    if not image.alt:
        problems[f"alt{number}"] = ("error.alt_required", {})
    elif len(image.alt) > ALT_MAX_CHARS:
        problems[f"alt{number}"] = ("error.too_long", {"max": ALT_MAX_CHARS})
    elif drafts.has_unusable_chars(image.alt):
        problems[f"alt{number}"] = ("error.unusable_chars", {})
    return problems


def new_reference() -> str:
    """What the group is told to quote: `G-XXXX-XXXX`, random, never a row id."""
    letters = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"G-{letters[:4]}-{letters[4:]}"


def receive(session: Session, group_name: str, form: RequestInput, now: datetime) -> str:
    """Store a valid request exactly as the group sent it, record it in the register (決裁簿)
    and owe the operators of every front end a message; its reference."""
    request = GroupRequest(
        reference=new_reference(),
        group_name=group_name,
        contact_name=form.contact_name,
        body=form.body,
        x_text=form.x_text,
        blog_title=form.blog_title,
        url=form.url,
        wished_date=form.wished_date,
        channels=list(form.channels),
        created_at=now,
        reason_shared=False,
    )
    session.add(request)
    session.flush()
    for position, image in enumerate(form.images):
        session.add(GroupRequestImage(request_id=request.id, position=position,
                                      name=image.name[:255], mimetype=sniff(image.data) or "",
                                      size=len(image.data), alt=image.alt, data=image.data))  # fmt: skip
    for front_end in roles.front_ends(session):
        notices.owe(session, GROUP_REQUEST, request.id, front_end, ARRIVED, now)
    register.append(
        session,
        at=now,
        actor=f"group:{group_name}",
        action="group_request_received",
        group=group_name,
        reference=request.reference,
        contact=form.contact_name,
        group_draft=form.body,
        x_text=form.x_text,
        blog_title=form.blog_title,
        url=form.url,
        wished_date=form.wished_date,
        channels=list(form.channels),
        images=[{"name": i.name, "alt": i.alt} for i in form.images],
    )
    return request.reference
