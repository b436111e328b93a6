"""newsbot: a Telegram bot that delivers topic news."""
