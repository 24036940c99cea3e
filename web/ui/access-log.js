// <hedgerow-access-log kind="plans" resource-id="…">: who opened one resource, how and when,
// newest first, for its owner (GET /api/{kind}/{id}/access-logs), paged with "Load more".

import { HedgerowElement, enc, formatTime, h } from './base.js';
import { CursorList } from './paged.js';

/** How access was granted, as people read it. */
const HOW = {
  owner: 'Owner',
  public: 'Public',
  unlisted: 'Unlisted address',
  invited: 'Invitation',
  share_link: 'Share link',
};

export class HedgerowAccessLog extends HedgerowElement {
  static observedAttributes = ['kind', 'resource-id', 'limit', 'token', 'api'];

  static styles = `
    .bar { display: flex; justify-content: space-between; align-items: center; }
    h3 { margin: 0; font-size: 1rem; }
    td.ip { font-family: ui-monospace, monospace; font-size: 0.87em; }
  `;

  #rows = h('tbody');
  #list = new CursorList(this, this.#rows, (entry) => this.#row(entry), 'visits');

  update() {
    if (!this.shadowRoot.firstChild) {
      this.shadowRoot.append(
        h('div', { class: 'bar' },
          h('h3', { id: 'heading' }, 'Access log'),
          h('button', { type: 'button', onclick: () => this.refresh() }, 'Refresh')),
        h('table', { 'aria-labelledby': 'heading' },
          h('thead', {}, h('tr', {}, ['When', 'Who', 'How', 'IP address'].map((t) => h('th', { scope: 'col' }, t)))),
          this.#rows),
        this.#list.status, this.#list.more);
    }
    this.refresh();
  }

  /** Loads the newest visits again. */
  refresh() {
    const path = `/api/${enc(this.getAttribute('kind'))}/${enc(this.getAttribute('resource-id'))}/access-logs`;
    return this.#list.reset(`${path}?limit=${enc(this.getAttribute('limit') ?? '20')}`);
  }

  #row(entry) {
    const how = HOW[entry.accessed_via] ?? entry.accessed_via;
    return h('tr', {},
      h('td', {}, h('time', { datetime: entry.accessed_at }, formatTime(entry.accessed_at))),
      h('td', {}, entry.username ? `@${entry.username}` : 'Anonymous'),
      h('td', {}, entry.share_link_id ? `${how} (${entry.share_link_id.slice(0, 8)})` : how),
      h('td', { class: 'ip' }, entry.ip_address ?? ''));
  }
}

customElements.define('hedgerow-access-log', HedgerowAccessLog);
