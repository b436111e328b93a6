// Inline mode in the composer, as Telegram's client does it: typing `@<bot> <words>` opens a list of the
// bot's results above the composer; picking one posts it in the chat as the reader's message via the bot.
//
// Each answer belongs to the text it was asked for: a newer text bumps the generation, and an answer
// that comes back for an older one is dropped, so the list never shows an older answer over a newer one.
// Each page of results is its own inline query (the offset is the answer before's next_offset), so each
// result keeps the id of the query that returned it: a pick names that query.

import { api, byTestId, el, safeUrl, WEB_SCHEMES } from "./elements.js";

// Telegram's client waits for a pause in typing before it asks the bot.
const DEBOUNCE_MS = 300;
// How close to the end of the list a scroll must come to fetch the next page.
const MORE_MARGIN_PX = 24;

/** The query of a composer text that addresses `username` inline (`@bot words`), else null. The
 * username must be followed by a space, as in Telegram; `@bot ` alone is the empty query. */
export function inlineQuery(text, username) {
  const match = /^@([A-Za-z0-9_]{1,32})[ \t\n]([\s\S]*)$/.exec(text);
  if (!match || !username || match[1].toLowerCase() !== username.toLowerCase()) return null;
  return match[2].trimStart();
}

/**
 * Wire the results panel to the composer. `chatId()` and `username()` say where the reader types and
 * whom; `posted()` runs after a pick was posted. Returns `keydown(event)` (true when the panel took the
 * key) and `chatChanged()`, for the composer to call.
 */
export function setUpInline({ input, chatId, username, posted }) {
  const panel = byTestId("inline-panel");
  const list = byTestId("inline-results");
  const status = byTestId("inline-status");
  const more = byTestId("inline-more");
  let generation = 0;
  let timer = 0;
  // The panel's answer: the text and chat it was asked for, the results so far and where the next page starts.
  let shown = null;
  let highlighted = -1;
  let fetching = false;
  // The composer text the reader closed the panel on with Escape: it stays closed until the text changes.
  let dismissed = null;

  const isOpen = () => !panel.hidden;

  function close() {
    generation += 1;
    clearTimeout(timer);
    shown = null;
    highlighted = -1;
    fetching = false;
    panel.hidden = true;
    list.replaceChildren();
    input.removeAttribute("aria-activedescendant");
  }

  function say(text, failed = false) {
    status.textContent = text;
    status.hidden = !text;
    status.classList.toggle("is-error", failed);
  }

  function typed() {
    const query = inlineQuery(input.value, username());
    if (query === null) {
      dismissed = null;
      if (isOpen()) close();
      return;
    }
    if (input.value === dismissed) return;
    dismissed = null;
    if (shown && shown.query === query && shown.chatId === chatId()) return;
    close();
    const mine = generation;
    shown = { query, chatId: chatId(), items: [], nextOffset: "" };
    panel.hidden = false;
    more.hidden = true;
    say("Searching…");
    timer = setTimeout(() => fetchPage(mine, ""), DEBOUNCE_MS);
  }

  async function fetchPage(mine, offset) {
    const { query, chatId: chat } = shown;
    fetching = true;
    let answer;
    try {
      ({ data: answer } = await api(`/api/chats/${chat}/inline`, { query, offset }));
    } catch (error) {
      if (mine === generation) {
        fetching = false;
        say(error.message, true);
      }
      return;
    }
    if (mine !== generation) return; // the reader typed on, closed the panel or changed chats meanwhile
    fetching = false;
    if (answer.status !== "answered") {
      more.hidden = true;
      say(answer.message, true);
      return;
    }
    const first = shown.items.length;
    for (const result of answer.results) shown.items.push({ result, queryId: answer.inline_query_id });
    shown.nextOffset = answer.next_offset;
    list.append(...answer.results.map((result, index) => option(result, first + index)));
    say(shown.items.length ? "" : "No results");
    more.hidden = !shown.nextOffset;
  }

  function fetchMore() {
    if (!shown || fetching || !shown.nextOffset) return;
    more.hidden = true;
    say("Loading more…");
    fetchPage(generation, shown.nextOffset);
  }

  function option(result, index) {
    return el(
      "li",
      {
        className: "inline-result",
        testid: "inline-result",
        attrs: { role: "option", id: `inline-result-${index}`, "aria-selected": "false" },
        // Keep the focus in the composer, as a click on Telegram's result list does.
        on: { mousedown: (event) => event.preventDefault(), click: () => pick(index) },
      },
      [
        thumbnail(result),
        el("span", { className: "inline-result-text" }, [
          el("span", { className: "inline-result-title", testid: "inline-result-title" }, [result.title]),
          result.description
            ? el("span", { className: "inline-result-description", testid: "inline-result-description" }, [
                result.description,
              ])
            : null,
        ]),
      ],
    );
  }

  function highlight(index) {
    const options = list.children;
    highlighted = Math.max(0, Math.min(index, options.length - 1));
    for (const [at, node] of [...options].entries()) node.setAttribute("aria-selected", String(at === highlighted));
    const node = options[highlighted];
    input.setAttribute("aria-activedescendant", node.id);
    node.scrollIntoView({ block: "nearest" });
    if (highlighted === options.length - 1) fetchMore();
  }

  async function pick(index) {
    const { chatId: chat, items } = shown;
    const { result, queryId } = items[index];
    try {
      await api(`/api/chats/${chat}/inline/choose`, { inline_query_id: queryId, result_id: result.id });
    } catch (error) {
      say(`Not posted: ${error.message}`, true);
      return;
    }
    close();
    input.value = "";
    input.dispatchEvent(new Event("input"));
    posted();
  }

  function keydown(event) {
    if (!isOpen() || event.isComposing) return false;
    const options = list.children.length;
    if (event.key === "Escape") {
      dismissed = input.value;
      close();
    } else if (event.key === "ArrowDown" && options) {
      highlight(highlighted + 1);
    } else if (event.key === "ArrowUp" && options) {
      highlight(highlighted <= 0 ? 0 : highlighted - 1);
    } else if (event.key === "Enter" && !event.shiftKey && highlighted >= 0) {
      pick(highlighted);
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  }

  input.addEventListener("input", typed);
  list.addEventListener("scroll", () => {
    if (list.scrollTop + list.clientHeight >= list.scrollHeight - MORE_MARGIN_PX) fetchMore();
  });
  more.addEventListener("click", fetchMore);
  return {
    keydown,
    chatChanged() {
      close();
      typed();
    },
  };
}

/** A result's thumbnail, or, without one (or offline), a tile with its title's first letter. */
function thumbnail(result) {
  const letter = () =>
    el("span", { className: "inline-thumb inline-thumb--letter", attrs: { "aria-hidden": "true" } }, [
      [...result.title.trim()][0]?.toUpperCase() || "?",
    ]);
  const src = result.thumbnail_url && safeUrl(result.thumbnail_url, WEB_SCHEMES);
  if (!src) return letter();
  const image = el("img", {
    className: "inline-thumb",
    testid: "inline-thumb",
    attrs: { src, alt: "", decoding: "async", referrerpolicy: "no-referrer" },
    on: { error: () => image.replaceWith(letter()) },
  });
  return image;
}
