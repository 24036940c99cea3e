// <hedgerow-share-dialog kind="plans" resource-id="…" label="My plan">: a "Share" button that
// opens a modal dialog, as in Google Drive or Notion. People: invite by username (optionally
// until a date), see who has access, remove them. Links: switch link sharing on or off,
// create links (optionally expiring), copy, regenerate the main one (the old address stops
// working), revoke. Keyboard: Tab stays inside, Esc closes, focus returns to what opened it.

import { HedgerowElement, enc, formatTime, h } from './base.js';

/** Expiry choices for a new link, in seconds (empty: never). */
const EXPIRIES = [['', 'Never expires'], ['3600', 'Expires in 1 hour'], ['86400', 'Expires in 1 day'],
  ['604800', 'Expires in 7 days'], ['2592000', 'Expires in 30 days']];

const FOCUSABLE = 'button, input, select, textarea, a[href], [tabindex]:not([tabindex="-1"])';

export class HedgerowShareDialog extends HedgerowElement {
  static observedAttributes = ['kind', 'resource-id', 'label', 'token', 'api'];

  static styles = `
    :host { display: inline-block; }
    dialog { width: min(36rem, calc(100vw - 2rem)); border: 1px solid var(--_border); border-radius: var(--_radius);
             padding: 1rem 1.25rem; background: var(--_bg); color: inherit; box-shadow: 0 12px 40px rgb(0 0 0 / 0.25); }
    dialog::backdrop { background: rgb(0 0 0 / 0.35); }
    h2 { font-size: 1.15rem; margin: 0 0 0.75rem; overflow-wrap: anywhere; }
    h3 { font-size: 1rem; margin: 1rem 0 0.5rem; }
    form { display: flex; gap: 0.5rem; flex-wrap: wrap; align-items: end; }
    form label { display: flex; flex-direction: column; font-size: 0.87em; gap: 0.2rem; }
    li { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; padding: 0.45rem 0; border-bottom: 1px solid var(--_border); }
    li .who { flex: 1; min-width: 8rem; }
    li input[readonly] { flex: 1; min-width: 12rem; font-family: ui-monospace, monospace; font-size: 0.85em; }
    li small { flex-basis: 100%; }
    .switch { display: flex; gap: 0.5rem; align-items: center; margin-bottom: 0.5rem; }
    footer { display: flex; justify-content: end; margin-top: 1rem; }
  `;

  #opener = null;
  #links = [];

