"""The article store and database. Knows nothing of Telegram: it never imports ``bot`` or ``telegram``.

Packages, lowest first (docs/architecture.md has the map): ``content`` (files on disk) and ``db`` (the
database itself), ``catalog`` (articles in the database), ``readers`` (chats and their choices), ``delivery``
(what is due where). ``records.py`` holds the plain, frozen results that queries return to the bot.
"""
