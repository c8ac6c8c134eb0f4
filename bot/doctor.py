"""`snsbot doctor`: every setting, the database, the roster and each account, checked."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from bot import config_examples, db, dbcheck, startup
from bot.config import Settings
from bot.features import profiles
from bot.messages import Messages
from bot.people import roles, user_ids

Check = tuple[bool | None, str]  # (passed, the line printed after ✓ or ✗; None: ⚠, a warning)


@dataclass(frozen=True)
class Probes:
    """The adapters doctor asks, built by the composition root (bot.app.doctor_probes)."""

    slack_identity: Callable[[Settings], dict]  # auth.test; startup.Refused when Slack says no
    publishers: Callable[[Settings], dict]  # channel name -> publisher
    teams_settings: Callable[[], object]  # the Teams settings from the environment
    teams_service_url_problem: Callable[[object], str | None]  # ImportError without the SDK
    teams_token: Callable[[object], str]  # a Bot Connector token; startup.Refused when refused


def safe_url(url: str) -> str:
    """A database URL with its password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparseable DATABASE_URL)"


def _check_slack_token(settings: Settings, probes: Probes) -> Check:
    try:
        who = probes.slack_identity(settings)
    except Exception as error:
        return False, startup.slack_problem(error, settings.slack_api_url)
    return True, f"Slack token is the bot @{who.get('user')} in workspace {who.get('team')}"


def _check_channels(settings: Settings, publishers: dict) -> list[Check]:
    checks = []
    for channel, publisher in publishers.items():
        missing = settings.missing_credentials(channel)
        if settings.dry_run:
            checks.append((True, f"{channel}: dry run (SNSBOT_DRY_RUN=1): nothing is posted"))
        elif missing:
            checks.append(
                (True, f"{channel}: dry run, because these are not set: {', '.join(missing)}")
            )
        else:
            problem = publisher.verify_account()
            said = problem.render(Messages("en")) if problem else f"{channel}: account verified"
            checks.append((problem is None, said))
    return checks


def _check_teams(probes: Probes) -> list[Check]:
    teams = probes.teams_settings()
    problems = [(False, p) for p in teams.problems()]
    try:
        url_problem = probes.teams_service_url_problem(teams)
    except ImportError:
        problems.append((False, "the Teams SDK is not installed: pip install -e '.[teams]'"))
    else:
        problems += [(False, p) for p in [url_problem] if p]
    if teams.anonymous:
        problems.append((False, "ANONYMOUS_ALLOWED is on: anyone can call the bot (tests only)"))
        if teams.anonymous_refusal():
            problems.append((False, f"`snsbot run --teams` refuses: {teams.anonymous_refusal()}"))
    if problems:
        return problems
    return [
        (True, f"Teams settings present (app {teams.app_id})"),
        _check_teams_token(teams, probes),
    ]


def _check_teams_token(teams, probes: Probes) -> Check:
    if not teams.client_secret:
        return True, "Teams token not tried: only a client secret can be tried (not a certificate)"
    try:
        probes.teams_token(teams)
    except Exception as error:
        return False, startup.teams_token_problem(error, teams.token_url)
    return True, f"Teams credentials work: {teams.token_url} issued the bot a token"


def _check_teams_ids(session, seed) -> list[Check]:
    """Every id that must name a Teams user: the Teams roster settings and the Teams roster."""
    named = [("SNSBOT_TEAMS_CHIEF", seed.chief)] + [
        ("SNSBOT_TEAMS_OPERATORS", user) for user in seed.operators
    ]
    on_roster = [("the teams roster", m.user_id) for m in roles.members(session, "teams")]
    checks = []
    for where, user in named + on_roster:
        problem = user_ids.teams_id_problem(user) if user else None
        if problem:
            fix = (f"remove it with `snsbot roles set {user} none --platform teams`"
                   if where == "the teams roster" else "replace it")  # fmt: skip
            checks.append((False, f"{where} holds {user}, which {problem}: {fix}, and "
                                  f"{user_ids.TEAMS_ID_HINT}"))  # fmt: skip
    return checks


def _check_roster(session, front_end: str, chief: str, operators: tuple[str, ...],
                  keys: tuple[str, str]) -> list[Check]:  # fmt: skip
    """The roster settings against the roster in the database, which alone counts once seeded."""
    chief_key, operators_key = keys
    found = roles.compare_with_settings(session, chief, operators, front_end)
    if not found.seeded:
        named = ", ".join(u for u in (chief, *operators) if u) or "nobody (neither is set)"
        return [(True, f"{front_end} roster: empty so far; the first snsbot command fills it once "
                       f"from {chief_key} and {operators_key}: {named}")]  # fmt: skip
    fix = "The settings only fill an empty roster once; the roster in the database counts now."
    checks = []
    if found.chief_differs:
        may_empty = front_end == "slack"  # `run --teams` requires SNSBOT_TEAMS_CHIEF
        make = f"`snsbot roles set {chief} chief{_front_end_flag(front_end)}`"
        if found.chief:
            change = f"set {chief_key}={found.chief}" + (" (or empty it)" if may_empty else "")
            checks.append((False, f"{chief_key} is {chief}, but the chief on the {front_end} "
                                  f"roster is {found.chief}: {change}, or make {chief} chief "
                                  f"with {make}. {fix}"))  # fmt: skip
        else:
            change = f", or empty {chief_key}" if may_empty else ""
            checks.append((False, f"{chief_key} is {chief}, but the {front_end} roster has no "
                                  f"chief: make {chief} chief with {make}{change}. {fix}"))  # fmt: skip
    if found.not_on_roster:
        ids = ", ".join(found.not_on_roster)
        checks.append((False, f"{operators_key} lists {ids}, who have no role on the {front_end} "
                              f"roster (removed, or listed after it was filled): take them out "
                              f"of {operators_key}, or add each with `snsbot roles set <user> "
                              f"operator{_front_end_flag(front_end)}`. {fix}"))  # fmt: skip
    if found.not_listed:
        ids = ", ".join(found.not_listed)
        checks.append((False, f"{ids} are operators on the {front_end} roster but not in "
                              f"{operators_key}: add them to {operators_key}, or empty it. "
                              f"{fix}"))  # fmt: skip
    roster = f"{front_end} roster: chief {found.chief or '(none)'}"
    return checks or [(True, f"{roster}; it agrees with {chief_key} and {operators_key}")]


