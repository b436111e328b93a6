"""The Bot API side: the HTTP transport PTB talks through, pacing within Telegram's limits, and the poll guard.

May import: nothing else of ``bot``, nor ``storage``: it knows Telegram, not the bot's readers or articles.
"""
