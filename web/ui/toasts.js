// <hedgerow-toasts>: the messages components show after an action ("Link copied", "Access
// revoked", or what went wrong). One per page, made on first use at the end of <body>; an app
// may place its own earlier to choose where. Screen readers hear them (a polite live region
// for successes, an assertive one for errors). They are a popover, so they show above an
// open modal dialog too.

const STYLES = `
:host {
  position: fixed; inset: auto 1rem 1rem auto; z-index: 2147483000; margin: 0; padding: 0;
  border: 0; background: transparent; overflow: visible;
  display: flex; flex-direction: column; gap: 0.5rem; max-width: min(28rem, calc(100vw - 2rem));
  font: var(--hedgerow-font, 15px/1.45 system-ui, sans-serif);
}
.toast {
  display: flex; gap: 0.75rem; align-items: start; padding: 0.6rem 0.8rem;
  border-radius: var(--hedgerow-radius, 8px); box-shadow: 0 4px 16px rgb(0 0 0 / 0.18);
  background: var(--hedgerow-toast-bg, #1f2328); color: var(--hedgerow-toast-fg, #ffffff);
  border-inline-start: 4px solid var(--hedgerow-accent, #0b6e4f);
}
.toast.error { border-inline-start-color: var(--hedgerow-danger, #b42318); }
.toast p { margin: 0; flex: 1; }
button { font: inherit; color: inherit; background: none; border: 0; cursor: pointer; padding: 0 0.25rem; }
button:focus-visible { outline: 2px solid var(--hedgerow-focus, #0969da); }
`;

/** How many toasts of a kind (successes, errors) are shown at once. */
const MOST = 3;

/** How long a toast stays, in ms (errors longer). */
const LIFETIME = { success: 5000, info: 5000, error: 9000 };

class HedgerowToasts extends HTMLElement {
  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    const styles = new CSSStyleSheet();
    styles.replaceSync(STYLES);
    root.adoptedStyleSheets = [styles];
    this.polite = region('status', 'polite');
    this.assertive = region('alert', 'assertive');
    root.append(this.polite, this.assertive);
  }

  connectedCallback() {
    this.setAttribute('popover', 'manual');
  }

  /** Shows `message` (text only) with `tone`: success, info or error. */
  show(message, tone = 'success') {
    // Into the top layer again, above whatever modal opened since.
    if (this.matches(':popover-open')) this.hidePopover();
    this.showPopover();
    const toast = document.createElement('div');
    toast.className = `toast ${tone}`;
    toast.dataset.tone = tone;
    const text = document.createElement('p');
    text.textContent = message;
    const close = document.createElement('button');
    close.type = 'button';
    close.textContent = '×';
    close.setAttribute('aria-label', 'Dismiss');
    close.addEventListener('click', () => toast.remove());
    toast.append(text, close);
    const region = tone === 'error' ? this.assertive : this.polite;
    region.append(toast);
    // The newest few only: a burst of actions does not fill the screen.
    while (region.children.length > MOST) region.firstElementChild.remove();
    setTimeout(() => toast.remove(), LIFETIME[tone] ?? LIFETIME.info);
  }
}

/** A live region for toasts. */
function region(role, live) {
  const element = document.createElement('div');
  element.setAttribute('role', role);
  element.setAttribute('aria-live', live);
  return element;
}

customElements.define('hedgerow-toasts', HedgerowToasts);

/** Shows a toast in the page's <hedgerow-toasts>, making one if there is none. */
export function showToast(message, tone) {
  let toasts = document.querySelector('hedgerow-toasts');
  if (!toasts) toasts = document.body.appendChild(document.createElement('hedgerow-toasts'));
  toasts.show(message, tone);
}
