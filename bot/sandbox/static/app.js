// The sandbox's chat page: what the bot sent to each simulated reader, drawn the way Telegram draws it.
//
// A plain ES module, no build step. Everything the bot or a reader wrote reaches the page as DOM text
// nodes or as checked attributes, never as HTML.

import { api, byTestId, el, safeUrl, WEB_SCHEMES } from "./elements.js";
import { setUpInline } from "./inline.js";

const COMMANDS = ["/start", "/topics", "/latest", "/settings", "/help"];
const TOAST_MS = 3000;
const IMAGE_URL = /\.(?:avif|gif|jpe?g|png|webp)(?:[?#]|$)/i;
// What Telegram's servers mark in a bot's text by themselves; the emulator leaves it to the client.
const AUTO_ENTITIES = new RegExp(
  [
    String.raw`(?<url>https?://[^\s<>"]*[^\s<>".,;:!?)'"])`,
    String.raw`(?<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@\w+)?)`,
    String.raw`(?<hashtag>(?<![\w#])#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*)`,
    String.raw`(?<mention>(?<![\w@])@[A-Za-z0-9_]{5,32})`,
  ].join("|"),
  "gu",
);
// When two entities cover the same text, the lower rank is the outer element (a link around bold).
const OUTER_RANK = { blockquote: 0, expandable_blockquote: 0, pre: 1, text_link: 2, url: 2, email: 2 };

const state = {
  readers: [],
  current: null,
  chats: new Map(), // chat_id -> messages, as GET /api/chats/{id}/messages returns them
  seen: new Map(), // chat_id -> how many bot messages that reader has looked at
  nodes: new Map(), // message key -> {signature, node}, for the chat on screen
  clockOffset: Infinity,
  stickToBottom: true,
  botUsername: "",
  inline: null, // the composer's inline results panel (inline.js)
};

const externalLink = (href, attrs = {}) => ({ href, target: "_blank", rel: "noopener noreferrer", ...attrs });

/** The start payload of a link that opens this bot (`https://t.me/<bot>?start=<payload>`), else null.
 * Telegram opens the bot's chat and sends `/start <payload>` when the reader taps Start; the sandbox does
 * the same in the reader's chat on screen. */
function startPayload(href) {
  try {
    const url = new URL(href);
    const payload = url.searchParams.get("start");
    const bot = url.pathname.slice(1).toLowerCase();
    const ours = ["t.me", "telegram.me"].includes(url.hostname) && bot === state.botUsername.toLowerCase();
    return ours && payload && /^[A-Za-z0-9_-]{1,64}$/.test(payload) ? payload : null;
  } catch {
    return null;
  }
}

/** What a click on a link to this bot does: the reader on screen starts it with the link's payload. */
function opensBot(payload) {
  return (event) => {
    event.preventDefault();
    send(`/start ${payload}`);
  };
}

// ---- API -------------------------------------------------------------------------------------------

let loading = false;
let pending = false;

/** Refetch every reader's chat; calls that arrive while a fetch runs are folded into one more fetch. */
async function refresh() {
  pending = true;
  if (loading) return;
  loading = true;
  try {
    while (pending) {
      pending = false;
      await loadChats();
    }
  } catch (error) {
    showToast(`Could not load the chats: ${error.message}`);
  } finally {
    loading = false;
  }
}

async function loadChats() {
  const answers = await Promise.all(
    state.readers.map((reader) => api(`/api/chats/${reader.chat_id}/messages`)),
  );
  // Message times are the server's monotonic clock in seconds. The smallest "now - time" seen so far is
  // the best guess of the offset to wall-clock time (exact for a message seen as soon as it was sent).
  const now = Date.now() / 1000;
  state.readers.forEach((reader, index) => {
    const messages = answers[index].data.messages;
    for (const message of messages) state.clockOffset = Math.min(state.clockOffset, now - message.time);
    if (!state.chats.has(reader.chat_id)) state.seen.set(reader.chat_id, botCount(messages));
    state.chats.set(reader.chat_id, messages);
  });
  renderChat();
  renderReaders();
}

const botCount = (messages) => messages.filter((m) => m.from === "bot" && !m.deleted).length;

function messageTime(message) {
  const seconds = message.date ?? message.time + state.clockOffset;
  return new Date(seconds * 1000).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
}

// ---- Entities --------------------------------------------------------------------------------------

/**
 * Text with Telegram entities as a DocumentFragment. Offsets and lengths count UTF-16 code units, as
 * JavaScript strings do, so they index `text` directly.
 */
export function renderEntities(text, entities = []) {
  const root = { start: 0, end: text.length, children: [] };
  const sorted = entities
    .filter((e) => Number.isInteger(e.offset) && Number.isInteger(e.length))
    .filter((e) => e.offset >= 0 && e.length > 0 && e.offset < text.length)
    .sort((a, b) => a.offset - b.offset || b.length - a.length || rank(a) - rank(b));
  const stack = [root];
  for (const entity of sorted) {
    while (entity.offset >= stack.at(-1).end) stack.pop();
    const parent = stack.at(-1);
    // The Bot API nests entities or keeps them apart; one that overlaps partly is cut at its parent's end.
    const node = {
      entity,
      start: entity.offset,
      end: Math.min(entity.offset + entity.length, parent.end),
      children: [],
    };
    parent.children.push(node);
    stack.push(node);
  }
  return buildNode(text, root);
}

const rank = (entity) => OUTER_RANK[entity.type] ?? 3;

function buildNode(text, node) {
  const [outer, inner] = node.entity
    ? entityElement(node.entity, text.slice(node.start, node.end))
    : [document.createDocumentFragment()];
  const target = inner || outer;
  let at = node.start;
  for (const child of node.children) {
    if (child.start > at) target.append(text.slice(at, child.start));
    target.append(buildNode(text, child));
    at = child.end;
  }
  if (at < node.end) target.append(text.slice(at, node.end));
  return outer;
}

/** The element for one entity: [outer] or [outer, the element its text goes into]. */
function entityElement(entity, covered) {
  const simple = { bold: "strong", italic: "em", underline: "u", strikethrough: "s", code: "code" };
  if (simple[entity.type]) return [el(simple[entity.type], { className: `entity-${entity.type}` })];
  switch (entity.type) {
    case "pre": {
      const code = el("code", { attrs: { "data-language": entity.language || null } });
      return [el("pre", { className: "entity-pre" }, [code]), code];
    }
    case "blockquote":
    case "expandable_blockquote":
      return [el("blockquote", { className: "entity-blockquote" })];
    case "spoiler":
      return [spoiler()];
    case "text_link":
      return [link(entity.url)];
    case "url":
      return [link(/^[a-z][a-z0-9+.-]*:/i.test(covered) ? covered : `https://${covered}`)];
    case "email":
      return [link(`mailto:${covered}`)];
    case "mention":
      return [link(`https://t.me/${covered.slice(1)}`)];
    case "bot_command":
      // Tapping a command in a message sends it, as in Telegram.
      return [
        el("span", {
          className: "entity-command",
          attrs: { role: "button", tabindex: 0 },
          on: commandTap(covered),
        }),
      ];
    case "hashtag":
    case "cashtag":
    case "text_mention":
      return [el("span", { className: "entity-tag" })];
    default:
      return [el("span")];
  }
}

function link(url) {
  const href = safeUrl(url);
  if (!href) return el("span");
  const payload = startPayload(href);
  if (payload) {
    const title = `opens the bot: /start ${payload}`;
    return el("a", { className: "entity-link", attrs: { href, title }, on: { click: opensBot(payload) } });
  }
  return el("a", { className: "entity-link", attrs: externalLink(href, { title: href }) });
}

function spoiler() {
  const reveal = (event) => {
    event.currentTarget.classList.add("is-revealed");
    event.currentTarget.removeAttribute("role");
  };
  return el("span", {
    className: "entity-spoiler",
    attrs: { role: "button", tabindex: 0, "aria-label": "Spoiler: show" },
    on: { click: reveal, keydown: (e) => (e.key === "Enter" || e.key === " ") && reveal(e) },
  });
}

function commandTap(command) {
  const run = () => send(command.replace(/@\w+$/, ""));
  return { click: run, keydown: (e) => e.key === "Enter" && run() };
}

/** The entities plus the URLs, commands, hashtags and mentions Telegram would mark in the rest. */
export function withAutoEntities(text, entities = []) {
  const taken = entities.map((e) => [e.offset, e.offset + e.length]);
  const found = [];
  for (const match of text.matchAll(AUTO_ENTITIES)) {
    const [type, value] = Object.entries(match.groups).find(([, v]) => v !== undefined);
    const start = match.index;
    const end = start + value.length;
    if (!taken.some(([a, b]) => start < b && a < end)) {
      found.push({ type, offset: start, length: value.length });
    }
  }
  return [...entities, ...found];
}

// ---- Messages --------------------------------------------------------------------------------------

function renderChat() {
  const list = byTestId("messages");
  const messages = (state.chats.get(state.current) || []).filter((m) => !m.deleted);
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
  const kept = new Map();
  const nodes = messages.map((message, index) => {
    const key = message.from === "bot" ? `bot:${message.message_id}` : `reader:${message.time}`;
    const signature = JSON.stringify(message) + messageTime(message);
    let entry = state.nodes.get(key);
    if (!entry || entry.signature !== signature) entry = { signature, node: renderMessage(message) };
    kept.set(key, entry);
    // Like Telegram, only the last bubble of a run from one side has a tail.
    entry.node.classList.toggle("is-last", messages[index + 1]?.from !== message.from);
    return entry.node;
  });
  state.nodes = kept;
  // Move nodes only where the order changed: images that already failed or loaded stay as they are.
  let cursor = list.firstChild;
  for (const node of nodes) {
    if (node === cursor) cursor = cursor.nextSibling;
    else list.insertBefore(node, cursor);
  }
  while (cursor) {
    const next = cursor.nextSibling;
    cursor.remove();
    cursor = next;
  }
  byTestId("empty-chat").hidden = nodes.length > 0;
  state.seen.set(state.current, botCount(messages));
  if (nearBottom || state.stickToBottom) list.scrollTop = list.scrollHeight;
  state.stickToBottom = false;
}

export function renderMessage(message) {
  if (message.from === "reader" && !message.via) {
    const text = textBlock(message.text, [], "text");
    text.dataset.meta = metaLabel(message);
    return el("div", { className: "message message--reader", testid: "message" }, [
      el("div", { className: "bubble bubble--reader", testid: "bubble-reader" }, [text, meta(message)]),
    ]);
  }
  const body = message.photo ? message.caption : message.text;
  const entities = message.photo ? message.caption_entities : message.entities;
  const preview = message.photo ? null : linkPreview(message.link_preview, body || "", entities || []);
  const above = Boolean(message.link_preview?.show_above_text);
  const text = body ? textBlock(body, entities, message.photo ? "caption" : "text") : null;
  // The bot's own message, or a reader's that an inline result became ("via @bot", on their side).
  const side = message.from === "bot" ? "bot" : "reader";
  const parts = [
    message.via ? via(message.via) : null,
    message.photo ? photo(message.photo_url) : null,
    above ? preview : null,
    text,
    above ? null : preview,
  ].filter(Boolean);
  const last = parts.at(-1);
  if (last === text) text.dataset.meta = metaLabel(message);
  const metaKind = last === text ? "" : message.photo && !text ? "meta--overlay" : "meta--block";
  const bubble = el(
    "div",
    {
      className: `bubble bubble--${side}${message.photo ? " bubble--photo" : ""}${text ? "" : " bubble--bare"}`,
      testid: `bubble-${side}`,
    },
    [...parts, meta(message, metaKind)],
  );
  return el(
    "div",
    {
      className: `message message--${side}${message.photo ? " message--photo" : ""}`,
      testid: "message",
      attrs: { "data-message-id": message.message_id },
    },
    [bubble, keyboard(message)],
  );
}

/** "via @bot" above a message an inline result became; a click starts an inline query to that bot. */
function via(username) {
  const start = () => {
    const input = byTestId("composer-input");
    input.value = `@${username} `;
    input.dispatchEvent(new Event("input"));
    input.focus();
  };
  return el("div", { className: "via", testid: "via" }, [
    "via ",
    el("button", { className: "via-bot", attrs: { type: "button" }, on: { click: start } }, [`@${username}`]),
  ]);
}

function metaLabel(message) {
  return [message.silent ? "🔕" : "", message.edited ? "edited" : "", messageTime(message)]
    .filter(Boolean)
    .join(" ");
}

/** The text of a bubble; a `data-meta` set on it reserves room at the end of its last line for the time. */
function textBlock(text, entities, testid) {
  return el("div", { className: "text", testid }, [
    renderEntities(text, withAutoEntities(text, entities || [])),
  ]);
}

function meta(message, kind = "") {
  return el("span", { className: `meta ${kind}`.trim(), testid: "meta" }, [
    message.silent ? el("span", { attrs: { title: "sent silently" } }, ["🔕 "]) : null,
    message.edited ? el("span", { className: "edited", testid: "edited" }, ["edited "]) : null,
    el("time", {}, [messageTime(message)]),
  ]);
}

function photo(url) {
  const box = el("div", { className: "photo" });
  const unavailable = () =>
    box.replaceChildren(
      el("div", { className: "photo-placeholder", testid: "photo-placeholder" }, [
        document.getElementById("image-icon").content.cloneNode(true),
        el("span", {}, ["image unavailable offline"]),
      ]),
    );
  const src = url && safeUrl(url, WEB_SCHEMES);
  if (!src) {
    unavailable();
    return box;
  }
  const image = el("img", {
    testid: "photo",
    attrs: { src, alt: "", decoding: "async", referrerpolicy: "no-referrer" },
    on: { error: unavailable },
  });
  box.append(image);
  return box;
}

/** The card under (or above) a text message: the link's host, and its image when it links to one. */
function linkPreview(options, text, entities) {
  if (options?.is_disabled) return null;
  const firstLink = withAutoEntities(text, entities).find((e) => e.type === "text_link" || e.type === "url");
  const url = safeUrl(
    options?.url ||
      (firstLink?.type === "text_link"
        ? firstLink.url
        : firstLink && text.slice(firstLink.offset, firstLink.offset + firstLink.length)),
    WEB_SCHEMES,
  );
  if (!url) return null;
  const { host } = new URL(url);
  const large = options?.prefer_large_media !== false;
  const attrs = externalLink(url);
  return el("a", { className: `preview${large ? " preview--large" : ""}`, testid: "link-preview", attrs }, [
    el("span", { className: "preview-site" }, [host]),
    el("span", { className: "preview-url" }, [url]),
    IMAGE_URL.test(new URL(url).pathname) ? photo(url) : null,
  ]);
}

function keyboard(message) {
  const rows = message.reply_markup?.inline_keyboard;
  if (!rows?.length) return null;
  return el(
    "div",
    { className: "keyboard", testid: "keyboard" },
    rows.map((row) =>
      el(
        "div",
        { className: "keyboard-row" },
        row.map((button) => keyboardButton(message, button)),
      ),
    ),
  );
}

function keyboardButton(message, button) {
  const href = button.url && safeUrl(button.url);
  if (href) {
    // Telegram marks a button that opens a link with an arrow in its corner.
    const mark = button.text.includes("↗")
      ? null
      : el("span", { className: "corner", attrs: { "aria-hidden": "true" } }, ["↗"]);
    const payload = startPayload(href);
    const attrs = payload ? { href, title: `opens the bot: /start ${payload}` } : externalLink(href, { title: href });
    const on = payload ? { click: opensBot(payload) } : {};
    return el("a", { className: "keyboard-button", testid: "keyboard-button", attrs, on }, [
      el("span", { className: "label" }, [button.text]),
      mark,
    ]);
  }
  // A reader's message via the bot has no callback the sandbox can deliver (it has no bot message id).
  const tappable = typeof button.callback_data === "string" && message.from === "bot";
  const chatId = state.current;
  return el(
    "button",
    {
      className: "keyboard-button",
      testid: "keyboard-button",
      attrs: { type: "button", disabled: !tappable, title: tappable ? null : "not available in the sandbox" },
      on: tappable
        ? { click: (event) => tap(chatId, message.message_id, button.callback_data, event.currentTarget) }
        : {},
    },
    [el("span", { className: "label" }, [button.text])],
  );
}

async function tap(chatId, messageId, data, button) {
  // Telegram shows a spinner on the button until the bot answers the callback query.
  button.classList.add("is-loading");
  button.disabled = true;
  try {
    const { data: answer } = await api(`/api/chats/${chatId}/tap`, { message_id: messageId, data });
    if (answer.toast && answer.alert) showAlert(answer.toast);
    else if (answer.toast) showToast(answer.toast);
  } catch (error) {
    showToast(`The tap failed: ${error.message}`);
  } finally {
    button.classList.remove("is-loading");
    button.disabled = false;
  }
}

let toastTimer = 0;

function showToast(text) {
  const toast = byTestId("toast");
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    toast.hidden = true;
  }, TOAST_MS);
}

