"""newsbot sandbox: try the bot in a browser, with no Telegram and no token.

It runs the whole bot (``bot.runtime``) against the emulator, so it may import ``bot.emulator``, ``bot.ops``,
``bot.runtime``, ``bot.web`` and ``storage``.
"""
