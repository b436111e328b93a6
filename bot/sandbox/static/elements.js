// DOM helpers the sandbox page's modules share. Everything the bot or a reader wrote goes in as text
// nodes or checked attributes, never as HTML.

const LINK_SCHEMES = new Set(["http:", "https:", "mailto:", "tg:"]);
export const WEB_SCHEMES = new Set(["http:", "https:"]);

export const byTestId = (id, root = document) => root.querySelector(`[data-testid="${id}"]`);

/** A DOM element; `children` may hold strings (text nodes) and null (skipped). */
export function el(tag, { className, testid, attrs = {}, on = {} } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (testid) node.dataset.testid = testid;
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined && value !== false) node.setAttribute(name, String(value));
  }
  for (const [event, handler] of Object.entries(on)) node.addEventListener(event, handler);
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

/** The URL when its scheme is one a link may have (no `javascript:`), else null. */
export function safeUrl(url, schemes = LINK_SCHEMES) {
  try {
    const parsed = new URL(url);
    return schemes.has(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

/** A call to the sandbox server's JSON API: GET without a body, POST with one. A failed call throws an
 * Error with the server's message, except an answer that lists `errors` (the caller shows them). */
export async function api(path, body) {
  const init =
    body === undefined
      ? {}
      : { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const response = await fetch(path, init);
  const isJson = (response.headers.get("Content-Type") || "").includes("json");
  const data = isJson ? await response.json() : { error: (await response.text()).trim() };
  if (!response.ok && !data.errors) {
    throw new Error(data.error || `${response.status} ${response.statusText}`);
  }
  return { ok: response.ok, data };
}
