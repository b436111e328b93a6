"""What a reader sees and does in a chat: commands, button taps and the replies to them.

Owns the handlers (``handlers/``, one module per command family), the command list, callback data, keyboards,
menus and pure rendering, replies, the typed handler context, addressing (``/cmd@bot``), destinations (chat and
forum thread), flood control, the group-admin check, follow-link payloads, who a private deployment serves,
and the bot's profile on Telegram (``profile.py``).

May import: ``bot.texts``, ``bot.telegram``, ``bot.ops``, ``storage``. Never ``bot.push`` or ``bot.web``.
"""
