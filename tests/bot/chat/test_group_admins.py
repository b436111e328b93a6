"""The admin check: asked of Telegram once per member per minute; refusals are not remembered."""

from __future__ import annotations

from telegram import ChatMember, ChatMemberAdministrator, ChatMemberMember, ChatMemberOwner, User
from telegram.error import BadRequest

from bot.chat.group_admins import GroupAdmins

GROUP = -100


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FakeBot:
    """Answers getChatMember from a table of statuses; counts the calls."""

    def __init__(self) -> None:
        self.statuses: dict[int, str] = {1: "creator", 2: "administrator", 3: "member"}
        self.calls: list[tuple[int | str, int]] = []

    async def get_chat_member(self, chat_id: int | str, user_id: int) -> ChatMember:
        self.calls.append((chat_id, user_id))
        user = User(user_id, "Someone", is_bot=False)
        status = self.statuses.get(user_id)
        if status is None:
            raise BadRequest("User not found")
        if status == "creator":
            return ChatMemberOwner(user, is_anonymous=False)
        if status == "administrator":
            return ChatMemberAdministrator(
                user,
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=False,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=False,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
            )
        return ChatMemberMember(user)


async def test_creators_and_administrators_are_admins_members_are_not() -> None:
    bot, admins = FakeBot(), GroupAdmins(clock=Clock())
    assert [await admins.is_admin(bot, GROUP, user) for user in (1, 2, 3)] == [True, True, False]


async def test_answers_are_remembered_for_the_ttl() -> None:
    bot, clock = FakeBot(), Clock()
    admins = GroupAdmins(ttl=60.0, clock=clock)
    assert await admins.is_admin(bot, GROUP, 2)
    bot.statuses[2] = "member"  # demoted
    clock.now += 59
    assert await admins.is_admin(bot, GROUP, 2)  # still remembered
    assert await admins.is_admin(bot, GROUP - 1, 2) is False  # another group is asked on its own
    clock.now += 2
    assert await admins.is_admin(bot, GROUP, 2) is False
    assert bot.calls == [(GROUP, 2), (GROUP - 1, 2), (GROUP, 2)]


async def test_a_refused_lookup_is_no_and_is_asked_again() -> None:
    bot, admins = FakeBot(), GroupAdmins(clock=Clock())
    assert await admins.is_admin(bot, GROUP, 99) is False
    bot.statuses[99] = "administrator"
    assert await admins.is_admin(bot, GROUP, 99) is True
    assert len(bot.calls) == 2


async def test_memory_is_bounded() -> None:
    bot, admins = FakeBot(), GroupAdmins(clock=Clock(), max_remembered=2)
    for user in (1, 2, 3):
        await admins.is_admin(bot, GROUP, user)
    await admins.is_admin(bot, GROUP, 1)  # the oldest answer was forgotten: asked again
    assert bot.calls[-1] == (GROUP, 1) and len(bot.calls) == 4
