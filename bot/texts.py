"""Every reader-facing string, in one catalogue, so a second language is a file and not a hunt.

Placeholders are filled by the renderers, which escape whatever comes from readers or articles.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Texts:
    welcome: str = (
        "👋 <b>Welcome to News Bot!</b>\n"
        "I send you the news of the topics you follow as soon as it is published.\n\n"
        "Tap a topic below to follow it, or type /help to see everything I can do."
    )
    welcome_back: str = (
        "👋 <b>Welcome back!</b> Your topics are as you left them: tap one below to change it."
    )
    help_header: str = "<b>What I can do</b>"
    help_footer: str = "Topic names are not case-sensitive: <code>/subscribe ai, space</code> works."
    unknown_command: str = "I don't know that command. Type /help to see what I can do."
    plain_text: str = "I only understand commands. Try /topics to pick topics, or /help for the list."
    slow_down: str = "⏳ Slow down a little: I'll answer again in a minute."

    topics_header: str = "<b>Topics</b> — tap to follow or unfollow ({followed} followed)."
    topics_empty: str = "There are no topics yet: articles have not arrived. Please check back later."
    topics_page: str = "Page {page} of {pages}"
    toast_subscribed: str = "Subscribed to {topic}"
    toast_unsubscribed: str = "Unsubscribed from {topic}"
    toast_stale: str = "This button has expired. Please send the command again."
    toast_topic_gone: str = "That topic no longer exists."

    subscribe_usage: str = "Tap a topic to follow it, or type <code>/subscribe AI, Space</code>."
    unsubscribe_usage: str = (
        "Tap a topic to unfollow it, or type <code>/unsubscribe AI</code> or <code>/unsubscribe all</code>."
    )
    subscribed: str = "✅ Subscribed to {topics}."
    already_subscribed: str = "You already follow {topics}."
    unsubscribed: str = "Unsubscribed from {topics}."
    unsubscribed_all: str = "You no longer follow any topic. /topics to pick new ones."
    not_subscribed: str = "You don't follow {topics}."
    unknown_topic: str = "I don't know the topic “{name}”."
    did_you_mean: str = "Did you mean {suggestions}?"
    no_topics_followed: str = "You don't follow any topic yet. Tap /topics to pick some."
    mytopics_header: str = "<b>Your topics</b> — tap one to unfollow it."

    latest_header: str = "<b>Latest news</b>"
    latest_topic_header: str = "<b>Latest in {topic}</b>"
    latest_empty: str = "No articles yet. New ones will arrive here as they are published."
    latest_usage: str = (
        "Usage: <code>/latest [number] [topic]</code>, for example <code>/latest 10 AI</code>."
    )
    search_usage: str = (
        "Usage: <code>/search words</code>, for example <code>/search facial recognition</code>."
    )
    search_header: str = "<b>Results for “{query}”</b>"
    search_empty: str = "Nothing matches “{query}”."

    settings_header: str = "<b>Settings</b> — tap to change."
    setting_quality: str = "Quality {value}"
    setting_quality_any: str = "any"
    setting_previews: str = "Image previews: {value}"
    setting_silent: str = "Silent notifications: {value}"
    on: str = "on"
    off: str = "off"
    toast_saved: str = "Saved"

    stop_confirm: str = (
        "This deletes everything I store about this chat: your topics, settings and delivery history. "
        "Are you sure?"
    )
    stop_yes: str = "Yes, delete everything"
    stop_no: str = "No, keep it"
    stop_done: str = "Done: everything about this chat is deleted. Send /start if you ever want to come back."
    stop_cancelled: str = "Nothing was deleted."

    stats_header: str = "<b>Bot statistics</b>"
    reload_done: str = "Content folder synced: {summary}"
    reload_busy: str = "The content folder is not watched by this process."

    ago_now: str = "just now"
    ago_minutes: str = "{n} min ago"
    ago_hours: str = "{n} h ago"
    ago_days: str = "{n} d ago"
    and_more: str = "… and {n} more"

    # Pushes and digests. Button labels (push_read, push_mute, push_mute_several, push_undo) are plain text.
    push_read: str = "Read ↗"
    push_mute: str = "🔕 Mute {topic}"
    push_mute_several: str = "🔕 Mute…"
    push_related_header: str = "<b>Related</b>"
    push_date: str = "{day} {month} {year}, {time} UTC"
    push_mute_question: str = "Which topic do you want to mute?"
    push_muted: str = "🔕 Muted {topic}. You will no longer get its news."
    push_undo: str = "Undo"
    push_refollowed: str = "🔔 Following {topic} again."
    digest_header: str = "📰 <b>{n} new articles</b>"
    digest_header_one: str = "📰 <b>1 new article</b>"
    digest_header_part: str = "📰 <b>{n} new articles</b> ({part}/{parts})"
    digest_date: str = "{day} {month} {time}"
    month_abbreviations: tuple[str, ...] = (
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    )  # fmt: skip


ENGLISH = Texts()


def texts_for(language_code: str | None) -> Texts:
    """The catalogue for a reader's language; English until a second language lands."""
    return ENGLISH
