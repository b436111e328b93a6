"""Push and digest rendering: golden strings, the keyboard, and Telegram's limits whatever an article holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import InlineKeyboardMarkup

from bot.chat.callbacks import MAX_CALLBACK_BYTES
from bot.chat.render import MAX_TEXT_UTF16, visible_length
from bot.emulator.formatting import format_text
from bot.emulator.html import parse_html, utf16_len
from bot.push.render import (
    MAX_CAPTION_UTF16,
    hashtag_line,
    link_preview,
    render_digest,
    render_mute_choice,
    render_muted,
    render_push,
    render_refollowed,
)
from bot.texts.en import ENGLISH
from storage.records import DigestItem, PushArticle, RelatedSummary, TopicRef

URL = "https://nypost.com/2020/08/17/de-blasio-calls-for-clear-standards/"
PUBLISHED = datetime(2020, 8, 17, 8, 14, tzinfo=UTC)
VISION, AI = TopicRef(3, "Computer Vision"), TopicRef(1, "AI")
SEED = PushArticle(
    id=7,
    title="De Blasio calls for ‘clear standards’ for facial recognition tech for NYPD",
    web_url=URL,
    excerpt="Mayor Bill de Blasio called for “clear standards” for the NYPD when using facial recognition tech.",
    provider_name="New York Post",
    published_at=PUBLISHED,
    quality=57,
    topics=(VISION, AI),
    related=(
        RelatedSummary(
            "https://www.newsweek.com/activist-hunted", "Activist Hunted by NYPD Technology", "Newsweek"
        ),
        RelatedSummary(
            "https://www.nbcmiami.com/arrest", "Miami Police Used Facial Recognition in an Arrest", "NBC 6"
        ),
        RelatedSummary("https://gothamist.com/reassess", "De Blasio Will Reassess NYPD's Use", "Gothamist"),
        RelatedSummary("https://gothamist.com/siege", "NYPD Used Facial Recognition Unit", "Gothamist"),
    ),
    image_url="https://nypost.com/wp-content/uploads/blasio.jpg",
    image_file_id=None,
)
HEAD = (
    f'<b><a href="{URL}">De Blasio calls for ‘clear standards’ for facial recognition tech for NYPD</a></b>\n\n'
    "Mayor Bill de Blasio called for “clear standards” for the NYPD when using facial recognition tech.\n\n"
    "New York Post · 17 Aug 2020, 08:14 UTC\n"
    "#ComputerVision #AI"
)
RELATED_ROWS = [
    [("Activist Hunted by NYPD Technology — Newsweek", "https://www.newsweek.com/activist-hunted", None)],
    [("Miami Police Used Facial Recognition in an Arrest — NBC 6", "https://www.nbcmiami.com/arrest", None)],
    [("De Blasio Will Reassess NYPD's Use — Gothamist", "https://gothamist.com/reassess", None)],
]

Button = tuple[str, str | None, object]


def rows(markup: InlineKeyboardMarkup) -> list[list[Button]]:
    return [[(b.text, b.url, b.callback_data) for b in row] for row in markup.inline_keyboard]


def assert_telegram_accepts(html: str, limit: int) -> str:
    """Parse like Telegram (raises on bad HTML), check the length Telegram counts; the text it shows."""
    parsed = parse_html(html)
    assert utf16_len(parsed.text) <= limit
    assert utf16_len(parsed.text) == visible_length(html)
    # The whole sendMessage/sendPhoto check too: raw size before parsing, trimming, emptiness.
    format_text(html, "HTML", None, caption=limit == MAX_CAPTION_UTF16)
    return parsed.text


def assert_buttons_valid(markup: InlineKeyboardMarkup) -> None:
    for row in markup.inline_keyboard:
        for button in row:
            assert button.text.strip()
            if button.callback_data is not None:
                assert isinstance(button.callback_data, str)
                assert len(button.callback_data.encode()) <= MAX_CALLBACK_BYTES
            else:
                assert button.url is not None and button.url.startswith(("http://", "https://"))


def test_seed_article_as_caption() -> None:
    push = render_push(SEED, frozenset({1, 3}), ENGLISH, as_caption=True)
    assert push.html == HEAD
    assert rows(push.keyboard) == [
        [("Read ↗", URL, None)],
        *RELATED_ROWS,
        [("🔕 Mute…", None, "m:7:0")],
    ]


def test_seed_article_as_text_lists_related_links() -> None:
    push = render_push(SEED, frozenset({1}), ENGLISH, as_caption=False)
    assert push.html == HEAD + (
        "\n\n<b>Related</b>\n"
        '• <a href="https://www.newsweek.com/activist-hunted">Activist Hunted by NYPD Technology</a> — Newsweek\n'
        '• <a href="https://www.nbcmiami.com/arrest">Miami Police Used Facial Recognition in an Arrest</a> — NBC 6\n'
        '• <a href="https://gothamist.com/reassess">De Blasio Will Reassess NYPD\'s Use</a> — Gothamist'
    )
    assert rows(push.keyboard) == [[("Read ↗", URL, None)], *RELATED_ROWS, [("🔕 Mute AI", None, "m:7:1")]]
    assert_telegram_accepts(push.html, MAX_TEXT_UTF16)


def test_without_provider_excerpt_topics_or_related() -> None:
    bare = replace(SEED, provider_name=None, excerpt="  ", topics=(TopicRef(9, "!!!"),), related=())
    push = render_push(bare, frozenset(), ENGLISH, as_caption=True)
    assert push.html == (
        f'<b><a href="{URL}">De Blasio calls for ‘clear standards’ for facial recognition tech for NYPD</a></b>'
        "\n\n17 Aug 2020, 08:14 UTC"
    )
    assert rows(push.keyboard) == [[("Read ↗", URL, None)]]


def test_a_video_says_so_and_its_button_opens_the_video() -> None:
    watch = "https://www.youtube.com/watch?v=abc123DEF45"
    video = replace(SEED, web_url=watch, excerpt=None, related=(), topics=(TopicRef(1, "AI"),), video=True)
    push = render_push(video, frozenset({1}), ENGLISH, as_caption=True)
    assert push.html == (
        f'<b><a href="{watch}">▶ De Blasio calls for ‘clear standards’ for facial recognition tech for NYPD</a></b>'
        "\n\nNew York Post · 17 Aug 2020, 08:14 UTC\n#AI"
    )
    assert rows(push.keyboard)[0] == [("Watch ▶", watch, None)]
    for as_caption, limit in ((True, MAX_CAPTION_UTF16), (False, MAX_TEXT_UTF16)):
        long = replace(video, title="word " * 1000)
        assert_telegram_accepts(render_push(long, frozenset(), ENGLISH, as_caption=as_caption).html, limit)


def test_dates_are_shown_in_utc() -> None:
    paris = timezone(timedelta(hours=2))
    for when in (datetime(2020, 8, 17, 10, 14, tzinfo=paris), datetime(2020, 8, 17, 8, 14)):
        html = render_push(replace(SEED, published_at=when), frozenset(), ENGLISH, as_caption=True).html
        assert "New York Post · 17 Aug 2020, 08:14 UTC" in html


def test_mute_button_depends_on_the_topics_followed() -> None:
    def last_row(followed: frozenset[int]) -> list[Button]:
        return rows(render_push(SEED, followed, ENGLISH, as_caption=True).keyboard)[-1]

    assert last_row(frozenset()) == RELATED_ROWS[-1]  # a digest recipient: no mute button
    assert last_row(frozenset({99})) == RELATED_ROWS[-1]
    assert last_row(frozenset({3, 99})) == [("🔕 Mute Computer Vision", None, "m:7:3")]
    assert last_row(frozenset({1, 3})) == [("🔕 Mute…", None, "m:7:0")]


def test_mute_choice_muted_and_refollowed() -> None:
    text, keyboard = render_mute_choice(SEED, frozenset({1, 3, 99}), ENGLISH)
    assert text == "Which topic do you want to mute?"
    assert rows(keyboard) == [
        [("🔕 Mute Computer Vision", None, "m:7:3")],
        [("🔕 Mute AI", None, "m:7:1")],
    ]
    text, keyboard = render_muted('<Tags> & "Quotes"', 12, ENGLISH)
    assert text == '🔕 Muted <b>&lt;Tags&gt; &amp; "Quotes"</b>. You will no longer get its news.'
    assert rows(keyboard) == [[("Undo", None, "f:12")]]
    assert render_refollowed("AI", ENGLISH) == "🔔 Following <b>AI</b> again."


def test_related_links_are_filtered() -> None:
    related = (
        RelatedSummary("ftp://example.com/file", "FTP", None),
        RelatedSummary("javascript:alert(1)", "Script", None),
        RelatedSummary(URL.rstrip("/"), "The article itself", None),
        RelatedSummary("https://a.example/1", None, None),
        RelatedSummary("https://a.example/1", "Again", None),
        RelatedSummary("http://b.example/2", "Two", "B"),
        RelatedSummary("https://c.example/3", "Three", None),
        RelatedSummary("https://d.example/4", "Four", None),
    )
    push = render_push(replace(SEED, related=related), frozenset(), ENGLISH, as_caption=False)
    assert rows(push.keyboard)[1:] == [
        [("https://a.example/1", "https://a.example/1", None)],
        [("Two — B", "http://b.example/2", None)],
        [("Three", "https://c.example/3", None)],
    ]
    assert push.html.count("\n• ") == 3
    assert "ftp:" not in push.html and "javascript" not in push.html and "Four" not in push.html


def test_related_button_label_keeps_the_source() -> None:
    long = RelatedSummary("https://a.example/", "word " * 40, "A Very Long Provider Name Indeed, Really")
    (label, _, _), *_ = rows(
        render_push(replace(SEED, related=(long,)), frozenset(), ENGLISH, as_caption=True).keyboard
    )[1]
    assert len(label) <= 60
    assert label == "word word word word word word word word… — A Very Long…"


def test_hostile_strings_are_escaped() -> None:
    hostile = '<b>Bold</b> & 0 "quoted" <script>'
    article = replace(
        SEED,
        title=hostile,
        excerpt=hostile,
        provider_name=hostile,
        topics=(TopicRef(5, '<Tags> & "Quotes"'),),
        related=(RelatedSummary('https://e.example/?a=1&b="2"', hostile, hostile),),
    )
    for as_caption, limit in ((True, MAX_CAPTION_UTF16), (False, MAX_TEXT_UTF16)):
        push = render_push(article, frozenset({5}), ENGLISH, as_caption=as_caption)
        assert '&lt;b&gt;Bold&lt;/b&gt; &amp; 0 "quoted" &lt;script&gt;' in push.html
        assert "<script>" not in push.html
        text = assert_telegram_accepts(push.html, limit)
        assert text.startswith(f"{hostile}\n\n{hostile}\n\n{hostile} · 17 Aug 2020")
        assert "\n#TagsQuotes" in text
        assert rows(push.keyboard)[-1] == [('🔕 Mute <Tags> & "Quotes"', None, "m:7:5")]
    assert 'href="https://e.example/?a=1&amp;b=&quot;2&quot;"' in push.html


def test_hashtags() -> None:
    topics = [
        TopicRef(n, name)
        for n, name in enumerate(["Computer Vision", '<Tags> & "Quotes"', "!!!", "AI", "A.I."])
    ]
    assert hashtag_line(topics) == "#ComputerVision #TagsQuotes #AI"
    assert hashtag_line([TopicRef(1, "Café_Münster 2")]) == "#Café_Münster2"
    assert hashtag_line([TopicRef(1, " - ")]) == ""
    assert len(hashtag_line([TopicRef(n, f"topic{n} " * 30) for n in range(50)])) <= 200


def test_a_5000_character_title_is_cut_to_fit() -> None:
    for title in ("word " * 1000, "😀" * 5000, '&<>"' * 1250):
        article = replace(SEED, title=title)
        for as_caption, limit in ((True, MAX_CAPTION_UTF16), (False, MAX_TEXT_UTF16)):
            html = render_push(article, frozenset(), ENGLISH, as_caption=as_caption).html
            text = assert_telegram_accepts(html, limit)
            first = text.split("\n")[0]
            assert first.endswith("…") and utf16_len(first) > limit // 2
            assert text.endswith("#ComputerVision #AI" if as_caption else "— Gothamist")  # footer kept whole
            assert "Mayor" not in text  # no room left for the excerpt


def test_a_long_excerpt_is_cut_at_a_word_boundary() -> None:
    html = render_push(
        replace(SEED, excerpt="lorem ipsum " * 500), frozenset(), ENGLISH, as_caption=True
    ).html
    excerpt = html.split("\n\n")[1]
    assert excerpt.startswith("lorem ipsum ") and excerpt.endswith(("lorem…", "ipsum…"))
    assert visible_length(html) > MAX_CAPTION_UTF16 - len("lorem ipsum ")  # cut at the last word that fits


def test_an_empty_title_shows_the_url() -> None:
    html = render_push(replace(SEED, title=" "), frozenset(), ENGLISH, as_caption=True).html
    assert html.startswith(f'<b><a href="{URL}">{URL}</a></b>\n\n')


def test_link_preview() -> None:
    large = link_preview(SEED, image_previews=True)
    assert (large.url, large.prefer_large_media, large.show_above_text) == (SEED.image_url, True, True)
    assert link_preview(replace(SEED, image_url=None), image_previews=True).url == URL
    assert link_preview(SEED, image_previews=False).is_disabled is True


def item(n: int, title: str = "Story", provider: str | None = "Wire") -> DigestItem:
    return DigestItem(
        n, f"{title} {n}", f"https://news.example/{n}", provider, PUBLISHED + timedelta(minutes=n)
    )


def test_digest_golden() -> None:
    assert render_digest([item(1), item(2, "<AT&T>", None)], ENGLISH) == [
        "📰 <b>2 new articles</b>\n"
        '• <a href="https://news.example/1">Story 1</a> — Wire, 17 Aug 08:15\n'
        '• <a href="https://news.example/2">&lt;AT&amp;T&gt; 2</a> — 17 Aug 08:16'
    ]
    assert render_digest([item(1)], ENGLISH)[0].startswith("📰 <b>1 new article</b>\n• ")
    assert render_digest([], ENGLISH) == []


def test_a_long_digest_is_split_into_numbered_parts_of_whole_lines() -> None:
    items = [item(n, "headline " * 25) for n in range(40)]
    parts = render_digest(items, ENGLISH)
    assert len(parts) == 3
    for number, part in enumerate(parts, start=1):
        assert part.startswith(f"📰 <b>40 new articles</b> ({number}/3)\n• ")
        assert_telegram_accepts(part, MAX_TEXT_UTF16)
    lines = [line for part in parts for line in part.split("\n")[1:]]
    assert lines == [render_digest([one], ENGLISH)[0].split("\n")[1] for one in items]


def test_a_digest_line_too_long_alone_has_its_title_cut() -> None:
    parts = render_digest([item(1, "😀 " * 3000), item(2)], ENGLISH)
    assert len(parts) == 2
    text = assert_telegram_accepts(parts[0], MAX_TEXT_UTF16)
    assert text.endswith("… — Wire, 17 Aug 08:15")
    assert parts[1].endswith("Story 2</a> — Wire, 17 Aug 08:16")


# Arbitrary strings: any code point but lone surrogates, plus HTML's specials and astral characters,
# and long repetitions of them, so every cut (title, excerpt, hashtags, sources) is exercised.
_CHARS = st.one_of(st.characters(exclude_categories=["Cs"]), st.sampled_from(list("&<>\"' \n😀𝐀🇺🇦")))
STRINGS = st.one_of(
    st.text(_CHARS, max_size=40),
    st.builds(
        lambda text, times: text * times, st.text(_CHARS, min_size=1, max_size=8), st.integers(50, 700)
    ),
)
URLS = st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=30).map(
    lambda path: "https://example.com/" + path
)
TOPICS = st.lists(st.builds(TopicRef, st.integers(1, 2**62), STRINGS), max_size=8)
WHEN = st.datetimes(
    min_value=datetime(1970, 1, 2),
    timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=-11)), timezone(timedelta(hours=14))]),
)


@st.composite
def push_articles(draw: st.DrawFn) -> tuple[PushArticle, frozenset[int]]:
    topics = draw(TOPICS)
    article = PushArticle(
        id=draw(st.integers(1, 2**62)),
        title=draw(STRINGS),
        web_url=draw(URLS),
        excerpt=draw(st.none() | STRINGS),
        provider_name=draw(st.none() | STRINGS),
        published_at=draw(WHEN),
        quality=None,
        topics=tuple(topics),
        related=tuple(
            draw(st.lists(st.builds(RelatedSummary, URLS, st.none() | STRINGS, st.none() | STRINGS)))
        ),
        image_url=None,
        image_file_id=None,
        video=draw(st.booleans()),
    )
    followed = draw(st.frozensets(st.sampled_from([t.id for t in topics]))) if topics else frozenset()
    return article, followed


@settings(max_examples=120, deadline=None)
@given(push_articles())
def test_every_push_is_accepted_by_telegram(drawn: tuple[PushArticle, frozenset[int]]) -> None:
    article, followed = drawn
    for as_caption, limit in ((True, MAX_CAPTION_UTF16), (False, MAX_TEXT_UTF16)):
        push = render_push(article, followed, ENGLISH, as_caption=as_caption)
        assert_telegram_accepts(push.html, limit)
        assert_buttons_valid(push.keyboard)
        assert len(push.keyboard.inline_keyboard) <= 1 + 3 + 1
    assert_buttons_valid(render_mute_choice(article, followed, ENGLISH)[1])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.builds(DigestItem, st.integers(1, 2**62), STRINGS, URLS, st.none() | STRINGS, WHEN), max_size=40
    )
)
def test_every_digest_part_is_accepted_by_telegram(items: list[DigestItem]) -> None:
    parts = render_digest(items, ENGLISH)
    assert len(parts) <= max(1, len(items))
    for number, part in enumerate(parts, start=1):
        assert_telegram_accepts(part, MAX_TEXT_UTF16)
        assert part.split("\n")[0].endswith(f" ({number}/{len(parts)})") == (len(parts) > 1)
    assert sum(part.count("\n• ") for part in parts) == len(items)


@settings(max_examples=60, deadline=None)
@given(STRINGS, st.integers(1, 2**62))
def test_every_mute_confirmation_is_accepted_by_telegram(name: str, topic_id: int) -> None:
    text, keyboard = render_muted(name, topic_id, ENGLISH)
    assert_telegram_accepts(text, MAX_TEXT_UTF16)
    assert_buttons_valid(keyboard)
    assert_telegram_accepts(render_refollowed(name, ENGLISH), MAX_TEXT_UTF16)
