"""Running the bot as an operator sees it: settings, logs, metrics, alerts, the content watcher, channels.

Owns ``Settings`` (built once from the environment; a private deployment's access list with it), log formatting with the token redacted, the Prometheus
metrics, operator alerts to ``ADMIN_IDS``, waiting out database outages, the watcher that syncs the store when files change, and the channel
directory that keeps ``channels.yaml`` and Telegram in step.

May import: ``bot.telegram``, ``storage``.
"""
