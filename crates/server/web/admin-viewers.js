// Quem vê o quê? (`users.manage`): for a conversation (and, optionally, the address users would
// come from), every user with whether they see it, whether they see its details, and why.
// The address `#/admin/viewers/{id}` opens it for that conversation (the pane's "Quem vê?").
// The other way, a user's conversations, is `admin-sees.js` (`#/admin/viewers/u{id}`).

import { get, query } from './api.js';
import { h, replace } from './dom.js';
import { lang, t } from './i18n.js';
import { errorText, field, heading, loadingLine, whyCell } from './admin-common.js';
import { seesPart } from './admin-sees.js';

export function viewersSection(ctx, arg) {
  const el = h('section', { class: 'admin-section', 'aria-labelledby': 'adm-viewers-title' });
  const result = h('div', { class: 'viewers-result' });
  const id = h('input', { type: 'number', min: 1, step: 1, required: true, inputmode: 'numeric', value: /^\d+$/.test(arg) ? arg : '' });
  const from = h('input', { type: 'text', maxlength: 64, placeholder: '203.0.113.7', autocomplete: 'off' });

  async function run() {
    const conv = id.value.trim();
    if (!/^\d+$/.test(conv)) return id.focus();
    replace(result, loadingLine());
    try {
      const r = await get(
        `/api/v1/access/conversations/${conv}/viewers${query({ lang: lang() === 'en' ? 'en' : 'pt', from: from.value.trim() })}`,
      );
      replace(
        result,
        h('p', { class: 'muted' }, t('adm.viewers.summary', { id: r.conversation_id, from: r.from, n: r.users.filter((u) => u.sees).length, total: r.users.length })),
        h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { class: 'admin-table viewers-table' },
            h('caption', { class: 'visually-hidden' }, t('adm.viewers.caption', { id: r.conversation_id })),
            h('thead', null, h('tr', null, ['user', 'sees', 'details', 'reasons'].map((c) => h('th', { scope: 'col' }, t(`adm.viewers.col.${c}`))))),
            h(
              'tbody',
              null,
              r.users.map((u) =>
                h(
                  'tr',
                  { 'data-email': u.email, class: u.sees ? 'sees' : 'sees-not' },
                  h('th', { scope: 'row' }, u.name, h('br'), h('span', { class: 'muted small' }, u.email)),
                  h('td', { 'data-testid': 'sees' }, h('span', { class: `badge ${u.sees ? 'badge-ok' : 'badge-off'}` }, t(u.sees ? 'adm.viewers.sees' : 'adm.viewers.not'))),
                  h('td', null, t(u.sees_details ? 'adm.yes' : 'adm.no')),
                  whyCell(u.summary, u.reasons),
                ),
              ),
            ),
          ),
        ),
      );
    } catch (err) {
      replace(result, h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
    }
  }

  const form = h(
    'form',
    {
      class: 'admin-form viewers-form',
      'aria-labelledby': 'adm-viewers-conv-title',
      onsubmit: (e) => {
        e.preventDefault();
        if (location.hash !== `#/admin/viewers/${id.value.trim()}`) history.replaceState(null, '', `#/admin/viewers/${id.value.trim()}`);
        run();
      },
    },
    field(t('adm.viewers.conversation'), id),
    field(t('adm.viewers.from'), from, t('adm.viewers.from_hint')),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('adm.viewers.check'))),
  );

  const sees = seesPart(ctx);
  replace(
    el,
    heading(t('adm.section.viewers')),
    h('div', { class: 'explorer-part' }, h('h3', { class: 'admin-h3', id: 'adm-viewers-conv-title' }, t('adm.viewers.title')), h('p', { class: 'muted' }, t('adm.viewers.explain')), form, result),
    sees.el,
  );
  el.querySelector('h2').id = 'adm-viewers-title';
  if (id.value) run();
  if (/^u\d+$/.test(arg)) sees.open(arg.slice(1));
  return {
    el,
    onArg(next) {
      if (/^\d+$/.test(next) && next !== id.value) {
        id.value = next;
        run();
      } else if (/^u\d+$/.test(next)) {
        sees.open(next.slice(1));
      }
    },
  };
}
