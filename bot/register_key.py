"""The register's key marks: HMAC of each entry's hash with SNSBOT_REGISTER_KEY, kept outside."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import ConfigError
from bot.models import RegisterEntry, RegisterHead


def key_mark(key: str, digest: str) -> str:
    """The entry's HMAC: proves the entry (and, through its hash, all before it) was written
    by someone holding the key."""
    return hmac.new(key.encode("utf-8"), digest.encode("ascii"), hashlib.sha256).hexdigest()


class RegisterKeyError(ConfigError):
    """The register is keyed, and this process has no key or another one: it must not write."""


def check_key(session: Session, key: str | None, last_seq: int | None = None) -> None:
    """Refuse to write with no key, or the wrong one, after a keyed entry: such an entry would
    make `snsbot audit verify` fail from then on, although nobody tampered with anything."""
    if last_seq is None:
        head = session.get(RegisterHead, 1)
        last_seq = head.seq if head else 0
    if last_seq <= 0:
        return
    last = session.execute(
        select(RegisterEntry.hash, RegisterEntry.mac).where(RegisterEntry.seq == last_seq)
    ).one_or_none()
    if last is None or last.mac is None:
        return
    if not key:
        raise RegisterKeyError(
            [
                "the approval register is keyed: set SNSBOT_REGISTER_KEY (the key the register "
                "was written with) for every snsbot process, CLI commands included"
            ]
        )
    if not hmac.compare_digest(key_mark(key, last.hash), last.mac):
        raise RegisterKeyError(
            [
                "SNSBOT_REGISTER_KEY is not the key the approval register was written with: "
                "set the key kept when it was made (`snsbot audit key` makes a new one only once)"
            ]
        )
