"""Pushing new articles to readers: rendering, sending and the delivery worker."""
