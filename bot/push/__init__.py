"""Pushing new articles to readers: rendering, sending and the delivery worker.

Owns the push card and digest rendering, the messenger (sends through the pacer), the sender and the worker
loop that drains the delivery ledger, several senders sharing one queue and one send budget, corrections of sent messages,
retention, the buttons under a push (``buttons.py``), and a private deployment's pushes only to the chats it
serves (``access.py``).

May import: ``bot.chat`` (callback data, keyboards, rendering, the handler context), ``bot.texts``,
``bot.telegram``, ``bot.ops``, ``storage``.
"""
