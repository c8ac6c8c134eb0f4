"""Settings read once from the environment (and `.env`), validated with plain-word errors."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta

from bot.config_values import comma_list, flag, route_problem, whole_number
from bot.workdays import DEFAULT_CLOSED_DAYS, ClosedDaysError, WorkingDays, parse_closed_days

CHANNELS = ("x", "facebook", "blog")
LOCALES = ("ja", "en")
BLOG_KINDS = ("wordpress", "atompub")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
MIN_REGISTER_KEY = 32  # characters; `snsbot audit key` prints 64 hex digits (256 bits)

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///snsbot.db"
DEFAULT_X_API_URL = "https://api.x.com"
DEFAULT_FACEBOOK_GRAPH_URL = "https://graph.facebook.com/v25.0"
DEFAULT_NO_REPLY_NOTICE = "個別のコメントや返信には回答しておりません"  # policy §9, on each profile


class ConfigError(Exception):
    """A setting is missing or wrong; the message names the key and says what to do."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Settings:
    """Every setting snsbot reads; build it with `Settings.from_env()`."""

    slack_bot_token: str = field(default="", repr=False)
    slack_signing_secret: str = field(default="", repr=False)
    slack_app_token: str = field(default="", repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    chief: str = ""
    operators: tuple[str, ...] = ()
    approval_channel: str = ""
    moderation_channel: str = ""  # where moderation cards go (policy §11)
    locale: str = "ja"
    dry_run: bool = False
    log_level: str = "INFO"
    policy_url: str = ""
    blog_footer: str = ""
    no_reply_notice: str = DEFAULT_NO_REPLY_NOTICE
    publish_lease_seconds: int = 300
    heartbeat_timeout_seconds: int = 20
    schedule_lead_minutes: int = 5
    reminder_time: str = "09:30"
    reminder_after_hours: int = 24
    closed_days: str = DEFAULT_CLOSED_DAYS  # office closures besides weekends and holidays
    route_setting: str = "chief"  # SNSBOT_ROUTE: the steps a draft passes, the chief last
    route_skip_away: bool = False  # a review step whose people are all away is passed by
    register_key: str = field(default="", repr=False)  # HMAC key of the register, never stored
    hp_feed_url: str = ""
    hp_feed_channel: str = ""
    hp_feed_minutes: int = 15
    x_api_key: str = field(default="", repr=False)
    x_api_secret: str = field(default="", repr=False)
    x_access_token: str = field(default="", repr=False)
    x_access_token_secret: str = field(default="", repr=False)
    x_username: str = ""
    x_api_url: str = DEFAULT_X_API_URL
    facebook_page_id: str = ""
    facebook_page_token: str = field(default="", repr=False)
    facebook_page_name: str = ""  # the Page's official name (policy §2); "" is not checked
    facebook_graph_url: str = DEFAULT_FACEBOOK_GRAPH_URL
    blog_kind: str = ""
    blog_name: str = ""  # the blog's official name (policy §2); "" is not checked
    wordpress_url: str = ""
    wordpress_user: str = ""
    wordpress_app_password: str = field(default="", repr=False)
    atompub_endpoint: str = ""
    atompub_user: str = ""
    atompub_api_key: str = field(default="", repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from `env` (default: the process environment)."""
        e = os.environ if env is None else env

        def get(key: str, default: str = "") -> str:
            return (e.get(key) or default).strip()

        return cls(
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_api_url=get("SLACK_API_URL", DEFAULT_SLACK_API_URL),
            database_url=get("DATABASE_URL", DEFAULT_DATABASE_URL),
            chief=get("SNSBOT_CHIEF"),
            operators=comma_list(e.get("SNSBOT_OPERATORS")),
            approval_channel=get("SNSBOT_APPROVAL_CHANNEL"),
            moderation_channel=get("SNSBOT_MODERATION_CHANNEL"),
            locale=get("SNSBOT_LOCALE", "ja").lower(),
            dry_run=flag(e.get("SNSBOT_DRY_RUN")),
            log_level=get("SNSBOT_LOG_LEVEL", "INFO").upper(),
            policy_url=get("SNSBOT_POLICY_URL"),
            blog_footer=get("SNSBOT_BLOG_FOOTER"),
            no_reply_notice=get("SNSBOT_NO_REPLY_NOTICE", DEFAULT_NO_REPLY_NOTICE),
            publish_lease_seconds=whole_number(get("SNSBOT_PUBLISH_LEASE_SECONDS"), 300),
            heartbeat_timeout_seconds=whole_number(get("SNSBOT_HEARTBEAT_TIMEOUT_SECONDS"), 20),
            schedule_lead_minutes=whole_number(get("SNSBOT_SCHEDULE_LEAD_MINUTES"), 5),
            reminder_time=get("SNSBOT_REMINDER_TIME", "09:30"),
            reminder_after_hours=whole_number(get("SNSBOT_REMINDER_AFTER_HOURS"), 24),
            closed_days=get("SNSBOT_CLOSED_DAYS", DEFAULT_CLOSED_DAYS),
            route_setting=get("SNSBOT_ROUTE", "chief"),
            route_skip_away=flag(e.get("SNSBOT_ROUTE_SKIP_AWAY")),
            register_key=get("SNSBOT_REGISTER_KEY"),
            hp_feed_url=get("SNSBOT_HP_FEED_URL"),
            hp_feed_channel=get("SNSBOT_HP_FEED_CHANNEL"),
            hp_feed_minutes=whole_number(get("SNSBOT_HP_FEED_MINUTES"), 15),
            x_api_key=get("X_API_KEY"),
            x_api_secret=get("X_API_SECRET"),
            x_access_token=get("X_ACCESS_TOKEN"),
            x_access_token_secret=get("X_ACCESS_TOKEN_SECRET"),
            x_username=get("X_USERNAME").lstrip("@"),
            x_api_url=get("X_API_URL", DEFAULT_X_API_URL),
            facebook_page_id=get("FACEBOOK_PAGE_ID"),
            facebook_page_token=get("FACEBOOK_PAGE_TOKEN"),
            facebook_page_name=get("FACEBOOK_PAGE_NAME"),
            facebook_graph_url=get("FACEBOOK_GRAPH_URL", DEFAULT_FACEBOOK_GRAPH_URL),
            blog_kind=get("BLOG_KIND").lower(),
            blog_name=get("BLOG_NAME"),
            wordpress_url=get("WORDPRESS_URL"),
            wordpress_user=get("WORDPRESS_USER"),
            wordpress_app_password=get("WORDPRESS_APP_PASSWORD"),
            atompub_endpoint=get("ATOMPUB_ENDPOINT"),
            atompub_user=get("ATOMPUB_USER"),
            atompub_api_key=get("ATOMPUB_API_KEY"),
        )

    def problems(self) -> list[str]:
        """Settings that are set but wrong, in plain words (missing Slack keys are checked apart)."""
        found = []
        if self.locale not in LOCALES:
            found.append(f"SNSBOT_LOCALE must be 'ja' or 'en' (it is '{self.locale}').")
        if self.log_level not in LOG_LEVELS:
            found.append("SNSBOT_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR.")
        if self.blog_kind and self.blog_kind not in BLOG_KINDS:
            found.append(f"BLOG_KIND must be 'wordpress' or 'atompub' (it is '{self.blog_kind}').")
        if self.slack_app_token and not self.slack_app_token.startswith("xapp-"):
            found.append("SLACK_APP_TOKEN must be an app-level token starting with 'xapp-'.")
        if self.slack_bot_token and not self.slack_bot_token.startswith("xoxb-"):
            found.append("SLACK_BOT_TOKEN must be a bot token starting with 'xoxb-'.")
        for key, user in [("SNSBOT_CHIEF", self.chief)] + [
            ("SNSBOT_OPERATORS", op) for op in self.operators
        ]:
            if user and user[:1] not in ("U", "W"):
                found.append(f"{key} must hold Slack user ids such as U0123ABCD (found '{user}').")
        if self.publish_lease_seconds < 1:
            found.append("SNSBOT_PUBLISH_LEASE_SECONDS must be a positive number of seconds.")
        if self.heartbeat_timeout_seconds < 2:
            found.append("SNSBOT_HEARTBEAT_TIMEOUT_SECONDS must be 2 seconds or more.")
        if self.schedule_lead_minutes < 0:
            found.append("SNSBOT_SCHEDULE_LEAD_MINUTES must be 0 or more minutes.")
        if self.reminder_after_hours < 1:
            found.append("SNSBOT_REMINDER_AFTER_HOURS must be a positive number of hours.")
        if self.reminder_at is None and self.reminder_time.lower() != "off":
            found.append("SNSBOT_REMINDER_TIME must be a time like 09:30 (Japan time) or 'off'.")
        try:
            parse_closed_days(self.closed_days)
        except ClosedDaysError as error:
            found.append(str(error))
        if problem := route_problem(self.route_setting):
            found.append(problem)
        if self.register_key and len(self.register_key) < MIN_REGISTER_KEY:
            found.append(
                f"SNSBOT_REGISTER_KEY is too short (at least {MIN_REGISTER_KEY} characters): "
                "use the key `snsbot audit key` prints."
            )
        if self.hp_feed_url and not self.hp_feed_url.startswith(("http://", "https://")):
            found.append("SNSBOT_HP_FEED_URL must be the http(s):// URL of an RSS or Atom feed.")
        if self.hp_feed_minutes < 1:
            found.append("SNSBOT_HP_FEED_MINUTES must be a positive number of minutes.")
        if not self.database_url.startswith(("sqlite:", "postgresql")):
            found.append("DATABASE_URL must be a sqlite:/// or postgresql+psycopg:// URL.")
        return found

    @property
    def schedule_lead(self) -> timedelta:
        return timedelta(minutes=max(0, self.schedule_lead_minutes))

    @property
    def route(self) -> tuple[str, ...]:
        """The review steps' roles before the chief's decision (empty: the chief alone)."""
        steps = comma_list(self.route_setting.lower())
        return (
            tuple(s for s in steps if s != "chief") if not route_problem(self.route_setting) else ()
        )

    @property
    def reminder_at(self) -> time | None:
        """The weekday reminder's time of day in Japan, or None when off or malformed."""
        try:
            return time.fromisoformat(self.reminder_time)
        except ValueError:
            return None

    @property
    def workdays(self) -> WorkingDays:
        """The office's working days (the default closures when SNSBOT_CLOSED_DAYS is wrong)."""
        try:
            return WorkingDays.from_setting(self.closed_days)
        except ClosedDaysError:
            return WorkingDays()

    def slack_problems(self, socket_mode: bool) -> list[str]:
        """What is missing to talk to Slack in the chosen mode."""
        found = []
        if not self.slack_bot_token:
            found.append(
                "SLACK_BOT_TOKEN is not set (the bot token, xoxb-…, from OAuth & Permissions)."
            )
        if socket_mode and not self.slack_app_token:
            found.append(
                "SLACK_APP_TOKEN is not set (the app-level token, xapp-…, for Socket Mode)."
            )
        if not socket_mode and not self.slack_signing_secret:
            found.append("SLACK_SIGNING_SECRET is not set (Basic Information → Signing Secret).")
        return found

    def missing_credentials(self, channel: str) -> list[str]:
        """The keys a channel still needs before it can post for real (empty: complete)."""
        if channel == "x":
            keys = {
                "X_API_KEY": self.x_api_key,
                "X_API_SECRET": self.x_api_secret,
                "X_ACCESS_TOKEN": self.x_access_token,
                "X_ACCESS_TOKEN_SECRET": self.x_access_token_secret,
                "X_USERNAME": self.x_username,
            }
        elif channel == "facebook":
            keys = {
                "FACEBOOK_PAGE_ID": self.facebook_page_id,
                "FACEBOOK_PAGE_TOKEN": self.facebook_page_token,
            }
        elif self.blog_kind == "atompub":
            keys = {
                "ATOMPUB_ENDPOINT": self.atompub_endpoint,
                "ATOMPUB_USER": self.atompub_user,
                "ATOMPUB_API_KEY": self.atompub_api_key,
            }
        else:
            keys = {
                "BLOG_KIND": self.blog_kind,
                "WORDPRESS_URL": self.wordpress_url,
                "WORDPRESS_USER": self.wordpress_user,
                "WORDPRESS_APP_PASSWORD": self.wordpress_app_password,
            }
        return [key for key, value in keys.items() if not value]

    def secrets(self) -> list[str]:
        """Every secret value set, so that logs and messages can be checked for leaks."""
        values = [
            self.slack_bot_token,
            self.slack_signing_secret,
            self.slack_app_token,
            self.x_api_key,
            self.x_api_secret,
            self.x_access_token,
            self.x_access_token_secret,
            self.facebook_page_token,
            self.wordpress_app_password,
            self.atompub_api_key,
            self.register_key,
        ]
        return [v for v in values if v]


def load_settings(env_file: str | None = ".env") -> Settings:
    """Load `.env` (without overriding the real environment) and read the settings."""
    if env_file:
        from dotenv import load_dotenv

        load_dotenv(env_file, override=False)
    return Settings.from_env()
