"""Consistency tests: README, docs/, .env.example and app_manifest.yml fail here when they drift."""

from __future__ import annotations

import argparse
import ast
import json
import re
from pathlib import Path

import pytest

from bot import cli, config, config_examples
from bot.delivery.foreground import Foreground
from handlers import slack
from handlers.slack import ids
from handlers.teams import ids as teams_ids

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS_DIR = ROOT / "docs"
DOC_TEXTS = {path.name: path.read_text(encoding="utf-8") for path in sorted(DOCS_DIR.glob("*.md"))}
DOCS = "\n".join(DOC_TEXTS.values())  # everything the documents say, for "documented somewhere"
CONFIGURATION = DOC_TEXTS["configuration.md"]
OPERATIONS = DOC_TEXTS["operations.md"]
SETUP_SLACK = DOC_TEXTS["setup-slack.md"]
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
MANIFEST_TEXT = (ROOT / "app_manifest.yml").read_text(encoding="utf-8")

# Bot scope each Slack Web API method needs (an empty set: none). A method the code calls that
# is missing here fails test_every_web_api_method_called_has_known_scopes: add it, with its
# scope, and add that scope to app_manifest.yml.
METHOD_SCOPES: dict[str, set[str]] = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_delete": {"chat:write"},
    "views_open": set(),
    "views_update": set(),
    "views_push": set(),
    "views_publish": set(),
    "conversations_open": {"im:write"},
    "conversations_history": {"im:history", "channels:history", "groups:history"},
    "users_info": {"users:read"},
    "files_info": {"files:read"},
    "files_upload_v2": {"files:write"},
    "auth_test": set(),
}
# Bot scope each subscribed event needs (https://docs.slack.dev/reference/events/).
EVENT_SCOPES: dict[str, set[str]] = {
    "app_home_opened": set(),
    "user_change": {"users:read"},
    "message": {"im:history", "channels:history"},  # message.im, message.channels
}
EXPECTED_BOT_SCOPES = {
    "commands",
    "chat:write",
    "files:read",
    "files:write",
    "users:read",
    "im:write",
    "im:history",
    "channels:history",
    "groups:history",
}


# -- helpers ------------------------------------------------------------------------------------


def config_keys() -> list[str]:
    """Every environment key `Settings.from_env` reads, from its source."""
    source = Path(config.__file__).read_text(encoding="utf-8")
    body = source[source.index("def from_env") : source.index("def problems")]
    keys = re.findall(r"""\bget\(\s*["']([A-Z][A-Z0-9_]*)["']""", body)
    assert len(keys) > 20, "could not find the keys in Settings.from_env"
    from handlers.teams.settings import KEYS as TEAMS_KEYS  # the Teams front end's own

    return sorted(set(keys) | set(TEAMS_KEYS))


