// Lap sessions (seed 002): the owner's list with a form to record one, and a session's page —
// read-only for others; for its owner with the privacy control, the Share button and the
// access log.

import { h } from '/ui/hedgerow.js';
import { formatLap, formatTime } from '/ui/base.js';
import { app } from './app.js';
import { badge, creating, ownerTools } from './parts.js';

/** Lap times typed as 1:35.204 or 95.204 (seconds), separated by commas or spaces, in ms. */
function parseLaps(text) {
  return text.split(/[\s,]+/).filter(Boolean).map((lap) => {
    const [, minutes = '0', seconds] = lap.match(/^(?:(\d+):)?(\d+(?:\.\d{1,3})?)$/) ?? [];
    if (seconds === undefined) throw new Error(`“${lap}” is not a lap time like 1:35.204`);
    return Math.round((Number(minutes) * 60 + Number(seconds)) * 1000);
  });
}

export async function sessionsView() {
  const { data, pagination } = await app.api('GET', '/api/sessions?limit=100');
  const record = creating('/api/sessions',
    (form) => ({ track: form.track.value.trim(), title: form.title.value.trim() || null, laps: parseLaps(form.laps.value) }),
    (session) => `Session recorded (${session.visibility})`, (session) => `#/sessions/${session.id}`);
  return [
    h('h1', {}, 'My lap sessions'),
    h('form', { class: 'card inline', onsubmit: record, 'aria-label': 'Record a session' },
      h('label', { class: 'field' }, 'Track', h('input', { name: 'track', required: true, maxlength: 100 })),
      h('label', { class: 'field' }, 'Title', h('input', { name: 'title', maxlength: 200 })),
      h('label', { class: 'field' }, 'Laps', h('input', { name: 'laps', placeholder: '1:35.204, 1:34.870' })),
      h('button', { class: 'primary' }, 'Record session')),
    h('p', { class: 'muted' }, `${pagination.total} sessions. New ones get your default visibility (see Settings).`),
    h('ul', { class: 'items' }, data.map((s) => h('li', {},
      h('a', { href: `#/sessions/${s.id}` }, s.title || s.track), badge(s.visibility, s.id),
      h('span', { class: 'muted' }, `${s.track} · best ${formatLap(s.best_lap_ms)} · ${formatTime(s.recorded_at)}`)))),
  ];
}

export async function sessionView([id]) {
  const { data: session } = await app.api('GET', `/api/sessions/${encodeURIComponent(id)}`);
  const mine = session.owner.username === app.me?.username;
  const best = session.best_lap_ms;
  return [
    h('h1', {}, session.title || session.track),
    h('p', {}, `${session.track} · ${formatTime(session.recorded_at)} · by ${session.owner.display_name ?? session.owner.username} (@${session.owner.username}) `,
      badge(session.visibility, session.id)),
    h('section', { class: 'card' },
      h('h2', {}, `Laps (best ${formatLap(best)})`),
      h('ol', { class: 'laps' }, session.laps.map((lap) => h('li', {}, formatLap(lap), lap === best ? ' ★' : '')))),
    mine && ownerTools('sessions', session, session.title || session.track),
  ];
}
