"""A throwaway PostgreSQL server for tests: its own data dir, a Unix socket only, trust auth."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

# The PostgreSQL server refuses to run as root: as root, its programs run as this system user.
PG_USER = "postgres"


def find_bindir() -> Path | None:
    """The directory holding `initdb` and `pg_ctl`, or None when the server is not installed.

    `pg_config --bindir` first (Debian's names the newest installed major version), then Debian's
    versioned directories (a bare libpq-dev pg_config can name a dir without the server), then PATH.
    """
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if out.returncode == 0 and out.stdout.strip():
            candidates.append(Path(out.stdout.strip()))
    versions = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(versions, key=lambda p: _major(p.parent.name), reverse=True)
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    return None


def _major(name: str) -> int:
    return int(name) if name.isdigit() else -1


class PgServer:
    """One server in a temporary directory, reachable only through a socket in that directory."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="imgbot-pg-"))  # short: socket paths max ~107
        self.data = self.root / "data"
        self.socket_dir = self.root  # the server creates .s.PGSQL.5432 here
        self.log = self.root / "server.log"
        self._as_root = os.geteuid() == 0
        if self._as_root:
            shutil.chown(self.root, PG_USER, PG_USER)

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", PG_USER, "--"] if self._as_root else []
        return subprocess.run(
            [*prefix, *args], capture_output=True, text=True, check=True, cwd=self.root
        )

    def init(self) -> PgServer:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            PG_USER,
            "--auth=trust",
            "--no-sync",
            "--encoding=UTF8",
            "--locale=C",
        )
        return self

    def start(self) -> PgServer:
        # No TCP at all; durability off: a test server's data is thrown away anyway.
        options = (
            f"-c listen_addresses='' -c unix_socket_directories='{self.socket_dir}' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        try:
            self._run(
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            )
        except subprocess.CalledProcessError as exc:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start: {exc.stderr}\n{log}") from exc
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self, name: str | None = None) -> str:
        """A new empty database; its URL written as libpq writes it (socket dir in `host`)."""
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        subprocess.run(
            [str(self.bindir / "createdb"), "-h", str(self.socket_dir), "-U", PG_USER, name],
            capture_output=True,
            text=True,
            check=True,
        )
        return self.url(name)

    def url(self, database: str) -> str:
        return f"postgresql://{PG_USER}@/{database}?host={self.socket_dir}"