  update() {
    if (this.shadowRoot.querySelector('dialog')) return;
    this.shadowRoot.append(
      h('button', { type: 'button', part: 'button', 'aria-haspopup': 'dialog', onclick: () => this.open() },
        h('slot', {}, 'Share')),
      h('dialog', { 'aria-labelledby': 'title', onclose: () => this.#closed(), onkeydown: (e) => this.#trapTab(e) },
        h('h2', { id: 'title' }),
        h('section', { 'aria-labelledby': 'people' },
          h('h3', { id: 'people' }, 'People with access'),
          h('form', { class: 'invite', onsubmit: (e) => this.#invite(e) },
            h('label', {}, 'Username', h('input', { name: 'username', required: true, autocomplete: 'off', maxlength: 32 })),
            h('label', {}, 'Access until (optional)', h('input', { name: 'until', type: 'datetime-local' })),
            h('button', { class: 'primary' }, 'Invite')),
          h('ul', { class: 'plain people' })),
        h('section', { 'aria-labelledby': 'links' },
          h('h3', { id: 'links' }, 'Links'),
          h('label', { class: 'switch' },
            h('input', { type: 'checkbox', role: 'switch', name: 'sharing', onchange: (e) => this.#switchLinks(e.target) }),
            'Anyone with a link can view'),
          h('form', { class: 'new-link', onsubmit: (e) => this.#createLink(e) },
            h('label', {}, 'New link', h('select', { name: 'expiry' }, EXPIRIES.map(([v, t]) => h('option', { value: v }, t)))),
            h('button', {}, 'Create link')),
          h('ul', { class: 'plain links' })),
        h('footer', {}, h('button', { type: 'button', class: 'primary', onclick: () => this.close() }, 'Done'))));
  }

  get #dialog() {
    return this.shadowRoot.querySelector('dialog');
  }

  #path(rest = '') {
    return `/api/${enc(this.getAttribute('kind'))}/${enc(this.getAttribute('resource-id'))}${rest}`;
  }

  /** Opens the dialog and loads who has access and the links. */
  async open() {
    this.update();
    this.#opener = deepActiveElement();
    this.#dialog.querySelector('h2').textContent = `Share “${this.getAttribute('label') ?? 'this'}”`;
    this.#dialog.showModal();
    this.#dialog.querySelector('input[name="username"]').focus();
    await Promise.all([this.#loadPeople(), this.#loadLinks()]);
  }

  close() {
    this.#dialog?.close();
  }

  #closed() {
    if (this.#opener?.isConnected) this.#opener.focus();
    this.#opener = null;
  }

  /** Keeps Tab and Shift+Tab inside the dialog, wrapping at either end. */
  #trapTab(event) {
    if (event.key !== 'Tab') return;
    const focusable = [...this.#dialog.querySelectorAll(FOCUSABLE)].filter((el) => !el.disabled && el.checkVisibility());
    const [first, last] = [focusable[0], focusable.at(-1)];
    const current = this.shadowRoot.activeElement;
    if (event.shiftKey && current === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && current === last) {
      event.preventDefault();
      first.focus();
    }
  }

  async #run(action, success) {
    try {
      const result = await action();
      if (success) this.notify(success);
      return result;
    } catch (error) {
      this.notify(error.message, 'error');
      return undefined;
    }
  }

  async #loadPeople() {
    const page = await this.#run(() => this.api('GET', this.#path('/access?limit=100')));
    if (!page) return;
    const list = this.#dialog.querySelector('.people');
    list.replaceChildren(...page.data.map((grant) => h('li', {},
      h('span', { class: 'who' }, `@${grant.username}`),
      h('span', { class: grant.active ? 'muted' : 'error' },
        grant.expires_at ? `${grant.active ? 'Until' : 'Expired'} ${formatTime(grant.expires_at)}` : 'No expiry'),
      h('button', { type: 'button', class: 'danger', 'aria-label': `Remove @${grant.username}`, onclick: () => this.#revokeGrant(grant) }, 'Remove'))));
    if (!page.data.length) list.append(h('li', { class: 'muted' }, 'Only you can see this unless its visibility says otherwise.'));
  }

  async #invite(event) {
    event.preventDefault();
    const form = event.target;
    const body = { username: form.username.value.trim().replace(/^@/, '') };
    if (form.until.value) {
      const until = new Date(form.until.value);
      if (!(until > new Date())) {
        this.notify('Access must end in the future', 'error');
        form.until.focus();
        return;
      }
      body.expires_at = until.toISOString();
    }
    const done = await this.#run(() => this.api('POST', this.#path('/access'), body), `Invited @${body.username}`);
    if (done) {
      form.reset();
      await this.#loadPeople();
    }
    form.username.focus();
  }

  async #revokeGrant(grant) {
    const done = await this.#run(() => this.api('DELETE', this.#path(`/access/${enc(grant.user_id)}`)),
      `@${grant.username} no longer has access`);
    if (done) await this.#loadPeople();
    this.#dialog.querySelector('input[name="username"]').focus();
  }

  async #loadLinks() {
    const page = await this.#run(() => this.api('GET', this.#path('/shares?limit=100')));
    if (!page) return;
    this.#links = page.data.filter((link) => !link.revoked_at);
    this.#dialog.querySelector('input[name="sharing"]').checked = this.#links.some((link) => link.enabled);
    const list = this.#dialog.querySelector('.links');
    list.replaceChildren(...this.#links.map((link, index) => this.#linkItem(link, index === 0)));
    if (!this.#links.length) list.append(h('li', { class: 'muted' }, 'No links yet.'));
  }

  #linkItem(link, main) {
    const status = !link.enabled ? 'Off' : link.active ? 'Active' : 'Expired';
    return h('li', {},
      h('input', { readonly: true, value: link.url, 'aria-label': `Link, ${status.toLowerCase()}` }),
      h('button', { type: 'button', onclick: (e) => this.#copy(link.url, e.target) }, 'Copy'),
      main && h('button', { type: 'button', onclick: () => this.#regenerate() }, 'Regenerate'),
      h('button', { type: 'button', class: 'danger', onclick: () => this.#revokeLink(link) }, 'Revoke'),
      h('small', {}, [status,
        link.expires_at ? `expires ${formatTime(link.expires_at)}` : 'never expires',
        `opened ${link.use_count} ${link.use_count === 1 ? 'time' : 'times'}`].join(' · ')));
  }

  async #copy(url, button) {
    try {
      await navigator.clipboard.writeText(url);
      this.notify('Link copied');
    } catch {
      // No clipboard permission: select the address so Ctrl+C copies it.
      const field = button.parentElement.querySelector('input');
      field.focus();
      field.select();
      this.notify('Press Ctrl+C to copy the selected link', 'info');
    }
  }

  async #createLink(event) {
    event.preventDefault();
    const seconds = event.target.expiry.value;
    const body = seconds ? { expires_in_seconds: Number(seconds) } : {};
    if (await this.#run(() => this.api('POST', this.#path('/shares'), body), 'Link created')) await this.#loadLinks();
  }

  async #regenerate() {
    const done = await this.#run(() => this.api('POST', this.#path('/share-link/regenerate'), {}),
      'New link made; the old one no longer works');
    if (done) await this.#loadLinks();
    this.#dialog.querySelector('.links button')?.focus();
  }

  async #revokeLink(link) {
    if (await this.#run(() => this.api('DELETE', this.#path(`/shares/${enc(link.id)}`)), 'Link revoked')) await this.#loadLinks();
    this.#dialog.querySelector('select[name="expiry"]').focus();
  }

  async #switchLinks(toggle) {
    const on = toggle.checked;
    const action = on && !this.#links.length
      ? () => this.api('POST', this.#path('/shares'), {})
      : () => this.api('PUT', this.#path('/privacy'), { share_link_enabled: on });
    await this.#run(action, on ? 'Link sharing on' : 'Link sharing off: links open nothing');
    await this.#loadLinks();
  }
}

/** The focused element, looking inside shadow roots. */
function deepActiveElement() {
  let element = document.activeElement;
  while (element?.shadowRoot?.activeElement) element = element.shadowRoot.activeElement;
  return element;
}

customElements.define('hedgerow-share-dialog', HedgerowShareDialog);
