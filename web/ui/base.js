// What every hedgerow component shares: the API client, a DOM builder that only ever makes
// text nodes of data (no innerHTML anywhere), the theme, toasts and a few formatters.

import { showToast } from './toasts.js';

/** Where the API is by default: the server this script was loaded from. */
const SCRIPT_ORIGIN = new URL(import.meta.url).origin;

/** A failed request: the envelope's message and code, and the HTTP status (0: unreachable). */
export class ApiError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * Calls the hedgerow API: `{data, pagination}` on success; throws ApiError on failure.
 * `base` is the server's origin, `token` the caller's (or none: anonymous).
 */
export async function request(base, token, method, path, body) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(new URL(path, base), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('hedgerow cannot be reached; check your connection', 0, 'NETWORK');
  }
  const envelope = await response.json().catch(() => null);
  if (!response.ok || !envelope || envelope.error) {
    throw new ApiError(envelope?.error ?? `request failed (${response.status})`, response.status,
      envelope?.code ?? `HTTP_${response.status}`);
  }
  return envelope;
}

/** A path segment or query value, encoded. */
export const enc = encodeURIComponent;

/**
 * Makes an element. `props`: `on<event>` adds a listener, `text` sets textContent, anything
 * else is an attribute (true: present, false/null/undefined: absent). Children: nodes, or
 * strings and numbers, which become text nodes — never markup.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'text') element.textContent = value;
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false)
    .map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))));
  return element;
}

/** The three levels, as people read them. */
export const LEVELS = {
  public: { name: 'Public', hint: 'Anyone can find and view it' },
  unlisted: { name: 'Unlisted', hint: 'Anyone with the address can view it; never listed' },
  private: { name: 'Private', hint: 'Only you and people you invite' },
};

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** An ISO time as a local date and time ('' for none). */
export const formatTime = (iso) => (iso ? dateTime.format(new Date(iso)) : '');

/** A lap time in ms as m:ss.mmm. */
export function formatLap(ms) {
  if (ms === null || ms === undefined) return '–';
  const minutes = Math.floor(ms / 60000);
  const seconds = ((ms % 60000) / 1000).toFixed(3).padStart(6, '0');
  return `${minutes}:${seconds}`;
}

/** `template` (e.g. "#/sessions/{id}") with `{id}` filled in, encoded; null without one. */
export const fillHref = (template, id) => (template ? template.replaceAll('{id}', enc(id)) : null);

/** Every component's theme: each value is a CSS custom property an app may set. */
const THEME = `
:host {
  display: block;
  font: var(--hedgerow-font, 15px/1.45 system-ui, sans-serif);
  color: var(--hedgerow-fg, #1f2328);
  --_bg: var(--hedgerow-bg, #ffffff);
  --_surface: var(--hedgerow-surface, #f6f8fa);
  --_muted: var(--hedgerow-muted, #59636e);
  --_border: var(--hedgerow-border, #d1d9e0);
  --_accent: var(--hedgerow-accent, #0b6e4f);
  --_accent-fg: var(--hedgerow-accent-fg, #ffffff);
  --_danger: var(--hedgerow-danger, #b42318);
  --_focus: var(--hedgerow-focus, #0969da);
  --_radius: var(--hedgerow-radius, 8px);
  --_gap: var(--hedgerow-gap, 0.75rem);
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
button, input, select, textarea { font: inherit; color: inherit; }
button {
  cursor: pointer; padding: 0.35em 0.9em; border-radius: var(--_radius);
  border: 1px solid var(--_border); background: var(--_bg);
}
button.primary { background: var(--_accent); color: var(--_accent-fg); border-color: var(--_accent); }
button.danger { color: var(--_danger); }
button:disabled { opacity: 0.55; cursor: default; }
input, select, textarea {
  padding: 0.35em 0.5em; border: 1px solid var(--_border); border-radius: var(--_radius);
  background: var(--_bg); max-width: 100%;
}
:focus-visible { outline: 2px solid var(--_focus); outline-offset: 2px; }
[aria-invalid="true"] { border-color: var(--_danger); }
.muted, small { color: var(--_muted); }
.error { color: var(--_danger); }
.row { display: flex; gap: var(--_gap); align-items: center; flex-wrap: wrap; }
ul.plain { list-style: none; margin: 0; padding: 0; }
a { color: var(--_accent); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: start; padding: 0.4em 0.6em; border-bottom: 1px solid var(--_border); }
caption { text-align: start; font-weight: 600; padding-bottom: 0.4em; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
`;

const sheets = new Map();
/** One constructed stylesheet per CSS text, shared by every instance. */
export function sheet(css) {
  if (!sheets.has(css)) {
    const made = new CSSStyleSheet();
    made.replaceSync(css);
    sheets.set(css, made);
  }
  return sheets.get(css);
}

/**
 * The base of every component: a shadow root styled by the theme and the component's own
 * `static styles`, a `token` (property, or attribute), an `api` attribute (the server's
 * origin; by default this script's), and `update()` run once per batch of changes.
 */
export class HedgerowElement extends HTMLElement {
  static styles = '';
  #token;
  #scheduled = false;

  constructor() {
    super();
    this.attachShadow({ mode: 'open' }).adoptedStyleSheets = [sheet(THEME), sheet(this.constructor.styles)];
  }

  get token() {
    return this.#token ?? this.getAttribute('token');
  }

  set token(value) {
    this.#token = value;
    this.schedule();
  }

  connectedCallback() {
    this.schedule();
  }

  attributeChangedCallback() {
    this.schedule();
  }

  /** Runs update() once, after the current batch of attribute and property changes. */
  schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      if (this.isConnected) this.update();
    });
  }

  /** Renders and loads; each component defines it. */
  update() {}

  /** The server's origin: the `api` attribute, else where this script came from. */
  get apiBase() {
    return this.getAttribute('api') ?? SCRIPT_ORIGIN;
  }

  /** The API at this component's server, as its token. */
  api(method, path, body) {
    return request(this.apiBase, this.token, method, path, body);
  }

  /**
   * Tells the person: dispatches `hedgerow-toast` {message, tone} (cancel it to show your own)
   * and, unless cancelled, shows a toast.
   */
  notify(message, tone = 'success') {
    const event = new CustomEvent('hedgerow-toast', {
      detail: { message, tone }, bubbles: true, composed: true, cancelable: true,
    });
    if (this.dispatchEvent(event)) showToast(message, tone);
  }

  /** Dispatches `name` with `detail`, bubbling out of the shadow root. */
  emit(name, detail) {
    this.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
  }
}
