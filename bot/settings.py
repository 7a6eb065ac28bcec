"""Bot settings, read once from the environment into a frozen object and passed down."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from knowledge.answer.settings import EngineSettings

TELEGRAM_API = "https://api.telegram.org/bot"
_TOKEN = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]+$")
# Telegram accepts 1-256 characters of A-Za-z0-9_-, but the secret is the only thing that tells
# Telegram's webhook requests from anyone else's: a short one can be guessed by trying. 16
# characters of that 64-symbol alphabet are 96 bits, beyond any online guessing, and still easy
# to generate (`python -c "import secrets; print(secrets.token_urlsafe(24))"`).
MIN_SECRET, MAX_SECRET = 16, 256
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it and never shows its value."""


@dataclass(frozen=True)
class BotSettings:
    token: str = field(repr=False)
    api_base_url: str
    webhook_url: str | None
    webhook_secret: str | None = field(repr=False)
    port: int
    admin_ids: frozenset[int]
    log_level: str
    engine: EngineSettings
    # Flood control: at most `flood_limit` questions or presses per user per `flood_window` s.
    flood_limit: int = 8
    flood_window: float = 10.0

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.token, self.webhook_secret) if s)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> BotSettings:
        env = os.environ if env is None else env
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            raise SettingsError("TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather")
        if not _TOKEN.match(token):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is malformed: expected <digits>:<35 characters>"
            )
        webhook_url = env.get("WEBHOOK_URL", "").strip() or None
        if webhook_url and not webhook_url.startswith("https://"):
            raise SettingsError("WEBHOOK_URL must be an https:// address")
        secret = env.get("WEBHOOK_SECRET", "").strip() or None
        if secret and not _SECRET.match(secret):
            raise SettingsError("WEBHOOK_SECRET may hold only A-Z, a-z, 0-9, _ and -")
        if secret and not MIN_SECRET <= len(secret) <= MAX_SECRET:
            raise SettingsError(
                f"WEBHOOK_SECRET must be {MIN_SECRET} to {MAX_SECRET} characters long "
                f"(it has {len(secret)}): a short secret can be guessed"
            )
        if webhook_url and not secret:
            raise SettingsError("WEBHOOK_SECRET is required with WEBHOOK_URL")
        level = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
        if level not in LOG_LEVELS:
            raise SettingsError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        return cls(
            token=token,
            api_base_url=env.get("TELEGRAM_API_BASE_URL", "").strip() or TELEGRAM_API,
            webhook_url=webhook_url,
            webhook_secret=secret,
            port=_port(env.get("PORT", "8443")),
            admin_ids=_ids(env.get("IMGBOT_ADMIN_IDS", "")),
            log_level=level,
            engine=EngineSettings.from_env(env),
            flood_limit=_positive(env, "IMGBOT_FLOOD_LIMIT", 8),
            flood_window=float(_positive(env, "IMGBOT_FLOOD_WINDOW", 10)),
        )


def _port(value: str) -> int:
    if not value.strip().isdigit() or not 0 < int(value) < 65536:
        raise SettingsError("PORT must be a number from 1 to 65535")
    return int(value)


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    value = env.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) == 0:
        raise SettingsError(f"{name} must be a whole number above 0")
    return int(value)


def _ids(value: str) -> frozenset[int]:
    parts = [p for p in re.split(r"[\s,]+", value) if p]
    if not all(re.fullmatch(r"-?\d+", p) for p in parts):
        raise SettingsError("IMGBOT_ADMIN_IDS must be Telegram user ids separated by commas")
    return frozenset(int(p) for p in parts)
