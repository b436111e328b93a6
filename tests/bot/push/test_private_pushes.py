"""A bot made private keeps the readers it had: only those it still serves get pushes, single or digest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram.error import NetworkError

from bot.emulator import BotApiEmulator
from bot.ops.access import AccessList
from bot.push.access import PushAccess
from bot.push.worker import NOT_SERVED
from storage.db.models import Delivery
from tests.articles import article_text
from tests.bot.conftest import ADMIN, NOW
from tests.bot.pushes import Clock, Pushes, is_digest, published, seed_followers, start_pushes

LISTED, BY_NAME, FORMER = 7001, 7002, 7003
ACCESS = AccessList(frozenset({LISTED}), frozenset({"friendly_reader"}))


class Lookups:
    """A fake getChat: usernames by chat id, with a count of the calls."""

    def __init__(self, usernames: dict[int, str | None]) -> None:
        self.usernames = usernames
        self.asked: list[int] = []
        self.failing = False

    async def __call__(self, chat_id: int) -> str | None:
        self.asked.append(chat_id)
        if self.failing:
            raise NetworkError("connection reset")
        return self.usernames.get(chat_id)


def gate(access: AccessList, lookups: Lookups, clock: Clock, **options: int) -> PushAccess:
    return PushAccess(access, frozenset({ADMIN}), lookups, clock=clock, **options)


async def test_a_public_bot_pushes_to_everyone_without_asking_telegram() -> None:
    lookups = Lookups({})
    assert await gate(AccessList(), lookups, Clock(NOW)).outsiders([LISTED, FORMER, -100]) == set()
    assert lookups.asked == []


async def test_listed_ids_and_operators_are_served_and_without_usernames_nobody_else() -> None:
    lookups = Lookups({FORMER: "friendly_reader"})
    access = gate(AccessList(frozenset({LISTED, -1001})), lookups, Clock(NOW))
    assert await access.outsiders([LISTED, ADMIN, -1001, FORMER, -1002]) == {FORMER, -1002}
    assert lookups.asked == []  # no username can let a chat in: Telegram is not asked


async def test_an_operators_id_does_not_bring_a_group_in() -> None:
    access = gate(AccessList(frozenset({LISTED})), Lookups({}), Clock(NOW))
    assert await access.outsiders([-ADMIN]) == {-ADMIN}


async def test_usernames_are_asked_once_a_day_and_compared_without_case() -> None:
    clock = Clock(NOW)
    lookups = Lookups({BY_NAME: "Friendly_Reader", FORMER: "someone_else", -1005: None})
    access = gate(ACCESS, lookups, clock)
    assert await access.outsiders([LISTED, BY_NAME, FORMER, -1005]) == {FORMER, -1005}
    assert await access.outsiders([BY_NAME, FORMER]) == {FORMER}
    assert sorted(lookups.asked) == sorted([BY_NAME, FORMER, -1005])
    lookups.usernames[FORMER] = "friendly_reader"  # took the listed name
    clock.jump_to(NOW + timedelta(days=1, seconds=1))
    assert await access.outsiders([BY_NAME, FORMER]) == set()
    assert len(lookups.asked) == 5


async def test_when_telegram_cannot_say_the_push_goes_out_and_it_asks_again() -> None:
    lookups = Lookups({FORMER: "someone_else"})
    lookups.failing = True
    access = gate(ACCESS, lookups, Clock(NOW))
    assert await access.outsiders([FORMER]) == set()
    lookups.failing = False
    assert await access.outsiders([FORMER]) == {FORMER}
    assert lookups.asked == [FORMER, FORMER]


async def test_it_remembers_a_bounded_number_of_chats() -> None:
    lookups = Lookups({})
    access = gate(ACCESS, lookups, Clock(NOW), max_remembered=2)
    await access.outsiders([8001, 8002, 8003])
    await access.outsiders([8003, 8001])  # 8001 was forgotten, 8003 was not
    assert sorted(lookups.asked) == [8001, 8001, 8002, 8003]


@pytest.fixture
async def made_private(
    emulator: BotApiEmulator, tmp_path: Path, database_url: str, clock: Clock
) -> AsyncIterator[Pushes]:
    """Readers stored while the bot was public, then the bot restarted private (ACCESS)."""
    setup = await start_pushes(emulator, tmp_path, database_url, clock, access=ACCESS, digest_threshold=3)
    await seed_followers(setup, range(LISTED, FORMER + 1), "ai")
    await seed_followers(setup, range(ADMIN, ADMIN + 1), "ai")
    emulator.add_chat(BY_NAME, username="Friendly_Reader")
    emulator.add_chat(FORMER, username="used_to_read")
    try:
        yield setup
    finally:
        await setup.runtime.stop()
    assert emulator.violations == []


async def statuses(setup: Pushes, chat_id: int) -> list[tuple[str, str | None]]:
    async with setup.runtime.db.read() as session:
        rows = await session.execute(
            select(Delivery.status, Delivery.error).where(Delivery.chat_id == chat_id)
        )
        return sorted((status, error) for status, error in rows)


async def test_readers_it_no_longer_serves_get_no_push(made_private: Pushes) -> None:
    setup = made_private
    setup.drop("agents.md", title="Agents at work", url="https://example.com/agents", topics=["AI"])
    await setup.wait_pushes({LISTED: 1, BY_NAME: 1, ADMIN: 1})
    await setup.settle()
    assert setup.pushes(FORMER) == []
    assert await statuses(setup, FORMER) == [("cancelled", NOT_SERVED)]
    assert await statuses(setup, BY_NAME) == [("sent", None)]


async def test_nor_a_digest(made_private: Pushes) -> None:
    setup = made_private
    drops = [setup.content / f".burst{n}.md.part" for n in range(4)]
    for n, path in enumerate(drops):
        path.write_text(
            article_text(
                title=f"Burst {n}", url=f"https://example.com/b{n}", topics=["AI"], published=published(5 - n)
            ),
            encoding="utf-8",
        )
    for path in drops:
        path.rename(path.with_name(path.name.removeprefix(".").removesuffix(".part")))
    await setup.wait_pushes({LISTED: 1, BY_NAME: 1})
    await setup.settle()
    assert setup.pushes(FORMER) == []
    assert await statuses(setup, FORMER) == [("cancelled", NOT_SERVED)] * 4
    (digest,) = setup.pushes(LISTED)
    assert is_digest(digest) and digest.body.startswith("📰 4 new articles")
