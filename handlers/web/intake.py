"""The intake pages: a group's form (`GET|POST /intake/<token>`), receipt and status page."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, url_for
from sqlalchemy.exc import SQLAlchemyError

from bot.approval.drafts import IMAGE_MAX_BYTES, MAX_IMAGES, X_MAX_WEIGHT
from bot.config import CHANNELS
from bot.intake import links, requests, status
from bot.services import Services
from handlers.web.form import EMPTY, in_slots, read_form, shown_errors
from handlers.web.language import locale, messages

log = logging.getLogger(__name__)

blueprint = Blueprint("intake", __name__)


@dataclass
class Site:
    """What the pages need: the core services, the rate limits and the anti-forgery check."""

    services: Services
    limits: object  # handlers.web.app.Limits
    csrf: object  # flask_wtf.csrf.CSRFProtect


def _site() -> Site:
    return current_app.extensions["snsbot"]


@blueprint.before_request
def knock():
    """Every request counts against its address; a link's pages need a live link (else 404)."""
    site = _site()
    g.msg = messages(request)
    if not site.limits.requests_per_address.allow(request.remote_addr or "-"):
        abort(429)
    token = (request.view_args or {}).get("token")
    if token is None:
        return None
    with site.services.session_factory() as session:
        g.group = links.group_for(session, token, site.services.clock())
    if g.group is None:
        abort(404)
    if request.method == "POST":
        site.csrf.protect()  # raises CSRFError: the form is shown as expired
    return None


def _lang_args() -> dict:
    return {"lang": "en"} if locale(request) == "en" and request.args.get("lang") else {}


def _counter(form: requests.RequestInput) -> dict:
    weight = requests.x_count(form)
    key = "web.x_count_over" if weight > X_MAX_WEIGHT else "web.x_count"
    text = g.msg(key, weight=weight, max=X_MAX_WEIGHT, over=weight - X_MAX_WEIGHT)
    return {"text": text, "over": weight > X_MAX_WEIGHT}


def _form_page(token: str, values: dict, form, errors: dict, sent_images=False, status_code=200):
    page = render_template(
        "form.html",
        msg=g.msg,
        group=g.group,
        values=values,
        errors=shown_errors(errors, g.msg),
        counter=_counter(form),
        channels=CHANNELS,
        slots=range(1, MAX_IMAGES + 1),
        max_images=MAX_IMAGES,
        max_mb=IMAGE_MAX_BYTES >> 20,
        images_again=sent_images and bool(errors),
        action=url_for("intake.form", token=token, **_lang_args()),
        count_url=url_for("intake.count", token=token),
        status_url=url_for("intake.state", token=token, **_lang_args()),
        lang_url=url_for("intake.form", token=token, lang="ja" if g.msg.locale == "en" else "en"),
    )
    return page, status_code


@blueprint.route("/intake/<token>", methods=["GET", "POST"])
def form(token: str):
    if request.method == "GET":
        return _form_page(token, EMPTY, requests.RequestInput(body="", contact_name=""), {})
    site = _site()
    form, values, slots = read_form(request)
    errors = in_slots(requests.validate(g.group, form, site.services.clock()), slots)
    sent_images = bool(form.images)
    if errors:
        return _form_page(token, values, form, errors, sent_images)
    limits = site.limits
    if not (limits.sends_per_link.allow(links.digest(token))
            and limits.sends_per_address.allow(request.remote_addr or "-")):  # fmt: skip
        abort(429)
    try:
        with site.services.session_factory.begin() as session:
            reference = requests.receive(session, g.group, form, site.services.clock())
    except SQLAlchemyError:
        log.exception("could not store a group request")
        return _form_page(token, values, form, {"body": ("web.failed", {})}, sent_images, 503)
    site.services.wake()
    return redirect(url_for("intake.receipt", token=token, reference=reference, **_lang_args()),
                    code=303)  # fmt: skip


@blueprint.route("/intake/<token>/count", methods=["POST"])
def count(token: str):
    form, _, _ = read_form(request, with_images=False)
    return _counter(form)


@blueprint.route("/intake/<token>/receipt/<reference>")
def receipt(token: str, reference: str):
    with _site().services.session_factory() as session:
        mine = {r.reference for r in status.of_group(session, g.group)}
    if reference not in mine:
        abort(404)
    return render_template(
        "receipt.html",
        msg=g.msg,
        group=g.group,
        reference=reference,
        status_url=url_for("intake.state", token=token, **_lang_args()),
        form_url=url_for("intake.form", token=token, **_lang_args()),
    )


@blueprint.route("/intake/<token>/status")
def state(token: str):
    with _site().services.session_factory() as session:
        found = status.of_group(session, g.group)
    return render_template(
        "status.html",
        msg=g.msg,
        group=g.group,
        requests=found,
        form_url=url_for("intake.form", token=token, **_lang_args()),
        lang_url=url_for("intake.state", token=token, lang="ja" if g.msg.locale == "en" else "en"),
    )
