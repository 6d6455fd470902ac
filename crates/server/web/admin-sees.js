// Quem vê o quê?, the other way (`users.manage`): pick a user (and, optionally, the address
// they would come from) and see which conversations they see and why, limited by the server to
// those the caller sees too. `#/admin/viewers/u{id}` opens it for that user.

import { get, query } from './api.js';
import { h, replace } from './dom.js';
import { lang, t } from './i18n.js';
import { errorText, field, loadingLine, whyCell } from './admin-common.js';

const TABS = ['', 'mine', 'waiting', 'others', 'finished', 'my_finished'];

/** The user part of the explorer. Returns {el, open(userId)}. */
export function seesPart(ctx) {
  const user = h('select', { required: true }, h('option', { value: '' }, t('adm.sees.pick')));
  const tab = h('select', null, TABS.map((x) => h('option', { value: x }, x ? t(`tab.${x}`) : t('adm.sees.all'))));
  const from = h('input', { type: 'text', maxlength: 64, placeholder: '203.0.113.7', autocomplete: 'off' });
  const result = h('div', { class: 'viewers-result sees-result' });
  let departments = new Map();

  ctx
    .load('users')
    .then((users) => {
      const chosen = user.value;
      replace(
        user,
        h('option', { value: '' }, t('adm.sees.pick')),
        [...users].sort((a, b) => a.name.localeCompare(b.name)).map((u) => h('option', { value: u.id }, `${u.name} — ${u.email}`)),
      );
      user.value = chosen;
    })
    .catch(() => {});
  ctx
    .load('departments')
    .then((ds) => {
      departments = new Map(ds.map((d) => [d.id, d.name]));
    })
    .catch(() => {});

  function row(item) {
    const c = item.conversation;
    const who = c.details_hidden ? t('list.hidden') : c.contact?.name || c.contact?.phone || '—';
    return h(
      'tr',
      { dataset: { id: c.id }, class: 'sees' },
      h('th', { scope: 'row' }, h('a', { href: `#/admin/viewers/${c.id}`, title: t('adm.sees.who_else') }, `#${c.id}`), ' ', who, h('br'), h('span', { class: 'muted small' }, departments.get(c.department_id) || `#${c.department_id}`)),
      h('td', { 'data-testid': 'tab' }, t(`tab.${item.tab}`)),
      h('td', null, t(item.sees_details ? 'adm.yes' : 'adm.no')),
      whyCell(item.summary, item.reasons),
    );
  }

  async function run() {
    const id = user.value;
    if (!/^\d+$/.test(id)) return user.focus();
    replace(result, loadingLine());
    const params = { tab: tab.value, lang: lang() === 'en' ? 'en' : 'pt', from: from.value.trim() };
    try {
      const r = await get(`/api/v1/access/users/${id}/conversations${query(params)}`);
      const tbody = h('tbody', null, r.items.map(row));
      const more = h('button', { type: 'button', class: 'btn', hidden: !r.next_cursor }, t('list.more'));
      let cursor = r.next_cursor;
      more.addEventListener('click', async () => {
        more.disabled = true;
        try {
          const next = await get(`/api/v1/access/users/${id}/conversations${query({ ...params, cursor })}`);
          tbody.append(...next.items.map(row));
          cursor = next.next_cursor;
          more.hidden = !cursor;
        } catch (err) {
          result.append(h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
        } finally {
          more.disabled = false;
        }
      });
      const counts = TABS.filter(Boolean).map((x) => `${t(`tab.${x}`)}: ${r.counts[x]}`).join(' · ');
      replace(
        result,
        h('p', { class: 'muted', role: 'status', 'data-testid': 'sees-summary' }, t('adm.sees.summary', { name: r.name, n: r.counts.all, from: r.from })),
        r.standing === 'active' ? null : h('p', { class: 'form-error' }, t(`adm.sees.standing.${r.standing}`)),
        h('p', { class: 'muted small' }, counts),
        h('details', { class: 'sees-rules' }, h('summary', null, t('adm.sees.rules')), h('ul', { class: 'plain reasons' }, r.rules.map((line) => h('li', null, line)))),
        r.items.length === 0
          ? h('p', { class: 'muted' }, t('adm.sees.none'))
          : h(
              'div',
              { class: 'table-wrap' },
              h(
                'table',
                { class: 'admin-table viewers-table sees-table' },
                h('caption', { class: 'visually-hidden' }, t('adm.sees.caption', { name: r.name })),
                h('thead', null, h('tr', null, ['conversation', 'tab', 'details', 'reasons'].map((c) => h('th', { scope: 'col' }, t(`adm.sees.col.${c}`))))),
                tbody,
              ),
            ),
        more,
      );
    } catch (err) {
      replace(result, h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
    }
  }

  const form = h(
    'form',
    {
      class: 'admin-form viewers-form sees-form',
      'aria-labelledby': 'adm-sees-title',
      onsubmit: (e) => {
        e.preventDefault();
        const target = `#/admin/viewers/u${user.value}`;
        if (location.hash !== target) history.replaceState(null, '', target);
        run();
      },
    },
    field(t('adm.sees.user'), user),
    field(t('adm.sees.tab'), tab),
    field(t('adm.viewers.from'), from, t('adm.viewers.from_hint')),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('adm.sees.check'))),
  );

  const el = h(
    'div',
    { class: 'explorer-part' },
    h('h3', { class: 'admin-h3', id: 'adm-sees-title' }, t('adm.sees.title')),
    h('p', { class: 'muted' }, t('adm.sees.explain')),
    form,
    result,
  );
  return {
    el,
    open(id) {
      if (!/^\d+$/.test(id)) return;
      if (![...user.options].some((o) => o.value === id)) user.append(h('option', { value: id }, `#${id}`));
      user.value = id;
      // Scroll the administration's content (not the page) to this part.
      const box = el.closest('.admin-content');
      if (box) box.scrollTop += el.getBoundingClientRect().top - box.getBoundingClientRect().top;
      return run();
    },
  };
}