function showAlert(text) {
  const dialog = byTestId("alert");
  dialog.querySelector(".alert-text").textContent = text;
  dialog.showModal();
}

// ---- Readers and the composer ----------------------------------------------------------------------

function buildReaders() {
  const list = byTestId("reader-select");
  list.addEventListener("keydown", moveBetweenReaders);
  list.replaceChildren(
    ...state.readers.map((reader, index) =>
      el(
        "button",
        {
          className: "reader",
          testid: "reader",
          attrs: { type: "button", role: "tab", "data-chat-id": reader.chat_id },
          on: { click: () => selectReader(reader.chat_id) },
        },
        [
          el("span", { className: `avatar avatar--${index % 6}`, attrs: { "aria-hidden": "true" } }, [
            initials(reader.name),
          ]),
          el("span", { className: "reader-name" }, [reader.name]),
          el("span", { className: "reader-time" }),
          el("span", { className: "reader-preview" }),
          el("span", { className: "unread", testid: "unread", attrs: { hidden: true } }),
        ],
      ),
    ),
  );
}

/** Arrow keys move between the reader tabs, as in any tab list. */
function moveBetweenReaders(event) {
  const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[event.key];
  if (!step) return;
  event.preventDefault();
  const index = state.readers.findIndex((reader) => reader.chat_id === state.current);
  const next = state.readers[(index + step + state.readers.length) % state.readers.length];
  selectReader(next.chat_id);
  byTestId("reader-select").querySelector(`[data-chat-id="${next.chat_id}"]`).focus();
}

