"""Channels with their own voice, end to end: channels.yaml's mapping form gives each channel its language,
footer, sound and push style, and the real bot pushes that way through the emulator, with a Follow button
that is a deep link into the bot."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.emulator import BotApiEmulator, SentMessage
from storage.content.channel_voice import ChannelVoice
from storage.db.models import Topic
from storage.readers.channels import channel_voice
from tests.articles import article_text
from tests.bot.conftest import ADMIN, NOW, buttons, refused
from tests.bot.group_chats import WAIT, eventually, start_bot
from tests.bot.ops.test_channels import logged
from tests.bot.push.test_corrections import now, past_settle, rewrite, wait_corrections
from tests.bot.pushes import Clock, Pushes

GERMAN, PHOTOS, TEXTS = -1002001, -1002002, -1002003
BOT = "newsbot_test_bot"  # the emulator's bot
CHANNELS = """\
"@ki_nachrichten":
  topics: [AI]
  language: de
  footer: {text: "Mehr auf example.org", link: "https://example.org/de"}
  silent: true
  style: preview
"@space_photos":
  topics: [Space]
  footer: "Space & more <3"
-1002003:
  topics: [Climate]
  style: text
"""


async def start_voiced(
    emulator: BotApiEmulator, tmp_path: Path, database_url: str, **overrides: Any
) -> Pushes:
    """The bot with three channels of their own voice (the emulator's bot administers each)."""
    emulator.add_chat(ADMIN, "private")
    emulator.add_chat(GERMAN, "channel", title="KI", username="ki_nachrichten")
    emulator.add_chat(PHOTOS, "channel", title="Space", username="space_photos")
    emulator.add_chat(TEXTS, "channel", title="Climate")
    content = tmp_path / "content"
    content.mkdir()
    (content / "channels.yaml").write_text(CHANNELS, encoding="utf-8")
    return await start_bot(
        emulator, content, database_url, Clock(NOW), alert_interval_seconds=0.0, **overrides
    )


@pytest.fixture
async def voiced(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> AsyncIterator[Pushes]:
    caplog.set_level(logging.INFO, logger="bot.ops.channels")
    setup = await start_voiced(emulator, tmp_path, database_url)
    try:
        yield setup
    finally:
        await setup.runtime.stop()
    assert emulator.violations == []
    assert refused(emulator) == []


async def topic_id(setup: Pushes, key: str) -> int:
    async with setup.runtime.db.read() as session:
        found = await session.scalar(select(Topic.id).where(Topic.key == key))
    assert found is not None
    return found


async def voice_of(setup: Pushes, chat_id: int) -> ChannelVoice:
    async with setup.runtime.db.read() as session:
        return await channel_voice(session, chat_id)


async def wait_sent(setup: Pushes, *chat_ids: int) -> None:
    """Until each channel got a message (``Pushes.pushes`` knows only the English "Read" button)."""
    await setup.emulator.wait_for(lambda: all(setup.emulator.sent(c) for c in chat_ids), timeout=WAIT)


def only_push(setup: Pushes, chat_id: int) -> SentMessage:
    (push,) = setup.emulator.sent(chat_id)
    return push


async def test_each_channel_is_pushed_in_its_own_voice(voiced: Pushes) -> None:
    ai, space = await topic_id(voiced, "ai"), await topic_id(voiced, "space")
    voiced.drop("ki.md", title="Agenten", url="https://example.com/agenten", topics=["AI"], images=1)
    voiced.drop("mars.md", title="Mars", url="https://example.com/mars", topics=["Space"], images=1)
    voiced.drop("heat.md", title="Heat", url="https://example.com/heat", topics=["Climate"], images=1)
    await wait_sent(voiced, GERMAN, PHOTOS, TEXTS)
    await voiced.settle()

    # German, silent, a large preview of the article's image above the text, the footer a link, last.
    german = only_push(voiced, GERMAN)
    assert german.method == "sendMessage" and german.disable_notification
    assert german.link_preview_options == {
        "is_disabled": False,
        "url": "https://images.example.com/0.jpg",
        "prefer_large_media": True,
        "show_above_text": True,
    }
    assert german.body.endswith("\n\nExample News · 1. Nov. 2026, 09:30 UTC\n#AI\n\nMehr auf example.org")
    assert german.entities[-1] == {
        "type": "text_link",
        "offset": len(german.body.encode("utf-16-le")) // 2 - len("Mehr auf example.org"),
        "length": len("Mehr auf example.org"),
        "url": "https://example.org/de",
    }
    assert buttons(german) == [
        ("Lesen ↗", "https://example.com/agenten"),
        ("➕ AI folgen", f"https://t.me/{BOT}?start=follow-{ai}-ai"),
    ]

    # The photo card as for readers, in English, with sound, the plain footer shown as written.
    photo = only_push(voiced, PHOTOS)
    assert photo.method == "sendPhoto" and not photo.disable_notification
    assert photo.body.endswith("Example News · 1 Nov 2026, 09:30 UTC\n#Space\n\nSpace & more <3")
    assert buttons(photo)[-1] == ("➕ Follow Space", f"https://t.me/{BOT}?start=follow-{space}-space")

    # Text alone: no photo, no preview, though the article has an image.
    text = only_push(voiced, TEXTS)
    assert text.method == "sendMessage" and text.link_preview_options == {"is_disabled": True}
    assert all(not data.startswith("m:") for _, data in buttons(text))  # no callback buttons in a channel


async def test_digests_to_a_channel_speak_its_language_and_carry_its_footer(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    setup = await start_voiced(emulator, tmp_path, database_url, digest_threshold=2)
    try:
        for n in range(4):  # written aside, then published at once: one burst, one digest
            path = setup.content / f".k{n}.md.part"
            path.write_text(
                article_text(title=f"Agent {n}", url=f"https://example.com/k{n}", topics=["AI"]),
                encoding="utf-8",
            )
        for n in range(4):
            (setup.content / f".k{n}.md.part").rename(setup.content / f"k{n}.md")
        await wait_sent(setup, GERMAN)
        await setup.settle()
        digest = only_push(setup, GERMAN)
        assert digest.method == "sendMessage" and digest.disable_notification
        lines = digest.body.split("\n")
        assert lines[0] == "📰 4 neue Artikel"
        assert lines[1:5] == [f"• Agent {n} — Example News, 1. Nov., 09:30" for n in range(4)]
        assert lines[5:] == ["", "Mehr auf example.org"]
    finally:
        await setup.runtime.stop()
    assert emulator.violations == []
    assert refused(emulator) == []


async def test_the_voice_follows_the_file_and_a_broken_entry_keeps_the_old_one(
    voiced: Pushes, caplog: pytest.LogCaptureFixture
) -> None:
    assert await voice_of(voiced, GERMAN) == ChannelVoice(
        "de", True, "preview", "Mehr auf example.org", "https://example.org/de"
    )
    assert await voice_of(voiced, TEXTS) == ChannelVoice(style="text")
    (voiced.content / "channels.yaml").write_text(
        '"@ki_nachrichten":\n  topics: [AI]\n  style: big\n"@space_photos": [Space]\n-1002003: [Climate]\n',
        encoding="utf-8",
    )
    await eventually(
        lambda: logged(caplog, logging.ERROR, "channels.yaml:3: error: style of @ki_nachrichten")
    )
    async with asyncio.timeout(WAIT):  # the list form: a channel's default voice, once committed
        while await voice_of(voiced, TEXTS) != ChannelVoice():  # noqa: ASYNC110 - the store is what we observe
            await asyncio.sleep(0.05)
    assert logged(caplog, logging.INFO, str(TEXTS), "now speaks")
    assert (await voice_of(voiced, GERMAN)).language == "de"  # broken: as it was
    voiced.drop("ki.md", title="Agenten", url="https://example.com/agenten", topics=["AI"])
    await wait_sent(voiced, GERMAN)
    assert only_push(voiced, GERMAN).body.endswith("\n\nMehr auf example.org")


async def test_a_corrected_article_is_edited_in_the_channels_voice(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    setup = await start_voiced(emulator, tmp_path, database_url, corrections=True)
    try:
        ai = await topic_id(setup, "ai")
        setup.drop("ki.md", title="Agenten", url="https://example.com/ki", topics=["AI"], images=1)
        await wait_sent(setup, GERMAN)
        sent = only_push(setup, GERMAN)
        rewrite(setup, "ki.md", title="Agenten, berichtigt", topics=["AI"], images=1)
        await wait_corrections(setup.runtime, 1)
        past_settle(setup)
        await emulator.wait_for(lambda: now(setup, sent).body.startswith("Agenten, berichtigt"), timeout=WAIT)
        edited = now(setup, sent)
        assert edited.body.endswith("1. Nov. 2026, 09:30 UTC\n#AI\n\nMehr auf example.org")
        assert edited.link_preview_options == sent.link_preview_options  # still the large preview
        assert buttons(edited)[-1] == ("➕ AI folgen", f"https://t.me/{BOT}?start=follow-{ai}-ai")
    finally:
        await setup.runtime.stop()
    assert emulator.violations == []
    assert refused(emulator) == []
