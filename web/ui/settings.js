// <hedgerow-settings>: the signed-in person's settings page. Profile: username (read only),
// display name and email, checked before saving, and a change of email confirmed in a second
// step. Privacy defaults for new things of each kind, saved on change. The account: sign out
// (dispatches `hedgerow-sign-out` for the app to forget its token), download everything as
// JSON, and delete the account after typing the username to confirm.

import { HedgerowElement, LEVELS, h } from './base.js';

/** The kinds' names in the defaults list (an app's own kinds show their key). */
const KIND_NAMES = { session: 'Lap sessions', shelf: 'Shelves', book: 'Books', plan: 'Plans' };
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s.]+$/;

/** Which kinds' defaults may be null (inherit), from the API's own contract; fetched once. */
let inheritable;
function inheritableKinds(base) {
  inheritable ??= fetch(new URL('/openapi.json', base)).then((r) => r.json()).then((doc) => {
    const schema = doc.paths['/api/settings'].patch.requestBody.content['application/json'].schema;
    const kinds = schema.properties.defaults.properties;
    return new Set(Object.keys(kinds).filter((kind) => kinds[kind].enum?.includes(null)));
  }).catch(() => new Set());
  return inheritable;
}

export class HedgerowSettings extends HedgerowElement {
  static observedAttributes = ['token', 'api'];

  static styles = `
    section { border: 1px solid var(--_border); border-radius: var(--_radius); padding: 0.75rem 1rem; margin-bottom: 1rem; }
    h3 { margin: 0 0 0.75rem; font-size: 1rem; }
    .field { display: grid; gap: 0.2rem; margin-bottom: 0.75rem; max-width: 26rem; }
    .field label { font-weight: 600; font-size: 0.9em; }
    .confirm { background: var(--_surface); border-radius: var(--_radius); padding: 0.75rem; margin-bottom: 0.75rem; }
    .confirm p { margin: 0 0 0.5rem; overflow-wrap: anywhere; }
  `;

  #profile = null;

  async update() {
    this.shadowRoot.replaceChildren(h('p', { class: 'muted' }, 'Loading your settings…'));
    try {
      const [profile, settings, nullable] = await Promise.all([
        this.api('GET', '/api/auth/profile'), this.api('GET', '/api/settings'), inheritableKinds(this.apiBase)]);
      this.#profile = profile.data;
      this.shadowRoot.replaceChildren(this.#profileForm(), this.#defaults(settings.data.defaults, nullable), this.#account());
      this.#reset();
    } catch (error) {
      this.shadowRoot.replaceChildren(h('p', { class: 'error', role: 'alert' }, `Settings cannot be loaded: ${error.message}`));
    }
  }

  #field(name, label, attributes) {
    return h('div', { class: 'field' },
      h('label', { for: name }, label),
      h('input', { id: name, name, 'aria-describedby': `${name}-error`, ...attributes }),
      h('span', { id: `${name}-error`, class: 'error' }));
  }

