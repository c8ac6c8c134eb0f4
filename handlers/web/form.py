"""Reading the intake form (Werkzeug's parsed fields and files) and wording its problems."""

from __future__ import annotations

import os

from bot.approval.drafts import IMAGE_MAX_BYTES, MAX_IMAGES, clean_input
from bot.config import CHANNELS
from bot.intake.requests import RequestInput, Upload
from bot.messages import Messages

TEXT_FIELDS = ("body", "x_text", "blog_title", "url", "wished_date", "contact_name")
MAX_FIELD_CHARS = 20_000  # anything longer is cut here; validation names the field's own limit
EMPTY = {"channels": list(CHANNELS)}  # a new form: every network offered is ticked


def _text(fields, name: str) -> str:
    return clean_input(fields.get(name, "")[:MAX_FIELD_CHARS])


def _file_name(name: str | None) -> str:
    """The file's own name, without any folder a browser sent along."""
    return clean_input(os.path.basename((name or "").replace("\\", "/")))[:100] or "image"


def read_form(request, with_images: bool = True) -> tuple[RequestInput, dict, dict[int, int]]:
    """(what the group sent, the values to show in the form again, upload index → its slot).

    An image is read up to one byte beyond the size allowed, so that too large is seen.
    """
    fields = request.form
    values = {name: _text(fields, name) for name in TEXT_FIELDS}
    values["channels"] = [c for c in fields.getlist("channels") if c in CHANNELS]
    uploads, slots = [], {}
    for slot in range(1, MAX_IMAGES + 1):
        values[f"alt{slot}"] = _text(fields, f"alt{slot}")
        upload = request.files.get(f"image{slot}") if with_images else None
        if upload is None or not upload.filename:
            continue
        data = upload.stream.read(IMAGE_MAX_BYTES + 1)
        slots[len(uploads) + 1] = slot
        uploads.append(Upload(_file_name(upload.filename), data, values[f"alt{slot}"]))
    form = RequestInput(
        body=values["body"],
        contact_name=values["contact_name"],
        channels=tuple(values["channels"]),
        x_text=values["x_text"],
        blog_title=values["blog_title"],
        url=values["url"],
        wished_date=values["wished_date"],
        images=tuple(uploads),
    )
    return form, values, slots


def in_slots(errors: dict[str, tuple], slots: dict[int, int]) -> dict[str, tuple]:
    """The core's image problems (numbered by upload) moved to the slots the files came from."""
    moved = {}
    for name, problem in errors.items():
        for prefix in ("image", "alt"):
            if name.startswith(prefix) and name[len(prefix) :].isdigit():
                name = f"{prefix}{slots.get(int(name[len(prefix) :]), name[len(prefix) :])}"
                break
        moved[name] = problem
    return moved


def shown_errors(errors: dict[str, tuple], msg: Messages) -> dict[str, str]:
    """Each field's problem in the reader's language (escaped when the page is rendered)."""
    return {name: msg(key, **values) for name, (key, values) in errors.items()}
