"""The sandbox's chat page in a real browser (Debian's chromium, headless), against a running sandbox."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import yaml
from playwright.async_api import Browser, Page, Route, async_playwright, expect

from bot.ops.config import Settings
from bot.sandbox.server import Sandbox, running_sandbox

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"the page tests drive Debian's chromium, and {CHROMIUM} is missing", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[3]
CONTENT = ROOT / "content"
# The README's screenshot is refreshed with SANDBOX_SCREENSHOT=docs/images/sandbox-push.png; by default the
# test writes it to its temporary folder, so a test run leaves the working tree as it was.
README_SCREENSHOT = os.environ.get("SANDBOX_SCREENSHOT")
SAMPLE = "ai/2026-01-14-small-language-models-on-phones.md"
SAMPLES = ["topics.yaml", SAMPLE, "ai/2026-02-03-open-weights-licence-debate.md"]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def front_matter(path: Path) -> dict[str, Any]:
    fields: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])
    return fields


# One sandbox and one browser for the module; each test has a page of its own.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few articles from the project's content folder: an AI one with an image, one without."""
    folder = tmp_path_factory.mktemp("samples")
    for name in SAMPLES:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CONTENT / name, folder / name)
    return folder


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def sandbox(samples: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Sandbox]:
    workdir = tmp_path_factory.mktemp("sandbox")
    async with running_sandbox(Settings(), samples=samples, workdir=workdir, port=0) as running:
        yield running


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        await browser.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(sandbox: Sandbox, browser: Browser) -> AsyncIterator[Page]:
    """A page with no way out: every request that is not for the sandbox fails, as it would offline."""

    async def offline(route: Route) -> None:
        if route.request.url.startswith(sandbox.url):
            await route.continue_()
        else:
            await route.abort("internetdisconnected")

    context = await browser.new_context(viewport={"width": 1100, "height": 800}, locale="en-GB")
    await context.route("**/*", offline)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def test_a_reader_subscribes_and_gets_a_push(
    sandbox: Sandbox, page: Page, samples: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    sample = front_matter(samples / SAMPLE)
    await page.goto(sandbox.url)
    await expect(page.get_by_test_id("bot-name")).to_have_text("@newsbot_sandbox_bot")
    readers = page.get_by_test_id("reader-select").get_by_role("tab")
    await expect(readers).to_have_count(3)
    await expect(readers.first).to_have_attribute("aria-selected", "true")

    composer = page.get_by_test_id("composer-input")
    await composer.fill("/start")
    await composer.press("Enter")
    await expect(page.get_by_test_id("bubble-reader")).to_have_text(re.compile(r"^/start"))
    await expect(page.get_by_test_id("bubble-bot").first).to_contain_text("Welcome to News Bot!")
    ai = page.get_by_test_id("keyboard-button").filter(has_text=re.compile(r"^AI \("))
    await expect(ai).to_be_visible()

    await ai.click()
    await expect(page.get_by_test_id("toast")).to_have_text("Subscribed to AI")
    await expect(
        page.get_by_test_id("keyboard-button").filter(has_text=re.compile(r"^✅ AI \("))
    ).to_be_visible()

    drop = page.get_by_test_id("sample").filter(has_text=sample["title"]).get_by_test_id("sample-drop")
    await drop.click()
    await expect(page.get_by_test_id("operator-status")).to_contain_text("Dropped sandbox-drops/")
    caption = page.get_by_test_id("caption").filter(has_text=sample["title"])
    await expect(caption).to_be_visible()
    await expect(caption.locator("strong", has_text=sample["title"])).to_be_visible()
    push = page.get_by_test_id("message").filter(has=caption)
    read = push.get_by_role("link", name="Read ↗")
    await expect(read).to_have_attribute(
        "href", re.compile("^" + re.escape(sample["webUrl"]) + r"\?sandbox=")
    )
    await expect(read).to_have_attribute("target", "_blank")
    await expect(push.get_by_role("button", name=re.compile("Mute AI"))).to_be_visible()
    await expect(push.get_by_test_id("photo-placeholder")).to_have_text("image unavailable offline")

    await expect(page.get_by_test_id("toast")).to_be_hidden()
    shot = (
        Path(README_SCREENSHOT)
        if README_SCREENSHOT
        else tmp_path_factory.mktemp("shots") / "sandbox-push.png"
    )
    shot.parent.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=shot)
    assert shot.stat().st_size > 10_000

    await readers.filter(has_text="Bob").click()
    await expect(readers.filter(has_text="Bob")).to_have_attribute("aria-selected", "true")
    await expect(page.get_by_test_id("empty-chat")).to_be_visible()
    await expect(page.get_by_test_id("message")).to_have_count(0)


