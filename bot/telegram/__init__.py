"""The Bot API side: the HTTP transport PTB talks through, one send budget within Telegram's limits (replies
first, pushes the rest, 429s waited out and the rate adapted), and the poll guard.

May import: nothing else of ``bot``, nor ``storage``: it knows Telegram, not the bot's readers or articles.
"""
