"""The article store and database. Knows nothing of Telegram."""