async def test_a_pasted_article_with_errors_shows_them(sandbox: Sandbox, page: Page) -> None:
    await page.goto(sandbox.url)
    await page.get_by_test_id("article-input").fill('---\ntitle: "No link, no date"\n---\n')
    await page.get_by_test_id("article-publish").click()
    errors = page.get_by_test_id("article-error")
    await expect(errors.first).to_have_text(
        "pasted.md: error: missing required field 'webUrl' (or 'originalUrl', the link of a video)"
    )
    await expect(errors).to_have_count(3)


RENDER = """([text, entities]) => import("/static/app.js").then((app) => {
    const box = document.createElement("div");
    box.append(app.renderEntities(text, entities));
    return box.innerHTML;
})"""


async def render(page: Page, text: str, entities: list[dict[str, Any]]) -> str:
    html: str = await page.evaluate(RENDER, [text, entities])
    return html


async def test_entities_count_utf16_units_and_text_stays_text(sandbox: Sandbox, page: Page) -> None:
    await page.goto(sandbox.url)
    await expect(page.get_by_test_id("bot-name")).to_have_text("@newsbot_sandbox_bot")

    # 👋 is two UTF-16 code units: "Hi" starts at offset 3.
    bold = [{"type": "bold", "offset": 3, "length": 2}]
    assert (
        await render(page, "👋 Hi <b>&amp;", bold)
        == '👋 <strong class="entity-bold">Hi</strong> &lt;b&gt;&amp;amp;'
    )

    link = [
        {"type": "bold", "offset": 0, "length": 4},
        {"type": "text_link", "offset": 0, "length": 4, "url": "https://example.com/a?b=1&c=2"},
    ]
    assert await render(page, "Read", link) == (
        '<a class="entity-link" href="https://example.com/a?b=1&amp;c=2" target="_blank"'
        ' rel="noopener noreferrer" title="https://example.com/a?b=1&amp;c=2">'
        '<strong class="entity-bold">Read</strong></a>'
    )

    unsafe = [{"type": "text_link", "offset": 0, "length": 5, "url": "javascript:alert(1)"}]
    assert await render(page, "click", unsafe) == "<span>click</span>"

    nested = [
        {"type": "blockquote", "offset": 0, "length": 9},
        {"type": "italic", "offset": 5, "length": 4},
        {"type": "spoiler", "offset": 0, "length": 4},
    ]
    assert await render(page, "abcd efgh", nested) == (
        '<blockquote class="entity-blockquote"><span class="entity-spoiler" role="button" tabindex="0"'
        ' aria-label="Spoiler: show">abcd</span> <em class="entity-italic">efgh</em></blockquote>'
    )

    pre = [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]
    assert await render(page, "x = 1", pre) == (
        '<pre class="entity-pre"><code data-language="python">x = 1</code></pre>'
    )

    auto = await page.evaluate(
        """(text) => import("/static/app.js").then((app) =>
            app.withAutoEntities(text, [{type: "bold", offset: 0, length: 3}]).map((e) => [e.type, e.offset, e.length]))""",
        "Try /start, #AI and https://example.com/x. Not a/b or /etc.",
    )
    assert auto == [
        ["bold", 0, 3],
        ["bot_command", 4, 6],
        ["hashtag", 12, 3],
        ["url", 20, 21],
        ["bot_command", 54, 4],
    ]


PREVIEW = """(options) => import("/static/app.js").then((app) => {
    const node = app.renderMessage({
        from: "bot", message_id: 7, time: 0, text: "A story", entities: [], photo: false,
        reply_markup: null, link_preview: options, silent: false, edited: true, deleted: false,
    });
    document.body.append(node);  // outside the list, which the page redraws from the server
    const bubble = node.querySelector("[data-testid=bubble-bot]");
    return [...bubble.children].map((child) => child.dataset.testid);
})"""


