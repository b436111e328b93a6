"""Delivering articles to readers, on the database side: what is due where, and what happened to it.

Owns the fan-out of a new article into one row per destination, readers' rules at fan-out and at the last check
(routing), the delivery ledger, what a push shows of an article, claims of several senders, retention and the
ledger's health figures.

May import: every other package of ``storage``.
"""
