"""Telegram handlers, one module per command family, each exporting the functions that return its handlers.

``bot/app.py`` registers them all in one documented order; the buttons under a push are ``bot/push/buttons.py``.
"""