const initials = (name) =>
  name
    .replace(/\(.*?\)/g, "")
    .trim()
    .split(/\s+/)
    .map((word) => [...word][0])
    .join("")
    .slice(0, 2)
    .toUpperCase();

function renderReaders() {
  for (const tab of byTestId("reader-select").children) {
    const chatId = Number(tab.dataset.chatId);
    const messages = (state.chats.get(chatId) || []).filter((m) => !m.deleted);
    const last = messages.at(-1);
    const unread = botCount(messages) - (state.seen.get(chatId) || 0);
    tab.setAttribute("aria-selected", String(chatId === state.current));
    tab.querySelector(".reader-time").textContent = last ? messageTime(last) : "";
    tab.querySelector(".reader-preview").textContent = last ? previewText(last) : "No messages yet";
    const badge = tab.querySelector(".unread");
    badge.hidden = chatId === state.current || unread <= 0;
    badge.textContent = String(unread);
  }
}

function previewText(message) {
  const text = (message.photo ? message.caption : message.text) || "";
  const line = text.split("\n").find((l) => l.trim()) || (message.photo ? "Photo" : "");
  return message.from === "reader" ? `You: ${line}` : line;
}

function selectReader(chatId) {
  if (chatId === state.current) return;
  state.current = chatId;
  state.nodes = new Map();
  state.stickToBottom = true;
  byTestId("messages").replaceChildren();
  history.replaceState(null, "", `#${chatId}`);
  renderChat();
  renderReaders();
  state.inline?.chatChanged();
}

