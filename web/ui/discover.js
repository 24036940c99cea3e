// <hedgerow-discover href="#/shelves/{id}">: public shelves, most recently updated first
// (GET /api/shelves/public), searched by name, paged by offset with Previous and Next, each
// with its owner and its count of public books. Choosing one dispatches `hedgerow-open`.

import { HedgerowElement, enc, fillHref, formatTime, h } from './base.js';

export class HedgerowDiscover extends HedgerowElement {
  static observedAttributes = ['search', 'limit', 'href', 'token', 'api'];

  static styles = `
    form { display: flex; gap: 0.5rem; align-items: end; margin-bottom: 0.75rem; }
    form label { display: flex; flex-direction: column; font-size: 0.87em; gap: 0.2rem; flex: 1; max-width: 24rem; }
    li { padding: 0.6rem 0; border-bottom: 1px solid var(--_border); display: grid; gap: 0.15rem; }
    li a, li .name { font-weight: 600; color: var(--_accent); overflow-wrap: anywhere; }
    nav { display: flex; gap: 0.5rem; align-items: center; margin-top: 0.75rem; }
  `;

  #offset = 0;
  #asked = null;
  #results = h('ul', { class: 'plain' });
  #status = h('p', { class: 'muted', role: 'status' });
  #previous = h('button', { type: 'button', onclick: () => this.#go(-1) }, 'Previous');
  #next = h('button', { type: 'button', onclick: () => this.#go(1) }, 'Next');

  get #limit() {
    return Number(this.getAttribute('limit') ?? 20);
  }

  update() {
    if (!this.shadowRoot.firstChild) {
      this.shadowRoot.append(
        h('form', { role: 'search', onsubmit: (e) => this.#search(e) },
          h('label', {}, 'Search shelves', h('input', { name: 'search', type: 'search', maxlength: 100 })),
          h('button', {}, 'Search')),
        this.#results, this.#status,
        h('nav', { 'aria-label': 'Pages' }, this.#previous, this.#next));
    }
    this.shadowRoot.querySelector('input[name="search"]').value = this.getAttribute('search') ?? '';
    this.#offset = 0;
    this.#load();
  }

  #search(event) {
    event.preventDefault();
    const search = event.target.search.value.trim();
    if (search) this.setAttribute('search', search);
    else this.removeAttribute('search');
  }

  #go(direction) {
    this.#offset = Math.max(0, this.#offset + direction * this.#limit);
    this.#load();
  }

  async #load() {
    const search = this.getAttribute('search');
    const asked = `/api/shelves/public?limit=${this.#limit}&offset=${this.#offset}${search ? `&search=${enc(search)}` : ''}`;
    this.#asked = asked;
    try {
      const { data, pagination } = await this.api('GET', asked);
      if (asked !== this.#asked) return;
      this.#results.replaceChildren(...data.map((shelf) => this.#item(shelf)));
      const first = data.length ? pagination.offset + 1 : 0;
      const total = `${pagination.total}${pagination.total_capped ? '+' : ''}`;
      this.#status.textContent = data.length
        ? `Shelves ${first}–${pagination.offset + data.length} of ${total}`
        : search ? `No public shelf matches “${search}”.` : 'No public shelves yet.';
      this.#previous.disabled = pagination.offset === 0;
      this.#next.disabled = !pagination.has_more;
    } catch (error) {
      this.#status.textContent = error.message;
      this.notify(error.message, 'error');
    }
  }

  #item(shelf) {
    const href = fillHref(this.getAttribute('href'), shelf.id);
    const open = () => this.emit('hedgerow-open', { kind: 'shelves', id: shelf.id, item: shelf });
    const owner = shelf.owner?.display_name ?? shelf.username;
    return h('li', {},
      href ? h('a', { href, onclick: open }, shelf.name) : h('span', { class: 'name' }, shelf.name),
      h('span', {}, `${shelf.book_count} ${shelf.book_count === 1 ? 'book' : 'books'} · by ${owner} (@${shelf.username})`),
      h('small', {}, `Updated ${formatTime(shelf.updated_at)}`));
  }
}

customElements.define('hedgerow-discover', HedgerowDiscover);
