"""The schema's history as Alembic revisions (``versions/``); ``storage.schema`` runs them."""
