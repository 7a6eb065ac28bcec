"""A corrupt SQLite file: recognising it, and moving it aside so that a new one can be made."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

# SQLite's primary result codes for a damaged file (extended codes keep them in the low byte).
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
# Files SQLite keeps beside the database: a journal of the corrupt file must not meet the new one.
_SIDECARS = ("-journal", "-wal", "-shm")


def is_corrupt(exc: BaseException) -> bool:
    """True for "file is not a database" and "database disk image is malformed" (SQLAlchemy
    wraps the driver's error in `.orig`); False for locks, full disks and everything else."""
    error = getattr(exc, "orig", None) or exc
    if not isinstance(error, sqlite3.DatabaseError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(error)
    return "not a database" in text or "malformed" in text


def move_aside(path: Path, now: datetime) -> Path:
    """Renames the file (and its sidecars) to `<name>.corrupt-<UTC timestamp>`; returns the new
    path of the database file. Never overwrites an earlier one moved aside in the same second."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    path.rename(target)
    for sidecar in _SIDECARS:
        side = path.with_name(path.name + sidecar)
        if side.exists():
            side.rename(target.with_name(target.name + sidecar))
    return target