def env_example_keys() -> list[str]:
    return re.findall(r"^([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE, flags=re.MULTILINE)


def command_paths(parser: argparse.ArgumentParser, prefix: str = "") -> list[str]:
    """Every runnable command, e.g. "run", "db upgrade", "audit export"."""
    paths = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                path = f"{prefix} {name}".strip()
                nested = command_paths(sub, path)
                paths.extend(nested or [path])
    return paths


def command_parsers(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> list[tuple[str, argparse.ArgumentParser]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                path = f"{prefix} {name}".strip()
                found.append((path, sub))
                found.extend(command_parsers(sub, path))
    return found


def _scalar(text: str):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    return int(text) if text.isdigit() else text


_KEY = re.compile(r"^([A-Za-z_][\w.-]*):(?:\s+(.*))?$")


def parse_simple_yaml(text: str):
    """Just enough YAML for the manifest: block mappings, block lists, scalars, full-line comments.

    PyYAML is not a dependency; the manifest is kept in this simple block style on purpose.
    """
    lines = []
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        assert "\t" not in raw, f"tab in manifest line: {raw!r}"
        assert not stripped.startswith(("{", "[", "&", "*", "|", ">")), f"unsupported: {raw!r}"
        lines.append([len(raw) - len(raw.lstrip(" ")), stripped])

    def block(i: int, indent: int):
        if lines[i][1].startswith("- "):
            return sequence(i, indent)
        return mapping(i, indent)

    def mapping(i: int, indent: int):
        result = {}
        while i < len(lines) and lines[i][0] == indent and not lines[i][1].startswith("- "):
            match = _KEY.match(lines[i][1])
            assert match, f"not a 'key: value' line: {lines[i][1]!r}"
            key, value = match.group(1), match.group(2)
            assert key not in result, f"duplicate key {key!r}"
            if value is None:
                assert i + 1 < len(lines) and lines[i + 1][0] > indent, f"{key!r} is empty"
                result[key], i = block(i + 1, lines[i + 1][0])
            else:
                result[key], i = _scalar(value), i + 1
        return result, i

    def sequence(i: int, indent: int):
        result = []
        while i < len(lines) and lines[i][0] == indent and lines[i][1].startswith("- "):
            item = lines[i][1][2:].strip()
            if _KEY.match(item):  # "- key: value" starts a mapping item
                lines[i] = [indent + 2, item]
                value, i = mapping(i, indent + 2)
            else:
                value, i = _scalar(item), i + 1
            result.append(value)
        return result, i

    parsed, end = block(0, lines[0][0])
    assert end == len(lines), f"manifest line not understood: {lines[end][1]!r}"
    return parsed


MANIFEST = parse_simple_yaml(MANIFEST_TEXT)


class RecordingApp:
    """Stands in for a Bolt app: records every listener registration (kind, first argument)."""

    def __init__(self):
        self.registered: list[tuple[str, object]] = []

    def __getattr__(self, kind: str):
        def register(*args, **kwargs):
            self.registered.append((kind, args[0] if args else None))
            return lambda function: function

        return register

    def ids(self, kind: str) -> set:
        return {arg for k, arg in self.registered if k == kind}


class _Services:
    """Only what the register functions touch at registration time."""

    msg = staticmethod(lambda key, **kw: key)
    foreground = Foreground()


def registered_listeners() -> RecordingApp:
    app = RecordingApp()
    slack.add_listeners(app, _Services())
    return app


def web_api_methods_called() -> set[str]:
    """Slack Web API methods (slack_sdk spelling, e.g. chat_postMessage) the code calls.

    Only the Slack front end talks to Slack (tests/consistency/test_architecture.py keeps the core and the
    publishers free of it; publishers' `client` objects are other platforms' SDKs).
    """
    found = set()
    for path in (ROOT / "handlers" / "slack").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        found.update(re.findall(r"\bclient\.([a-z]+_[A-Za-z0-9_]+)\(", source))
        found.update(
            m.replace(".", "_")
            for m in re.findall(r"""api_call\(\s*["']([a-z]+\.[A-Za-z]+)["']""", source)
        )
    return found


def slash_subcommands() -> set[str]:
    """Every `/sns` subcommand the Slack handler compares against, read from its source.

    `sub == "status"` and `sub in ("follow", "retweet")` in handlers/slack/commands.py; an alias
    in another script (ヘルプ) is documented with the command it stands for.
    """
    tree = ast.parse((ROOT / "handlers" / "slack" / "commands.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and isinstance(node.left, ast.Name):
            if node.left.id != "sub":
                continue
            for comparator in node.comparators:
                values = comparator.elts if isinstance(comparator, ast.Tuple) else [comparator]
                found |= {v.value for v in values if isinstance(v, ast.Constant)}
    return {sub for sub in found if sub and sub.isascii()}


def teams_manifest() -> dict:
    return json.loads((ROOT / "appPackage" / "manifest.json").read_text(encoding="utf-8"))


def section(text: str, heading: str) -> str:
    """The text under `## heading` up to the next `## ` heading."""
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    return {anchor(h) for h in re.findall(r"^#{1,6} (.+)$", text, flags=re.MULTILINE)}


def markdown_links(text: str) -> list[str]:
    """Relative link targets (`path`, `path#anchor` or `#anchor`), code blocks left out."""
    text = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    targets = re.findall(r"\]\(([^)\s]+)\)", text)
    return [t for t in targets if not re.match(r"[a-z]+:", t)]


# Documents another piece of work adds; a link to one of them is checked once it exists.
WRITTEN_SEPARATELY: set[str] = set()


# -- (a) settings ------------------------------------------------------------------------------


@pytest.mark.parametrize("key", config_keys())
def test_every_setting_is_in_env_example_and_the_configuration_table(key):
    assert key in env_example_keys(), f"{key} is read by bot/config.py but not in .env.example"
    row = re.search(rf"^\| `{key}` \|(.+)$", CONFIGURATION, flags=re.MULTILINE)
    assert row, f"{key} is read by bot/config.py but has no row in docs/configuration.md"
    meaning, default, when_wrong = [cell.strip() for cell in row.group(1).split(" | ")][:3]
    assert meaning and default and when_wrong.rstrip(" |"), f"{key}: a cell of its row is empty"


def test_configuration_table_has_no_setting_the_code_does_not_read():
    rows = re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", CONFIGURATION, flags=re.MULTILINE)
    assert len(rows) == len(set(rows)), "a setting has two rows in docs/configuration.md"
    assert set(rows) <= set(config_keys()), set(rows) - set(config_keys())


def test_env_example_has_no_stale_or_duplicate_keys():
    keys = env_example_keys()
    assert len(keys) == len(set(keys)), "a key appears twice in .env.example"
    assert set(keys) <= set(config_keys()), set(keys) - set(config_keys())


def test_every_env_example_key_has_a_comment_line():
    lines = ENV_EXAMPLE.splitlines()
    for number, line in enumerate(lines):
        if re.match(r"^[A-Z][A-Z0-9_]*=", line):
            assert number > 0 and lines[number - 1].startswith("# "), f"no comment above {line}"


def test_env_example_placeholders_do_not_look_like_real_secrets():
    for line in ENV_EXAMPLE.splitlines():
        if line.startswith("#") or "=" not in line:
            continue
        value = line.split("=", 1)[1]
        assert not re.search(r"\d{6,}", value), f"looks like a real id or token: {line}"
        assert not re.match(r"xox[a-z]-\d", value), f"looks like a real Slack token: {line}"
        assert not re.match(r"xapp-\d", value), f"looks like a real app token: {line}"


def test_env_example_roster_is_empty_so_no_placeholder_becomes_chief():
    # SNSBOT_CHIEF bootstraps the chief once; a placeholder there would stick in the database.
    for key in ("SNSBOT_CHIEF", "SNSBOT_OPERATORS", "SNSBOT_APPROVAL_CHANNEL"):
        assert re.search(rf"^{key}=$", ENV_EXAMPLE, flags=re.MULTILINE), key


def test_every_placeholder_of_env_example_is_one_snsbot_run_refuses():
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.+)$", ENV_EXAMPLE, flags=re.MULTILINE))
    examples = {key: example for key, (example, _) in config_examples.EXAMPLE_VALUES.items()}
    assert {key: values.get(key) for key in examples} == examples
    real = {key: value for key, value in values.items() if key not in examples}
    # A value here is used as it is: a safe default for a first run, never a placeholder.
    assert real == {"DATABASE_URL": "sqlite:///snsbot.db", "SNSBOT_DRY_RUN": "1",
                    "SNSBOT_LOCALE": "ja"}  # fmt: skip


def test_env_example_settings_are_valid():
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", ENV_EXAMPLE, flags=re.MULTILINE))
    assert config.Settings.from_env(values).problems() == []


def test_configuration_states_the_defaults_of_bot_config():
    for default in (
        config.DEFAULT_SLACK_API_URL,
        config.DEFAULT_DATABASE_URL,
        config.DEFAULT_X_API_URL,
        config.DEFAULT_FACEBOOK_GRAPH_URL,
    ):
        assert f"`{default}`" in CONFIGURATION, default


def test_the_document_error_messages_point_to_exists():
    document = re.search(r"(docs/[\w.-]+\.md)", cli.CONFIG_HINT).group(1)
    assert document == "docs/configuration.md"
    assert (ROOT / document).is_file()


# -- (b) CLI -----------------------------------------------------------------------------------


def test_command_paths_are_found():
    paths = command_paths(cli.parser())
    for expected in ("run", "worker", "doctor", "db upgrade", "roles set", "audit verify"):
        assert expected in paths


def command_reference() -> str:
    return section(OPERATIONS, "Command reference")


@pytest.mark.parametrize("path", command_paths(cli.parser()))
def test_every_cli_command_has_a_row_in_the_command_reference(path):
    assert f"| `snsbot {path}" in command_reference(), (
        f"`snsbot {path}` has no row in docs/operations.md, section 'Command reference'"
    )


@pytest.mark.parametrize("path,sub", command_parsers(cli.parser()))
def test_every_cli_option_is_in_its_commands_rows(path, sub):
    rows = "\n".join(
        line for line in command_reference().splitlines() if line.startswith(f"| `snsbot {path}")
    )
    for action in sub._actions:
        for option in action.option_strings:
            if option.startswith("--") and option != "--help" and sub._subparsers is None:
                assert option in rows, f"`snsbot {path} {option}` is not in its row"


def test_roles_in_the_docs_are_the_cli_choices():
    role_set = dict(command_parsers(cli.parser()))["roles set"]
    choices = next(a.choices for a in role_set._actions if a.dest == "role")
    assert f"snsbot roles set <user> {'|'.join(choices)}" in DOCS


# -- (b2) chat commands --------------------------------------------------------------------------


def test_slash_subcommands_are_found():
    assert {"draft", "status", "policy", "help", "away", "follow", "share"} <= slash_subcommands()
    assert f"| `{ids.COMMAND}` |" in DOCS  # the bare command opens the draft form


@pytest.mark.parametrize("sub", sorted(slash_subcommands()))
def test_every_slash_subcommand_is_documented(sub):
    assert f"`{ids.COMMAND} {sub}" in DOCS, f"`{ids.COMMAND} {sub}` is not documented in docs/"


@pytest.mark.parametrize("command", teams_ids.COMMANDS + teams_ids.TYPED_COMMANDS)
def test_every_teams_command_is_documented(command):  # listed in the manifest or typed only
    assert re.search(rf"^\| `{command}(`| )", DOCS, flags=re.MULTILINE), (
        f"the Teams command `{command}` has no row in a table of docs/"
    )


def test_teams_manifest_commands_are_the_bot_commands_and_documented():
    bot = teams_manifest()["bots"][0]
    listed = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert listed == list(teams_ids.COMMANDS)
    assert len(listed) <= 10  # Teams' limit; the other commands are typed (TYPED_COMMANDS)
    assert not set(listed) & set(teams_ids.TYPED_COMMANDS)
    for extension in teams_manifest()["composeExtensions"]:
        for command in extension["commands"]:
            assert command["title"] in DOCS, command["title"]


# -- (c) manifest ------------------------------------------------------------------------------


def test_manifest_slash_command_is_the_one_the_app_registers():
    commands = MANIFEST["features"]["slash_commands"]
    assert [c["command"] for c in commands] == [ids.COMMAND]
    assert registered_listeners().ids("command") == {ids.COMMAND}
    assert commands[0]["should_escape"] is False
    assert commands[0]["usage_hint"] and commands[0]["description"]


def test_manifest_events_are_exactly_the_registered_ones():
    registered = registered_listeners().ids("event")
    assert registered == {"app_home_opened", "message", "user_change"}  # user_change: §6
    subscribed = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    # Slack delivers `message.im` and `message.channels` as `message` events (thread replies)
    assert {event.partition(".")[0] for event in subscribed} == registered
    assert set(subscribed) == {"app_home_opened", "message.im", "message.channels", "user_change"}


def test_manifest_features_match_the_code():
    app = registered_listeners()
    features, settings = MANIFEST["features"], MANIFEST["settings"]
    assert features["app_home"]["home_tab_enabled"] is True  # app_home_opened → views.publish
    assert features["app_home"]["messages_tab_enabled"] is True  # cards and notices are DMs
    assert features["bot_user"]["display_name"]
    assert MANIFEST["display_information"]["name"] == "snsbot"
    assert app.ids("action") and app.ids("view")
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    # Socket Mode: no request URLs (the comment at the top says how to add them for HTTP).
    assert "request_url" not in settings["interactivity"]
    assert "request_url" not in settings["event_subscriptions"]
    assert all("url" not in c for c in features["slash_commands"])


def test_manifest_scopes_are_exactly_the_expected_set():
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == EXPECTED_BOT_SCOPES
    assert len(MANIFEST["oauth_config"]["scopes"]["bot"]) == len(EXPECTED_BOT_SCOPES)
    assert "user" not in MANIFEST["oauth_config"]["scopes"]


def test_every_web_api_method_called_has_known_scopes():
    called = web_api_methods_called()
    assert "chat_postMessage" in called and "views_open" in called, called
    unknown = called - METHOD_SCOPES.keys()
    assert not unknown, f"add these Web API methods and their scopes to METHOD_SCOPES: {unknown}"


def test_expected_scopes_follow_from_the_code():
    needed = {"commands"} if registered_listeners().ids("command") else set()
    for method in web_api_methods_called():
        needed |= METHOD_SCOPES[method]
    blocks = (ROOT / "handlers" / "slack" / "blocks.py").read_text(encoding="utf-8")
    if '"file_input"' in blocks:
        needed.add("files:read")
    for event in registered_listeners().ids("event"):
        needed |= EVENT_SCOPES[event]
    assert needed == EXPECTED_BOT_SCOPES


def test_slack_setup_names_the_manifest_scopes_and_events():
    for scope in EXPECTED_BOT_SCOPES:
        assert f"`{scope}`" in SETUP_SLACK, scope
    for event in MANIFEST["settings"]["event_subscriptions"]["bot_events"]:
        assert f"`{event}`" in SETUP_SLACK, event


def test_simple_yaml_parser_reads_nested_lists_of_mappings():
    parsed = parse_simple_yaml(
        "a:\n  b: true\n  c:\n    - x: '1'\n      y: 2\n    - z: w\n  d:\n    - p:q\n# c\ne: f\n"
    )
    assert parsed == {
        "a": {"b": True, "c": [{"x": "1", "y": 2}, {"z": "w"}], "d": ["p:q"]},
        "e": "f",
    }


# -- (d) README and the documents, (e) .gitignore -----------------------------------------------


def test_readme_has_the_install_run_and_test_commands():
    assert "bash .ci/run" in README
    assert ".venv/bin/python -m pytest" in README
    assert "python3 -m venv .venv && .venv/bin/pip install -e . && cp .env.example .env" in README
    assert ".venv/bin/snsbot run" in README
    assert "snsbot run --http --port 3000" in README
    assert "python -m bot" in README


def test_readme_is_the_front_door():
    assert len(README.splitlines()) <= 150
    assert "Slack" in README and "Microsoft Teams" in README
    assert "[LICENSE](LICENSE)" in README
    linked = set(re.findall(r"\]\((docs/[\w.-]+\.md)\)", README))
    documents = {f"docs/{name}" for name in DOC_TEXTS} | WRITTEN_SEPARATELY
    assert documents == linked, documents ^ linked


def test_every_relative_link_and_anchor_resolves():
    for source in [ROOT / "README.md", *sorted(DOCS_DIR.glob("*.md"))]:
        text = source.read_text(encoding="utf-8")
        for target in markdown_links(text):
            path, _, fragment = target.partition("#")
            resolved = (source.parent / path).resolve() if path else source
            if str(resolved.relative_to(ROOT)) in WRITTEN_SEPARATELY and not resolved.exists():
                continue
            assert resolved.exists(), f"{source.name}: link to {target} goes nowhere"
            if fragment:
                assert fragment in anchors(resolved.read_text(encoding="utf-8")), (
                    f"{source.name}: {target}: no such heading"
                )


def test_nothing_points_to_the_old_benchmarks_file():
    assert not (ROOT / "BENCHMARKS.md").exists()
    for folder in ("bot", "handlers", "publishers", "bench", "tests", "docs"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in (".py", ".md") and path.name != "test_docs.py":
                assert "BENCHMARKS.md" not in path.read_text(encoding="utf-8"), path
    assert "BENCHMARKS.md" not in README


def test_ci_runs_pytest_as_readme_says():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python -m pytest" in ci
    assert "ruff check" in ci and "ruff format --check" in ci


def test_env_file_is_ignored_by_git():
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".env" in [line.strip() for line in ignored]


def test_license_is_mit():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License")
    assert "Copyright (c) 2026 snsbot contributors" in text
