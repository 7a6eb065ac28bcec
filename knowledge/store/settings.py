"""Store settings from the environment, and the libpq-to-SQLAlchemy database URL conversion."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import URL, make_url

PROJECT_DIR = Path(__file__).resolve().parent.parent.parent
DB_FILE = "imgbot.sqlite3"
DEFAULT_RETENTION_DAYS = 180
DEFAULT_TIMEOUT = 1.5
# An answered question's text is kept this long, for a 👎 or report pressed under its answer.
FEEDBACK_WINDOW = timedelta(days=7)


def _default_state_dir() -> Path:
    # Inside the project (git-ignored) for a checkout; the user's state dir for an installed copy.
    if (PROJECT_DIR / "pyproject.toml").is_file():
        return PROJECT_DIR / ".data"
    return Path.home() / ".local" / "state" / "imgbot"


@dataclass(frozen=True)
class StoreSettings:
    # Kept out of repr: a libpq URL may carry a password. Log `describe()` instead.
    database_url: str | None = field(default=None, repr=False)
    state_dir: Path = field(default_factory=_default_state_dir)
    retention: timedelta = timedelta(days=DEFAULT_RETENTION_DAYS)
    timeout: float = DEFAULT_TIMEOUT  # seconds per call in SafeStore
    feedback_window: timedelta = FEEDBACK_WINDOW

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> StoreSettings:
        env = os.environ if env is None else env
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            state_dir=Path(env.get("IMGBOT_STATE_DIR") or _default_state_dir()),
            retention=timedelta(
                days=int(env.get("IMGBOT_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS)
            ),
            timeout=float(env.get("IMGBOT_STORE_TIMEOUT") or DEFAULT_TIMEOUT),
        )

    @property
    def sqlite_path(self) -> Path:
        return self.state_dir / DB_FILE

    def engine_url(self) -> URL:
        """The SQLAlchemy URL: asyncpg for DATABASE_URL, else aiosqlite on the state dir's file."""
        if self.database_url:
            return to_asyncpg_url(self.database_url)
        return URL.create("sqlite+aiosqlite", database=str(self.sqlite_path))

    def describe(self) -> str:
        """The database for log lines, password masked."""
        return self.engine_url().render_as_string(hide_password=True)


# libpq's query parameters that asyncpg spells differently (the rest pass through as they are,
# notably `host`, which asyncpg reads as a socket directory when it starts with a slash).
_LIBPQ_TO_ASYNCPG = {"sslmode": "ssl", "connect_timeout": "timeout"}


def to_asyncpg_url(database_url: str) -> URL:
    """`postgresql://user@host:port/db` (or `postgres://`, or `...@/db?host=/socket/dir`) as a
    `postgresql+asyncpg://` URL."""
    url = make_url(database_url)
    if url.drivername not in ("postgresql", "postgres", "postgresql+asyncpg"):
        raise ValueError(f"DATABASE_URL must be a postgresql:// URL, not {url.drivername}://")
    query = {_LIBPQ_TO_ASYNCPG.get(key, key): value for key, value in url.query.items()}
    return url.set(drivername="postgresql+asyncpg", query=query)
