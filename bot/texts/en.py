"""The catalogue of every reader-facing string, and its English: ``Texts``' defaults are the English text.

Another language is a module beside this one that fills every field (``bot/texts/de.py``) and a line in
``bot/texts/registry.py``.

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
    # (command, description) for /help and Telegram's menu; English reads the descriptions the commands
    # are declared with (bot/handlers), other languages list every command here.
    command_descriptions: tuple[tuple[str, str], ...] = ()
    unknown_command: str = "I don't know that command. Type /help to see what I can do."
    plain_text: str = "I only understand commands. Try /topics to pick topics, or /help for the list."
    slow_down: str = "⏳ Slow down a little: I'll answer again in a minute."
    unavailable: str = "⚠️ I'm temporarily unavailable. Please try again in a minute."

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
    quoted_name: str = "“{name}”"  # each of the suggestions
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

    settings_header: str = (
        "<b>Settings</b> — tap to change.\n"
        "Quality: every article, or only the best half or quarter of each topic you follow, "
        "as its sources score them."
    )
    # The quality row of /settings, by the least rank in a topic (storage/catalog/quality.py).
    setting_quality_all: str = "All articles"
    setting_quality_half: str = "Top half"
    setting_quality_quarter: str = "Top quarter"
    setting_previews: str = "Image previews: {value}"
    setting_silent: str = "Silent notifications: {value}"
    on: str = "on"
    off: str = "off"
    toast_saved: str = "Saved"
    # The language row of /settings: "automatic" (from Telegram), then each catalogue's language_name.
    setting_language_auto: str = "🌐 Automatic"
    language_name: str = "English"  # this catalogue's language in its own words

    stop_confirm: str = (
        "This deletes everything I store about this chat: your topics, settings and delivery history. "
        "Are you sure?"
    )
    stop_yes: str = "Yes, delete everything"
    stop_no: str = "No, keep it"
    stop_done: str = "Done: everything about this chat is deleted. Send /start if you ever want to come back."
    stop_cancelled: str = "Nothing was deleted."

    stats_header: str = "<b>Bot statistics</b>"
    stats_chats: str = "Chats: {active} active, {blocked} blocked"
    stats_articles: str = "Articles: {live} live"
    stats_deliveries: str = "Deliveries today: {sent} sent, {failed} failed ({failed_total} failed in all)"
    stats_last_failure: str = "Last failure: {error}"
    stats_per_topic: str = "<b>Subscriptions per topic</b>"
    reload_done: str = "Content folder synced: {summary}"
    reload_busy: str = "The content folder is not watched by this process."
    withdraw_done: str = (
        "Withdrawal confirmed: {withdrawn} articles withdrawn. Content folder synced: {summary}"
    )
    withdraw_nothing_held: str = (
        "Nothing is held: no sync is waiting for a confirmation to withdraw articles."
    )
    withdraw_still_held: str = "Nothing was withdrawn, this cannot be confirmed: {line}"

    ago_now: str = "just now"
    ago_minutes: str = "{n} min ago"
    ago_hours: str = "{n} h ago"
    ago_days: str = "{n} d ago"
    and_more: str = "… and {n} more"

    # Pushes and digests. Button labels (push_read, push_mute, push_mute_several, push_undo) are plain text.
    push_read: str = "Read ↗"
    push_watch: str = "Watch ▶"  # a video's button
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

    # Readers' controls: keyword filters, time zone, quiet hours, daily digest (bot/chat/handlers/filters.py,
    # bot/chat/handlers/schedule.py, bot/chat/menus.py). Button labels (setting_*, filter_button_*, quiet_mode_*,
    # turn_off, back_to_settings) are plain text; {term} {zone} {time} {start} {end} arrive escaped.
    setting_filters: str = "🔍 Keyword filters"
    setting_quiet: str = "🌙 Quiet hours"
    setting_digest: str = "📰 Daily digest"
    back_to_settings: str = "« Settings"
    turn_off: str = "Turn off"
    filters_header: str = "<b>Keyword filters</b> — whole words, not case-sensitive, in titles and excerpts."
    filters_none: str = "You have no filters: every article of your topics reaches you."
    filters_include: str = "Only articles that mention: {terms}"
    filters_exclude: str = "Never articles that mention: {terms}"
    filters_hint: str = (
        "Add one with <code>/filter exclude crypto</code> or <code>/filter include open source</code>; "
        "tap a filter below to remove it."
    )
    filter_button_include: str = "✖ Only: {term}"
    filter_button_exclude: str = "✖ Never: {term}"
    filter_usage: str = (
        "Usage: <code>/filter exclude word or phrase</code>, <code>/filter include word or phrase</code>, "
        "or <code>/filter</code> alone to see and remove yours."
    )
    filter_added_include: str = (
        "✅ Added “{term}”: only articles that mention one of your include filters reach you now."
    )
    filter_added_exclude: str = "✅ Articles that mention “{term}” no longer reach you."
    filter_already: str = "You already have that filter: “{term}”."
    filter_too_long: str = "/filter: a word or phrase can be at most {n} characters."
    filter_no_word: str = "/filter: the word or phrase needs at least one letter or digit."
    filter_full: str = (
        "/filter: you have {n} filters, the most there can be. Tap one below to remove it first."
    )
    toast_filter_removed: str = "Removed “{term}”"
    toast_filter_gone: str = "That filter was already removed."
    timezone_current: str = (
        "🕒 Your time zone: <b>{zone}</b> (local time now {time}). Change it with "
        "<code>/timezone Europe/Berlin</code> or <code>/timezone +02:00</code>."
    )
    timezone_set: str = "✅ Time zone set to <b>{zone}</b> (local time now {time})."
    timezone_unknown: str = (
        "/timezone: I don't know the time zone “{name}”. Use a name such as <code>/timezone Europe/Berlin</code> "
        "or an offset from UTC such as <code>/timezone +02:00</code> (from -12:00 to +14:00)."
    )
    quiet_off_status: str = "🌙 Quiet hours are off: pushes arrive as soon as articles are published."
    quiet_status_digest: str = (
        "🌙 Quiet hours: <b>{start}–{end}</b> ({zone}). Pushes in that time are held and arrive as one "
        "digest at {end}."
    )
    quiet_status_silent: str = (
        "🌙 Quiet hours: <b>{start}–{end}</b> ({zone}). Pushes in that time arrive silently."
    )
    quiet_hint: str = (
        "Change them with <code>/quiet 22:00-07:00</code> (in your time zone) or <code>/quiet off</code>."
    )
    quiet_usage: str = (
        "Usage: <code>/quiet 22:00-07:00</code> (in your time zone; it may cross midnight), "
        "<code>/quiet off</code>, <code>/quiet digest</code> (hold pushes for one digest) or "
        "<code>/quiet silent</code> (send them without a sound)."
    )
    quiet_mode_digest: str = "Hold for a digest"
    quiet_mode_silent: str = "Send silently"
    digest_off_status: str = "⏰ Daily digest is off: pushes arrive as soon as articles are published."
    digest_status: str = (
        "⏰ Daily digest at <b>{time}</b> ({zone}): one message a day listing the day's articles, instead "
        "of a push for each."
    )
    digest_hint: str = (
        "Change it with <code>/digest 08:00</code> (in your time zone) or <code>/digest off</code>."
    )
    digest_usage: str = (
        "Usage: <code>/digest 08:00</code> (a time of day, in your time zone) or <code>/digest off</code>."
    )
    held_digest_header: str = "📰 <b>Your digest: {n} articles</b>"
    held_digest_header_one: str = "📰 <b>Your digest: 1 article</b>"
    held_digest_header_part: str = "📰 <b>Your digest: {n} articles</b> ({part}/{parts})"
    held_digest_topic: str = "<b>{topic}</b>"

    # Groups (bot/chat/handlers/groups.py): what a member who is not an admin hears when trying to change
    # the group's topics or settings; the toast (for a button) is plain text.
    group_admins_only: str = "Only this group's admins can change its topics and settings."
    toast_group_admins_only: str = "Only the group's admins can do that."

    # Bot profile (bot/chat/profile.py), plain text: the description fills the empty chat before /start
    # (at most 512 characters), the short description the profile page and a shared link (at most 120).
    bot_description: str = (
        "📰 News Bot sends you the news of the topics you choose, as soon as it is published.\n\n"
        "• Follow topics with one tap; each new article arrives as a short card with its link.\n"
        "• /latest and /search find articles at any time.\n"
        "• Quiet hours, a daily digest, keyword filters and your time zone: you decide when news comes.\n"
        "• Works in groups and channels too.\n\n"
        "Tap Start to pick your first topics."
    )
    bot_short_description: str = (
        "The news of the topics you follow, as soon as it is published. Follow with one tap."
    )
    # Sharing and deep links (bot/chat/handlers/sharing.py): /share's links, and /start opened from one.
    link_followed: str = "✅ You now follow <b>{topic}</b>."
    link_already_followed: str = "You already follow <b>{topic}</b>."
    link_broken: str = (
        "⚠️ That link does not follow any topic: it may have been cut short. Here are all the topics instead."
    )
    link_topic_gone: str = "⚠️ The topic of that link no longer exists. Here are the topics there are now."
    share_header: str = "🔗 <b>Share a topic</b>: whoever opens a link below follows it in one tap."
    share_line: str = "<b>{topic}</b>: {link}"
    share_button: str = "Follow {topic}"  # a URL button: plain text
    share_more: str = "…and {n} more: <code>/share</code> with a topic's name gives its link."
    share_usage: str = (
        "Usage: <code>/share AI</code> gives a link that makes whoever opens it follow AI. "
        "With no topic, /share lists the links of the topics you follow."
    )
    # Private deployments (bot/chat/handlers/access.py): an outsider's one refusal a day; the toast is plain.
    private_refusal: str = (
        "🔒 Sorry, this bot is private: it only serves the people and groups its operators chose. If you "
        "should be one of them, ask an operator to add your chat id <code>{chat_id}</code>."
    )
    private_refusal_toast: str = "🔒 Sorry, this bot is private."
    # The button under a channel's push (channels.yaml) and under a card posted from inline mode: a deep
    # link that follows the topic in the bot for whoever taps it (bot/chat/deeplinks.py). Plain text.
    follow_button: str = "➕ Follow {topic}"
    # Inline mode (bot/chat/handlers/inline.py, bot/chat/inline_results.py), plain text: the date in the
    # "source · date" line of a result and of the card it posts.
    inline_date: str = "{day} {month} {year}"

    def describe(self, command: str, description: str) -> str:
        """A command's line in /help and the menu: this language's, or the declared English ``description``."""
        return dict(self.command_descriptions).get(command, description)


ENGLISH = Texts()
