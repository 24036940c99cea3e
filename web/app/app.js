// The demo app: hedgerow's components put together for the three seeds (lap sessions, shelves
// and books, plans). It keeps the token in sessionStorage, routes on the URL's #fragment and
// renders each page from a view module. Everything it shows comes from the public API.

import { h, request, showToast } from '/ui/hedgerow.js';
import { plansView, planView, sharedWithMeView } from './plans.js';
import { sessionsView, sessionView } from './sessions.js';
import { bookView, shelvesView, shelfView } from './shelves.js';
import { signInView } from './sign-in.js';

const TOKEN_KEY = 'hedgerow-demo-token';

/** What every view gets: the API as the signed-in person, who that is, and helpers. */
export const app = {
  token: sessionStorage.getItem(TOKEN_KEY),
  me: null,
  api: (method, path, body) => request(location.origin, app.token, method, path, body),
  /** A component with the token handed to it (as a property, never in the DOM). */
  component(tag, attributes = {}) {
    const element = h(tag, attributes);
    element.token = app.token;
    return element;
  },
  async signIn(token) {
    app.token = token;
    sessionStorage.setItem(TOKEN_KEY, token);
    app.me = (await app.api('GET', '/api/auth/profile')).data;
    showMe();
  },
  signOut() {
    app.token = null;
    app.me = null;
    sessionStorage.removeItem(TOKEN_KEY);
    showMe();
  },
  /** Goes to `hash` (re-rendering when already there). */
  go(hash) {
    if (location.hash === hash) render();
    else location.hash = hash;
  },
};

const feedView = () => [h('h1', {}, 'Community'), h('p', { class: 'muted' }, 'Recent public lap sessions from everyone.'),
  app.component('hedgerow-feed', { href: '#/sessions/{id}' })];
const leaderboardView = ([track]) => [h('h1', {}, 'Leaderboard'),
  app.component('hedgerow-leaderboard', { track: track ?? 'Spa', href: '#/sessions/{id}' })];
const discoverView = () => [h('h1', {}, 'Discover shelves'), app.component('hedgerow-discover', { href: '#/shelves/{id}' })];
const settingsView = () => [h('h1', {}, 'Account settings'), app.component('hedgerow-settings')];

/** Pages by the first segment of the #fragment; `true`: only for a signed-in person. */
const ROUTES = {
  'sign-in': [signInView, false],
  sessions: [(params) => (params.length ? sessionView(params) : sessionsView()), true],
  community: [feedView, false],
  leaderboard: [leaderboardView, false],
  shelves: [(params) => (params.length ? shelfView(params) : shelvesView()), true],
  books: [bookView, false],
  discover: [discoverView, false],
  plans: [(params) => (params.length ? planView(params) : plansView()), true],
  'shared-with-me': [sharedWithMeView, true],
  settings: [settingsView, true],
};

/** Counts navigations: a page whose data arrives after a later navigation began is dropped. */
let navigations = 0;

async function render() {
  const navigation = ++navigations;
  const [page, ...params] = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const [view, private_] = ROUTES[page] ?? [null, false];
  if (!view) {
    app.go(app.token ? '#/sessions' : '#/sign-in');
    return;
  }
  // Pages that show one thing also work signed out: the API decides what an anonymous visitor sees.
  if (private_ && !app.token && !params.length) {
    app.go('#/sign-in');
    return;
  }
  for (const link of document.querySelectorAll('.top nav a')) {
    link.toggleAttribute('aria-current', link.getAttribute('href') === `#/${page}`);
    if (link.hasAttribute('aria-current')) link.setAttribute('aria-current', 'page');
  }
  const main = document.getElementById('main');
  let content;
  try {
    content = [await view(params)].flat();
  } catch (error) {
    content = [h('h1', {}, 'Not available'), h('p', { class: 'error', role: 'alert' }, error.message)];
  }
  if (navigation !== navigations) return;
  main.replaceChildren(...content);
  document.title = `${main.querySelector('h1')?.textContent ?? 'hedgerow'} · hedgerow demo`;
  main.focus();
}

function showMe() {
  const me = document.getElementById('me');
  me.textContent = app.me ? `Signed in as @${app.me.username}` : '';
  if (!app.me) me.append(h('a', { href: '#/sign-in' }, 'Sign in'));
}

document.addEventListener('hedgerow-sign-out', () => {
  app.signOut();
  showToast('Signed out', 'info');
  app.go('#/sign-in');
});

window.addEventListener('hashchange', render);

if (app.token) {
  await app.signIn(app.token).catch(() => app.signOut());
} else {
  showMe();
}
render();
