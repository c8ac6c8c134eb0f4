"""A draft's fields, their validation, and what each channel will post (pure functions)."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlparse

from twitter_text import extract_urls, parse_tweet

SOURCES = ("new", "hp_update", "cross_post", "group_request", "other")
SOURCES_NEEDING_URL = ("hp_update", "cross_post", "group_request")
# Policy §4: for these the form asks whether the information is already on the internet
# (「この情報はインターネット上に掲載されていますか」); if it is, its URL is required too.
SOURCES_ASKING_ONLINE = ("new", "other")
CATEGORIES = ("civic", "other")
X_MAX_WEIGHT = 280
BODY_MAX_CHARS = 10000  # far above any channel's need; keeps cards and the database sane
TITLE_MAX_CHARS = 200
TITLE_FROM_BODY_CHARS = 40  # a title made from the body: a headline, not a paragraph
SENTENCE_END = re.compile(r"[。．！？!?]|\.(?=\s+[A-Z])")
URL_MAX_CHARS = 2000
GROUP_MAX_CHARS = 200
MAX_IMAGES = 4
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")  # X's one-shot upload takes no GIF
IMAGE_MAX_BYTES = 5 * 1024 * 1024  # X's limit for images, the strictest of the three
IMAGE_ALT_MAX_CHARS = 1000  # X's limit for an image's alternative text, the strictest


@dataclass(frozen=True)
class DraftInput:
    """What an operator typed in the draft form, already stripped of surrounding blanks."""

    body: str
    channels: tuple[str, ...]
    source: str = "new"
    category: str = "civic"
    x_text: str = ""
    blog_title: str = ""
    url: str = ""
    group_name: str = ""
    group_date: str = ""  # the day the registered group asked (YYYY-MM-DD)
    group_draft: str = ""  # the group's own draft, kept beside the operator's text
    publish_at: datetime | None = None
    images: tuple[dict, ...] = field(default_factory=tuple)
    on_internet: bool | None = None  # the §4 question's answer; None: not answered


SURROGATE = re.compile("[\ud800-\udfff]")


def x_weight(text: str) -> int:
    """X's weighted length under the twitter-text rules (CJK counts 2, any URL 23).

    Half a surrogate pair (which validate refuses) counts as one replacement character, so
    that a live counter never fails on it."""
    return parse_tweet(SURROGATE.sub("\ufffd", text)).weightedLength


def compose_x_text(draft: DraftInput) -> str:
    """The X text (or the body), then a space and the URL unless the text already holds it."""
    text = draft.x_text or draft.body
    if draft.url and draft.url not in extract_urls(text):
        text = f"{text} {draft.url}" if text else draft.url
    return text


def blog_title(draft: DraftInput) -> str:
    """The blog title, or one made from the body's first line when none was given: a long
    line (a one-paragraph body) gives its first sentence, and at most TITLE_FROM_BODY_CHARS."""
    if draft.blog_title:
        return draft.blog_title
    first_line = draft.body.strip().splitlines()[0].strip() if draft.body.strip() else ""
    if len(first_line) <= TITLE_FROM_BODY_CHARS:
        return first_line
    sentence = SENTENCE_END.search(first_line)
    if sentence and sentence.end() <= TITLE_FROM_BODY_CHARS:
        return first_line[: sentence.end()].rstrip("。．. ")
    return first_line[: TITLE_FROM_BODY_CHARS - 1] + "…"


def payloads(
    draft: DraftInput,
    draft_id: int,
    revision: int,
    blog_footer: str = "",
    *,
    installation: str = "",
) -> dict[str, dict]:
    """Exactly what each chosen channel will receive (the contract, DESIGN.md §4).

    `installation` is the database's installation id: with it the blog slug is unique across
    installations writing to one blog (without it, the form of slugs queued before it existed).
    """
    result: dict[str, dict] = {}
    for channel in draft.channels:
        if channel == "x":
            result["x"] = {"text": compose_x_text(draft)}
        elif channel == "facebook":
            result["facebook"] = {"message": draft.body, "link": draft.url or None}
        elif channel == "blog":
            content = html.escape(draft.body, quote=False)  # plain text; WordPress adds <p>
            if draft.url:
                link = html.escape(draft.url, quote=True)
                content = f'{content}\n\n<a href="{link}">{link}</a>'
            if blog_footer:  # e.g. the policy §9 notice that comments are not answered
                content = f"{content}\n\n{html.escape(blog_footer, quote=False)}"
            result["blog"] = {
                "title": blog_title(draft),
                "content": content,
                "slug": blog_slug(installation, draft_id, revision),
            }
    return result


def blog_slug(installation: str, draft_id: int, revision: int) -> str:
    """`snsbot-<installation>-<draft>-<revision>`: the post's identity on the blog."""
    parts = [installation] if installation else []
    return "-".join(["snsbot", *parts, str(draft_id), str(revision)])


def _is_http_url(url: str) -> bool:
    parsed = urlparse(url)
    unsafe = any(c.isspace() or c in '"<>\\^`{|}' or ord(c) < 32 for c in url)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc) and not unsafe


def _unusable(c: str) -> bool:
    code = ord(c)
    return (code < 32 and c not in "\n\t") or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF


def has_unusable_chars(text: str) -> bool:
    """True when `text` holds what no one can post or store: a control character other than a
    line feed or tab (C0, DEL, C1), or half of a surrogate pair (which no UTF-8 can carry)."""
    return any(_unusable(c) for c in text)


