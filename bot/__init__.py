"""newsbot: a Telegram bot that delivers topic news. Everything that knows Telegram lives here.

Packages, lowest first (docs/architecture.md has the map): ``texts`` and ``telegram`` (the Bot API side),
``ops`` (settings, logs, metrics, watcher), ``chat`` (what readers see), ``push`` (alerts to followers),
``web`` (webhook, health, metrics), ``emulator`` (the Bot API stand-in) and ``sandbox``. The top-level modules
put them together: ``app.py`` (the PTB application), ``runtime.py`` (the running bot), ``cli.py`` (``newsbot``).
"""
