"""Sharing and deep links: /share's links and buttons, and /start opened from one, end to end through the
emulator; the /share reply and the keyboard page a link opens, as pure functions."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from bot.chat.callbacks import ToggleTopic, unpack
from bot.chat.deeplinks import follow_payload
from bot.chat.handlers.sharing import SHARE_LIMIT, page_of, share_message
from bot.chat.keyboards import TOPICS_PER_PAGE
from bot.emulator import BotApiEmulator, SentMessage
from bot.runtime import BotRuntime
from bot.texts.de import GERMAN
from bot.texts.en import ENGLISH
from storage.catalog.topic_directory import TopicDirectory
from storage.db.models import Chat as ChatRow
from storage.db.models import Subscription, Topic
from storage.records import TopicSummary
from tests.bot.conftest import NOW, Chat, Harness, buttons, refused, settings_for, write_catalogue
from tests.bot.group_chats import Group

BOT = "newsbot_test_bot"
GROUP, GROUP_ADMIN, MEMBER = -1001700, 71, 72


async def topic_id(harness: Harness, name: str) -> int:
    async with harness.runtime.db.read() as session:
        found = await session.scalar(select(Topic.id).where(Topic.name == name))
    assert found is not None
    return found


async def followed(harness: Harness, chat_id: int) -> list[str]:
    async with harness.runtime.db.read() as session:
        names = await session.scalars(
            select(Topic.name)
            .join(Subscription, Subscription.topic_id == Topic.id)
            .where(Subscription.chat_id == chat_id)
            .order_by(Topic.name)
        )
    return list(names)


async def chat_rows(harness: Harness, chat_id: int) -> int:
    async with harness.runtime.db.read() as session:
        count = await session.scalar(select(func.count()).select_from(ChatRow).where(ChatRow.id == chat_id))
    return count or 0


async def only_reply(reader: Chat, text: str) -> SentMessage:
    """``text``'s one reply: /help sent after it is answered next, so nothing else came in between."""
    since = len(reader.sent())
    await reader.say(text)
    await reader.say("/help")
    first, last = reader.sent()[since:]
    assert "What I can do" in last.body
    return first


def start_payload(url: str) -> str:
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "t.me", f"/{BOT}")
    (payload,) = parse_qs(parts.query)["start"]
    return payload


def toggled_ids(message: SentMessage, following: bool) -> set[int]:
    """The topic ids the keyboard shows as followed (``following``) or not."""
    ids = set()
    for text, data in buttons(message):
        action = unpack(data)
        if isinstance(action, ToggleTopic) and text.startswith("✅") == following:
            ids.add(action.topic_id)
    return ids


async def test_a_follow_link_subscribes_a_new_reader_in_one_message(harness: Harness) -> None:
    space = await topic_id(harness, "Space")
    reader = harness.chat(5001)
    confirmation = await only_reply(reader, f"/start {follow_payload(space, 'Space')}")
    assert confirmation.body.startswith(
        "✅ You now follow Space.\n\nTopics — tap to follow or unfollow (1 followed)"
    )
    assert toggled_ids(confirmation, following=True) == {space}
    assert await followed(harness, 5001) == ["Space"]
    assert await chat_rows(harness, 5001) == 1
    # The keyboard is /topics' own: a tap on the followed topic unfollows it and redraws the page.
    answer = await reader.tap(confirmation, "Space")
    assert answer.answer is not None and answer.answer.get("text") == "Unsubscribed from Space"
    assert await followed(harness, 5001) == []


async def test_the_link_counts_its_topic_id_and_says_when_it_was_followed_already(harness: Harness) -> None:
    ai = await topic_id(harness, "AI")
    reader = harness.chat(5002)
    await reader.say("/subscribe AI")
    again = await only_reply(reader, f"/start {follow_payload(ai, 'a name from long ago')}")
    assert again.body.startswith("You already follow AI.")
    assert await followed(harness, 5002) == ["AI"]


async def test_a_broken_or_unknown_link_gets_a_notice_and_the_usual_start(harness: Harness) -> None:
    reader = harness.chat(5003)
    for payload, notice in (
        ("hello-there", "That link does not follow any topic"),
        ("follow-999999-gone", "The topic of that link no longer exists"),
    ):
        greeting, topics = await reader.say(f"/start {payload}", replies=2)
        assert greeting.body.startswith(f"⚠️ {notice}") and "Welcome to News Bot" in greeting.body
        assert "AI (2)" in [text for text, _ in buttons(topics)]
    assert await followed(harness, 5003) == []


async def test_german_readers_are_confirmed_in_german(harness: Harness) -> None:
    climate = await topic_id(harness, "Climate")
    reader = harness.chat(5004, language_code="de")
    confirmation = await reader.say_last(f"/start {follow_payload(climate, 'Climate')}")
    assert confirmation.body.startswith("✅ Du folgst jetzt Climate.")


