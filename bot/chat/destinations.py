"""Where an update happened, as a push destination: the chat and its forum topic (thread 0: none).

In a forum supergroup each topic is its own destination: ``/subscribe`` typed in a topic, and buttons
tapped there, act on that topic's subscriptions, and its pushes are posted into it. Only forum topics
count: in other groups ``message_thread_id`` merely names a chain of replies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from telegram import CallbackQuery, MaybeInaccessibleMessage, Message, Update

from bot.chat.callbacks import CallbackData, unpack
from storage.records import Destination

Action = TypeVar("Action", bound=CallbackData)


def thread_of(message: MaybeInaccessibleMessage | None) -> int:
    """The forum topic a message is in; 0 outside forums and in a forum's General topic."""
    if isinstance(message, Message) and message.is_topic_message and message.message_thread_id:
        return message.message_thread_id
    return 0


def destination_of(update: Update) -> Destination | None:
    """(chat id, forum topic) of the message or tapped button behind ``update``; None without a chat."""
    chat = update.effective_chat
    if chat is None:
        return None
    return chat.id, thread_of(update.effective_message)


@dataclass(frozen=True, slots=True)
class Tap(Generic[Action]):
    """A button tapped in a chat: the query to answer, where it happened, and what the button said."""

    query: CallbackQuery
    chat_id: int
    thread_id: int
    action: Action


def tap_of(update: Update, kind: type[Action]) -> Tap[Action] | None:
    """The tap behind ``update`` when its button carries ``kind``'s data; None otherwise."""
    query, chat = update.callback_query, update.effective_chat
    if query is None or chat is None:
        return None
    action = unpack(query.data)
    if not isinstance(action, kind):
        return None
    return Tap(query, chat.id, thread_of(query.message), action)
