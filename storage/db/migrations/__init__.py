"""The schema's history as Alembic revisions (``versions/``); ``storage.db.schema`` runs them."""