async function send(text) {
  const message = text.trim();
  if (!message) return;
  state.stickToBottom = true;
  try {
    await api(`/api/chats/${state.current}/messages`, { text: message });
  } catch (error) {
    showToast(`Not sent: ${error.message}`);
  }
  refresh();
}

function setUpComposer() {
  const form = byTestId("composer");
  const input = byTestId("composer-input");
  const submit = () => {
    const text = input.value;
    input.value = "";
    fitHeight(input);
    send(text);
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  state.inline = setUpInline({
    input,
    chatId: () => state.current,
    username: () => state.botUsername,
    posted: () => {
      state.stickToBottom = true;
      refresh();
    },
  });
  input.addEventListener("keydown", (event) => {
    if (state.inline.keydown(event)) return;
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  input.addEventListener("input", () => fitHeight(input));
  byTestId("command-chips").replaceChildren(
    ...COMMANDS.map((command) =>
      el(
        "button",
        {
          className: "chip",
          testid: "command-chip",
          attrs: { type: "button" },
          on: { click: () => send(command) },
        },
        [command],
      ),
    ),
  );
  for (const button of document.querySelectorAll("[data-command]")) {
    button.addEventListener("click", () => send(button.dataset.command));
  }
}

function fitHeight(textarea) {
  textarea.style.height = "auto";
  textarea.style.height = `${Math.min(textarea.scrollHeight, 160)}px`;
}

// ---- Operator panel --------------------------------------------------------------------------------

function setUpOperator(samples) {
  const app = byTestId("app");
  const toggle = byTestId("operator-toggle");
  const setOpen = (open) => {
    app.classList.toggle("operator-open", open);
    toggle.setAttribute("aria-expanded", String(open));
  };
  setOpen(window.matchMedia("(min-width: 1000px)").matches);
  toggle.addEventListener("click", () => setOpen(!app.classList.contains("operator-open")));

  byTestId("samples").replaceChildren(
    ...samples.map((sample) =>
      el("li", { className: "sample", testid: "sample", attrs: { "data-name": sample.name } }, [
        el("span", { className: "sample-title" }, [sample.title]),
        el("span", { className: "sample-file" }, [sample.name]),
        el(
          "button",
          {
            className: "button",
            testid: "sample-drop",
            attrs: { type: "button", "aria-label": `Drop "${sample.title}"` },
            on: { click: (event) => dropSample(sample, event.currentTarget) },
          },
          ["Drop"],
        ),
      ]),
    ),
  );

  const form = byTestId("paste-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    publish();
  });
  byTestId("article-example").addEventListener("click", () => {
    const input = byTestId("article-input");
    input.value = exampleArticle();
    input.focus();
  });
}

async function dropSample(sample, button) {
  button.disabled = true;
  try {
    const { data } = await api(`/api/content/samples/${encodeURIComponent(sample.name)}`, {});
    operatorStatus(`Dropped ${data.file}. Readers who follow its topics get it in a moment.`);
  } catch (error) {
    operatorStatus(`Could not drop ${sample.name}: ${error.message}`, true);
  } finally {
    button.disabled = false;
  }
}

async function publish() {
  const input = byTestId("article-input");
  const errors = byTestId("article-errors");
  errors.hidden = true;
  try {
    const { ok, data } = await api("/api/content", { text: input.value });
    if (!ok) {
      errors.replaceChildren(...data.errors.map((line) => el("li", { testid: "article-error" }, [line])));
      errors.hidden = false;
      return;
    }
    input.value = "";
    operatorStatus(`Published ${data.file}.`);
  } catch (error) {
    operatorStatus(`Could not publish: ${error.message}`, true);
  }
}

function operatorStatus(text, failed = false) {
  const status = byTestId("operator-status");
  status.textContent = text;
  status.classList.toggle("is-error", failed);
  status.hidden = false;
}

function exampleArticle() {
  const now = new Date();
  return [
    "---",
    'title: "A headline of your own"',
    'excerpt: "One or two sentences that say what the story is about."',
    `webUrl: "https://example.com/sandbox/${now.getTime()}"`,
    `publishedDateTime: ${now.toISOString().replace(/\.\d+Z$/, "Z")}`,
    "topics: [AI]",
    "---",
    "",
    "The body is optional Markdown.",
    "",
  ].join("\n");
}

// ---- Start -----------------------------------------------------------------------------------------

function listen() {
  const status = byTestId("chat-status");
  const events = new EventSource("/api/events");
  events.addEventListener("change", refresh);
  events.addEventListener("open", () => {
    status.textContent = "bot";
    refresh();
  });
  // EventSource reconnects by itself; say so meanwhile.
  events.addEventListener("error", () => {
    status.textContent = "reconnecting…";
  });
}

async function main() {
  const { data } = await api("/api/state");
  const username = data.bot.username;
  state.botUsername = username;
  byTestId("bot-name").textContent = `@${username}`;
  document.querySelector(".avatar--bot").textContent = username.slice(0, 1).toUpperCase();
  document.title = `@${username} · newsbot sandbox`;
  state.readers = data.readers;
  const wanted = Number(location.hash.slice(1));
  state.current = data.readers.some((r) => r.chat_id === wanted) ? wanted : data.readers[0]?.chat_id;
  buildReaders();
  setUpComposer();
  setUpOperator(data.samples);
  renderReaders();
  listen();
  await refresh();
}

main().catch((error) => showToast(`The sandbox did not start: ${error.message}`));
