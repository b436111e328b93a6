"""Where an update happened, as a push destination: the chat and its forum topic (thread 0: none).

In a forum supergroup each topic is its own destination: ``/subscribe`` typed in a topic, and buttons
tapped there, act on that topic's subscriptions, and its pushes are posted into it. Only forum topics
count: in other groups ``message_thread_id`` merely names a chain of replies.
"""

from __future__ import annotations

from telegram import MaybeInaccessibleMessage, Message, Update

from storage.deliveries import Destination


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
