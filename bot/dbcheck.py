"""What is wrong with the database when snsbot cannot use it, said in one plain line."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DatabaseError, DBAPIError, OperationalError

# A write that changes nothing, refused at once where the database cannot be written.
WRITE_PROBE = "UPDATE alembic_version SET version_num = version_num WHERE 1 = 0"
READ_ONLY_TRANSACTION = "25006"  # PostgreSQL: a standby, or default_transaction_read_only
NO_PRIVILEGE = "42501"
REACH, USE = "cannot reach the database", "cannot use the database"

Access = Callable[[str, int], bool]  # os.access: may this process read/write that path?


class DatabaseUnusable(Exception):
    """The database cannot be used as snsbot needs; str() is the one line to show."""


def check_writable(engine: Engine) -> None:
    """Raise DatabaseUnusable now, at start-up, rather than fail at the first write later."""
    try:
        with engine.connect() as connection:
            transaction = connection.begin()
            try:
                connection.exec_driver_sql(WRITE_PROBE)
            finally:
                transaction.rollback()
    except DBAPIError as error:
        raise DatabaseUnusable(explain(error, engine.url)) from None


def is_unusable(error: DatabaseError) -> bool:
    """True when the error is about the database itself, not about a statement snsbot made."""
    sqlstate = getattr(error.orig, "sqlstate", None)
    return (
        isinstance(error, OperationalError)
        or type(error) is DatabaseError
        or sqlstate in (READ_ONLY_TRANSACTION, NO_PRIVILEGE)
    )


def explain(error: BaseException, url: str | URL, can: Access = os.access) -> str:
    """ "cannot reach/use the database: what is wrong; what to do", without any secret."""
    orig = getattr(error, "orig", None) or error
    try:
        parsed = make_url(url)
    except Exception:
        return f"{REACH}: DATABASE_URL is not a database address."
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(orig, parsed, can)
    return _postgresql(orig, parsed)


# -- SQLite ---------------------------------------------------------------------------------


def sqlite_file(url: URL) -> tuple[Path | None, bool]:
    """The database file (None: in memory) and whether the URL opens it read-only."""
    database = url.database or ""
    query = {k: str(v) for k, v in url.query.items()}
    if database.startswith("file:"):  # a URI filename: sqlite:///file:path?mode=ro&uri=true
        database, _, options = database[5:].partition("?")
        query.update(pair.partition("=")[::2] for pair in options.split("&") if pair)
    read_only = query.get("mode") == "ro" or query.get("immutable") == "1"
    if database in ("", ":memory:") or query.get("mode") == "memory":
        return None, read_only
    return Path(database).absolute(), read_only


def _sqlite(orig: BaseException, url: URL, can: Access) -> str:
    name = getattr(orig, "sqlite_errorname", "") or ""
    path, read_only_url = sqlite_file(url)
    if path is None:
        return f"{USE}: SQLite says {_first_line(orig)}."
    if name.startswith("SQLITE_READONLY"):
        why = _why_read_only(path, read_only_url, can)
        return f"{USE}: the SQLite file {path} is read-only ({why}); snsbot must write to it."
    if name.startswith("SQLITE_CANTOPEN") or name in ("SQLITE_PERM", "SQLITE_AUTH"):
        return f"{REACH}: {_why_not_opened(orig, path, read_only_url, can)}"
    plain = {
        "SQLITE_NOTADB": f"{path} is not an SQLite database (or is damaged); check DATABASE_URL.",
        "SQLITE_CORRUPT": f"the SQLite file {path} is damaged; restore it from a backup.",
        "SQLITE_FULL": f"the disk holding {path} is full.",
        "SQLITE_BUSY": f"the SQLite file {path} is locked by another program.",
        "SQLITE_LOCKED": f"the SQLite file {path} is locked by another program.",
        "SQLITE_IOERR": f"the disk could not read or write {path} ({_first_line(orig)}).",
    }
    for code, text in plain.items():
        if name.startswith(code):
            return f"{USE}: {text}"
    return f"{USE}: SQLite says {_first_line(orig)} (file {path})."


def _why_not_opened(orig: BaseException, path: Path, read_only_url: bool, can: Access) -> str:
    folder = path.parent
    if not folder.is_dir():
        return (
            f"the directory {folder} does not exist (DATABASE_URL puts the SQLite file "
            f"{path.name} there); create it or fix DATABASE_URL."
        )
    if not can(str(folder), os.R_OK | os.W_OK | os.X_OK):
        return (
            f"permission denied: snsbot may not write in the directory {folder} (SQLite keeps "
            f"its journal beside {path.name}); give the user running snsbot write access to it."
        )
    if path.exists() and not can(str(path), os.R_OK | os.W_OK):
        return (
            f"permission denied on the SQLite file {path}; give the user running snsbot "
            "read and write access to it."
        )
    if not path.exists() and read_only_url:
        return f"the SQLite file {path} does not exist (and DATABASE_URL opens it with mode=ro)."
    return f"SQLite cannot open {path} ({_first_line(orig)}); check the path and its permissions."


def _why_read_only(path: Path, read_only_url: bool, can: Access) -> str:
    if read_only_url:
        return "DATABASE_URL opens it with mode=ro or immutable=1"
    try:
        if os.statvfs(path.parent).f_flag & os.ST_RDONLY:
            return "it is on a read-only file system"
    except OSError:
        pass
    if path.exists() and not can(str(path), os.W_OK):
        return "its permissions do not let snsbot write it"
    if not can(str(path.parent), os.W_OK | os.X_OK):
        return f"the directory {path.parent} is not writable, and SQLite writes its journal there"
    return "the file, its -wal and -shm files beside it, or its directory cannot be written"


# -- PostgreSQL -----------------------------------------------------------------------------


def _postgresql(orig: BaseException, url: URL) -> str:
    """From the server's SQLSTATE or libpq's (English) words: libpq never quotes the password."""
    low = str(orig).lower()
    where = f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}"
    user, database = url.username or "(default)", url.database or "(default)"
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate == READ_ONLY_TRANSACTION or "read-only transaction" in low:
        return (
            f'{USE}: {where} only lets snsbot read database "{database}" (a standby server, '
            "or default_transaction_read_only is on); snsbot must write to it."
        )
    if sqlstate == NO_PRIVILEGE or "permission denied" in low:
        return (
            f'{USE}: permission denied: user "{user}" may not write in database '
            f'"{database}" at {where}; grant it, or use the user that ran `snsbot db upgrade`.'
        )
    if "connection refused" in low:
        return (
            f"{REACH}: connection refused by {where}: is PostgreSQL running there, and are the "
            "host and port in DATABASE_URL right?"
        )
    if "database" in low and "does not exist" in low:
        return (
            f'{REACH}: {where} has no database "{database}"; create it (createdb) or fix its '
            "name in DATABASE_URL."
        )
    if "password authentication failed" in low or "no password supplied" in low:
        return (
            f'{REACH}: authentication failed: {where} refused the password of user "{user}"; '
            "fix the user or password in DATABASE_URL."
        )
    if "role" in low and "does not exist" in low:
        return (
            f'{REACH}: authentication failed: {where} has no user "{user}"; fix the user in '
            "DATABASE_URL."
        )
    if "pg_hba.conf" in low:
        return (
            f'{REACH}: {where} does not let user "{user}" connect to "{database}" from this '
            "machine (its pg_hba.conf)."
        )
    if "resolve host" in low or "translate host name" in low:
        return f'{REACH}: the host name "{url.host}" in DATABASE_URL cannot be found.'
    if "timeout" in low or "timed out" in low:
        return f"{REACH}: {where} did not answer in time (a firewall, or the wrong host?)."
    return f"{REACH}: {where}: {_first_line(orig)}"


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return (lines[0] if lines else type(error).__name__)[:300]
