"""ALLOWED_CHATS and ALLOWED_USERNAMES: parsed with an error naming the variable and the item, and asked."""

from __future__ import annotations

import pytest

from bot.ops.access import AccessList, parse_access
from bot.ops.config import ConfigError, Settings


def test_nothing_set_serves_everyone() -> None:
    access = Settings.from_env({}).access
    assert not access.private
    assert access.allows(1) and access.allows(-1001, "anyone")


def test_ids_and_usernames_are_parsed_with_or_without_at_in_any_case() -> None:
    settings = Settings.from_env(
        {"ALLOWED_CHATS": " 42, -1001234567890 ,,", "ALLOWED_USERNAMES": "@Alice_Smith, team_news"}
    )
    access = settings.access
    assert access == AccessList(frozenset({42, -1001234567890}), frozenset({"alice_smith", "team_news"}))
    assert access.private
    assert access.allows(42) and access.allows(-1001234567890)
    assert access.allows(7, "ALICE_smith") and access.allows(-100, "Team_News")
    assert not access.allows(7) and not access.allows(7, "bob_jones") and not access.allows(-42)


def test_either_variable_alone_makes_the_deployment_private() -> None:
    assert Settings.from_env({"ALLOWED_USERNAMES": "alice"}).access.private
    only_ids = Settings.from_env({"ALLOWED_CHATS": "5"}).access
    assert only_ids.private and not only_ids.allows(6, "alice")


@pytest.mark.parametrize(
    ("variable", "value", "item"),
    [
        ("ALLOWED_CHATS", "42, @alice", "@alice"),
        ("ALLOWED_CHATS", "0", "0"),
        ("ALLOWED_CHATS", "12.5", "12.5"),
        ("ALLOWED_CHATS", "--3", "--3"),
        ("ALLOWED_USERNAMES", "alice, bob smith", "bob smith"),
        ("ALLOWED_USERNAMES", "abc", "abc"),
        ("ALLOWED_USERNAMES", "@1alice", "@1alice"),
        ("ALLOWED_USERNAMES", "a" * 33, "a" * 33),
    ],
)
def test_a_bad_item_is_named_with_its_variable(variable: str, value: str, item: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.from_env({variable: value})
    (problem,) = raised.value.problems
    assert problem.startswith(f"{variable}: {item!r} is not a Telegram")


def test_every_bad_item_is_reported_at_once() -> None:
    access, problems = parse_access("x, 1, y", "ok_name, no")
    assert access == AccessList(frozenset({1}), frozenset({"ok_name"}))
    assert [problem.split(":")[0] for problem in problems] == ["ALLOWED_CHATS"] * 2 + ["ALLOWED_USERNAMES"]
