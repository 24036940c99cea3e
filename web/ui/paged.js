// A list that pages by cursor (pagination.next_cursor), for the access log, the feed and the
// leaderboard: the items so far, a status line ("12 of 40"), and a "Load more" button.

import { enc, h } from './base.js';

export class CursorList {
  /**
   * `host`: the component (its api() and notify()); `container`: where items go (ul, tbody);
   * `item(entry)`: the element an entry is shown as; `noun`: what the entries are ("visits").
   */
  constructor(host, container, item, noun) {
    Object.assign(this, { host, container, item, noun });
    this.status = h('p', { class: 'muted status', tabindex: '-1' });
    this.more = h('button', { type: 'button', hidden: true, onclick: () => this.next() }, 'Load more');
    this.generation = 0;
  }

  /** Starts again from the first page of `path`. */
  reset(path) {
    this.path = path;
    this.cursor = null;
    this.generation += 1;
    this.container.replaceChildren();
    this.status.textContent = 'Loading…';
    return this.next();
  }

  /** Appends the next page. */
  async next() {
    const generation = this.generation;
    const hadFocus = this.host.shadowRoot.activeElement === this.more;
    this.more.disabled = true;
    const query = this.cursor ? `${this.path.includes('?') ? '&' : '?'}cursor=${enc(this.cursor)}` : '';
    try {
      const page = await this.host.api('GET', this.path + query);
      if (generation !== this.generation) return;
      this.container.append(...page.data.map((entry) => this.item(entry)));
      this.cursor = page.pagination.next_cursor;
      const shown = this.container.children.length;
      const { total, total_capped: capped } = page.pagination;
      this.status.classList.remove('error');
      this.status.textContent = shown ? `${shown} of ${total}${capped ? '+' : ''} ${this.noun}` : `No ${this.noun} yet.`;
    } catch (error) {
      if (generation !== this.generation) return;
      this.status.classList.add('error');
      this.status.textContent = error.message;
      this.host.notify(error.message, 'error');
    }
    this.more.disabled = false;
    this.more.hidden = !this.cursor;
    if (hadFocus && this.more.hidden) this.status.focus();
  }
}
