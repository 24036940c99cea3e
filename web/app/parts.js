// Pieces the demo's pages share: a visibility badge, the owner's tools for one resource
// (privacy control, Share button, access log), and the submit handler of a "new …" form.

import { h, showToast } from '/ui/hedgerow.js';
import { app } from './app.js';

/** A badge showing `level` for resource `id`; the owner's tools keep it current. */
export const badge = (level, id) => h('span', { class: `badge ${level}`, 'data-for': id }, level);

/** Keeps the badges of a resource in step with its privacy control. */
document.addEventListener('hedgerow-change', ({ detail: { resource } }) => {
  for (const element of document.querySelectorAll(`.badge[data-for="${CSS.escape(resource.id)}"]`)) {
    const level = resource.effective_privacy ?? resource.visibility;
    element.textContent = level;
    element.className = `badge ${level}`;
  }
});

/** The owner's panel: who can see it, sharing, and who looked. */
export function ownerTools(kind, resource, label, privacyAttributes = {}) {
  return h('section', { class: 'card stack', 'aria-label': 'Privacy and sharing' },
    h('div', { class: 'owner-tools' },
      app.component('hedgerow-privacy', { kind, 'resource-id': resource.id, value: resource.visibility ?? 'inherit', ...privacyAttributes }),
      app.component('hedgerow-share-dialog', { kind, 'resource-id': resource.id, label })),
    app.component('hedgerow-access-log', { kind, 'resource-id': resource.id }));
}

/**
 * A form's submit handler: POSTs `body(form)` to `path`; then toasts `message(created)` and
 * goes to `next(created)` — or toasts why not.
 */
export const creating = (path, body, message, next) => async (event) => {
  event.preventDefault();
  try {
    const { data } = await app.api('POST', path, body(event.target));
    showToast(message(data));
    app.go(next(data));
  } catch (error) {
    showToast(error.message, 'error');
  }
};
