"""A lock file that makes workers sharing one SQLite file start (migrate, make the salt) in turn."""

from __future__ import annotations

import asyncio
import fcntl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

POLL = 0.05  # seconds between two tries: polling keeps the wait cancellable (no blocked thread)


@asynccontextmanager
async def locked(path: Path) -> AsyncIterator[None]:
    """Holds an exclusive flock on `path` (created if missing) for the block. The kernel drops
    the lock with the process, so a crashed worker never leaves it held."""
    with path.open("a") as handle:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(POLL)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