TEXT_FIELDS = {  # DraftInput attribute: form field
    "x_text": "x_text",
    "blog_title": "blog_title",
    "url": "url",
    "group_name": "group",
    "group_date": "group_date",
    "group_draft": "group_draft",
}


def _unusable_fields(draft: DraftInput) -> dict[str, tuple]:
    """The fields (other than the body) holding characters that cannot be posted."""
    return {
        field: ("error.unusable_chars", {})
        for name, field in TEXT_FIELDS.items()
        if has_unusable_chars(getattr(draft, name))
    }


def validate(
    draft: DraftInput,
    offered: tuple[str, ...],
    now: datetime,
    lead: timedelta = timedelta(0),
    *,
    groups: tuple[str, ...],
) -> dict[str, tuple]:
    """Problems keyed by the form field; each is (message key, format arguments).

    `groups` is the roster of registered groups (`groups.names`): a group request must name one
    of them, always; with none registered no group request can be sent (policy §5(4)).
    """
    errors: dict[str, tuple] = {}
    if not draft.body:
        errors["body"] = ("error.body_required", {})
    elif len(draft.body) > BODY_MAX_CHARS:
        errors["body"] = ("error.body_too_long", {"max": BODY_MAX_CHARS})
    elif has_unusable_chars(draft.body):
        errors["body"] = ("error.control_chars", {})
    if not draft.channels:
        errors["channels"] = ("error.channels_required", {})
    elif any(c not in offered for c in draft.channels):
        errors["channels"] = ("error.channel_unknown", {})
    if draft.source not in SOURCES:
        errors["source"] = ("error.source_unknown", {})
    if draft.category not in CATEGORIES:
        errors["category"] = ("error.category_unknown", {})
    if draft.url:
        if len(draft.url) > URL_MAX_CHARS or not _is_http_url(draft.url):
            errors["url"] = ("error.url_invalid", {})
    elif draft.source in SOURCES_NEEDING_URL:
        errors["url"] = ("error.url_required", {})
    elif draft.source in SOURCES_ASKING_ONLINE and draft.on_internet:
        errors["url"] = ("error.url_required_online", {})
    elif draft.source in SOURCES_ASKING_ONLINE and draft.on_internet is None:
        errors["on_internet"] = ("error.on_internet_required", {})  # a URL given says yes
    if draft.source == "group_request" and not groups:
        errors["group"] = ("error.group_none_registered", {})
    elif draft.source == "group_request" and not draft.group_name:
        errors["group"] = ("error.group_required", {})
    elif draft.source == "group_request" and draft.group_name not in groups:
        errors["group"] = ("error.group_unregistered", {})
    elif len(draft.group_name) > GROUP_MAX_CHARS:
        errors["group"] = ("error.too_long", {"max": GROUP_MAX_CHARS})
    if len(draft.group_draft) > BODY_MAX_CHARS:
        errors["group_draft"] = ("error.too_long", {"max": BODY_MAX_CHARS})
    if draft.source == "group_request" and not draft.group_date:
        errors["group_date"] = ("error.group_date_required", {})
    if draft.source == "group_request" and not draft.group_draft:
        errors["group_draft"] = ("error.group_draft_required", {})
    if len(draft.blog_title) > TITLE_MAX_CHARS:
        errors["blog_title"] = ("error.too_long", {"max": TITLE_MAX_CHARS})
    unusable = _unusable_fields(draft)
    if "x" in draft.channels and "body" not in errors and not unusable:
        weight = x_weight(compose_x_text(draft))
        if weight > X_MAX_WEIGHT:
            field_name = "x_text" if draft.x_text else "body"
            errors[field_name] = ("error.x_too_long", {"weight": weight, "max": X_MAX_WEIGHT})
        elif not parse_tweet(compose_x_text(draft)).valid:
            errors["x_text" if draft.x_text else "body"] = ("error.x_invalid", {})
    if draft.publish_at is not None and draft.publish_at <= now:
        errors["publish_at"] = ("error.publish_at_past", {})
    elif draft.publish_at is not None and draft.publish_at < now + lead:
        errors["publish_at"] = (
            "error.publish_at_too_soon",
            {"minutes": int(lead.total_seconds() // 60)},
        )
    if len(draft.images) > MAX_IMAGES:
        errors["images"] = ("error.too_many_images", {"max": MAX_IMAGES})
    for image in draft.images:
        name = str(image.get("name", ""))[:100]
        problem = image_problem(image)
        if problem:
            errors["images"] = problem
        alt = image.get("alt")
        if not (isinstance(alt, str) and alt.strip()):
            errors.setdefault("image_alt", ("error.image_alt_missing", {"name": name}))
        elif len(alt) > IMAGE_ALT_MAX_CHARS:
            too_long = ("error.image_alt_too_long", {"name": name, "max": IMAGE_ALT_MAX_CHARS})
            errors.setdefault("image_alt", too_long)
    return {**errors, **unusable}


def image_problem(image: dict) -> tuple | None:
    """Why an attached image cannot be posted (its type or size), as (message key, values)."""
    name = str(image.get("name", ""))[:100]
    if image.get("mimetype") not in IMAGE_TYPES:
        return "error.image_type", {"name": name}
    if not 0 < int(image.get("size") or 0) <= IMAGE_MAX_BYTES:
        return "error.image_size", {"name": name, "max_mb": IMAGE_MAX_BYTES >> 20}
    return None


def clean_input(text: object) -> str:
    """What a person typed, as stored: blanks stripped, line ends normalised, NFC (as X counts)."""
    value = text if isinstance(text, str) else ""
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").strip())
