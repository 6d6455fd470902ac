// Auditoria (`audit.view`): the log, newest first, a page at a time (`next_before`): time, actor,
// action, target, result, address, and what was before and after in a collapsible <details>.

import { get, query } from './api.js';
import { h, replace } from './dom.js';
import { fullTime, lang, t, tOr } from './i18n.js';
import { errorText, heading, loadingLine } from './admin-common.js';

const PAGE = 50;

export function auditSection(ctx) {
  const el = h('section', { class: 'admin-section', 'aria-labelledby': 'adm-audit-title' });
  const body = h('tbody');
  const more = h('div', { class: 'list-more' });
  const st = h('div');
  let next = null;
  let names = new Map();
  // The server's catalogue of audit actions, labelled in both languages.
  let actions = new Map();
  let permissions = new Map();
  /** A permission id by its label in the page's language (the id when unknown). */
  const permissionLabel = (id) => {
    const p = permissions.get(id);
    return p ? (lang() === 'en' ? p.label_en : p.label_pt) : id;
  };
  const actionLabel = (id) => {
    const a = actions.get(id);
    return a ? (lang() === 'en' ? a.label_en : a.label_pt) : '';
  };

  const json = (v) => JSON.stringify(v, null, 2);

  /** A value as a line shows it: short, `—` for nothing. */
  const short = (v) => {
    if (v === undefined || v === null || v === '') return '—';
    if (typeof v === 'boolean') return t(v ? 'adm.yes' : 'adm.no');
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return s.length > 80 ? `${s.slice(0, 79)}…` : s;
  };

  /** A list field's change: what was added and what was removed. */
  const listChange = (was, now) => {
    const [a, b] = [was.map((x) => short(x)), now.map((x) => short(x))];
    const added = b.filter((x) => !a.includes(x));
    const removed = a.filter((x) => !b.includes(x));
    return [added.length ? `+ ${added.join(', ')}` : '', removed.length ? `− ${removed.join(', ')}` : ''].filter(Boolean).join('; ');
  };

  /** What changed, in words: each field that differs, before → after. */
  function changes(e) {
    const { before, after } = e;
    if (before && after && typeof before === 'object' && typeof after === 'object') {
      const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
      const lines = keys
        .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
        .map((k) => {
          const [was, now] = [before[k], after[k]];
          const named = (l) => (k === 'permissions' ? l.map(permissionLabel) : l);
          const what = Array.isArray(was) && Array.isArray(now) ? listChange(named(was), named(now)) : `${short(was)} → ${short(now)}`;
          return h('li', null, h('strong', null, tOr(`adm.audit.field.${k}`, k)), ': ', what);
        });
      return lines.length ? h('ul', { class: 'plain audit-changes' }, lines) : null;
    }
    if (after && !before && e.action.endsWith('.create')) return h('p', { class: 'small' }, t('adm.audit.created'));
    if (before && !after && e.action.endsWith('.delete')) return h('p', { class: 'small' }, t('adm.audit.removed'));
    return null;
  }

  function row(e) {
    const ok = e.result === 'ok';
    const hasData = e.before != null || e.after != null;
    return h(
      'tr',
      { 'data-action': e.action, 'data-target': e.target },
      h('td', null, h('time', { datetime: new Date(e.at / 1000).toISOString() }, fullTime(e.at))),
      h('td', null, e.actor_id ? names.get(e.actor_id) ?? `#${e.actor_id}` : t('adm.audit.system')),
      // The action in words first (the server's catalogue), its stable id below.
      h('td', null, actionLabel(e.action) ? [actionLabel(e.action), h('br'), h('code', { class: 'muted small' }, e.action)] : h('code', null, e.action)),
      h('td', null, e.target),
      h('td', null, h('span', { class: `badge ${ok ? 'badge-ok' : 'badge-warn'}` }, ok ? t('adm.audit.ok') : e.result)),
      h('td', null, e.address),
      h(
        'td',
        null,
        hasData
          ? h(
              'div',
              null,
              changes(e),
              h(
              'details',
              { class: 'audit-details' },
              h('summary', null, t('adm.audit.show')),
              e.before != null ? [h('p', { class: 'small' }, t('adm.audit.before')), h('pre', null, json(e.before))] : null,
              e.after != null ? [h('p', { class: 'small' }, t('adm.audit.after')), h('pre', null, json(e.after))] : null,
              ),
            )
          : '—',
      ),
    );
  }

  async function page(first) {
    const button = more.querySelector('button');
    if (button) button.disabled = true;
    try {
      if (first) {
        replace(st, loadingLine());
        const dir = await ctx.load('directory').catch(() => []);
        names = new Map(dir.map((u) => [u.id, u.name]));
        const catalogue = await ctx.load('auditActions').catch(() => []);
        actions = new Map(catalogue.map((a) => [a.id, a]));
        permissions = await ctx.permissionLabels().catch(() => new Map());
      }
      const r = await get(`/api/v1/audit${query({ limit: PAGE, before: first ? undefined : next })}`);
      if (first) replace(body);
      body.append(...r.items.map(row));
      if (first && !r.items.length) body.append(h('tr', null, h('td', { colspan: 7 }, t('adm.audit.empty'))));
      next = r.next_before ?? null;
      replace(st);
    } catch (err) {
      replace(st, h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
    }
    replace(more, next ? h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => page(false) }, t('adm.audit.more')) : null);
  }

  replace(
    el,
    heading(t('adm.section.audit')),
    h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'btn', onclick: () => page(true) }, t('adm.audit.refresh'))),
    st,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'admin-table audit-table' },
        h('caption', { class: 'visually-hidden' }, t('adm.section.audit')),
        h('thead', null, h('tr', null, ['at', 'actor', 'action', 'target', 'result', 'address', 'data'].map((c) => h('th', { scope: 'col' }, t(`adm.audit.col.${c}`))))),
        body,
      ),
    ),
    more,
  );
  el.querySelector('h2').id = 'adm-audit-title';
  page(true);
  return { el };
}
