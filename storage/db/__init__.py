"""The database itself: engine and sessions, the tables, the schema's version and its migrations.

Owns connecting (URL normalization, SQLite tuning, the inline SQLite connection for short statements), the
SQLAlchemy models, Alembic's revisions (``migrations/``) run on newsbot's own connection, the version tokens
one process uses to tell the others that cached data changed, and which errors are outages of the database.

May import: nothing else of ``storage``.
"""
