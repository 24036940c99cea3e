// <hedgerow-privacy kind="shelves" resource-id="…" value="public">: who may see one resource,
// as a group of radio buttons (arrow keys move and choose, as in any radio group), with a ✓ on
// the current choice. With `parent="shelf"` it offers "Inherit from shelf" first (value
// "inherit"). A choice is saved at once (PUT /api/{kind}/{id}/privacy); on failure the
// previous choice comes back and a toast says why.

import { HedgerowElement, LEVELS, enc, h } from './base.js';

let instances = 0;

export class HedgerowPrivacy extends HedgerowElement {
  static observedAttributes = ['kind', 'resource-id', 'value', 'parent', 'effective', 'levels', 'label', 'token', 'api'];

  static styles = `
    fieldset { border: 1px solid var(--_border); border-radius: var(--_radius); padding: 0.5rem 0.75rem; margin: 0; }
    legend { font-weight: 600; padding: 0 0.25rem; }
    label { display: grid; grid-template-columns: auto 1.2em 1fr; column-gap: 0.4rem; align-items: baseline;
            padding: 0.3rem 0.2rem; border-radius: var(--_radius); cursor: pointer; }
    label:has(input:checked) { background: var(--_surface); }
    .mark { color: var(--_accent); font-weight: 700; }
    .hint { grid-column: 3; font-size: 0.87em; color: var(--_muted); }
    fieldset[aria-busy="true"] { opacity: 0.7; }
  `;

  #name = `hedgerow-privacy-${++instances}`;
  #saving = Promise.resolve();

  /** The current choice: a level, or "inherit". */
  get value() {
    return this.getAttribute('value') ?? (this.hasAttribute('parent') ? 'inherit' : 'private');
  }

  update() {
    const focused = this.shadowRoot.activeElement?.value;
    const parent = this.getAttribute('parent');
    const levels = (this.getAttribute('levels') ?? 'public unlisted private').split(/\s+/).filter((l) => l in LEVELS);
    const choices = parent ? ['inherit', ...levels] : levels;
    const fieldset = h('fieldset', { onchange: (event) => this.#choose(event.target.value) },
      h('legend', {}, this.getAttribute('label') ?? 'Who can see this'),
      choices.map((choice) => this.#choice(choice, parent)));
    this.shadowRoot.replaceChildren(fieldset);
    if (focused) fieldset.querySelector(`input[value="${focused}"]`)?.focus();
  }

  #choice(choice, parent) {
    const checked = choice === this.value;
    const effective = this.getAttribute('effective');
    const name = choice === 'inherit' ? `Inherit from ${parent}` : LEVELS[choice].name;
    const hint = choice === 'inherit'
      ? `Same as the ${parent}${effective && this.value === 'inherit' ? `: ${LEVELS[effective]?.name ?? effective} now` : ''}`
      : LEVELS[choice].hint;
    return h('label', {},
      h('input', { type: 'radio', name: this.#name, value: choice, checked }),
      h('span', { class: 'mark', 'aria-hidden': 'true' }, checked ? '✓' : ''),
      h('span', {}, name),
      h('span', { class: 'hint' }, hint));
  }

  /** Saves `choice`; choices made while one is saving are saved after it, in order. */
  #choose(choice) {
    this.#saving = this.#saving.then(() => this.#save(choice));
  }

  async #save(choice) {
    const kind = this.getAttribute('kind');
    const id = this.getAttribute('resource-id');
    this.shadowRoot.querySelector('fieldset')?.setAttribute('aria-busy', 'true');
    try {
      const { data } = await this.api('PUT', `/api/${enc(kind)}/${enc(id)}/privacy`,
        { visibility: choice === 'inherit' ? null : choice });
      const effective = data.effective_privacy ?? data.visibility;
      if (effective) this.setAttribute('effective', effective);
      this.setAttribute('value', data.visibility ?? 'inherit');
      this.notify(choice === 'inherit'
        ? `Now inherits from the ${this.getAttribute('parent')}`
        : `Visibility set to ${LEVELS[choice].name}`);
      this.emit('hedgerow-change', { resource: data, value: data.visibility ?? 'inherit' });
    } catch (error) {
      this.notify(`Visibility not changed: ${error.message}`, 'error');
    }
    this.update();
  }
}

customElements.define('hedgerow-privacy', HedgerowPrivacy);
