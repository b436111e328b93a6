"""The sandbox server's API, without a browser: readers talk to the real bot, samples drop as new articles."""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from bot.ops.config import Settings
from bot.sandbox.server import READERS, running_sandbox
from tests.articles import article_text

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


# ---- Inline mode ------------------------------------------------------------------------------------


def topic_titles(folder: Path, topic: str) -> set[str]:
    """The titles of the articles in ``folder`` that have ``topic``."""
    titles = set()
    for path in folder.rglob("*.md"):
        fields = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
        if topic in fields.get("topics", []):
            titles.add(fields["title"])
    return titles


async def ask(http: aiohttp.ClientSession, chat: int, query: str, offset: str | None = None) -> Any:
    body = {"query": query} if offset is None else {"query": query, "offset": offset}
    async with http.post(f"/api/chats/{chat}/inline", json=body) as response:
        assert response.status == 200, await response.text()
        return await response.json()


async def test_inline_queries_are_answered_for_a_topic_words_and_the_readers_own_topics(
    tmp_path: Path,
) -> None:
    folder = samples(tmp_path)
    async with (
        running_sandbox(
            Settings(log_level="WARNING"), samples=folder, workdir=tmp_path / "d", port=0
        ) as sandbox,
        aiohttp.ClientSession(sandbox.url) as http,
    ):
        bob, chloe = READERS[1], READERS[2]
        answer = await ask(http, bob.chat_id, "Space")
        assert answer["status"] == "answered" and answer["next_offset"] == ""
        assert {r["title"] for r in answer["results"]} == topic_titles(folder, "Space")
        assert all(r["description"] and r["id"] and r["type"] == "article" for r in answer["results"])
        record = sandbox.emulator.inline_answer(answer["inline_query_id"])
        assert record is not None and (record.user_id, record.chat_type) == (bob.chat_id, "sender")

        words = await ask(http, chloe.chat_id, "glaciers volume")
        assert words["results"][0]["title"].startswith("Alpine survey finds glaciers")
        nothing = await ask(http, chloe.chat_id, "zzzyxw qqqv")
        assert (nothing["status"], nothing["results"]) == ("answered", [])

        # The empty query: the newest of every topic for a reader who follows none, then only their own.
        everything = await ask(http, bob.chat_id, "")
        assert len(everything["results"]) > len(topic_titles(folder, "Space"))
        async with http.post(f"/api/chats/{bob.chat_id}/messages", json={"text": "/subscribe Space"}):
            pass
        await wait_for_messages(
            http,
            f"/api/chats/{bob.chat_id}/messages",
            lambda ms: any("Subscribed to Space" in (m.get("text") or "") for m in ms),
        )
        own = await ask(http, bob.chat_id, "")
        assert {r["title"] for r in own["results"]} == topic_titles(folder, "Space")
    assert sandbox.emulator.violations == []


async def test_inline_results_page_with_next_offset(tmp_path: Path) -> None:
    folder = samples(tmp_path)
    for number in range(24):
        (folder / f"ai-extra-{number:02}.md").write_text(
            article_text(title=f"AI extra {number:02}", url=f"https://example.com/ai/{number}"),
            encoding="utf-8",
        )
    async with (
        running_sandbox(
            Settings(log_level="WARNING"), samples=folder, workdir=tmp_path / "d", port=0
        ) as sandbox,
        aiohttp.ClientSession(sandbox.url) as http,
    ):
        alice = READERS[0].chat_id
        first = await ask(http, alice, "AI")
        assert len(first["results"]) == 20 and first["next_offset"] == "20"
        second = await ask(http, alice, "AI", offset=first["next_offset"])
        assert second["offset"] == "20" and second["next_offset"] == ""
        titles = [r["title"] for r in first["results"] + second["results"]]
        assert len(titles) == len(set(titles))
        assert set(titles) == topic_titles(folder, "AI")
    assert sandbox.emulator.violations == []


async def test_a_picked_result_is_posted_as_the_readers_message_via_the_bot(tmp_path: Path) -> None:
    async with (
        running_sandbox(
            Settings(log_level="WARNING"), samples=samples(tmp_path), workdir=tmp_path / "d", port=0
        ) as sandbox,
        aiohttp.ClientSession(sandbox.url) as http,
    ):
        bob = READERS[1].chat_id
        answer = await ask(http, bob, "Climate")
        picked = answer["results"][0]
        async with http.post(
            f"/api/chats/{bob}/inline/choose",
            json={"inline_query_id": answer["inline_query_id"], "result_id": picked["id"]},
        ) as response:
            assert response.status == 200, await response.text()
            posted = (await response.json())["message"]
        assert (posted["from"], posted["via"]) == ("reader", "newsbot_sandbox_bot")
        assert posted["text"].startswith(picked["title"])
        assert posted["entities"][0]["type"] in ("bold", "text_link")
        [[follow]] = posted["reply_markup"]["inline_keyboard"]
        assert follow["text"] == "➕ Follow Climate"
        assert re.fullmatch(r"https://t\.me/newsbot_sandbox_bot\?start=follow-\d+-climate", follow["url"])

        async with http.get(f"/api/chats/{bob}/messages") as response:
            messages = (await response.json())["messages"]
        assert [m for m in messages if m.get("via")] == [posted]
    assert sandbox.emulator.violations == []


