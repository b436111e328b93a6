"""Settings: one frozen object built from environment variables (and an optional ``.env`` file)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bot.ops.access import AccessList, parse_access
from bot.telegram.pacing import PacingLimits
from storage.content.excludes import NOTHING_EXCLUDED, Excludes
from storage.db.database import DEFAULT_DATABASE_URL, normalize_database_url

TOKEN_PATTERN = re.compile(r"^\d{5,16}:[A-Za-z0-9_-]{30,}$")
DEFAULT_API_URL = "https://api.telegram.org"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


# Telegram's ceiling for messages sent with ``allow_paid_broadcast`` (0.1 Star each beyond the free rate).
PAID_BROADCAST_PER_SECOND = 1000
# The bot profile's texts an operator may set, and Telegram's limit for each (setMyDescription …).
BOT_DESCRIPTION_LIMIT = 512
BOT_SHORT_DESCRIPTION_LIMIT = 120
_PROFILE_VARIABLE = re.compile(r"(BOT_DESCRIPTION|BOT_SHORT_DESCRIPTION)(?:_([A-Z]{2}))?")


class ConfigError(ValueError):
    """Configuration problems, one line each, reported together."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ProfileTexts:
    """The operator's own profile texts: ``BOT_DESCRIPTION`` and ``BOT_SHORT_DESCRIPTION`` for every reader,
    ``BOT_DESCRIPTION_DE`` (any two-letter language code) for readers whose Telegram is in that language."""

    descriptions: tuple[tuple[str, str], ...] = ()  # (language code, "" for every reader; text)
    short_descriptions: tuple[tuple[str, str], ...] = ()

    @property
    def languages(self) -> frozenset[str]:
        """The language codes given a text of their own."""
        return frozenset(code for code, _ in (*self.descriptions, *self.short_descriptions) if code)

    def description(self, language: str) -> str | None:
        """The operator's description for readers of ``language`` ("": every reader), if there is one."""
        return dict(self.descriptions).get(language)

    def short_description(self, language: str) -> str | None:
        """The operator's short description for readers of ``language``, if there is one."""
        return dict(self.short_descriptions).get(language)

    @classmethod
    def from_env(cls, env: Mapping[str, str], problems: list[str]) -> ProfileTexts:
        """Every BOT_DESCRIPTION… and BOT_SHORT_DESCRIPTION… variable; a problem for each bad one."""
        descriptions: list[tuple[str, str]] = []
        short_descriptions: list[tuple[str, str]] = []
        for variable, value in sorted(env.items()):
            match = _PROFILE_VARIABLE.fullmatch(variable)
            if match is None:
                if variable.startswith(("BOT_DESCRIPTION_", "BOT_SHORT_DESCRIPTION_")):
                    problems.append(
                        f"{variable}: the suffix must be a two-letter language code in capitals, as in BOT_DESCRIPTION_DE"
                    )
                continue
            short = match.group(1) == "BOT_SHORT_DESCRIPTION"
            limit = BOT_SHORT_DESCRIPTION_LIMIT if short else BOT_DESCRIPTION_LIMIT
            if len(value) > limit:
                problems.append(
                    f"{variable}: at most {limit} characters (Telegram's limit), got {len(value)}"
                )
            elif value:
                chosen = short_descriptions if short else descriptions
                chosen.append(((match.group(2) or "").lower(), value))
        return cls(tuple(descriptions), tuple(short_descriptions))


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot is configured with; tests build their own instead of reading the environment."""

    telegram_bot_token: str | None = None
    telegram_api_url: str = DEFAULT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    auto_migrate: bool = True
    content_dir: Path = Path("content")
    content_exclude: Excludes = NOTHING_EXCLUDED  # CONTENT_EXCLUDE: globs of what under it is no article
    admin_ids: frozenset[int] = field(default_factory=frozenset)
    # ALLOWED_CHATS and ALLOWED_USERNAMES: when either is set, only those chats are served (bot/ops/access.py).
    access: AccessList = field(default_factory=AccessList)
    log_level: str = "INFO"
    log_format: str = "text"
    max_article_bytes: int = 1 << 20
    rescan_seconds: float = 300.0
    watch_debounce_ms: int = 400
    withdraw_guard: float = 0.2  # a sync withdrawing more than this share of live articles (and 10) holds
    flood_commands_per_minute: int = 20
    send_global_per_second: int = 30
    send_chat_per_second: float = 1.0
    send_chat_burst: int = 3
    send_group_per_minute: int = 20
    push_rate: int | None = None  # an optional cap: pushes otherwise use every slot replies leave
    push_max_age: timedelta | None = None
    corrections: bool = False
    correction_window: timedelta = timedelta(hours=48)
    retention_days: int = 30  # 0: keep the delivery ledger forever
    article_retention_days: int = 0  # 0: keep every article forever
    digest_threshold: int = 5
    push_concurrency: int = 32
    push_max_attempts: int = 8
    push_backoff_base: float = 2.0
    push_backoff_cap: float = 600.0
    push_poll_seconds: float = 1.0
    push_paid_broadcast: bool = False
    sender_lease_seconds: float = 30.0
    sender_port: int | None = None
    telegram_timeout: float = 10.0
    host: str = "0.0.0.0"
    port: int = 8080
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_path: str | None = None
    webhook_max_pending: int = 1000
    drop_pending_updates: bool = False
    metrics_token: str | None = None
    health_stall_seconds: float = 300.0
    alerts: bool = True
    alert_interval_seconds: float = 60.0
    alert_failure_spike: int = 20
    database_busy_seconds: float = 10.0  # SQLite: how long a write waits for another process's lock
    database_retry_max_seconds: float = 10.0  # the cap of the backoff while the database is unavailable
    database_alert_seconds: float = 60.0  # an outage longer than this is told to the operators
    profile: ProfileTexts = ProfileTexts()  # BOT_DESCRIPTION, BOT_SHORT_DESCRIPTION (bot/chat/profile.py)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Build settings from a mapping of environment variables; every problem is reported at once."""
        problems: list[str] = []
        env = {key: value.strip() for key, value in environ.items()}

        def number(name: str, default: float, *, minimum: float, integer: bool = False) -> float:
            raw = env.get(name, "")
            if not raw:
                return default
            try:
                value = int(raw) if integer else float(raw)
            except ValueError:
                kind = "a whole number" if integer else "a number"
                problems.append(f"{name}: expected {kind}, got {raw!r}")
                return default
            if value < minimum:
                problems.append(f"{name}: must be at least {minimum:g}, got {raw!r}")
                return default
            return value

        token = env.get("TELEGRAM_BOT_TOKEN") or None
        api_url = (env.get("TELEGRAM_API_URL") or DEFAULT_API_URL).rstrip("/")
        if not re.match(r"^https?://[^/\s]+", api_url):
            problems.append(f"TELEGRAM_API_URL: expected an http(s) URL, got {api_url!r}")

        admin_ids: set[int] = set()
        for part in filter(None, (p.strip() for p in env.get("ADMIN_IDS", "").split(","))):
            if re.fullmatch(r"-?\d+", part):
                admin_ids.add(int(part))
            else:
                problems.append(f"ADMIN_IDS: {part!r} is not a numeric Telegram user id")

        access, access_problems = parse_access(env.get("ALLOWED_CHATS", ""), env.get("ALLOWED_USERNAMES", ""))
        problems.extend(access_problems)

        log_level = (env.get("LOG_LEVEL") or "INFO").upper()
        if log_level not in LOG_LEVELS:
            problems.append(f"LOG_LEVEL: expected one of {', '.join(LOG_LEVELS)}, got {log_level!r}")
            log_level = "INFO"

        log_format = (env.get("LOG_FORMAT") or "text").lower()
        if log_format not in ("text", "json"):
            problems.append(f"LOG_FORMAT: expected text or json, got {log_format!r}")
            log_format = "text"

        try:
            database_url = normalize_database_url(env.get("DATABASE_URL") or DEFAULT_DATABASE_URL)
        except ValueError as exc:
            problems.append(f"DATABASE_URL: {exc}")
            database_url = DEFAULT_DATABASE_URL

        def flag(name: str) -> bool:
            raw = env.get(name, "").lower()
            if raw in ("", "0", "false", "no", "off"):
                return False
            if raw in ("1", "true", "yes", "on"):
                return True
            problems.append(f"{name}: expected true or false, got {raw!r}")
            return False

        webhook_url = env.get("WEBHOOK_URL") or None
        if webhook_url and not re.match(r"^https?://[^/\s]+", webhook_url):
            problems.append(f"WEBHOOK_URL: expected the bot's public http(s) URL, got {webhook_url!r}")
        webhook_secret = env.get("WEBHOOK_SECRET") or None
        if webhook_secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", webhook_secret):
            problems.append("WEBHOOK_SECRET: 1-256 characters from A-Z, a-z, 0-9, _ and - only")
        if (webhook_path := env.get("WEBHOOK_PATH")) and not webhook_path.startswith("/"):
            problems.append(f"WEBHOOK_PATH: must start with '/', got {webhook_path!r}")

        max_age: timedelta | None = None
        if raw_age := env.get("PUSH_MAX_AGE"):
            try:
                max_age = parse_duration(raw_age)
            except ValueError:
                problems.append(f"PUSH_MAX_AGE: expected a duration such as 90m, 12h or 2d, got {raw_age!r}")
        correction_window = timedelta(hours=48)
        if raw_window := env.get("CORRECTION_WINDOW"):
            try:
                correction_window = parse_duration(raw_window)
                if not correction_window:
                    raise ValueError(raw_window)
            except ValueError:
                problems.append(
                    f"CORRECTION_WINDOW: expected a duration such as 90m, 12h or 2d, got {raw_window!r}"
                )
        settings = cls(
            telegram_bot_token=token,
            telegram_api_url=api_url,
            database_url=database_url,
            auto_migrate=not env.get("AUTO_MIGRATE") or flag("AUTO_MIGRATE"),
            content_dir=Path(env.get("CONTENT_DIR") or "content"),
            content_exclude=Excludes.parse(env.get("CONTENT_EXCLUDE", "")),
            admin_ids=frozenset(admin_ids),
            access=access,
            log_level=log_level,
            log_format=log_format,
            max_article_bytes=int(number("MAX_ARTICLE_BYTES", 1 << 20, minimum=1, integer=True)),
            rescan_seconds=number("RESCAN_SECONDS", 300.0, minimum=1),
            watch_debounce_ms=int(number("WATCH_DEBOUNCE_MS", 400, minimum=0, integer=True)),
            withdraw_guard=number("WITHDRAW_GUARD", 0.2, minimum=0),
            flood_commands_per_minute=int(number("FLOOD_COMMANDS_PER_MINUTE", 20, minimum=1, integer=True)),
            send_global_per_second=int(number("SEND_GLOBAL_PER_SECOND", 30, minimum=1, integer=True)),
            send_chat_per_second=number("SEND_CHAT_PER_SECOND", 1.0, minimum=0.01),
            send_chat_burst=int(number("SEND_CHAT_BURST", 3, minimum=1, integer=True)),
            send_group_per_minute=int(number("SEND_GROUP_PER_MINUTE", 20, minimum=1, integer=True)),
            push_rate=int(number("PUSH_RATE", 0, minimum=1, integer=True)) or None,
            push_max_age=max_age,
            corrections=flag("CORRECTIONS"),
            correction_window=correction_window,
            retention_days=int(number("RETENTION_DAYS", 30, minimum=0, integer=True)),
            article_retention_days=int(number("ARTICLE_RETENTION_DAYS", 0, minimum=0, integer=True)),
            digest_threshold=int(number("DIGEST_THRESHOLD", 5, minimum=1, integer=True)),
            push_concurrency=int(number("PUSH_CONCURRENCY", 32, minimum=1, integer=True)),
            push_max_attempts=int(number("PUSH_MAX_ATTEMPTS", 8, minimum=1, integer=True)),
            push_backoff_base=number("PUSH_BACKOFF_BASE", 2.0, minimum=0.01),
            push_backoff_cap=number("PUSH_BACKOFF_CAP", 600.0, minimum=0.01),
            push_poll_seconds=number("PUSH_POLL_SECONDS", 1.0, minimum=0.01),
            push_paid_broadcast=flag("PUSH_PAID_BROADCAST"),
            sender_lease_seconds=number("SENDER_LEASE_SECONDS", 30.0, minimum=0.3),
            sender_port=(
                int(number("SENDER_PORT", 0, minimum=0, integer=True)) if env.get("SENDER_PORT") else None
            ),
            telegram_timeout=number("TELEGRAM_TIMEOUT", 10.0, minimum=0.1),
            host=env.get("HOST") or "0.0.0.0",
            port=int(number("PORT", 8080, minimum=0, integer=True)),
            webhook_url=webhook_url,
            webhook_secret=webhook_secret,
            webhook_path=env.get("WEBHOOK_PATH") or None,
            webhook_max_pending=int(number("WEBHOOK_MAX_PENDING", 1000, minimum=1, integer=True)),
            drop_pending_updates=flag("DROP_PENDING_UPDATES"),
            metrics_token=env.get("METRICS_TOKEN") or None,
            health_stall_seconds=number("HEALTH_STALL_SECONDS", 300.0, minimum=1),
            alerts=not env.get("ALERTS") or flag("ALERTS"),
            alert_interval_seconds=number("ALERT_INTERVAL_SECONDS", 60.0, minimum=0),
            alert_failure_spike=int(number("ALERT_FAILURE_SPIKE", 20, minimum=1, integer=True)),
            database_busy_seconds=number("DATABASE_BUSY_SECONDS", 10.0, minimum=0),
            database_retry_max_seconds=number("DATABASE_RETRY_MAX_SECONDS", 10.0, minimum=0.01),
            database_alert_seconds=number("DATABASE_ALERT_SECONDS", 60.0, minimum=0),
            profile=ProfileTexts.from_env(env, problems),
        )
        if settings.push_rate is None:
            pass
        elif settings.push_paid_broadcast:
            if settings.push_rate > PAID_BROADCAST_PER_SECOND:
                problems.append(
                    f"PUSH_RATE: at most {PAID_BROADCAST_PER_SECOND} with PUSH_PAID_BROADCAST, got {settings.push_rate}"
                )
        elif settings.push_rate > settings.send_global_per_second:
            problems.append(
                f"PUSH_RATE: at most SEND_GLOBAL_PER_SECOND ({settings.send_global_per_second}) "
                f"unless PUSH_PAID_BROADCAST=true, got {settings.push_rate}"
            )
        if settings.withdraw_guard > 1:
            problems.append(
                f"WITHDRAW_GUARD: a share of the live articles, 0 to 1, got {env['WITHDRAW_GUARD']!r}"
            )
        retention = settings.retention
        if settings.corrections and retention is not None and retention < settings.correction_window:
            # A correction edits the messages it finds in the ledger: they must outlive its window.
            problems.append(
                f"RETENTION_DAYS: must cover CORRECTION_WINDOW ({env.get('CORRECTION_WINDOW') or '48h'}) "
                f"while CORRECTIONS=true (corrections edit sent messages by the ids the ledger keeps), "
                f"got {settings.retention_days}"
            )
        if problems:
            raise ConfigError(problems)
        return settings

    @property
    def retention(self) -> timedelta | None:
        """How long closed delivery rows are kept (``RETENTION_DAYS``); None: forever."""
        return timedelta(days=self.retention_days) if self.retention_days else None

    @property
    def article_retention(self) -> timedelta | None:
        """How long ago a withdrawn article must have been published to be deleted (``ARTICLE_RETENTION_DAYS``);
        None: articles are kept forever."""
        return timedelta(days=self.article_retention_days) if self.article_retention_days else None

    def pacing_limits(self) -> PacingLimits:
        return PacingLimits(
            global_per_second=self.send_global_per_second,
            chat_per_second=self.send_chat_per_second,
            chat_burst=self.send_chat_burst,
            group_per_minute=self.send_group_per_minute,
            push_per_second=self.push_rate,
            paid_broadcast_per_second=PAID_BROADCAST_PER_SECOND if self.push_paid_broadcast else None,
        )

    def require_token(self) -> str:
        """The bot token, or a one-line error saying what is wrong with it."""
        if not self.telegram_bot_token:
            raise ConfigError(["TELEGRAM_BOT_TOKEN: not set (get one from @BotFather)"])
        if not TOKEN_PATTERN.match(self.telegram_bot_token):
            raise ConfigError(["TELEGRAM_BOT_TOKEN: malformed (expected digits, a colon and the secret)"])
        return self.telegram_bot_token


DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw]?)$")
UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """``90``, ``90s``, ``15m``, ``12h``, ``2d`` or ``1w``."""
    match = DURATION.match(text.strip().lower())
    if not match:
        raise ValueError(text)
    return timedelta(seconds=float(match.group(1)) * UNIT_SECONDS[match.group(2)])


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse a ``.env`` file: ``KEY=VALUE`` lines, ``#`` comments, optional quotes and ``export``."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8-sig").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def environment(environ: Mapping[str, str], dotenv: Path = Path(".env")) -> dict[str, str]:
    """The effective environment: ``.env`` values, overridden by real environment variables."""
    merged = read_dotenv(dotenv)
    merged.update(environ)
    return merged