async def test_share_gives_a_link_that_makes_a_friend_follow(harness: Harness) -> None:
    sharer, friend = harness.chat(5005), harness.chat(5006)
    shared = await sharer.say_last("/share ml, Nope")
    # "ML" is the alias of Machine Learning (topics.yaml): names resolve as /subscribe resolves them.
    ((label, url),) = buttons(shared)
    assert label == "Follow Machine Learning"
    assert url in shared.body and "I don't know the topic “Nope”." in shared.body
    assert await chat_rows(harness, 5005) == 0  # sharing only reads
    confirmation = await only_reply(friend, f"/start {start_payload(url)}")
    assert confirmation.body.startswith("✅ You now follow Machine Learning.")
    assert await followed(harness, 5006) == ["Machine Learning"]


async def test_share_alone_lists_the_followed_topics_or_explains_itself(harness: Harness) -> None:
    reader = harness.chat(5007)
    assert (await reader.say_last("/share")).body.startswith("Usage: /share AI gives a link")
    await reader.say("/subscribe Space, AI")
    listed = await reader.say_last("/share")
    assert [label for label, _ in buttons(listed)] == ["Follow AI", "Follow Space"]
    assert [start_payload(url) for _, url in buttons(listed)] == [
        follow_payload(await topic_id(harness, "AI"), "AI"),
        follow_payload(await topic_id(harness, "Space"), "Space"),
    ]
    assert "/share" in (await reader.say_last("/help")).body


@pytest.fixture
def group_harness(harness: Harness) -> Harness:
    harness.emulator.add_chat(GROUP, "supergroup", title="Readers")
    harness.emulator.set_admins(GROUP, [GROUP_ADMIN])
    return harness


async def test_in_a_group_only_admins_follow_through_a_link(group_harness: Harness) -> None:
    group = Group(group_harness.emulator, GROUP)
    payload = follow_payload(await topic_id(group_harness, "AI"), "AI")
    refused = await group.say(f"/start {payload}", user_id=MEMBER)
    assert refused.body == "Only this group's admins can change its topics and settings."
    assert await followed(group_harness, GROUP) == []
    confirmed = await group.say(f"/start@{BOT} {payload}", user_id=GROUP_ADMIN)
    assert confirmed.body.startswith("✅ You now follow AI.")
    assert await followed(group_harness, GROUP) == ["AI"]


async def test_a_link_opens_the_keyboard_on_its_topics_page(
    database_url: str, emulator: BotApiEmulator, tmp_path: Path
) -> None:
    content = tmp_path / "paged"
    write_catalogue(content, extra_topics=12)
    settings = settings_for(emulator, database_url, content)
    runtime = BotRuntime(settings, clock=lambda: NOW)
    await runtime.start()
    try:
        harness = Harness(emulator, runtime, content, lambda: NOW)
        last = await topic_id(harness, "Topic 11")
        confirmation = await harness.chat(5008).say_last(f"/start {follow_payload(last, 'Topic 11')}")
        assert toggled_ids(confirmation, following=True) == {last}
        assert [text for text, _ in buttons(confirmation)][-2] == "3/3"
    finally:
        await runtime.stop()
    assert emulator.violations == []
    assert refused(emulator) == []


def summary(topic_id: int, name: str) -> TopicSummary:
    return TopicSummary(topic_id, name.casefold(), name, None, 1)


def test_the_share_message_escapes_names_and_caps_its_links() -> None:
    text, markup = share_message(BOT, [summary(3, "R&D <Lab>")], [], ENGLISH)
    link = f"https://t.me/{BOT}?start=follow-3-r-d-lab"
    assert text == (
        "🔗 <b>Share a topic</b>: whoever opens a link below follows it in one tap.\n"
        f"<b>R&amp;D &lt;Lab&gt;</b>: {link}"
    )
    assert markup is not None
    assert [(b.text, b.url) for row in markup.inline_keyboard for b in row] == [("Follow R&D <Lab>", link)]

    many = [summary(n, f"Topic {n}") for n in range(1, SHARE_LIMIT + 4)]
    text, markup = share_message(BOT, many, [], GERMAN)
    assert markup is not None and len(markup.inline_keyboard) == SHARE_LIMIT
    assert markup.inline_keyboard[0][0].text == "Topic 1 folgen"
    assert text.endswith(
        "…und 3 weitere: <code>/share</code> mit dem Namen eines Themas gibt dir seinen Link."
    )

    text, markup = share_message(BOT, [], ["I don't know the topic “x”."], ENGLISH)
    assert (text, markup) == ("I don't know the topic “x”.", None)


def test_page_of_finds_a_topic_among_the_pages() -> None:
    topics = [summary(n, f"Topic {n:02}") for n in range(1, 21)]
    directory = TopicDirectory(
        version=None,
        valid_from=None,
        valid_until=None,
        by_id={topic.id: topic for topic in topics},
        ids_by_key={topic.key: topic.id for topic in topics},
        shown=tuple(topic.id for topic in topics if topic.id != 20),
        _position={topic.id: rank for rank, topic in enumerate(topics)},
        _candidates={},
    )
    assert TOPICS_PER_PAGE == 8
    assert [page_of(directory, [], n) for n in (1, 8, 9, 19)] == [0, 0, 1, 2]
    assert page_of(directory, [], 20) == 0  # not shown to this destination
    assert page_of(directory, [20], 20) == 2  # shown, since it follows it
    assert page_of(directory, [], 10**9) == 0
