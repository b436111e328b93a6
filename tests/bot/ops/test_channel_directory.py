"""The channel directory against a stand-in Telegram: restarts with a broken file lose nothing, network
trouble is retried at the next sync and definite answers are not asked again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from telegram import Chat, ChatMember, ChatMemberAdministrator, ChatMemberMember, User
from telegram.error import BadRequest, NetworkError

from bot.ops.access import AccessList
from bot.ops.channels import ChannelDirectory
from bot.texts.registry import LANGUAGES
from storage.catalog.topic_directory import load_directory
from storage.db.database import Database
from storage.readers.channels import ManagedChannel, managed_channels
from storage.readers.subscriptions import followed_topics
from tests.storage.factories import NOW, add_topic, temporary_database

BOT_ID = 123456
AI_NEWS, OPS_NEWS = -1001001, -1001002


class FakeTelegram:
    """getChat and getChatMember from tables; ``down`` raises a network error instead, once per call."""

    id = BOT_ID

    def __init__(self) -> None:
        self.chats = {"@ai_news": (AI_NEWS, "ai_news"), "@ops_news": (OPS_NEWS, "ops_news")}
        self.admin_of = {AI_NEWS}
        self.down = 0
        self.asked: list[Any] = []

    async def get_chat(self, target: int | str) -> Chat:
        self.asked.append(target)
        if self.down:
            self.down -= 1
            raise NetworkError("connection reset")
        if target not in self.chats:
            raise BadRequest("Chat not found")
        chat_id, username = self.chats[str(target)]
        return Chat(chat_id, "channel", username=username)

    async def get_chat_member(self, chat_id: int, user_id: int) -> ChatMember:
        user = User(user_id, "Bot", is_bot=True)
        if chat_id not in self.admin_of:
            return ChatMemberMember(user)
        return ChatMemberAdministrator(
            user,
            can_be_edited=False,
            is_anonymous=False,
            can_manage_chat=True,
            can_delete_messages=True,
            can_manage_video_chats=True,
            can_restrict_members=True,
            can_promote_members=False,
            can_change_info=True,
            can_invite_users=True,
            can_post_stories=True,
            can_edit_stories=True,
            can_delete_stories=True,
            can_post_messages=True,
        )


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    async with temporary_database(database_url) as database:
        async with database.write() as session:
            for name in ("AI", "Space", "Security"):
                await add_topic(session, name)
        yield database


def directory(db: Database, root: Path, told: list[str]) -> ChannelDirectory:
    channels = ChannelDirectory(db, root, clock=lambda: NOW, languages=LANGUAGES, display_prefix="content")
    channels.alert = told.append
    return channels


async def state(db: Database) -> list[tuple[ManagedChannel, list[str]]]:
    async with db.read() as session:
        return [
            (
                channel,
                [
                    t.name
                    for t in await followed_topics(
                        session, await load_directory(session, NOW), channel.chat_id
                    )
                ],
            )
            for channel in await managed_channels(session)
        ]


async def test_a_restart_with_a_broken_file_changes_nothing(db: Database, tmp_path: Path) -> None:
    telegram, told = FakeTelegram(), list[str]()
    (tmp_path / "channels.yaml").write_text('"@ai_news": [AI, Space]\n"@ops_news": [Security]\n')
    await directory(db, tmp_path, told).refresh(telegram)  # type: ignore[arg-type]
    before = await state(db)
    assert before == [
        (ManagedChannel(OPS_NEWS, "ops_news", False), ["Security"]),
        (ManagedChannel(AI_NEWS, "ai_news", True), ["AI", "Space"]),
    ]
    assert len(told) == 1 and "@ops_news (-1001002)" in told[0]

    (tmp_path / "channels.yaml").write_text('"@ai_news": [AI]\n@ops_news: [Security]\n')
    told_again: list[str] = []
    restarted = directory(db, tmp_path, told_again)
    await restarted.refresh(telegram)  # type: ignore[arg-type]
    assert await state(db) == before
    (line,) = told_again
    assert line.startswith("content/channels.yaml:2: error: malformed YAML")
    asked = len(telegram.asked)
    await restarted.refresh(telegram)  # type: ignore[arg-type]
    assert len(telegram.asked) == asked and len(told_again) == 1  # the same broken file: nothing new


async def test_network_trouble_is_retried_at_the_next_refresh_a_definite_answer_is_not(
    db: Database, tmp_path: Path
) -> None:
    telegram, told = FakeTelegram(), list[str]()
    (tmp_path / "channels.yaml").write_text('"@ai_news": [AI]\n"@gone_news": [Space]\n')
    channels = directory(db, tmp_path, told)
    telegram.down = 1
    await channels.refresh(telegram)  # type: ignore[arg-type]
    assert await state(db) == []
    assert told == [
        "content/channels.yaml:2: channel @gone_news: Telegram says: Chat not found. Check the name, and add the bot to the channel as an administrator."
    ]
    await channels.refresh(telegram)  # type: ignore[arg-type]
    assert await state(db) == [(ManagedChannel(AI_NEWS, "ai_news", True), ["AI"])]
    assert telegram.asked == ["@ai_news", "@gone_news", "@ai_news"]
    await channels.refresh(telegram)  # type: ignore[arg-type]
    assert telegram.asked == ["@ai_news", "@gone_news", "@ai_news"]  # settled until the file changes


async def test_a_private_deployment_leaves_out_the_channels_it_does_not_list(
    db: Database, tmp_path: Path
) -> None:
    telegram, told = FakeTelegram(), list[str]()
    telegram.admin_of = {AI_NEWS, OPS_NEWS}
    (tmp_path / "channels.yaml").write_text('"@ai_news": [AI]\n"@ops_news": [Security]\n')
    await directory(db, tmp_path, told).refresh(telegram)  # type: ignore[arg-type]
    assert len(await state(db)) == 2 and told == []  # public: both served

    private = ChannelDirectory(
        db,
        tmp_path,
        clock=lambda: NOW,
        languages=LANGUAGES,
        display_prefix="content",
        access=AccessList(frozenset({AI_NEWS})),
    )
    private.alert = told.append
    await private.refresh(telegram)  # type: ignore[arg-type]
    assert await state(db) == [(ManagedChannel(AI_NEWS, "ai_news", True), ["AI"])]  # ops_news released
    assert told == [
        "content/channels.yaml:2: channel @ops_news (-1001002): not in ALLOWED_CHATS or ALLOWED_USERNAMES, and "
        "this deployment is private: no pushes. Add -1001002 to ALLOWED_CHATS to serve it."
    ]
    by_name = ChannelDirectory(
        db,
        tmp_path,
        clock=lambda: NOW,
        languages=LANGUAGES,
        access=AccessList(usernames=frozenset({"ai_news", "ops_news"})),
    )
    await by_name.refresh(telegram)  # type: ignore[arg-type]
    assert [channel.chat_id for channel, _ in await state(db)] == [OPS_NEWS, AI_NEWS]
