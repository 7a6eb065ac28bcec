"""Engine settings, read once from the environment into a frozen object and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from knowledge.loader import DEFAULT_DATA_DIR

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _default_cache_dir() -> Path:
    # Inside the project (git-ignored) for a checkout; the user's cache for an installed copy.
    if (PROJECT_DIR / "pyproject.toml").is_file():
        return PROJECT_DIR / ".cache" / "embeddings"
    return Path.home() / ".cache" / "imgbot" / "embeddings"


@dataclass(frozen=True)
class EngineSettings:
    model: str | None  # None: the packaged all-MiniLM-L6-v2
    cache_dir: Path
    data_dir: Path

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> EngineSettings:
        env = os.environ if env is None else env
        return cls(
            model=env.get("IMGBOT_MODEL") or None,
            cache_dir=Path(env.get("IMGBOT_CACHE_DIR") or _default_cache_dir()),
            data_dir=Path(env.get("IMGBOT_DATA_DIR") or DEFAULT_DATA_DIR),
        )
