"""Bot API calls whose answer is used as plain JSON, through the bot's own transport and rate limiter.

PTB's ``Bot`` methods turn every answer into objects: ``send_photo`` builds a whole ``Message`` (its sender,
chat, photo sizes, caption entities and keyboard, each an object that checks every attribute it sets),
which cost a fifth of the bot's CPU per push. A push needs two fields of the answer. The call still goes
through the ``BaseRequest`` and the rate limiter the bot was built with, so Telegram's errors arrive as the
same ``TelegramError`` subclasses and every send is paced (and timed) like any other.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import ExtBot
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter  # what Bot uses; pinned to PTB 22


class PlainCalls:
    """Calls of one bot; ``call`` answers with the ``result`` of Telegram's JSON."""

    def __init__(self, bot: ExtBot[Any]) -> None:
        self.bot = bot

    async def call(self, endpoint: str, parameters: dict[str, Any], rate_limit_args: Any = None) -> Any:
        """``endpoint`` as Telegram names it (``sendPhoto``); parameters that are ``None`` are left out,
        and ``rate_limit_args`` goes to the rate limiter, as ``rate_limit_args`` of PTB's methods does."""
        data = {name: value for name, value in parameters.items() if value is not None}
        request_data = RequestData([RequestParameter.from_input(name, value) for name, value in data.items()])
        url = f"{self.bot.base_url}/{endpoint}"
        request = self.bot.request

        async def post() -> Any:  # a new coroutine for each attempt the rate limiter makes
            return await request.post(url, request_data)

        limiter = self.bot.rate_limiter
        if limiter is None:
            return await post()
        return await limiter.process_request(
            callback=post,
            args=(),
            kwargs={},
            endpoint=endpoint,
            data=data,
            rate_limit_args=rate_limit_args,
        )
