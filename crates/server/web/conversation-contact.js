// Linking a conversation's contact, offered only when the engine lists `link_contact`. The
// contacts offered are those the user may see (`contact_visible`: the whole list with
// `contacts.view`, else the contacts of conversations whose details the user sees).
// Unlinking (`contact_id: null`) is offered when a contact is linked.

import { get, query } from './api.js';
import { h, nextId } from './dom.js';
import { t } from './i18n.js';

/** Contacts whose name, email or phone (in any format) matches `text`, among those the user
 * sees (`GET /api/v1/contacts`: the engine's `contact_visible`). */
async function findContacts(text) {
  const page = await get(`/api/v1/contacts${query({ q: text, limit: 50 })}`);
  return page.items;
}

/**
 * The form. `s` is the pane's state (`s.formValue`: the search text; `s.contacts`: the last
 * results, `null` before a search). `act(action, body)` runs the action; `redraw()` renders the
 * head again; `close()` closes the form.
 */
export function contactForm(s, { act, redraw, close }) {
  const searchId = nextId('contact-q');
  const input = h('input', {
    id: searchId,
    type: 'search',
    maxlength: 100,
    autocomplete: 'off',
    value: s.formValue,
    'data-focus-key': 'contact-q',
    oninput: (e) => (s.formValue = e.target.value),
  });
  const search = async () => {
    const text = input.value.trim();
    if (!text) return input.focus();
    s.contacts = 'loading';
    redraw();
    try {
      s.contacts = await findContacts(text);
    } catch {
      s.contacts = [];
    }
    redraw();
    const first = document.querySelector('.contact-results button');
    (first || document.querySelector(`[data-focus-key="contact-q"]`))?.focus();
  };
  let results = null;
  if (s.contacts === 'loading') results = h('p', { class: 'muted small', role: 'status' }, t('app.loading'));
  else if (Array.isArray(s.contacts) && !s.contacts.length) results = h('p', { class: 'muted small', role: 'status' }, t('contact.none'));
  else if (Array.isArray(s.contacts)) {
    results = h(
      'ul',
      { class: 'plain contact-results', 'aria-label': t('contact.results') },
      s.contacts.map((c) =>
        h(
          'li',
          null,
          h(
            'button',
            {
              type: 'button',
              class: 'btn btn-small',
              'data-focus-key': `contact:${c.id}`,
              'aria-disabled': s.busy ? 'true' : null,
              onclick: () => act('link_contact', { contact_id: c.id }),
            },
            t('contact.link_to', { name: c.name }),
            ' ',
            h('span', { class: 'muted small' }, [c.phone_display || c.phone, c.email].filter(Boolean).join(' · ')),
          ),
        ),
      ),
    );
  }
  return h(
    'form',
    {
      class: 'inline-form contact-form',
      onsubmit: (e) => {
        e.preventDefault();
        search();
      },
    },
    h('label', { for: searchId }, t('contact.search')),
    input,
    h('button', { type: 'submit', class: 'btn btn-small', 'data-focus-key': 'contact-search' }, t('contact.find')),
    s.detail.contact
      ? h(
          'button',
          { type: 'button', class: 'btn btn-small', 'data-focus-key': 'contact-unlink', 'aria-disabled': s.busy ? 'true' : null, onclick: () => act('link_contact', { contact_id: null }) },
          t('contact.unlink'),
        )
      : null,
    h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'data-focus-key': 'form-cancel', onclick: close }, t('action.cancel')),
    results,
  );
}