async def test_link_previews_follow_their_options(sandbox: Sandbox, page: Page) -> None:
    await page.goto(sandbox.url)
    await expect(page.get_by_test_id("bot-name")).to_have_text("@newsbot_sandbox_bot")
    image = "https://images.example.com/2026/01/phone-benchmark.jpg"

    above = await page.evaluate(PREVIEW, {"url": image, "show_above_text": True, "prefer_large_media": True})
    assert above == ["link-preview", "text", "meta"]
    preview = page.get_by_test_id("link-preview").last
    await expect(preview).to_have_attribute("href", image)
    await expect(preview).to_contain_text("images.example.com")
    await expect(preview.get_by_test_id("photo-placeholder")).to_be_visible()
    await expect(page.get_by_test_id("edited").last).to_have_text("edited")

    below = await page.evaluate(PREVIEW, {"url": "https://example.org/story", "show_above_text": False})
    assert below == ["text", "link-preview", "meta"]
    assert await page.evaluate(PREVIEW, {"url": "https://example.org/story", "is_disabled": True}) == [
        "text",
        "meta",
    ]


async def test_a_follow_link_starts_the_bot_in_the_readers_chat(sandbox: Sandbox, page: Page) -> None:
    await page.goto(sandbox.url)
    readers = page.get_by_test_id("reader-select").get_by_role("tab")
    await readers.nth(2).click()
    await expect(readers.nth(2)).to_have_attribute("aria-selected", "true")
    composer = page.get_by_test_id("composer-input")
    await composer.fill("/share Climate")
    await composer.press("Enter")
    follow = page.get_by_test_id("keyboard-button").filter(has_text="Follow Climate")
    await expect(follow).to_have_attribute(
        "href", re.compile(r"^https://t\.me/newsbot_sandbox_bot\?start=follow-\d+-climate$")
    )
    await expect(follow).not_to_have_attribute("target", "_blank")  # it stays in the sandbox
    await follow.click()
    await expect(page.get_by_test_id("bubble-reader").last).to_have_text(
        re.compile(r"^/start follow-\d+-climate")
    )
    await expect(page.get_by_test_id("bubble-bot").last).to_contain_text("✅ You now follow Climate.")
    # The link in the text opens the bot too.
    text_link = page.get_by_test_id("bubble-bot").filter(has_text="Share a topic").locator("a.entity-link")
    await expect(text_link).to_have_attribute("title", re.compile(r"^opens the bot: /start follow-"))


OPEN_WEIGHTS = "ai/2026-02-03-open-weights-licence-debate.md"
INLINE = "@newsbot_sandbox_bot "


async def open_chat(page: Page, sandbox: Sandbox, reader: int) -> None:
    await page.goto(sandbox.url)
    tab = page.get_by_test_id("reader-select").get_by_role("tab").nth(reader)
    await tab.click()
    await expect(tab).to_have_attribute("aria-selected", "true")


async def test_an_inline_result_posts_a_card_whose_follow_button_follows(
    sandbox: Sandbox, page: Page, samples: Path
) -> None:
    newest, older = front_matter(samples / OPEN_WEIGHTS), front_matter(samples / SAMPLE)
    await open_chat(page, sandbox, 1)  # Bob, who follows nothing yet
    composer = page.get_by_test_id("composer-input")
    await composer.fill(INLINE + "AI")
    results = page.get_by_role("listbox", name="Inline results")
    options = results.get_by_role("option")
    # The newest first; an earlier test's drop of a sample may be among them, under the sample's title.
    await expect(options.first.get_by_test_id("inline-result-title")).to_be_visible()
    titles = await results.get_by_test_id("inline-result-title").all_inner_texts()
    assert set(titles) == {newest["title"], older["title"]}
    assert titles.index(newest["title"]) < len(titles) - 1
    await expect(options.first).to_have_attribute("aria-selected", "false")
    await expect(
        options.filter(has_text=older["title"]).last.get_by_test_id("inline-result-description")
    ).to_contain_text(older["excerpt"][:40])

    await options.filter(has_text=older["title"]).last.click()
    await expect(page.get_by_test_id("inline-panel")).to_be_hidden()
    await expect(composer).to_have_value("")
    card = page.get_by_test_id("message").filter(has=page.get_by_test_id("via"))
    await expect(card.get_by_test_id("via")).to_have_text("via @newsbot_sandbox_bot")
    await expect(card.get_by_test_id("bubble-reader")).to_contain_text(older["title"])
    await expect(
        card.locator("a.entity-link", has=page.locator("strong", has_text=older["title"]))
    ).to_have_attribute("href", older["webUrl"])
    follow = card.get_by_test_id("keyboard-button")
    await expect(follow).to_have_text("➕ Follow AI↗")
    await expect(follow).to_have_attribute(
        "href", re.compile(r"^https://t\.me/newsbot_sandbox_bot\?start=follow-\d+-ai$")
    )

    await follow.click()
    await expect(page.get_by_test_id("bubble-reader").last).to_have_text(re.compile(r"^/start follow-\d+-ai"))
    await expect(page.get_by_test_id("bubble-bot").last).to_contain_text("✅ You now follow AI.")
    # The card stays where it was posted, above the follow.
    await expect(card).to_have_count(1)


