"""Keyword filters end to end: /filter, its buttons and /settings, and what reaches readers at fan-out."""

from __future__ import annotations

from sqlalchemy import insert, select

from bot.emulator import CallbackRecord
from storage.db.models import ChatFilter, Delivery
from tests.bot.conftest import NOW, buttons
from tests.bot.pushes import Pushes, button_url, published


def toast(record: CallbackRecord) -> str | None:
    return (record.answer or {}).get("text")


def urls(setup: Pushes, chat_id: int) -> list[str]:
    return [button_url(message, "Read ↗") for message in setup.pushes(chat_id)]


async def test_include_and_exclude_filters_at_fan_out(pushes: Pushes) -> None:
    await pushes.follow(5000, "AI")
    excluder = await pushes.follow(5001, "AI")
    includer = await pushes.follow(5002, "AI")
    added = await excluder.say_last("/filter exclude Crypto")
    assert added.body.startswith("✅ Articles that mention “crypto” no longer reach you.")
    assert "Never articles that mention: “crypto”" in added.body
    assert [label for label, _ in buttons(added)] == ["✖ Never: crypto", "« Settings"]
    added = await includer.say_last('/filter include "Open Source"')
    assert "Only articles that mention: “open source”" in added.body
    assert (await includer.say_last("/filter include open  SOURCE")).body.startswith(
        "You already have that filter: “open source”."
    )

    pushes.drop(
        "crash.md", title="Crypto exchange collapses", url="https://example.com/crash", published=published(3)
    )
    pushes.drop(
        "prize.md",
        title="Cryptography prize awarded",
        url="https://example.com/prize",
        excerpt="A win for mathematics.",
        published=published(2),
    )
    pushes.drop(
        "model.md",
        title="Model released",
        url="https://example.com/model",
        excerpt="The weights are Open-Source now.",
        published=published(1),
    )
    await pushes.wait_pushes({5000: 3, 5001: 2, 5002: 1})
    await pushes.settle()
    assert urls(pushes, 5000) == [
        "https://example.com/crash",
        "https://example.com/prize",
        "https://example.com/model",
    ]
    # "crypto" is a whole word: "Cryptography" passes.
    assert urls(pushes, 5001) == ["https://example.com/prize", "https://example.com/model"]
    # A phrase matches consecutive words whatever lies between: "Open-Source".
    assert urls(pushes, 5002) == ["https://example.com/model"]
    async with pushes.runtime.db.read() as session:
        ledger = sorted(
            await session.execute(
                select(Delivery.chat_id, Delivery.status, Delivery.error).where(Delivery.status == "skipped")
            )
        )
    assert ledger == [
        (5001, "skipped", "filter: mentions excluded “crypto”"),
        (5002, "skipped", "filter: mentions no included term"),
        (5002, "skipped", "filter: mentions no included term"),
    ]

    # One tap removes the filter; the next crypto story arrives.
    listing = await excluder.say_last("/filter")
    remove = buttons(listing)[0][1]
    record = await excluder.tap(listing, "✖ Never: crypto")
    assert toast(record) == "Removed “crypto”"
    assert "You have no filters" in excluder.current(listing).body
    assert [label for label, _ in buttons(excluder.current(listing))] == ["« Settings"]
    pushes.drop(
        "rebound.md", title="Crypto rebounds", url="https://example.com/rebound", published=published(0.5)
    )
    await pushes.wait_pushes({5001: 3})
    assert urls(pushes, 5001)[-1] == "https://example.com/rebound"
    # A button for a filter removed meanwhile (a second tap) is answered, not an error.
    again = await excluder.tap_data(listing, remove)
    assert toast(again) == "That filter was already removed."


async def test_filters_from_settings(pushes: Pushes) -> None:
    reader = await pushes.follow(5010, "Space")
    await reader.say("/filter exclude rockets")
    menu = await reader.say_last("/settings")
    assert "🔍 Keyword filters" in [label for label, _ in buttons(menu)]
    await reader.tap(menu, "Keyword filters")
    shown = reader.current(menu)
    assert shown.body.startswith("Keyword filters — whole words")
    assert [label for label, _ in buttons(shown)] == ["✖ Never: rockets", "« Settings"]
    await reader.tap(shown, "« Settings")
    assert reader.current(menu).body.startswith("Settings")


async def test_filter_errors_name_the_command(pushes: Pushes) -> None:
    reader = pushes.chat(5020)
    usage = "Usage: /filter exclude word or phrase, /filter include word or phrase"
    assert (await reader.say_last("/filter exclude")).body.startswith(usage)
    assert (await reader.say_last("/filter sometimes crypto")).body.startswith(usage)
    assert (await reader.say_last("/filter exclude " + "x" * 101)).body == (
        "/filter: a word or phrase can be at most 100 characters."
    )
    assert (await reader.say_last("/filter exclude ... !!!")).body == (
        "/filter: the word or phrase needs at least one letter or digit."
    )
    # Regular expression syntax is text: it is stored and matched literally.
    stored = await reader.say_last("/filter exclude (ai|ml)")
    assert "“(ai|ml)”" in stored.body
    async with pushes.runtime.db.write() as session:
        await session.execute(
            insert(ChatFilter),
            [
                {"chat_id": 5020, "thread_id": 0, "kind": "exclude", "term": f"word{n}", "created_at": NOW}
                for n in range(19)
            ],
        )
    full = await reader.say_last("/filter include one more")
    assert full.body.startswith("/filter: you have 20 filters, the most there can be.")
    assert len(buttons(full)) == 20 + 1
