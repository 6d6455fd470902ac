// The customer's history in the conversation pane: the contact's other conversations that the
// user sees (`GET /api/v1/contacts/{id}/conversations`: the server lists only those, with the
// contact only where the user sees details), read when the block is opened, each a link to the
// conversation in its tab; and the way to the contact's profile when the contacts screen is
// offered (`me.may`).

import { get } from './api.js';
import { h } from './dom.js';
import { relativeTime, t, tOr } from './i18n.js';

/** The tab a conversation is listed in, for the user `me`. */
function tabOf(c, me) {
  if (c.status === 'waiting') return 'waiting';
  if (c.status === 'finished') return 'finished';
  return c.assignee_id === me ? 'mine' : 'others';
}

/**
 * The block for state `s` (the pane's: `s.detail`, and `s.history`: `null` before it was read,
 * `'loading'`, an array, or `'error'`). `ctx`: the pane's (me, deptName); `redraw()` renders
 * the head again.
 */
export function historyBlock(s, ctx, redraw) {
  const d = s.detail;
  if (d.details_hidden || !d.contact) return null;
  const contactId = d.contact.id;
  if (s.historyFor !== contactId) {
    s.historyFor = contactId;
    s.history = null;
  }
  const load = async () => {
    if (s.history && s.history !== 'error') return;
    s.history = 'loading';
    redraw();
    try {
      const list = await get(`/api/v1/contacts/${encodeURIComponent(contactId)}/conversations`);
      s.history = list.filter((c) => c.id !== d.id);
    } catch {
      s.history = 'error';
    }
    redraw();
  };
  let body;
  if (s.history === 'loading' || (s.historyOpen && s.history === null)) {
    body = h('p', { class: 'muted small', role: 'status' }, t('app.loading'));
  } else if (s.history === 'error') {
    body = h('p', { class: 'form-error small', role: 'alert' }, t('error.generic'));
  } else if (Array.isArray(s.history) && !s.history.length) {
    body = h('p', { class: 'muted small' }, t('history.none'));
  } else if (Array.isArray(s.history)) {
    body = h(
      'ul',
      { class: 'plain history-list' },
      s.history.map((c) =>
        h(
          'li',
          null,
          h(
            'a',
            { href: `#/${tabOf(c, ctx.me.id)}/${c.id}`, class: 'history-item' },
            h('span', { class: `badge status-${c.status}` }, tOr(`status.${c.status}`, c.status)),
            ' ',
            h('span', { class: 'history-dept' }, ctx.deptName(c.department_id)),
            ' ',
            h('span', { class: 'muted small' }, relativeTime(c.last_activity)),
          ),
        ),
      ),
    );
  }
  const profile = (ctx.me.may || []).includes('contacts.open')
    ? h('a', { class: 'btn btn-small btn-ghost', href: `#/contacts/${contactId}` }, t('history.profile'))
    : null;
  const details = h(
    'details',
    {
      class: 'pane-history',
      ontoggle: (e) => {
        s.historyOpen = e.target.open;
        if (e.target.open) load();
      },
    },
    h('summary', { 'data-focus-key': 'history' }, t('history.title')),
    body,
    profile,
  );
  details.open = Boolean(s.historyOpen);
  return details;
}
