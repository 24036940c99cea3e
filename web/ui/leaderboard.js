// <hedgerow-leaderboard track="Spa" href="#/sessions/{id}">: a track's public sessions ranked
// by best lap, fastest first (GET /api/leaderboards/{track}), paged with "Load more". The
// track can be changed in the component; each session links to `href` with {id} filled in.

import { HedgerowElement, enc, fillHref, formatLap, formatTime, h } from './base.js';
import { CursorList } from './paged.js';

export class HedgerowLeaderboard extends HedgerowElement {
  static observedAttributes = ['track', 'limit', 'href', 'token', 'api'];

  static styles = `
    form { display: flex; gap: 0.5rem; align-items: end; margin-bottom: 0.75rem; }
    form label { display: flex; flex-direction: column; font-size: 0.87em; gap: 0.2rem; }
    td.rank, td.lap { font-variant-numeric: tabular-nums; }
    td.rank { font-weight: 700; }
  `;

  #rows = h('tbody');
  #list = new CursorList(this, this.#rows, (entry) => this.#row(entry), 'ranked sessions');

  update() {
    if (!this.shadowRoot.firstChild) {
      this.shadowRoot.append(
        h('form', { onsubmit: (e) => this.#choose(e) },
          h('label', {}, 'Track', h('input', { name: 'track', required: true, maxlength: 100 })),
          h('button', {}, 'Show')),
        h('table', {},
          h('caption', {}),
          h('thead', {}, h('tr', {}, ['Rank', 'Driver', 'Best lap', 'Session', 'Recorded'].map((t) => h('th', { scope: 'col' }, t)))),
          this.#rows),
        this.#list.status, this.#list.more);
    }
    const track = this.getAttribute('track') ?? '';
    this.shadowRoot.querySelector('input[name="track"]').value = track;
    this.shadowRoot.querySelector('caption').textContent = track ? `Leaderboard: ${track}` : 'Choose a track';
    if (!track) {
      this.#rows.replaceChildren();
      return;
    }
    const limit = enc(this.getAttribute('limit') ?? '20');
    this.#list.reset(`/api/leaderboards/${enc(track)}?limit=${limit}`);
  }

  #choose(event) {
    event.preventDefault();
    this.setAttribute('track', event.target.track.value.trim());
  }

  #row(entry) {
    const title = entry.session.title || entry.session.track;
    const href = fillHref(this.getAttribute('href'), entry.session.id);
    const open = () => this.emit('hedgerow-open', { kind: 'sessions', id: entry.session.id, item: entry.session });
    return h('tr', {},
      h('td', { class: 'rank' }, entry.rank),
      h('td', {}, `${entry.owner.display_name ?? entry.owner.username} (@${entry.owner.username})`),
      h('td', { class: 'lap' }, formatLap(entry.best_lap_ms)),
      h('td', {}, href ? h('a', { href, onclick: open }, title) : title),
      h('td', {}, formatTime(entry.session.recorded_at)));
  }
}

customElements.define('hedgerow-leaderboard', HedgerowLeaderboard);
