// Shelves and books (seed 004): the owner's shelves, a shelf's page (its privacy control in
// the header, its books each with a menu — right-click or the "Visibility" button — offering
// "Inherit from shelf" / Public / Unlisted / Private, listed a page at a time), and a
// book's page.

import { h, showToast } from '/ui/hedgerow.js';
import { formatTime } from '/ui/base.js';
import { app } from './app.js';
import { badge, creating, ownerTools } from './parts.js';

const enc = encodeURIComponent;

export async function shelvesView() {
  const { data } = await app.api('GET', '/api/shelves?limit=100');
  const create = creating('/api/shelves', (form) => ({ name: form.name.value.trim() }),
    (shelf) => `Shelf created (${shelf.privacy_level})`, (shelf) => `#/shelves/${shelf.id}`);
  return [
    h('h1', {}, 'My shelves'),
    h('form', { class: 'card inline', onsubmit: create, 'aria-label': 'New shelf' },
      h('label', { class: 'field' }, 'Shelf name', h('input', { name: 'name', required: true, maxlength: 100 })),
      h('button', { class: 'primary' }, 'Create shelf')),
    h('ul', { class: 'items' }, data.map((shelf) => h('li', {},
      h('a', { href: `#/shelves/${shelf.id}` }, shelf.name), badge(shelf.privacy_level, shelf.id),
      h('span', { class: 'muted' }, `${shelf.book_count} books · updated ${formatTime(shelf.updated_at)}`)))),
  ];
}

export async function shelfView([id]) {
  const { data: shelf } = await app.api('GET', `/api/shelves/${enc(id)}`);
  const mine = shelf.owner.username === app.me?.username;
  return [
    h('div', { class: 'header-row' },
      h('h1', {}, shelf.name, ' ', badge(shelf.privacy_level, shelf.id)),
      h('span', { class: 'muted' }, `by ${shelf.owner.display_name ?? shelf.owner.username} (@${shelf.owner.username})`)),
    mine && ownerTools('shelves', shelf, shelf.name),
    h('section', { class: 'card' },
      h('h2', {}, 'Books'),
      mine && addBookForm(shelf),
      await bookList(shelf, mine)),
  ];
}

/** The books the caller may see, oldest first, a page at a time (GET /api/shelves/{id}/books). */
async function bookList(shelf, mine) {
  const list = h('ul', { class: 'items books' });
  const status = h('p', { class: 'muted' });
  const more = h('button', { type: 'button', hidden: true }, 'More books');
  let cursor = null;
  const next = async () => {
    const query = cursor ? `&cursor=${enc(cursor)}` : '';
    const { data, pagination } = await app.api('GET', `/api/shelves/${enc(shelf.id)}/books?limit=50${query}`);
    list.append(...data.map((book) => bookItem(book, mine)));
    cursor = pagination.next_cursor;
    more.hidden = !cursor;
    status.textContent = list.children.length ? '' : 'No books you can see.';
  };
  more.addEventListener('click', () => next().catch((error) => showToast(error.message, 'error')));
  await next();
  return h('div', {}, list, status, more);
}

function addBookForm(shelf) {
  const add = creating(`/api/shelves/${enc(shelf.id)}/books`,
    (form) => ({ isbn13: form.isbn13.value.trim(), title: form.title.value.trim() || null }),
    () => 'Book added', () => location.hash);
  return h('form', { class: 'inline', onsubmit: add, 'aria-label': 'Add a book' },
    h('label', { class: 'field' }, 'ISBN-13', h('input', { name: 'isbn13', required: true, maxlength: 32, placeholder: '978-0-14-044913-6' })),
    h('label', { class: 'field' }, 'Title', h('input', { name: 'title', maxlength: 300 })),
    h('button', { class: 'primary' }, 'Add book'));
}

function bookItem(book, mine) {
  const title = book.title || book.isbn13;
  const how = book.privacy_override ? 'own setting' : 'from the shelf';
  const item = h('li', { class: 'book' },
    h('a', { href: `#/books/${book.id}` }, title), badge(book.effective_privacy, book.id),
    h('span', { class: 'muted', 'data-how': book.id }, how));
  if (mine) {
    const open = (event) => {
      event.preventDefault();
      bookMenu(book, title, item.querySelector('button'));
    };
    item.append(h('button', { type: 'button', 'aria-haspopup': 'dialog', onclick: open }, 'Visibility…'));
    item.addEventListener('contextmenu', open);
  }
  return item;
}

/** The book's menu: its privacy control in a small modal, closed once a choice is saved. */
function bookMenu(book, title, opener) {
  const control = app.component('hedgerow-privacy', {
    kind: 'books', 'resource-id': book.id, parent: 'shelf', label: `Who can see “${title}”`,
    value: book.privacy_override ?? 'inherit', effective: book.effective_privacy,
  });
  const dialog = h('dialog', { class: 'menu', 'aria-label': `Visibility of ${title}` }, control,
    h('p', {}, h('button', { type: 'button', onclick: () => dialog.close() }, 'Close')));
  control.addEventListener('hedgerow-change', ({ detail: { resource } }) => {
    book.privacy_override = resource.privacy_override;
    book.effective_privacy = resource.effective_privacy;
    document.querySelector(`[data-how="${CSS.escape(book.id)}"]`).textContent = resource.privacy_override ? 'own setting' : 'from the shelf';
    dialog.close();
  });
  dialog.addEventListener('close', () => {
    dialog.remove();
    opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
}

export async function bookView([id]) {
  const { data: book } = await app.api('GET', `/api/books/${enc(id)}`);
  const mine = book.owner.username === app.me?.username;
  return [
    h('h1', {}, book.title || book.isbn13, ' ', badge(book.effective_privacy, book.id)),
    h('p', {}, `ISBN ${book.isbn13} · on `, h('a', { href: `#/shelves/${book.shelf_id}` }, 'its shelf'),
      ` · by ${book.owner.display_name ?? book.owner.username} (@${book.owner.username})`),
    mine && ownerTools('books', book, book.title || book.isbn13,
      { parent: 'shelf', value: book.privacy_override ?? 'inherit', effective: book.effective_privacy }),
  ];
}
