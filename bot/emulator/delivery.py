"""Getting updates to the bot: long polling with getUpdates, or pushing them to a webhook."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

import aiohttp

from bot.emulator.calls import Answer, Call, Handler
from bot.emulator.errors import bad_request, conflict
from bot.emulator.state import DEFAULT_UPDATE_KINDS, EmulatorState, PendingUpdate, WebhookConfig

LONG_POLL_MAX_TIMEOUT = 50
UPDATES_LIMIT = 100
# Telegram retries a failing webhook with growing pauses; shortened so tests stay fast.
WEBHOOK_RETRY_DELAYS = (0.05, 0.1, 0.2, 0.5, 1.0, 2.0)
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]*$")
OTHER_POLLER = "terminated by other getUpdates request; make sure that only one bot instance is running"


def handlers() -> dict[str, Handler]:
    """The update delivery methods this module implements."""
    return {
        "getUpdates": get_updates,
        "setWebhook": set_webhook,
        "deleteWebhook": delete_webhook,
        "getWebhookInfo": get_webhook_info,
    }


async def get_updates(call: Call) -> list[dict[str, Any]]:
    """getUpdates: confirm by ``offset``, wait up to ``timeout`` seconds; a newer poll ends this one."""
    state, params = call.state, call.params
    if state.webhook is not None:
        raise conflict(
            "can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
        )
    offset = params.get("offset", 0)
    limit = min(max(params.get("limit", UPDATES_LIMIT), 1), UPDATES_LIMIT)
    timeout = min(max(params.get("timeout", 0), 0), LONG_POLL_MAX_TIMEOUT)
    if "allowed_updates" in params:
        _set_allowed(state, params["allowed_updates"])
    _confirm(state, offset)
    state.poll_generation += 1
    generation = state.poll_generation
    await state.notify()  # an older long poll still waiting learns it was superseded

    def ready() -> bool:
        return bool(state.updates) or state.poll_generation != generation or state.webhook is not None

    if timeout and not ready():
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout), state.changed:
                await state.changed.wait_for(ready)
    if state.webhook is not None:
        raise conflict("terminated by setWebhook request")
    if state.poll_generation != generation:
        raise conflict(OTHER_POLLER)
    return [update.payload for update in state.updates[:limit]]


async def set_webhook(call: Call) -> Answer:
    """setWebhook; unlike Telegram, plain http and any port are allowed so local bots can be tested."""
    state, params = call.state, call.params
    url = str(params["url"])
    if (
        not url.lower().startswith(("http://", "https://"))
        or "://" not in url
        or len(url.split("://", 1)[1]) == 0
    ):
        raise bad_request("invalid webhook URL specified")
    secret = params.get("secret_token")
    if secret is not None and len(secret) > 256:
        raise bad_request("secret token is too long")
    if secret is not None and not _SECRET_TOKEN.match(secret):
        raise bad_request("secret token contains unallowed characters")
    if params.get("drop_pending_updates"):
        state.updates.clear()
    if "allowed_updates" in params:
        _set_allowed(state, params["allowed_updates"])
    previous = state.webhook
    state.webhook = WebhookConfig(
        url=url,
        secret_token=secret,
        max_connections=params.get("max_connections", 40),
        ip_address=params.get("ip_address"),
        allowed_updates=params.get("allowed_updates"),
    )
    state.poll_generation += 1
    same = previous is not None and previous.url == url
    return Answer(True, "Webhook is already set" if same else "Webhook was set")


async def delete_webhook(call: Call) -> Answer:
    """deleteWebhook."""
    state = call.state
    if call.params.get("drop_pending_updates"):
        state.updates.clear()
    existed = state.webhook is not None
    state.webhook = None
    return Answer(True, "Webhook was deleted" if existed else "Webhook is already deleted")


async def get_webhook_info(call: Call) -> dict[str, Any]:
    """getWebhookInfo."""
    state = call.state
    hook = state.webhook
    info: dict[str, Any] = {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates),
    }
    if hook is None:
        return info
    info.update(url=hook.url, max_connections=hook.max_connections)
    if hook.ip_address:
        info["ip_address"] = hook.ip_address
    if hook.allowed_updates is not None:
        info["allowed_updates"] = hook.allowed_updates
    if hook.last_error_date is not None:
        info.update(last_error_date=hook.last_error_date, last_error_message=hook.last_error_message)
    return info


def _set_allowed(state: EmulatorState, kinds: list[Any]) -> None:
    # An empty list means "all but the opt-in kinds"; it affects updates created from now on.
    state.allowed_updates = frozenset(str(kind) for kind in kinds) if kinds else DEFAULT_UPDATE_KINDS


def _confirm(state: EmulatorState, offset: int) -> None:
    if offset > 0:
        state.updates = [update for update in state.updates if update.update_id >= offset]
    elif offset < 0:
        state.updates = state.updates[offset:]


class WebhookSender:
    """Pushes pending updates to the webhook one at a time, in order, retrying failures."""

    def __init__(self, state: EmulatorState, session: aiohttp.ClientSession) -> None:
        self.state = state
        self.session = session
        self.deliveries: list[dict[str, Any]] = []

    async def run(self) -> None:
        """Deliver forever; cancel to stop."""
        failures = 0
        while True:
            update, hook = await self._next()
            if await self._post(update, hook):
                failures = 0
                if self.state.updates and self.state.updates[0] is update:
                    self.state.updates.pop(0)
                await self.state.notify()
            else:
                delay = WEBHOOK_RETRY_DELAYS[min(failures, len(WEBHOOK_RETRY_DELAYS) - 1)]
                failures += 1
                await asyncio.sleep(delay)

    async def _next(self) -> tuple[PendingUpdate, WebhookConfig]:
        state = self.state
        while True:
            async with state.changed:
                await state.changed.wait_for(lambda: state.webhook is not None and bool(state.updates))
            hook = state.webhook
            if hook is not None and state.updates:
                return state.updates[0], hook

    async def _post(self, update: PendingUpdate, hook: WebhookConfig) -> bool:
        headers = {"X-Telegram-Bot-Api-Secret-Token": hook.secret_token} if hook.secret_token else {}
        try:
            async with self.session.post(hook.url, json=update.payload, headers=headers) as response:
                ok = 200 <= response.status < 300
                error = (
                    None if ok else f"Wrong response from the webhook: {response.status} {response.reason}"
                )
        except (aiohttp.ClientError, TimeoutError) as exc:
            ok, error = False, f"Connection failed: {exc.__class__.__name__}"
        self.deliveries.append({"update_id": update.update_id, "url": hook.url, "ok": ok, "error": error})
        if error is not None:
            hook.last_error_date, hook.last_error_message = self.state.now_date(), error
        return ok
