"""Readers in the database: chats, what they follow, and every choice they make.

Owns chats (registration, blocking, migration to a supergroup, forgetting), subscriptions, languages, time
settings and local time, keyword filters, the channels ``channels.yaml`` manages, and the operator's figures.

May import: ``storage.content``, ``storage.db``, ``storage.catalog``, ``storage.records``.
"""