async def next_change(events: aiohttp.ClientResponse) -> None:
    """Read the event stream up to its next ``change`` (keep-alives are skipped)."""
    async with asyncio.timeout(10):
        while await events.content.readline() != b"event: change\n":
            pass


async def test_open_pages_hear_of_a_posted_result_without_any_bot_call(tmp_path: Path) -> None:
    async with (
        running_sandbox(
            Settings(log_level="WARNING"), samples=samples(tmp_path), workdir=tmp_path / "d", port=0
        ) as sandbox,
        aiohttp.ClientSession(sandbox.url) as http,
    ):
        bob = READERS[1].chat_id
        answer = await ask(http, bob, "Space")
        # With the bot's polling stopped, nothing but the posted message can change what pages show.
        updater = sandbox.runtime.application.updater if sandbox.runtime else None
        assert updater is not None
        await updater.stop()
        calls = len(sandbox.emulator.calls())
        async with http.get("/api/events") as events:
            await next_change(events)
            await sandbox.emulator.state.notify()  # the stream's first wake-up: it learns the state
            await next_change(events)
            choice = {"inline_query_id": answer["inline_query_id"], "result_id": answer["results"][0]["id"]}
            async with http.post(f"/api/chats/{bob}/inline/choose", json=choice) as response:
                assert response.status == 200
            await next_change(events)
        assert len(sandbox.emulator.calls()) == calls


async def test_inline_endpoints_name_the_field_of_bad_input(tmp_path: Path) -> None:
    async with (
        running_sandbox(
            Settings(log_level="WARNING"), samples=samples(tmp_path), workdir=tmp_path / "d", port=0
        ) as sandbox,
        aiohttp.ClientSession(sandbox.url) as http,
    ):
        alice, bob = READERS[0].chat_id, READERS[1].chat_id

        async def refused(path: str, body: Any) -> str:
            async with http.post(path, json=body) as response:
                assert response.status == 400, await response.text()
                error = await response.json()
            assert error["error"].startswith(f"{error['field']}: ")
            return str(error["field"])

        ask_bob = f"/api/chats/{bob}/inline"
        assert await refused(ask_bob, {}) == "query"
        assert await refused(ask_bob, {"query": 7}) == "query"
        assert await refused(ask_bob, {"query": "x" * 257}) == "query"
        assert await refused(ask_bob, {"query": "ai", "offset": 20}) == "offset"
        assert await refused(ask_bob, ["ai"]) == "body"
        assert await refused("/api/chats/999/inline", {"query": "ai"}) == "chat_id"
        assert await refused("/api/chats/bob/inline", {"query": "ai"}) == "chat_id"
        async with http.post(ask_bob, data=b"{not json", headers={"Content-Type": "application/json"}) as r:
            assert r.status == 400 and (await r.json())["field"] == "body"
        assert (await ask(http, bob, "x" * 256))["status"] == "answered"

        answer = await ask(http, bob, "Space")
        choose_bob = f"/api/chats/{bob}/inline/choose"
        result_id = answer["results"][0]["id"]
        query_id = answer["inline_query_id"]
        assert await refused(choose_bob, {"result_id": result_id}) == "inline_query_id"
        assert (
            await refused(choose_bob, {"inline_query_id": "1", "result_id": result_id}) == "inline_query_id"
        )
        # Alice cannot pick from Bob's answer.
        mine = {"inline_query_id": query_id, "result_id": result_id}
        assert await refused(f"/api/chats/{alice}/inline/choose", mine) == "inline_query_id"
        assert await refused(choose_bob, {"inline_query_id": query_id, "result_id": "nope"}) == "result_id"
        assert await refused(choose_bob, {"inline_query_id": query_id, "result_id": 5}) == "result_id"
        assert await refused("/api/chats/0/inline/choose", mine) == "chat_id"
        async with http.get(f"/api/chats/{bob}/messages") as response:
            assert not any(m.get("via") for m in (await response.json())["messages"])
    assert sandbox.emulator.violations == []


async def test_a_refused_or_missing_answer_says_so(tmp_path: Path) -> None:
    async with (
        running_sandbox(
            Settings(log_level="WARNING"),
            samples=samples(tmp_path),
            workdir=tmp_path / "d",
            port=0,
            inline_wait=0.3,
        ) as sandbox,
        aiohttp.ClientSession(sandbox.url) as http,
    ):
        emulator, bob = sandbox.emulator, READERS[1].chat_id
        # Every query is already too old when the bot answers: Telegram answers 400.
        emulator.set_limits(callback_query_timeout=0.0)
        refused = await ask(http, bob, "Space")
        assert refused["status"] == "refused"
        assert refused["message"] == (
            "The emulator refused the bot's answer: 400 Bad Request: query is too old and response timeout"
            " expired or query ID is invalid"
        )
        assert "results" not in refused
        emulator.set_limits(callback_query_timeout=15.0)

        emulator.faults.delay("answerInlineQuery", 3.0)
        late = await ask(http, bob, "Space")
        assert (late["status"], late["message"]) == ("timeout", "The bot did not answer within 0.3 s.")
        emulator.faults.delay("answerInlineQuery", 0)
    assert [v.description for v in sandbox.emulator.violations] == [
        "Bad Request: query is too old and response timeout expired or query ID is invalid"
    ]
