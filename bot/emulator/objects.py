"""Bot API objects (User, Chat, Message, ChatMember …) built from the emulator's state, as plain dicts."""

from __future__ import annotations

from typing import Any

from bot.emulator.state import ChatInfo, EmulatorState, SentMessage, UserInfo

ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


def user_json(user: UserInfo) -> dict[str, Any]:
    """A ``User``."""
    data: dict[str, Any] = {"id": user.id, "is_bot": user.is_bot, "first_name": user.first_name}
    for name in ("last_name", "username", "language_code"):
        value = getattr(user, name)
        if value:
            data[name] = value
    return data


def chat_json(chat: ChatInfo) -> dict[str, Any]:
    """A ``Chat``."""
    data: dict[str, Any] = {"id": chat.id, "type": chat.type}
    if chat.private:
        data["first_name"] = chat.first_name or ""
        if chat.last_name:
            data["last_name"] = chat.last_name
    else:
        data["title"] = chat.title or ""
    if chat.username:
        data["username"] = chat.username
    if chat.is_forum:
        data["is_forum"] = True
    return data


def full_chat_json(chat: ChatInfo) -> dict[str, Any]:
    """A ``ChatFullInfo`` as getChat returns it."""
    data = chat_json(chat)
    data.update(
        accent_color_id=chat.id % 7,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    )
    return data


def message_json(state: EmulatorState, message: SentMessage, *, with_reply: bool = True) -> dict[str, Any]:
    """The ``Message`` Telegram returns for a bot's message, in its current state."""
    chat = state.chats[message.chat_id]
    data: dict[str, Any] = {"message_id": message.message_id}
    if message.message_thread_id is not None:
        data["message_thread_id"] = message.message_thread_id
    if chat.type == "channel":
        data["sender_chat"] = chat_json(chat)
    else:
        data["from"] = state.bot_user()
    data["date"] = message.date
    data["chat"] = chat_json(chat)
    if chat.is_forum and message.message_thread_id is not None:
        data["is_topic_message"] = True
    if with_reply and message.reply_to_message_id is not None:
        replied = reply_target(state, message.chat_id, message.reply_to_message_id)
        if replied is not None:
            data["reply_to_message"] = replied
    if message.edit_date is not None:
        data["edit_date"] = message.edit_date
    if message.protect_content:
        data["has_protected_content"] = True
    if message.text is not None:
        data["text"] = message.text
        if message.entities:
            data["entities"] = message.entities
        if message.link_preview_options:
            data["link_preview_options"] = message.link_preview_options
    if message.photo is not None:
        data["photo"] = message.photo
        if message.caption:
            data["caption"] = message.caption
        if message.caption_entities:
            data["caption_entities"] = message.caption_entities
    if message.reply_markup is not None and "inline_keyboard" in message.reply_markup:
        data["reply_markup"] = message.reply_markup
    return data


def reply_target(state: EmulatorState, chat_id: int, message_id: int) -> dict[str, Any] | None:
    """The message a reply points at (a reader's or the bot's), without its own reply."""
    incoming = state.incoming.get((chat_id, message_id))
    if incoming is not None:
        return {key: value for key, value in incoming.items() if key != "reply_to_message"}
    sent = state.bot_message(chat_id, message_id)
    return message_json(state, sent, with_reply=False) if sent is not None else None


def member_json(status: str, user: dict[str, Any], *, channel: bool = False) -> dict[str, Any]:
    """A ``ChatMember`` of the given status ("creator", "administrator", "member", "left", "kicked");
    a channel's administrators also have the channel-only rights (posting, editing others' posts)."""
    data: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update(can_be_edited=False, is_anonymous=False)
        data.update({right: True for right in ADMIN_RIGHTS})
        if channel:
            data.update(can_post_messages=True, can_edit_messages=True)
    elif status == "kicked":
        data["until_date"] = 0
    return data