  #profileForm() {
    return h('section', { 'aria-labelledby': 'profile' },
      h('h3', { id: 'profile' }, 'Profile'),
      h('form', { novalidate: true, onsubmit: (e) => this.#submit(e) },
        this.#field('username', 'Username', { readonly: true, 'aria-readonly': 'true' }),
        this.#field('display_name', 'Display name', { maxlength: 100, autocomplete: 'nickname' }),
        this.#field('email', 'Email', { type: 'email', maxlength: 254, autocomplete: 'email' }),
        h('div', { class: 'confirm', hidden: true, role: 'group', 'aria-labelledby': 'confirm-text' },
          h('p', { id: 'confirm-text' }),
          h('div', { class: 'row' },
            h('button', { type: 'button', class: 'primary', onclick: () => this.#save() }, 'Confirm email change'),
            h('button', { type: 'button', onclick: () => this.#keepEmail() }, 'Keep current email'))),
        h('div', { class: 'row' },
          h('button', { type: 'submit', class: 'primary' }, 'Save'),
          h('button', { type: 'button', onclick: () => this.#reset() }, 'Cancel'))));
  }

  #defaults(defaults, nullable) {
    return h('section', { 'aria-labelledby': 'defaults' },
      h('h3', { id: 'defaults' }, 'Privacy of new things'),
      Object.entries(defaults).map(([kind, level]) => h('div', { class: 'field' },
        h('label', { for: `default-${kind}` }, KIND_NAMES[kind] ?? kind),
        h('select', { id: `default-${kind}`, 'data-saved': level ?? '', onchange: (e) => this.#saveDefault(kind, e.target) },
          nullable.has(kind) && h('option', { value: '', selected: level === null }, 'Inherit from where it is put'),
          Object.entries(LEVELS).map(([value, { name }]) => h('option', { value, selected: level === value }, name))))));
  }

  #account() {
    return h('section', { 'aria-labelledby': 'account' },
      h('h3', { id: 'account' }, 'Account'),
      h('div', { class: 'row' },
        h('button', { type: 'button', onclick: () => this.emit('hedgerow-sign-out', { deleted: false }) }, 'Sign out'),
        h('button', { type: 'button', onclick: () => this.#export() }, 'Download my data'),
        h('button', { type: 'button', class: 'danger', 'aria-expanded': 'false', onclick: (e) => this.#askToDelete(e.target) },
          'Delete my account…')),
      h('form', { class: 'confirm delete', hidden: true, onsubmit: (e) => this.#delete(e) },
        h('p', { id: 'delete-text' }),
        h('div', { class: 'field' },
          h('label', { for: 'confirm_username' }, 'Type your username to confirm'),
          h('input', { id: 'confirm_username', name: 'confirm', autocomplete: 'off', 'aria-describedby': 'delete-text' })),
        h('div', { class: 'row' },
          h('button', { type: 'submit', class: 'danger' }, 'Delete account and everything in it'),
          h('button', { type: 'button', onclick: () => this.#keepAccount() }, 'Keep my account'))));
  }

  async #export() {
    try {
      const { data } = await this.api('GET', '/api/auth/export');
      const link = h('a', { download: `hedgerow-${this.#profile.username}.json` });
      link.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60000);
      this.notify('Your data is downloading');
    } catch (error) {
      this.notify(`Export failed: ${error.message}`, 'error');
    }
  }

  #askToDelete(button) {
    const form = this.shadowRoot.querySelector('form.delete');
    form.querySelector('p').textContent = `This deletes @${this.#profile.username} and everything it owns — `
      + 'sessions, shelves, books, plans, their links and logs — at once, for good.';
    form.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    form.confirm.focus();
  }

  #keepAccount() {
    const form = this.shadowRoot.querySelector('form.delete');
    form.reset();
    form.hidden = true;
    const button = this.shadowRoot.querySelector('[aria-expanded]');
    button.setAttribute('aria-expanded', 'false');
    button.focus();
  }

  async #delete(event) {
    event.preventDefault();
    const confirm = event.target.confirm.value.trim();
    if (confirm !== this.#profile.username) {
      this.notify(`Type ${this.#profile.username} to confirm`, 'error');
      event.target.confirm.focus();
      return;
    }
    try {
      await this.api('DELETE', '/api/auth/profile', { confirm });
      this.notify('Your account is deleted', 'info');
      this.emit('hedgerow-sign-out', { deleted: true });
    } catch (error) {
      this.notify(`Account not deleted: ${error.message}`, 'error');
    }
  }

  get #form() {
    return this.shadowRoot.querySelector('form');
  }

  /** Puts the saved profile back in the form and clears every message. */
  #reset() {
    const form = this.#form;
    form.username.value = this.#profile.username;
    form.display_name.value = this.#profile.display_name ?? '';
    form.email.value = this.#profile.email ?? '';
    for (const name of ['display_name', 'email']) this.#error(name, '');
    form.querySelector('.confirm').hidden = true;
  }

  #error(name, message) {
    this.#form[name].setAttribute('aria-invalid', message ? 'true' : 'false');
    this.shadowRoot.getElementById(`${name}-error`).textContent = message;
  }

  /** What the form would change, or null (with the fields' errors shown) when it is invalid. */
  #changes() {
    const form = this.#form;
    const displayName = form.display_name.value.trim();
    const email = form.email.value.trim();
    const nameError = displayName.length < 1 || displayName.length > 100 ? 'Display name must be 1 to 100 characters' : '';
    const emailError = email && !EMAIL.test(email) ? 'Enter an email address like name@example.com' : '';
    this.#error('display_name', nameError);
    this.#error('email', emailError);
    if (nameError || emailError) {
      form[nameError ? 'display_name' : 'email'].focus();
      return null;
    }
    const changes = {};
    if (displayName !== (this.#profile.display_name ?? '')) changes.display_name = displayName;
    if (email !== (this.#profile.email ?? '')) changes.email = email || null;
    return changes;
  }

  #submit(event) {
    event.preventDefault();
    const changes = this.#changes();
    if (!changes) return;
    if (!Object.keys(changes).length) {
      this.notify('Nothing to save', 'info');
    } else if ('email' in changes) {
      const confirm = this.#form.querySelector('.confirm');
      confirm.querySelector('p').textContent = changes.email
        ? `Change your email from ${this.#profile.email ?? '(none)'} to ${changes.email}?`
        : `Remove your email ${this.#profile.email}?`;
      confirm.hidden = false;
      confirm.querySelector('button').focus();
    } else {
      this.#save();
    }
  }

  #keepEmail() {
    this.#form.email.value = this.#profile.email ?? '';
    this.#form.querySelector('.confirm').hidden = true;
    this.#form.email.focus();
  }

  async #save() {
    const changes = this.#changes();
    if (!changes) return;
    try {
      const { data } = await this.api('PATCH', '/api/auth/profile', changes);
      this.#profile = data;
      this.#reset();
      this.notify('Profile saved');
      this.emit('hedgerow-profile', { profile: data });
    } catch (error) {
      const field = { EMAIL_TAKEN: 'email', INVALID_EMAIL: 'email', INVALID_DISPLAY_NAME: 'display_name' }[error.code];
      this.#form.querySelector('.confirm').hidden = true;
      if (field) {
        this.#error(field, error.code === 'EMAIL_TAKEN' ? 'That email is already in use' : error.message);
        this.#form[field].focus();
      }
      this.notify(`Profile not saved: ${error.message}`, 'error');
    }
  }

  async #saveDefault(kind, select) {
    const level = select.value || null;
    try {
      await this.api('PATCH', '/api/settings', { defaults: { [kind]: level } });
      select.dataset.saved = select.value;
      this.notify(`New ${(KIND_NAMES[kind] ?? kind).toLowerCase()}: ${level ? LEVELS[level].name : 'inherit'}`);
    } catch (error) {
      select.value = select.dataset.saved;
      this.notify(`Default not changed: ${error.message}`, 'error');
    }
  }
}

customElements.define('hedgerow-settings', HedgerowSettings);
