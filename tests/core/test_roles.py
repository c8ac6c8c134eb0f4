"""The roster: bootstrap from the environment, role changes (audited) and the `roles` CLI."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot import db, register
from bot.cli import main
from bot.models import CHIEF, OPERATOR, RegisterEntry
from bot.people import oversight, roles

NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
BOSS, NEW_BOSS, OP1, OP2 = "UBOSS001", "UBOSS002", "UOP00001", "UOP00002"


@pytest.fixture
def factory(database_url):
    engine = db.make_engine(database_url)
    yield db.make_session_factory(engine)
    engine.dispose()


def roster(factory) -> dict[str, str]:
    with factory() as session:
        return {m.user_id: m.role for m in roles.members(session)}


def role_changes(factory) -> list[tuple[str, str, str, str]]:
    """(actor, user, before, after) of every role_changed entry, in order."""
    with factory() as session:
        rows = session.execute(
            select(RegisterEntry)
            .where(RegisterEntry.action == "role_changed")
            .order_by(RegisterEntry.seq)
        ).scalars()
        return [(e.actor, e.details["user"], e.details["before"], e.details["after"]) for e in rows]


def set_role(factory, user, role, actor="cli", now=NOW) -> bool:
    with factory.begin() as session:
        return roles.set_role(session, user, role, actor=actor, now=now)


def bootstrap(factory, chief, operators, now=NOW) -> None:
    with factory.begin() as session:
        roles.bootstrap(session, chief, operators, now)


def test_bootstrap_seeds_chief_and_operators(factory):
    bootstrap(factory, BOSS, (OP1, OP2))
    assert roster(factory) == {BOSS: CHIEF, OP1: OPERATOR, OP2: OPERATOR}
    assert sorted(role_changes(factory)) == [
        ("bootstrap", BOSS, "none", CHIEF),
        ("bootstrap", OP1, "none", OPERATOR),
        ("bootstrap", OP2, "none", OPERATOR),
    ]
    with factory() as session:
        assert roles.chief_id(session) == BOSS
        assert roles.role_of(session, OP1) == OPERATOR
        assert roles.role_of(session, "UNOBODY1") is None
        assert register.verify(session) == []


def test_bootstrap_without_settings_does_nothing(factory):
    bootstrap(factory, "", ())
    assert roster(factory) == {}
    assert role_changes(factory) == []


def test_later_bootstrap_keeps_the_existing_chief_and_roles(factory):
    bootstrap(factory, BOSS, (OP1,))
    set_role(factory, OP2, "deputy")
    changes = len(role_changes(factory))
    bootstrap(factory, NEW_BOSS, (OP1, OP2), now=NOW + timedelta(days=1))
    assert roster(factory) == {BOSS: CHIEF, OP1: OPERATOR, OP2: "deputy"}
    assert len(role_changes(factory)) == changes  # nothing changed, nothing recorded


def test_after_the_seeding_new_operators_come_from_the_roster_commands_only(factory):
    bootstrap(factory, BOSS, (OP1,))
    bootstrap(factory, BOSS, (OP1, OP2), now=NOW + timedelta(days=1))
    assert roster(factory) == {BOSS: CHIEF, OP1: OPERATOR}  # the settings seed an empty roster
    set_role(factory, OP2, OPERATOR, now=NOW + timedelta(days=1))
    assert roster(factory) == {BOSS: CHIEF, OP1: OPERATOR, OP2: OPERATOR}
    assert [c[1] for c in role_changes(factory)].count(OP1) == 1


def test_bootstrap_does_not_demote_a_chief_listed_as_operator(factory):
    bootstrap(factory, BOSS, (BOSS, OP1))
    assert roster(factory) == {BOSS: CHIEF, OP1: OPERATOR}


def test_set_role_changes_and_records_before_and_after(factory):
    bootstrap(factory, BOSS, (OP1,))
    assert set_role(factory, OP1, "deputy", actor="UADMIN01") is True
    assert roster(factory)[OP1] == "deputy"
    assert role_changes(factory)[-1] == ("UADMIN01", OP1, OPERATOR, "deputy")


def test_set_role_to_the_same_role_changes_nothing(factory):
    bootstrap(factory, BOSS, (OP1,))
    before = role_changes(factory)
    assert set_role(factory, OP1, OPERATOR) is False
    assert role_changes(factory) == before


def test_naming_a_new_chief_demotes_the_old_one(factory):
    bootstrap(factory, BOSS, (OP1,))
    assert set_role(factory, NEW_BOSS, CHIEF) is True
    assert roster(factory) == {BOSS: OPERATOR, NEW_BOSS: CHIEF, OP1: OPERATOR}
    assert role_changes(factory)[-2:] == [
        ("cli", BOSS, CHIEF, OPERATOR),
        ("cli", NEW_BOSS, "none", CHIEF),
    ]
    with factory() as session:
        assert roles.chief_id(session) == NEW_BOSS


def test_promoting_an_operator_to_chief(factory):
    bootstrap(factory, BOSS, (OP1,))
    set_role(factory, OP1, CHIEF)
    assert roster(factory) == {BOSS: OPERATOR, OP1: CHIEF}


def test_none_removes_a_member(factory):
    bootstrap(factory, BOSS, (OP1,))
    assert set_role(factory, OP1, roles.NONE) is True
    assert roster(factory) == {BOSS: CHIEF}
    assert role_changes(factory)[-1] == ("cli", OP1, OPERATOR, "none")
    assert set_role(factory, OP1, roles.NONE) is False  # already absent


@pytest.mark.parametrize("role", ["admin", "Chief", "", "課長"])
def test_invalid_role_is_a_value_error_and_changes_nothing(factory, role):
    bootstrap(factory, BOSS, ())
    with pytest.raises(ValueError):
        set_role(factory, OP1, role)
    assert roster(factory) == {BOSS: CHIEF}


def test_roles_are_per_front_end(factory):
    with factory.begin() as session:
        roles.set_role(session, "29:teams-user", CHIEF, actor="cli", now=NOW, front_end="teams")
    bootstrap(factory, BOSS, ())
    with factory() as session:
        assert roles.chief_id(session) == BOSS
        assert roles.chief_id(session, "teams") == "29:teams-user"
        assert roles.role_of(session, "29:teams-user") is None


# -- the environment seeds an empty roster once (found as a bug: removed people came back) -----


def test_a_removed_operator_stays_removed(factory):
    bootstrap(factory, BOSS, (OP1, OP2))
    set_role(factory, OP1, roles.NONE)
    bootstrap(factory, BOSS, (OP1, OP2), now=NOW + timedelta(days=1))  # the next process
    assert roster(factory) == {BOSS: CHIEF, OP2: OPERATOR}
    assert role_changes(factory)[-1] == ("cli", OP1, OPERATOR, "none")


def test_a_removed_chief_stays_removed(factory):
    bootstrap(factory, BOSS, (OP1,))
    set_role(factory, BOSS, roles.NONE)
    bootstrap(factory, BOSS, (OP1,), now=NOW + timedelta(days=1))
    assert roster(factory) == {OP1: OPERATOR}
    with factory() as session:
        assert roles.chief_id(session) is None


def test_a_roster_emptied_by_hand_is_not_seeded_again(factory):
    """Never seeded and everyone removed look alike in `members`: the register tells them apart."""
    bootstrap(factory, BOSS, (OP1,))
    set_role(factory, OP1, roles.NONE)
    set_role(factory, BOSS, roles.NONE)
    with factory() as session:
        assert roles.ever_had_members(session) is True
    with factory.begin() as session:
        assert roles.bootstrap(session, BOSS, (OP1,), NOW + timedelta(days=1)) is False
    assert roster(factory) == {}


def test_a_roster_filled_by_hand_is_never_seeded(factory):
    set_role(factory, OP1, OPERATOR)
    set_role(factory, OP1, roles.NONE)
    bootstrap(factory, BOSS, (OP2,))
    assert roster(factory) == {}


def test_each_front_end_is_seeded_once_on_its_own(factory):
    bootstrap(factory, BOSS, (OP1,))
    teams_op = "29:teams-operator"
    with factory.begin() as session:
        assert roles.bootstrap(session, "29:teams-chief", (teams_op,), NOW, "teams") is True
        roles.set_role(session, teams_op, roles.NONE, actor="cli", now=NOW, front_end="teams")
    with factory.begin() as session:
        assert roles.bootstrap(session, "29:teams-chief", (teams_op,), NOW, "teams") is False
        assert roles.role_of(session, teams_op, "teams") is None
        assert roles.chief_id(session, "teams") == "29:teams-chief"
    assert roster(factory) == {BOSS: CHIEF, OP1: OPERATOR}


def test_the_settings_are_compared_with_the_roster(factory):
    with factory() as session:
        assert roles.compare_with_settings(session, BOSS, (OP1,)).seeded is False
    bootstrap(factory, BOSS, (OP1, OP2))
    with factory() as session:
        assert roles.compare_with_settings(session, BOSS, (OP1, OP2)).agrees
    set_role(factory, OP2, roles.NONE)
    set_role(factory, NEW_BOSS, CHIEF)
    set_role(factory, "UOP00003", OPERATOR)
    with factory() as session:
        found = roles.compare_with_settings(session, BOSS, (OP1, OP2))
    assert found.seeded and not found.agrees
    assert (found.chief, found.chief_differs) == (NEW_BOSS, True)
    assert found.not_on_roster == (OP2,)
    assert found.not_listed == ("UOP00003",)  # BOSS, now an operator, is named in the settings


# -- credential changes (policy §6) ----------------------------------------------------------


def open_tasks(factory) -> dict[str, str]:
    with factory() as session:
        return {item.account: item.reason for item in oversight.open_rotations(session)}


def rotation_entries(factory) -> list[dict]:
    with factory() as session:
        rows = session.execute(
            select(RegisterEntry)
            .where(RegisterEntry.action == "rotation_opened")
            .order_by(RegisterEntry.seq)
        ).scalars()
        return [{"actor": e.actor, **e.details} for e in rows]


ALL_ACCOUNTS = ["x", "facebook", "blog", "slack"]


@pytest.mark.parametrize(
    ("user", "role", "reason"),
    [
        pytest.param(NEW_BOSS, CHIEF, f"{BOSS}: chief → operator, {NEW_BOSS}: none → chief",
                     id="a new chief from outside"),
        pytest.param(OP1, CHIEF, f"{BOSS}: chief → operator, {OP1}: operator → chief",
                     id="an operator becomes chief"),
        pytest.param(BOSS, OPERATOR, f"{BOSS}: chief → operator", id="the chief steps down"),
        pytest.param(BOSS, roles.NONE, f"{BOSS}: chief → none", id="the chief leaves"),
        pytest.param(OP1, roles.NONE, f"{OP1}: operator → none", id="an operator leaves"),
        pytest.param(OP1, "deputy", f"{OP1}: operator → deputy", id="a role changes"),
    ],
)  # fmt: skip
def test_every_change_of_the_chief_removal_or_role_change_opens_the_tasks(
    factory, user, role, reason
):
    bootstrap(factory, BOSS, (OP1,))
    assert open_tasks(factory) == {}
    set_role(factory, user, role, actor="UADMIN01")
    assert open_tasks(factory) == dict.fromkeys(ALL_ACCOUNTS, reason)
    assert rotation_entries(factory) == [
        {"actor": "UADMIN01", "reason": reason, "accounts": ALL_ACCOUNTS,
         "opened": ALL_ACCOUNTS, "platform": "slack"}
    ]  # fmt: skip
    with factory() as session:
        assert register.verify(session) == []


def test_adding_someone_or_the_seeding_opens_no_task(factory):
    bootstrap(factory, BOSS, (OP1,))
    set_role(factory, OP2, OPERATOR)
    set_role(factory, "UDEPUTY1", "deputy")
    assert open_tasks(factory) == {} and rotation_entries(factory) == []


def test_a_change_while_tasks_are_open_keeps_one_task_per_account(factory):
    bootstrap(factory, BOSS, (OP1, OP2))
    set_role(factory, OP1, roles.NONE)
    with factory.begin() as session:
        task = oversight.open_rotations(session)[0]
        oversight.mark_rotated(session, task.task_id, actor=BOSS, now=NOW)
    set_role(factory, OP2, roles.NONE)
    assert len(open_tasks(factory)) == 4
    assert open_tasks(factory)[task.account] == f"{OP2}: operator → none"
    assert [e["opened"] for e in rotation_entries(factory)] == [ALL_ACCOUNTS, [task.account]]


# -- the CLI ---------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch, tmp_path, database_url):
    monkeypatch.chdir(tmp_path)  # no .env is loaded from here
    for key in ("SNSBOT_CHIEF", "SNSBOT_OPERATORS", "SNSBOT_LOCALE", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)


def test_cli_set_then_list(factory, cli_env, capsys):
    assert main(["roles", "set", "U123ABC", "operator"]) == 0
    assert "U123ABC" in capsys.readouterr().out
    assert main(["roles", "list"]) == 0
    assert "U123ABC\toperator" in capsys.readouterr().out.splitlines()
    assert role_changes(factory) == [("cli", "U123ABC", "none", OPERATOR)]


def test_cli_set_none_removes(factory, cli_env, capsys):
    main(["roles", "set", "U123ABC", "operator"])
    assert main(["roles", "set", "U123ABC", "none"]) == 0
    capsys.readouterr()
    main(["roles", "list"])
    assert "U123ABC" not in capsys.readouterr().out


def test_cli_refuses_an_unknown_role(factory, cli_env, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["roles", "set", "U123ABC", "admin"])
    assert exit_info.value.code == 2
    assert roster(factory) == {}


def test_cli_bootstraps_from_the_environment(factory, cli_env, monkeypatch, capsys):
    monkeypatch.setenv("SNSBOT_CHIEF", BOSS)
    monkeypatch.setenv("SNSBOT_OPERATORS", f"{OP1}, {OP2}")
    assert main(["roles", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"{BOSS}\tchief" in lines and f"{OP1}\toperator" in lines and f"{OP2}\toperator" in lines


def test_cli_a_removed_operator_does_not_come_back(factory, cli_env, monkeypatch, capsys):
    """Found as a bug: every snsbot command added SNSBOT_OPERATORS back to the roster."""
    monkeypatch.setenv("SNSBOT_CHIEF", BOSS)
    monkeypatch.setenv("SNSBOT_OPERATORS", f"{OP1},{OP2}")
    assert main(["roles", "list"]) == 0  # the first command seeds the empty roster
    assert main(["roles", "set", OP1, "none"]) == 0
    assert main(["roles", "set", BOSS, "none"]) == 0
    capsys.readouterr()
    assert main(["roles", "list"]) == 0
    assert capsys.readouterr().out.splitlines() == [f"{OP2}\toperator"]
    assert main(["audit", "verify"]) == 0
    assert [c for c in role_changes(factory) if c[0] == "bootstrap"] == [
        ("bootstrap", BOSS, "none", CHIEF),
        ("bootstrap", OP1, "none", OPERATOR),
        ("bootstrap", OP2, "none", OPERATOR),
    ]


def test_cli_replacing_the_chief_opens_the_credential_tasks(factory, cli_env, monkeypatch, capsys):
    """Found as a bug: `roles set <new> chief` demoted the old chief and opened no task (§6)."""
    monkeypatch.setenv("SNSBOT_CHIEF", BOSS)
    assert main(["roles", "set", NEW_BOSS, "chief"]) == 0
    assert main(["credentials", "status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"{NEW_BOSS} is now chief"
    assert [line.split("\t")[0] for line in lines[1:]] == ["x", "facebook", "blog", "slack"]
    assert all(f"{BOSS}: chief → operator, {NEW_BOSS}: none → chief" in x for x in lines[1:])
    assert [e["actor"] for e in rotation_entries(factory)] == ["cli"]
    assert main(["roles", "list"]) == 0  # SNSBOT_CHIEF does not take the chair back
    assert f"{NEW_BOSS}\tchief" in capsys.readouterr().out.splitlines()
