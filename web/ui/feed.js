// <hedgerow-feed track="" href="#/sessions/{id}">: the community feed — everyone's public lap
// sessions, newest first (GET /api/public/sessions), filtered by track, paged with "Load
// more". Each entry links to `href` with {id} filled in, and choosing one dispatches
// `hedgerow-open` {kind, id, item}.

import { HedgerowElement, enc, fillHref, formatLap, formatTime, h } from './base.js';
import { CursorList } from './paged.js';

export class HedgerowFeed extends HedgerowElement {
  static observedAttributes = ['track', 'limit', 'href', 'token', 'api'];

  static styles = `
    form { display: flex; gap: 0.5rem; align-items: end; flex-wrap: wrap; margin-bottom: 0.75rem; }
    form label { display: flex; flex-direction: column; font-size: 0.87em; gap: 0.2rem; }
    li { padding: 0.6rem 0; border-bottom: 1px solid var(--_border); display: grid; gap: 0.15rem; }
    li a, li .title { font-weight: 600; color: var(--_accent); overflow-wrap: anywhere; }
  `;

  #items = h('ul', { class: 'plain' });
  #list = new CursorList(this, this.#items, (item) => this.#item(item), 'public sessions');

  update() {
    if (!this.shadowRoot.firstChild) {
      this.shadowRoot.append(
        h('form', { role: 'search', onsubmit: (e) => this.#filter(e) },
          h('label', {}, 'Track', h('input', { name: 'track', type: 'search', maxlength: 200 })),
          h('button', {}, 'Filter'),
          h('button', { type: 'button', onclick: () => this.#allTracks() }, 'All tracks')),
        this.#items, this.#list.status, this.#list.more);
    }
    const track = this.getAttribute('track') ?? '';
    this.shadowRoot.querySelector('input[name="track"]').value = track;
    const limit = enc(this.getAttribute('limit') ?? '20');
    this.#list.reset(`/api/public/sessions?limit=${limit}${track ? `&track=${enc(track)}` : ''}`);
  }

  #filter(event) {
    event.preventDefault();
    const track = event.target.track.value.trim();
    if (track) this.setAttribute('track', track);
    else this.removeAttribute('track');
  }

  #allTracks() {
    this.removeAttribute('track');
    this.schedule();
  }

  #item(session) {
    const title = session.title || session.track;
    const href = fillHref(this.getAttribute('href'), session.id);
    const open = () => this.emit('hedgerow-open', { kind: 'sessions', id: session.id, item: session });
    const owner = session.owner.display_name ?? session.owner.username;
    return h('li', {},
      href ? h('a', { href, onclick: open }, title) : h('span', { class: 'title' }, title),
      h('span', {}, `${session.track} · best lap ${formatLap(session.best_lap_ms)} · ${session.lap_count} laps`),
      h('small', {}, `${owner} (@${session.owner.username}) · ${formatTime(session.recorded_at)}`));
  }
}

customElements.define('hedgerow-feed', HedgerowFeed);