def _front_end_flag(front_end: str) -> str:
    return "" if front_end == "slack" else f" --platform {front_end}"


def _roster_checks(settings: Settings, teams: bool, engine, probes: Probes) -> list[Check]:
    """The roster settings of the front end being checked against that front end's roster."""
    with db.make_session_factory(engine)() as session:
        if not teams:
            return _check_roster(session, "slack", settings.chief, settings.operators,
                                 ("SNSBOT_CHIEF", "SNSBOT_OPERATORS"))  # fmt: skip
        seed = probes.teams_settings()
        return _check_teams_ids(session, seed) + _check_roster(
            session, "teams", seed.chief, seed.operators,
            ("SNSBOT_TEAMS_CHIEF", "SNSBOT_TEAMS_OPERATORS"))  # fmt: skip


def _check_database(settings: Settings) -> tuple[list[Check], object]:
    """The database's migration state and whether it can be written; the engine when usable."""
    url = settings.database_url
    engine = None
    try:
        engine = db.make_engine(url)
        current, head = db.migration_state(engine)
        if current != head:
            engine.dispose()
            return [
                (
                    False,
                    f"database is at migration {current}, code needs {head}: "
                    "run `snsbot db upgrade`",
                )
            ], None
        dbcheck.check_writable(engine)
    except dbcheck.DatabaseUnusable as error:
        if engine is not None:
            engine.dispose()
        return [(False, str(error))], None
    except Exception as error:
        if engine is not None:
            engine.dispose()
        return [(False, dbcheck.explain(error, url))], None
    return [(True, f"database {safe_url(url)} at migration {head}, writable")], engine


def run_checks(settings: Settings, only: str | None, probes: Probes) -> list[Check]:
    """Every check `snsbot doctor` makes, in order: `only="teams"` checks the Teams front end and
    never asks Slack; otherwise (`only="slack"` or None) Slack, as it always has."""
    teams = only == "teams"
    examples = config_examples.example_problems()
    checks: list[Check] = [(False, p) for p in examples + settings.problems()]
    if teams:
        checks += _check_teams(probes)
    else:
        socket_mode = bool(settings.slack_app_token)
        slack_problems = settings.slack_problems(socket_mode)
        checks += [(False, p) for p in slack_problems]
        if not slack_problems:
            mode = "Socket Mode" if socket_mode else "HTTP mode"
            checks.append((True, f"Slack settings present ({mode})"))
    database_checks, engine = _check_database(settings)
    checks += database_checks
    if engine is not None:  # migrated: the roster can be read
        checks += _roster_checks(settings, teams, engine, probes)
        engine.dispose()
    if settings.slack_bot_token and not teams and not any("SLACK_BOT_TOKEN" in p for p in examples):
        checks.append(_check_slack_token(settings, probes))
    publishers = probes.publishers(settings)
    channel_checks = _check_channels(settings, publishers)
    checks += channel_checks + _check_profiles(settings, publishers, channel_checks)
    checks.append(_check_policy_url(settings))
    return checks


def _check_profiles(settings: Settings, publishers: dict, channel_checks: list[Check]) -> list:
    """The real accounts' names (§2) and the no-reply notice on their profiles (§9)."""
    # One check per channel, in order; a channel whose account failed is said above already.
    failed = {c for c, (ok, _) in zip(publishers, channel_checks, strict=True) if ok is False}
    verified = {c: p for c, p in publishers.items() if not p.dry_run and c not in failed}
    if not verified:
        return []
    found = profiles.problems(verified, settings, Messages("en"))
    said = "names and the no-reply notice (SNSBOT_NO_REPLY_NOTICE) as the policy says"
    return [(False, problem) for problem in found] or [(True, f"profiles: {said}")]


def _check_policy_url(settings: Settings) -> Check:
    if settings.policy_url:
        return True, f"the policy is published at {settings.policy_url} (`/sns policy` shows it)"
    return None, ("SNSBOT_POLICY_URL is not set: `/sns policy` cannot say where the policy is "
                  "published (policy 12); set it to the policy's page on the center's website")  # fmt: skip
