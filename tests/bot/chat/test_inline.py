"""Inline mode end to end: the real bot answers inline queries through the emulator, and a picked result
posts the article card whose Follow button is the topic's deep link."""

from __future__ import annotations

import errno
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import exc, select

from bot.chat.deeplinks import INLINE_NOTICE_PAYLOAD, follow_link
from bot.chat.handlers import inline
from bot.chat.render import visible_length
from bot.emulator import BotApiEmulator
from bot.runtime import BotRuntime
from bot.texts.de import GERMAN
from bot.texts.en import ENGLISH
from storage.db.models import Chat as ChatRow
from storage.db.models import Topic
from storage.records import ArticleSummary
from tests.articles import article_text
from tests.bot.conftest import NOW, WAIT, Chat, Harness, refused, settings_for, write_catalogue

AGENTS = 45  # articles in the topic "Agents": pages of 20, 20 and 5


@pytest.fixture
async def inline_bot(emulator: BotApiEmulator, database_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    """The usual catalogue, plus a busy topic with images and an alias."""
    content = tmp_path / "content"
    write_catalogue(content)
    with (content / "topics.yaml").open("a", encoding="utf-8") as catalogue:
        catalogue.write("- name: Agents\n  aliases: [AI agents]\n")
    for number in range(AGENTS):
        (content / f"agents-{number:02}.md").write_text(
            article_text(
                title=f"Agents story {number:02}",
                url=f"https://example.com/agents/{number}",
                topics=["Agents"],
                published=NOW - timedelta(minutes=number + 1),
                images=1 if number == 0 else 0,
                excerpt="Software that acts on its own. " * 40,
            ),
            encoding="utf-8",
        )
    # Written about, but not tagged with, the topic "Machine Learning" (which has no article).
    (content / "edge.md").write_text(
        article_text(
            title="Machine learning at the edge",
            url="https://example.com/edge",
            topics=["Climate"],
            published=NOW - timedelta(days=30),
        ),
        encoding="utf-8",
    )
    runtime = BotRuntime(settings_for(emulator, database_url, content), clock=lambda: NOW)
    await runtime.start()
    try:
        yield Harness(emulator, runtime, content, lambda: NOW)
    finally:
        await runtime.stop()
    assert emulator.violations == []
    assert refused(emulator) == []


async def ask(
    harness: Harness, user_id: int, query: str, offset: str = "", language: str = "en"
) -> dict[str, Any]:
    """Send an inline query as ``user_id`` and wait for the bot's answer."""
    emulator = harness.emulator
    injected = await emulator.inject_inline_query(user_id, query, offset=offset, language_code=language)
    record = await emulator.wait_for(lambda: emulator.inline_answer(injected.inline_query_id), timeout=WAIT)
    assert record.answer is not None
    return {"id": injected.inline_query_id, **record.answer}


async def topic_id(harness: Harness, name: str) -> int:
    async with harness.runtime.db.read() as session:
        found = await session.scalar(select(Topic.id).where(Topic.name == name))
    assert found is not None
    return found


async def chat_row(harness: Harness, chat_id: int) -> ChatRow | None:
    async with harness.runtime.db.read() as session:
        return await session.get(ChatRow, chat_id)


async def test_a_topic_query_pages_through_its_newest_articles(inline_bot: Harness) -> None:
    pages = [await ask(inline_bot, 5001, "agents")]
    while pages[-1]["next_offset"]:
        pages.append(await ask(inline_bot, 5001, "agents", pages[-1]["next_offset"]))
    assert [len(page["results"]) for page in pages] == [20, 20, 5]
    assert [page["next_offset"] for page in pages] == ["20", "40", ""]
    titles = [result["title"] for page in pages for result in page["results"]]
    assert titles == [f"Agents story {number:02}" for number in range(AGENTS)]
    ids = [result["id"] for page in pages for result in page["results"]]
    assert len(set(ids)) == AGENTS
    assert {(page["is_personal"], page["cache_time"]) for page in pages} == {(True, 300)}
    # The alias finds the same topic; a reader who never started the bot leaves no row behind.
    alias = await ask(inline_bot, 5001, "AI Agents")
    assert [r["title"] for r in alias["results"]] == titles[:20]
    assert await chat_row(inline_bot, 5001) is None


async def test_a_result_shows_source_date_excerpt_and_thumbnail(inline_bot: Harness) -> None:
    answer = await ask(inline_bot, 5002, "agents")
    first, second = answer["results"][:2]
    assert first["type"] == "article"
    assert first["thumbnail_url"] == "https://images.example.com/0.jpg"
    assert "thumbnail_url" not in second
    assert first["description"].startswith("Example News · 27 Nov 2026\nSoftware that acts on its own.")
    card = first["input_message_content"]
    assert card["parse_mode"] == "HTML"
    assert card["message_text"].startswith(
        '<b><a href="https://example.com/agents/0">Agents story 00</a></b>'
    )
    assert visible_length(card["message_text"]) <= 4096
    agents = await topic_id(inline_bot, "Agents")
    [[button]] = first["reply_markup"]["inline_keyboard"]
    assert button == {"text": "➕ Follow Agents", "url": follow_link("newsbot_test_bot", agents, "Agents")}


async def test_words_search_like_search_best_first(inline_bot: Harness) -> None:
    answer = await ask(inline_bot, 5003, "facial recognition")
    titles = [result["title"] for result in answer["results"]]
    assert titles and set(titles) == {"Computer Vision story 0", "Computer Vision story 1"}
    assert answer["next_offset"] == "" and answer["is_personal"] is True
    vision = await topic_id(inline_bot, "Computer Vision")
    buttons = {r["reply_markup"]["inline_keyboard"][0][0]["url"] for r in answer["results"]}
    assert buttons == {follow_link("newsbot_test_bot", vision, "Computer Vision")}
    nothing = await ask(inline_bot, 5003, "zzzunknownword")
    assert nothing["results"] == [] and nothing["next_offset"] == ""


async def test_the_empty_query_shows_the_readers_own_topics_in_their_language(inline_bot: Harness) -> None:
    reader = Chat(inline_bot.emulator, 5004, "de")
    await reader.say("/subscribe Space")
    answer = await ask(inline_bot, 5004, "", language="de")
    assert [r["title"] for r in answer["results"]] == ["Space story 0", "Space story 1"]
    assert (answer["is_personal"], answer["cache_time"]) == (True, 30)
    first = answer["results"][0]
    assert first["reply_markup"]["inline_keyboard"][0][0]["text"] == "➕ Space folgen"
    assert "27. Nov. 2026" in first["description"]
    # Someone who follows nothing (and never started the bot) sees the newest of all.
    stranger = await ask(inline_bot, 5005, "   ")
    assert [r["title"] for r in stranger["results"][:2]] == ["Agents story 00", "Agents story 01"]
    assert stranger["is_personal"] is True and stranger["next_offset"] == "20"
    assert await chat_row(inline_bot, 5005) is None


async def test_a_picked_result_posts_the_card_with_a_deep_link(inline_bot: Harness) -> None:
    emulator = inline_bot.emulator
    answer = await ask(inline_bot, 5006, "agents")
    first = answer["results"][0]
    chosen = await emulator.choose_inline_result(answer["id"], first["id"])
    message = chosen.message
    assert message["via_bot"]["username"] == "newsbot_test_bot"
    assert message["text"].startswith("Agents story 00\n\nSoftware that acts on its own.")
    assert message["entities"][0]["type"] in ("bold", "text_link")
    agents = await topic_id(inline_bot, "Agents")
    link = follow_link("newsbot_test_bot", agents, "Agents")
    assert message["reply_markup"] == {"inline_keyboard": [[{"text": "➕ Follow Agents", "url": link}]]}
    # Posted in the bot's own chat, the card reaches the bot, which leaves it unanswered: the next
    # command's reply is the only message the bot sends there.
    assert chosen.message_update is not None
    reader = Chat(emulator, 5006)
    await reader.say("/help")
    assert len(reader.sent()) == 1
    # Into a group: posted there as the reader's message, which privacy mode keeps from the bot.
    emulator.add_chat(-100777, "supergroup", title="Friends")
    again = await ask(inline_bot, 5006, "agents")
    in_group = await emulator.choose_inline_result(again["id"], again["results"][1]["id"], chat_id=-100777)
    assert in_group.message["chat"]["id"] == -100777 and in_group.message_update is None
    assert in_group.chosen_update is None  # the bot never asked for chosen_inline_result


async def test_a_topic_without_articles_is_searched_as_words(inline_bot: Harness) -> None:
    answer = await ask(inline_bot, 5007, "machine learning")
    assert [r["title"] for r in answer["results"]] == ["Machine learning at the edge"]
    climate = await topic_id(inline_bot, "Climate")
    [[button]] = answer["results"][0]["reply_markup"]["inline_keyboard"]
    assert button["url"] == follow_link("newsbot_test_bot", climate, "Climate")
    assert (answer["is_personal"], answer["cache_time"], answer["next_offset"]) == (True, 300, "")


async def test_own_topics_without_articles_show_the_newest_of_all(inline_bot: Harness) -> None:
    reader = Chat(inline_bot.emulator, 5008)
    await reader.say("/subscribe Machine Learning")
    answer = await ask(inline_bot, 5008, "")
    assert [r["title"] for r in answer["results"][:2]] == ["Agents story 00", "Agents story 01"]
    assert (answer["is_personal"], answer["cache_time"], answer["next_offset"]) == (True, 30, "20")


async def test_while_the_database_is_away_the_reader_is_told(
    inline_bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refused(*args: object, **kwargs: object) -> list[ArticleSummary]:
        gone = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
        raise exc.OperationalError("SELECT …", None, gone)

    monkeypatch.setattr(inline, "search_articles", refused)
    for language, texts in (("de", GERMAN), ("en", ENGLISH)):
        answer = await ask(inline_bot, 5009, "anything at all", language=language)
        assert answer["results"] == [] and answer["next_offset"] == ""
        assert (answer["is_personal"], answer["cache_time"]) == (True, 0)
        assert answer["button"] == {"text": texts.unavailable, "start_parameter": INLINE_NOTICE_PAYLOAD}
    monkeypatch.undo()
    again = await ask(inline_bot, 5009, "facial recognition")
    assert again["results"] and again["button"] is None
    # The button opens the bot's chat with its payload: a plain /start, not a broken follow link.
    greeting, _topics = await Chat(inline_bot.emulator, 5009).say(f"/start {INLINE_NOTICE_PAYLOAD}", 2)
    assert greeting.text is not None and greeting.text.startswith("👋 Welcome to News Bot!\n")
