"""A channel's push and digests in its own voice: German texts and dates, the footer last and never cut,
escaped, and a Follow button that is a deep link into the bot."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.chat.deeplinks import followed_by
from bot.chat.render import MAX_TEXT_UTF16
from bot.push.cards import PushCards
from bot.push.digests import group_by_topic, render_held_digest
from bot.push.render import MAX_CAPTION_UTF16, footer_html, render_digest, render_push
from bot.texts.de import GERMAN
from bot.texts.en import ENGLISH
from storage.content.channel_voice import MAX_FOOTER_CHARS, ChannelVoice
from storage.records import PushArticle
from tests.bot.push.test_render import (
    SEED,
    STRINGS,
    URL,
    assert_buttons_valid,
    assert_telegram_accepts,
    item,
    push_articles,
    rows,
)

BOT = "newsbot_test_bot"
GERMAN_VOICE = ChannelVoice("de", footer="Mehr auf example.org", footer_link="https://example.org/?a=1&b=2")
RELATED = [
    ("Activist Hunted by NYPD Technology — Newsweek", "https://www.newsweek.com/activist-hunted"),
    ("Miami Police Used Facial Recognition in an Arrest — NBC 6", "https://www.nbcmiami.com/arrest"),
    ("De Blasio Will Reassess NYPD's Use — Gothamist", "https://gothamist.com/reassess"),
]


def test_a_german_channel_push_is_german_with_its_footer_and_a_follow_link() -> None:
    push = render_push(SEED, frozenset({1}), GERMAN, as_caption=True, voice=GERMAN_VOICE, bot_username=BOT)
    assert push.html == (
        f'<b><a href="{URL}">De Blasio calls for ‘clear standards’ for facial recognition tech for NYPD</a></b>\n\n'
        "Mayor Bill de Blasio called for “clear standards” for the NYPD when using facial recognition tech.\n\n"
        "New York Post · 17. Aug. 2020, 08:14 UTC\n"
        "#ComputerVision #AI\n\n"
        '<a href="https://example.org/?a=1&amp;b=2">Mehr auf example.org</a>'
    )
    # URL buttons only: a callback button in a channel would act for the channel, not for the reader.
    assert rows(push.keyboard) == [
        [("Lesen ↗", URL, None)],
        *[[(label, url, None)] for label, url in RELATED],
        [("➕ AI folgen", f"https://t.me/{BOT}?start=follow-1-ai", None)],
    ]
    assert followed_by("follow-1-ai") == 1


def test_the_follow_button_is_for_a_followed_topic_and_needs_the_bot_name() -> None:
    push = render_push(
        SEED, frozenset({3}), ENGLISH, as_caption=False, voice=ChannelVoice(), bot_username=BOT
    )
    assert rows(push.keyboard)[-1] == [
        ("➕ Follow Computer Vision", f"https://t.me/{BOT}?start=follow-3-computer-vision", None)
    ]
    anonymous = render_push(SEED, frozenset({3}), ENGLISH, as_caption=False, voice=ChannelVoice())
    assert [row[0][0] for row in rows(anonymous.keyboard)][-1] != "➕ Follow Computer Vision"
    assert all(button.callback_data is None for row in anonymous.keyboard.inline_keyboard for button in row)


def test_a_plain_footer_is_escaped_and_ends_the_text_after_the_related_links() -> None:
    voice = ChannelVoice(footer="<b>Tips</b> & tricks")
    push = render_push(SEED, frozenset({1}), ENGLISH, as_caption=False, voice=voice, bot_username=BOT)
    assert push.html.endswith(
        '• <a href="https://gothamist.com/reassess">De Blasio Will Reassess NYPD\'s Use</a>'
        " — Gothamist\n\n&lt;b&gt;Tips&lt;/b&gt; &amp; tricks"
    )
    assert assert_telegram_accepts(push.html, MAX_TEXT_UTF16).endswith("\n\n<b>Tips</b> & tricks")
    assert footer_html(None) == footer_html(ChannelVoice()) == ""


def test_a_long_excerpt_is_cut_for_the_footer_which_stays_whole() -> None:
    footer = "🇺🇦 " + "x" * (MAX_FOOTER_CHARS - 3)
    long = replace(SEED, excerpt="word " * 1000, related=())
    voice = ChannelVoice(footer=footer, footer_link="https://example.org/" + "p" * 500)
    for as_caption, limit in ((True, MAX_CAPTION_UTF16), (False, MAX_TEXT_UTF16)):
        push = render_push(long, frozenset({1}), GERMAN, as_caption=as_caption, voice=voice, bot_username=BOT)
        shown = assert_telegram_accepts(push.html, limit)
        assert shown.endswith("\n\n" + footer)
        assert "word word" in shown and "…" in shown  # the excerpt was cut, not dropped


def test_cards_are_kept_per_voice() -> None:
    cards = PushCards(bot_username=BOT)
    reader = cards.render(SEED, frozenset({1}), "de", as_caption=True)
    channel = cards.render(SEED, frozenset({1}), "de", as_caption=True, voice=GERMAN_VOICE)
    assert reader is not channel and "Mehr auf" not in reader.html and "Mehr auf" in channel.html
    assert cards.render(SEED, frozenset({1}), "de", as_caption=True, voice=GERMAN_VOICE) is channel
    assert len(cards) == 2


def test_digests_to_a_channel_end_each_part_with_the_footer() -> None:
    footer = footer_html(GERMAN_VOICE)
    (one,) = render_digest([item(1), item(2)], GERMAN, footer)
    assert one.startswith("📰 <b>2 neue Artikel</b>\n") and one.endswith(f"\n\n{footer}")
    parts = render_digest([item(n, title="Story " * 40) for n in range(60)], GERMAN, footer)
    assert len(parts) > 1
    for part in parts:
        assert assert_telegram_accepts(part, MAX_TEXT_UTF16).endswith("\n\nMehr auf example.org")
    held = render_held_digest(group_by_topic([item(n) for n in range(3)], {0: "AI"}), GERMAN, footer)
    assert held[0].startswith("📰 <b>Deine Zusammenfassung: 3 Artikel</b>") and held[0].endswith(footer)


@settings(max_examples=60, deadline=None)
@given(push_articles(), STRINGS, st.booleans())
def test_every_channel_push_is_accepted_by_telegram(
    drawn: tuple[PushArticle, frozenset[int]], text: str, linked: bool
) -> None:
    article, followed = drawn
    footer = " ".join(text.split())[:MAX_FOOTER_CHARS] or "Footer"
    voice = ChannelVoice(footer=footer, footer_link="https://example.org/x" if linked else None)
    for as_caption, limit in ((True, MAX_CAPTION_UTF16), (False, MAX_TEXT_UTF16)):
        push = render_push(article, followed, GERMAN, as_caption=as_caption, voice=voice, bot_username=BOT)
        assert assert_telegram_accepts(push.html, limit).endswith(footer)
        assert_buttons_valid(push.keyboard)
