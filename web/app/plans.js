// Plans (seed 000): the owner's plans with a form to write one, a plan's page (its content;
// for its owner the privacy panel — visibility, share links, invitations — and the access
// log), and what others have shared with the signed-in person.

import { h } from '/ui/hedgerow.js';
import { formatTime } from '/ui/base.js';
import { app } from './app.js';
import { badge, creating, ownerTools } from './parts.js';

const PLURAL = { session: 'sessions', shelf: 'shelves', book: 'books', plan: 'plans' };

export async function plansView() {
  const { data } = await app.api('GET', '/api/plans?limit=100');
  const write = creating('/api/plans',
    (form) => ({ title: form.title.value.trim(), filename: form.filename.value.trim(), content: form.content.value }),
    () => 'Plan saved', (plan) => `#/plans/${plan.id}`);
  return [
    h('h1', {}, 'My plans'),
    h('form', { class: 'card stack', onsubmit: write, 'aria-label': 'New plan' },
      h('div', { class: 'inline' },
        h('label', { class: 'field' }, 'Title', h('input', { name: 'title', required: true, maxlength: 200 })),
        h('label', { class: 'field' }, 'File name', h('input', { name: 'filename', required: true, maxlength: 255, placeholder: 'plan.md' }))),
      h('label', { class: 'field' }, 'Content', h('textarea', { name: 'content', rows: 5 })),
      h('button', { class: 'primary' }, 'Save plan')),
    h('ul', { class: 'items' }, data.map((plan) => h('li', {},
      h('a', { href: `#/plans/${plan.id}` }, plan.title), badge(plan.visibility, plan.id),
      h('span', { class: 'muted' }, `${plan.filename} · updated ${formatTime(plan.updated_at)}`)))),
  ];
}

export async function planView([id]) {
  const { data: plan } = await app.api('GET', `/api/plans/${encodeURIComponent(id)}`);
  const mine = plan.owner.username === app.me?.username;
  return [
    h('h1', {}, plan.title, ' ', badge(plan.visibility, plan.id)),
    h('p', { class: 'muted' }, `${plan.filename} · by ${plan.owner.display_name ?? plan.owner.username} (@${plan.owner.username}) · updated ${formatTime(plan.updated_at)}`),
    h('pre', { class: 'content' }, plan.content),
    mine && ownerTools('plans', plan, plan.title, { levels: 'public private' }),
  ];
}

export async function sharedWithMeView() {
  const { data } = await app.api('GET', '/api/shared-with-me?limit=100');
  return [
    h('h1', {}, 'Shared with me'),
    h('ul', { class: 'items' }, data.map(({ kind, resource, owner, expires_at: until }) => h('li', {},
      h('a', { href: `#/${PLURAL[kind] ?? kind}/${resource.id}` }, resource.title || resource.name || resource.track || kind),
      h('span', { class: 'badge' }, kind),
      h('span', { class: 'muted' }, `from @${owner.username}${until ? ` until ${formatTime(until)}` : ''}`)))),
    !data.length && h('p', { class: 'muted' }, 'Nothing has been shared with you yet.'),
  ];
}
