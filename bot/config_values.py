"""How setting values are read: flags, numbers, comma lists and the approval route."""

from __future__ import annotations

ROUTE_ROLES = ("reviewer", "deputy", "operator")  # roles a review step may name (SNSBOT_ROUTE)


def flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def whole_number(value: str, default: int) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return -1  # reported by Settings.problems()


def comma_list(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (value or "").split(",") if part.strip())


def route_problem(setting: str) -> str | None:
    """What is wrong with an SNSBOT_ROUTE value (None: nothing): review roles, the chief last."""
    steps = comma_list(setting.lower())
    unknown = [s for s in steps if s not in ROUTE_ROLES and s != "chief"]
    if unknown or "chief" in steps[:-1]:
        return (
            f"SNSBOT_ROUTE must list review steps ({', '.join(ROUTE_ROLES)}) and end with chief, "
            f"e.g. reviewer,chief (it is '{setting}')."
        )
    return None
