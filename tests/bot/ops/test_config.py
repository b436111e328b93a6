"""Settings from the environment: defaults, every problem reported at once, durations, .env files."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.ops.config import ConfigError, Settings, environment, parse_duration, read_dotenv


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.database_url == "sqlite+aiosqlite:///data/newsbot.db"
    assert (settings.port, settings.push_rate, settings.push_max_age) == (8080, None, None)  # no push cap


def test_values_are_parsed_and_normalized() -> None:
    settings = Settings.from_env(
        {
            "ADMIN_IDS": " 1, 22 ,",
            "DATABASE_URL": "postgres://u:p@h/db",
            "PUSH_MAX_AGE": "12h",
            "TELEGRAM_API_URL": "http://127.0.0.1:8081/",
            "ALERTS": "off",
        }
    )
    assert settings.admin_ids == frozenset({1, 22})
    assert settings.database_url == "postgresql+asyncpg://u:p@h/db"
    assert settings.push_max_age == timedelta(hours=12)
    assert settings.telegram_api_url == "http://127.0.0.1:8081"
    assert settings.alerts is False


def test_content_exclude_is_a_list_of_globs_empty_by_default() -> None:
    assert Settings.from_env({}).content_exclude.patterns == ()
    settings = Settings.from_env({"CONTENT_EXCLUDE": "_site, _drafts/,vendor"})
    assert settings.content_exclude.patterns == ("_site", "_drafts", "vendor")
    assert settings.content_exclude.excludes("_drafts/a.md")


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"ADMIN_IDS": "me", "PORT": "http", "LOG_LEVEL": "loud", "PUSH_MAX_AGE": "soon"})
    assert [problem.split(":")[0] for problem in raised.value.problems] == [
        "ADMIN_IDS",
        "LOG_LEVEL",
        "PUSH_MAX_AGE",
        "PORT",
    ]


def test_retention_days_default_to_30_and_0_keeps_the_ledger_forever() -> None:
    assert Settings.from_env({}).retention == timedelta(days=30)
    assert Settings.from_env({"RETENTION_DAYS": "7"}).retention == timedelta(days=7)
    assert Settings.from_env({"RETENTION_DAYS": "0"}).retention is None
    for raw, problem in (
        ("soon", "RETENTION_DAYS: expected a whole number, got 'soon'"),
        ("1.5", "RETENTION_DAYS: expected a whole number, got '1.5'"),
        ("-1", "RETENTION_DAYS: must be at least 0, got '-1'"),
    ):
        with pytest.raises(ConfigError) as raised:
            Settings.from_env({"RETENTION_DAYS": raw})
        assert raised.value.problems == [problem]


def test_article_retention_is_off_by_default_and_counts_whole_days() -> None:
    assert Settings.from_env({}).article_retention is None
    assert Settings.from_env({"ARTICLE_RETENTION_DAYS": "0"}).article_retention is None
    assert Settings.from_env({"ARTICLE_RETENTION_DAYS": " 365 "}).article_retention == timedelta(days=365)
    # Independent of the ledger's retention, either way round.
    both = Settings.from_env({"ARTICLE_RETENTION_DAYS": "7", "RETENTION_DAYS": "0"})
    assert (both.article_retention, both.retention) == (timedelta(days=7), None)
    for raw, problem in (
        ("a year", "ARTICLE_RETENTION_DAYS: expected a whole number, got 'a year'"),
        ("1.5", "ARTICLE_RETENTION_DAYS: expected a whole number, got '1.5'"),
        ("-1", "ARTICLE_RETENTION_DAYS: must be at least 0, got '-1'"),
    ):
        with pytest.raises(ConfigError) as raised:
            Settings.from_env({"ARTICLE_RETENTION_DAYS": raw})
        assert raised.value.problems == [problem]


def test_with_corrections_on_the_retention_covers_the_correction_window() -> None:
    """Corrections edit sent messages by the ids in the ledger: those rows must outlive the window."""
    assert Settings.from_env({"RETENTION_DAYS": "1"}).retention == timedelta(days=1)  # corrections off
    assert Settings.from_env({"CORRECTIONS": "true", "RETENTION_DAYS": "2"}).retention == timedelta(days=2)
    forever = Settings.from_env({"CORRECTIONS": "true", "CORRECTION_WINDOW": "60d", "RETENTION_DAYS": "0"})
    assert forever.retention is None
    for env, window, days in (
        ({"RETENTION_DAYS": "1"}, "48h", 1),
        ({"CORRECTION_WINDOW": "60d"}, "60d", 30),
    ):
        with pytest.raises(ConfigError) as raised:
            Settings.from_env({"CORRECTIONS": "true", **env})
        assert raised.value.problems == [
            f"RETENTION_DAYS: must cover CORRECTION_WINDOW ({window}) while CORRECTIONS=true (corrections "
            f"edit sent messages by the ids the ledger keeps), got {days}"
        ]


def test_corrections_are_opt_in_with_a_window_like_push_max_age() -> None:
    default = Settings.from_env({})
    assert (default.corrections, default.correction_window) == (False, timedelta(hours=48))
    settings = Settings.from_env({"CORRECTIONS": "true", "CORRECTION_WINDOW": "90m"})
    assert (settings.corrections, settings.correction_window) == (True, timedelta(minutes=90))
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"CORRECTIONS": "sometimes", "CORRECTION_WINDOW": "0"})
    assert sorted(problem.split(":")[0] for problem in raised.value.problems) == [
        "CORRECTIONS",
        "CORRECTION_WINDOW",
    ]


def test_withdraw_guard_is_a_share_of_the_live_articles() -> None:
    assert Settings.from_env({}).withdraw_guard == 0.2
    assert Settings.from_env({"WITHDRAW_GUARD": "0.5"}).withdraw_guard == 0.5
    assert Settings.from_env({"WITHDRAW_GUARD": "0"}).withdraw_guard == 0
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"WITHDRAW_GUARD": "20"})
    assert raised.value.problems == ["WITHDRAW_GUARD: a share of the live articles, 0 to 1, got '20'"]
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({"WITHDRAW_GUARD": "-0.1"})
    assert raised.value.problems == ["WITHDRAW_GUARD: must be at least 0, got '-0.1'"]


def test_durations() -> None:
    assert parse_duration("90") == timedelta(seconds=90)
    assert parse_duration("15m") == timedelta(minutes=15)
    assert parse_duration("2d") == timedelta(days=2)
    with pytest.raises(ValueError, match="soon"):
        parse_duration("soon")


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text('# comment\nexport LOG_LEVEL="DEBUG"\nPORT=9000\nnot a line\n', encoding="utf-8")
    assert read_dotenv(dotenv) == {"LOG_LEVEL": "DEBUG", "PORT": "9000"}
    assert environment({"PORT": "1"}, dotenv) == {"LOG_LEVEL": "DEBUG", "PORT": "1"}
    assert read_dotenv(tmp_path / "missing") == {}


def test_token_checks() -> None:
    with pytest.raises(ConfigError, match="not set"):
        Settings().require_token()
    with pytest.raises(ConfigError, match="malformed"):
        Settings(telegram_bot_token="123:short").require_token()
    token = "123456:" + "a" * 35
    assert Settings(telegram_bot_token=token).require_token() == token


def test_profile_texts_for_every_reader_and_per_language() -> None:
    profile = Settings.from_env(
        {
            "BOT_DESCRIPTION": "Our company's news.",
            "BOT_DESCRIPTION_DE": "Die Nachrichten unserer Firma.",
            "BOT_SHORT_DESCRIPTION_FR": "Nos nouvelles.",
            "BOT_SHORT_DESCRIPTION": "",  # empty: not set
        }
    ).profile
    assert profile.description("") == "Our company's news."
    assert profile.description("de") == "Die Nachrichten unserer Firma."
    assert (profile.description("fr"), profile.short_description("fr")) == (None, "Nos nouvelles.")
    assert profile.short_description("") is None
    assert profile.languages == frozenset({"de", "fr"})
    assert Settings.from_env({}).profile.languages == frozenset()


def test_profile_texts_over_telegrams_limits_or_with_a_bad_suffix_name_the_variable() -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(
            {
                "BOT_DESCRIPTION": "x" * 513,
                "BOT_SHORT_DESCRIPTION_DE": "x" * 121,
                "BOT_SHORT_DESCRIPTION": "x" * 120,
                "BOT_DESCRIPTION_GERMAN": "Nachrichten",
                "BOT_DESCRIPTION_de": "Nachrichten",
            }
        )
    assert raised.value.problems == [
        "BOT_DESCRIPTION: at most 512 characters (Telegram's limit), got 513",
        "BOT_DESCRIPTION_GERMAN: the suffix must be a two-letter language code in capitals, as in BOT_DESCRIPTION_DE",
        "BOT_DESCRIPTION_de: the suffix must be a two-letter language code in capitals, as in BOT_DESCRIPTION_DE",
        "BOT_SHORT_DESCRIPTION_DE: at most 120 characters (Telegram's limit), got 121",
    ]
