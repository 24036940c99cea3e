// Signing in: as a demo user where the server offers it (the embedded default on loopback),
// else with a token from the app's identity provider (or `hedgerow token`); then the profile
// is created if this is the person's first visit.

import { h, request, showToast } from '/ui/hedgerow.js';
import { app } from './app.js';

export async function signInView() {
  const offer = await request(location.origin, null, 'GET', '/app/demo-token').catch(() => null);
  return [
    h('h1', {}, 'Sign in'),
    offer?.data.available && h('section', { class: 'card stack' },
      h('h2', {}, 'Sign in as a demo user'),
      h('p', { class: 'muted' }, 'This server runs on its embedded database at a loopback address, so it can sign you in as a demo user of any name.'),
      h('form', { class: 'inline', onsubmit: demoSignIn },
        h('label', { class: 'field' }, 'Demo user name',
          h('input', { name: 'username', required: true, pattern: '[a-z0-9_]{3,32}', placeholder: 'ada', title: '3 to 32 of a-z, 0-9 and _' })),
        h('button', { class: 'primary' }, 'Sign in as a demo user'))),
    h('section', { class: 'card stack' },
      h('h2', {}, 'Sign in with a token'),
      h('p', { class: 'muted' }, 'Paste a token from your identity provider, or mint one with: hedgerow token --sub $(cat /proc/sys/kernel/random/uuid)'),
      h('form', { class: 'stack', onsubmit: tokenSignIn },
        h('label', { class: 'field' }, 'Token', h('textarea', { name: 'token', required: true, rows: 3, cols: 60, spellcheck: 'false' })),
        h('button', { class: 'primary' }, 'Sign in'))),
    h('p', {}, 'Or look around without an account: ', h('a', { href: '#/community' }, 'Community'), ' · ', h('a', { href: '#/discover' }, 'Discover')),
  ];
}

async function demoSignIn(event) {
  event.preventDefault();
  const username = event.target.username.value.trim();
  try {
    const { data } = await request(location.origin, null, 'POST', '/app/demo-token', { username });
    await signIn(data.token, username);
  } catch (error) {
    showToast(error.message, 'error');
  }
}

async function tokenSignIn(event) {
  event.preventDefault();
  try {
    await signIn(event.target.token.value.trim(), null);
  } catch (error) {
    app.signOut();
    showToast(`Not signed in: ${error.message}`, 'error');
  }
}

/** Signs in with `token`; a first visit creates the profile (named `username`, or asked for). */
async function signIn(token, username) {
  try {
    await app.signIn(token);
  } catch (error) {
    if (error.code !== 'PROFILE_NOT_FOUND') throw error;
    if (!username) {
      document.getElementById('main').replaceChildren(...profileForm(token));
      return;
    }
    await request(location.origin, token, 'POST', '/api/auth/profile', { username, display_name: username });
    await app.signIn(token);
  }
  showToast(`Welcome, @${app.me.username}`);
  app.go('#/sessions');
}

function profileForm(token) {
  const create = async (event) => {
    event.preventDefault();
    const form = event.target;
    try {
      await request(location.origin, token, 'POST', '/api/auth/profile',
        { username: form.username.value.trim(), display_name: form.display_name.value.trim() || null });
      await signIn(token, null);
    } catch (error) {
      showToast(error.message, 'error');
    }
  };
  return [
    h('h1', {}, 'Create your profile'),
    h('form', { class: 'card stack', onsubmit: create },
      h('label', { class: 'field' }, 'Username (permanent)', h('input', { name: 'username', required: true, pattern: '[a-z0-9_]{3,32}' })),
      h('label', { class: 'field' }, 'Display name', h('input', { name: 'display_name', maxlength: 100 })),
      h('button', { class: 'primary' }, 'Create profile')),
  ];
}
