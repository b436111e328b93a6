"""newsbot sandbox: try the bot in a browser, with no Telegram and no token."""
