"""Settings that point every real publisher at the local platform fakes; the slugs expected."""

from __future__ import annotations

from dataclasses import replace

from fakes import graph_api, wordpress
from sqlalchemy import select

from bot.approval.drafts import blog_slug
from bot.config import Settings
from bot.messages import Messages
from bot.models import Installation
from bot.ports import NetworkError


def with_platforms(settings: Settings, x_keys: tuple, x=None, graph=None, blog=None, **extra):
    """`settings` with credentials for each fake given (X, Facebook Graph, WordPress)."""
    values = dict(extra)
    if x is not None:
        values.update(
            x_api_key=x_keys[0],
            x_api_secret=x_keys[1],
            x_access_token=x_keys[2],
            x_access_token_secret=x_keys[3],
            x_username="wakokyodo",
            x_api_url=x.url,
        )
    if graph is not None:
        values.update(
            facebook_page_id=graph_api.PAGE_ID,
            facebook_page_token=graph_api.PAGE_TOKEN,
            facebook_graph_url=graph.base_url,
        )
    if blog is not None:
        values.update(
            blog_kind="wordpress",
            wordpress_url=blog.root_url,
            wordpress_user=wordpress.USER,
            wordpress_app_password=wordpress.APP_PASSWORD,
        )
    return replace(settings, **values)


def expected_slug(session_factory, draft_id: int, revision: int = 1) -> str:
    """The blog slug of a draft's revision in this database (its installation id included)."""
    with session_factory() as session:
        installation = session.scalar(select(Installation.installation_id))
    assert installation, "the database has no installation id"
    return blog_slug(installation, draft_id, revision)


def said(what, locale: str = "ja") -> str | None:
    """A network error's (or a Text's) words as an installation in `locale` stores them."""
    if what is None:
        return None
    text = what.text if isinstance(what, NetworkError) else what
    return text.render(Messages(locale))
