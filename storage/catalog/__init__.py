"""Articles in the database: the rows a file becomes, the sync that keeps them true to the folder, and reading them.

Owns the sync (add, update, withdraw, restore; the guard that holds mass withdrawals), article and topic
rows, the in-memory topic directory, the readers' lists and full-text search, corrections (an article edited or
withdrawn after its push) and which old withdrawn articles retention deletes, with the marker each leaves.

May import: ``storage.content``, ``storage.db``, ``storage.records``.
"""
