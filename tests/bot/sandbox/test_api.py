"""The sandbox server's API, without a browser: readers talk to the real bot, samples drop as new articles."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import aiohttp

from bot.ops.config import Settings
from bot.sandbox.server import READERS, running_sandbox

ROOT = Path(__file__).resolve().parents[3]


def samples(tmp_path: Path) -> Path:
    folder = tmp_path / "samples"
    shutil.copytree(ROOT / "content", folder)
    return folder


async def wait_for_messages(
    http: aiohttp.ClientSession, url: str, check: Any, within: float = 15.0
) -> list[Any]:
    deadline = asyncio.get_running_loop().time() + within
    while True:
        async with http.get(url) as response:
            messages = (await response.json())["messages"]
        if check(messages):
            return list(messages)
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not found in {messages}")
        await asyncio.sleep(0.1)


async def test_a_reader_subscribes_and_a_dropped_sample_is_pushed(tmp_path: Path) -> None:
    settings = Settings(log_level="WARNING")
    async with (
        running_sandbox(settings, samples=samples(tmp_path), workdir=tmp_path / "data", port=0) as sandbox,
        aiohttp.ClientSession(sandbox.url) as http,
    ):
        async with http.get("/api/state") as response:
            state = await response.json()
        assert [r["chat_id"] for r in state["readers"]] == [r.chat_id for r in READERS]
        assert any(sample["name"] == "seed-article.md" for sample in state["samples"])
        async with http.get("/") as response:
            assert response.status == 200
            assert "<html" in (await response.text()).lower()

        chat = READERS[1].chat_id
        messages_url = f"/api/chats/{chat}/messages"
        async with http.post(messages_url, json={"text": "/subscribe AI"}) as response:
            assert response.status == 200
        await wait_for_messages(
            http, messages_url, lambda ms: any("Subscribed to AI" in (m.get("text") or "") for m in ms)
        )

        async with http.post("/api/content/samples/seed-article.md") as response:
            dropped = await response.json()
        assert dropped["file"].startswith("sandbox-drops/seed-article-")
        messages = await wait_for_messages(http, messages_url, lambda ms: any(m.get("photo") for m in ms))
        push = next(m for m in messages if m.get("photo"))
        assert push["caption"].startswith("De Blasio calls for")
        assert push["photo_url"].startswith("https://nypost.com/")
        read = push["reply_markup"]["inline_keyboard"][0][0]
        assert read["text"] == "Read ↗" and "sandbox=" in read["url"]

        async with http.post("/api/content", json={"text": "---\ntitle: [broken\n---\n"}) as response:
            assert response.status == 400
            errors = (await response.json())["errors"]
        assert errors and "malformed YAML" in errors[0]
    assert sandbox.emulator.violations == []


async def test_samples_in_subfolders_can_be_dropped(tmp_path: Path) -> None:
    async with (
        running_sandbox(
            Settings(log_level="WARNING"), samples=samples(tmp_path), workdir=tmp_path / "d", port=0
        ) as sandbox,
        aiohttp.ClientSession(sandbox.url) as http,
    ):
        async with http.get("/api/state") as response:
            nested = next(s["name"] for s in (await response.json())["samples"] if "/" in s["name"])
        async with http.post(f"/api/content/samples/{nested}") as response:
            assert response.status == 200, await response.text()
        async with http.post("/api/content/samples/../../etc/passwd") as response:
            assert response.status == 404