async def test_the_keyboard_picks_a_result_and_escape_closes_the_list(
    sandbox: Sandbox, page: Page, samples: Path
) -> None:
    await open_chat(page, sandbox, 0)  # Alice
    composer = page.get_by_test_id("composer-input")
    await composer.fill(INLINE + "AI")
    options = page.get_by_role("listbox", name="Inline results").get_by_role("option")
    await expect(options.nth(1)).to_be_visible()
    first_title = await options.first.get_by_test_id("inline-result-title").inner_text()
    await composer.press("ArrowDown")
    await composer.press("ArrowDown")
    await composer.press("ArrowUp")
    await expect(options.first).to_have_attribute("aria-selected", "true")
    await expect(options.nth(1)).to_have_attribute("aria-selected", "false")
    first_id = await options.first.get_attribute("id")
    await expect(composer).to_have_attribute("aria-activedescendant", str(first_id))
    await composer.press("Enter")
    await expect(page.get_by_test_id("inline-panel")).to_be_hidden()
    card = page.get_by_test_id("message").filter(has=page.get_by_test_id("via"))
    await expect(card.get_by_test_id("bubble-reader")).to_contain_text(first_title)
    await expect(
        page.get_by_test_id("bubble-reader").filter(has_text=re.compile("^" + INLINE))
    ).to_have_count(0)

    await composer.fill(INLINE + "qqqzzzx")
    status = page.get_by_test_id("inline-status")
    await expect(status).to_have_text("No results")
    await composer.press("Escape")
    await expect(page.get_by_test_id("inline-panel")).to_be_hidden()
    await expect(composer).to_have_value(INLINE + "qqqzzzx")
    await composer.press("Backspace")
    await expect(status).to_have_text("No results")
    await expect(page.get_by_test_id("inline-panel")).to_be_visible()


async def test_an_older_answer_never_replaces_a_newer_one(
    sandbox: Sandbox, page: Page, samples: Path
) -> None:
    """The answer to "AI" is held back until "phones" was answered: the list keeps the newer answer."""
    held = asyncio.Event()
    release = asyncio.Event()

    async def slow_ai(route: Route) -> None:
        if json.loads(route.request.post_data or "{}").get("query") == "AI":
            held.set()
            await release.wait()
        await route.continue_()

    await page.route("**/api/chats/*/inline", slow_ai)
    await open_chat(page, sandbox, 2)
    composer = page.get_by_test_id("composer-input")
    await composer.fill(INLINE + "AI")
    await held.wait()
    await composer.fill(INLINE + "phones")
    titles = page.get_by_test_id("inline-result-title")
    phones = front_matter(samples / SAMPLE)["title"]
    await expect(titles.first).to_have_text(phones)
    async with page.expect_request_finished(lambda r: '"AI"' in (r.post_data or "")):
        release.set()
    # Let the page read the late answer (a macrotask after it arrived), then look again.
    await page.evaluate("() => new Promise((resolve) => setTimeout(resolve, 50))")
    assert set(await titles.all_inner_texts()) == {phones}


async def test_a_refused_answer_shows_the_emulators_reason_in_the_list(sandbox: Sandbox, page: Page) -> None:
    await open_chat(page, sandbox, 1)
    # Every query is already too old when the bot answers: Telegram (the emulator) refuses the answer.
    sandbox.emulator.set_limits(callback_query_timeout=0.0)
    try:
        await page.get_by_test_id("composer-input").fill(INLINE + "Space")
        status = page.get_by_test_id("inline-status")
        await expect(status).to_have_text(
            "The emulator refused the bot's answer: 400 Bad Request: query is too old and response timeout"
            " expired or query ID is invalid"
        )
        await expect(status).to_have_class(re.compile(r"\bis-error\b"))
        await expect(page.get_by_role("listbox", name="Inline results").get_by_role("option")).to_have_count(
            0
        )
    finally:
        sandbox.emulator.set_limits(callback_query_timeout=15.0)
