// A webhook's delivery log: each delivery's event, status in words, attempts, the HTTP status
// of the answer and the error, when; the body posted on demand; "Reenviar" for one that is
// finished. The server shows only deliveries whose conversation the reader sees now.

import { get, post } from './api.js';
import { h, replace } from './dom.js';
import { fullTime, relativeTime, t } from './i18n.js';
import { busy, errorText, loadingLine, statusLine } from './admin-common.js';

/**
 * Why an attempt failed, in the page's language. The worker writes these sentences (worker.rs,
 * principal.rs, the store's deactivation); the receiver's own answer, quoted after them, stays
 * as the receiver wrote it. A sentence not known here is shown as the server wrote it.
 */
export function attemptError(text) {
  const known = [
    [/^the receiver answered (\d+)(?:: ([\s\S]*))?$/, (m) => t('adm.wh.err.answered', { code: m[1] }) + (m[2] ? ` “${m[2]}”` : '')],
    [/^the receiver could not be reached/, () => t('adm.wh.err.unreachable')],
    [/^not sent: the user the webhook acts for no longer sees/, () => t('adm.wh.err.not_seen')],
    [/^not sent: the webhook acts for no user/, () => t('adm.wh.paused.no_user')],
    [/^not sent: the user the webhook acts for is deactivated/, () => t('adm.wh.paused.user_inactive')],
    [/^not sent: the user the webhook acts for has no role/, () => t('adm.wh.paused.no_active_binding')],
    [/^not sent: the user the webhook acts for does not hold/, () => t('adm.wh.paused.no_permission')],
    [/^the webhook was deactivated$/, () => t('adm.wh.err.deactivated')],
    [/^the attempt failed \(its message is hidden/, () => t('adm.wh.err.hidden')],
  ];
  for (const [re, say] of known) {
    const m = text.match(re);
    if (m) return say(m);
  }
  return text;
}

export function deliveryLog(hook, ctx) {
  const el = h('div', { class: 'delivery-log', role: 'region', 'aria-label': t('adm.wh.log_title') });
  const st = statusLine();
  const table = h('div', { class: 'table-wrap' });
  let before = null;

  function row(d) {
    const when = h('time', { datetime: new Date(d.created_at / 1000).toISOString(), title: fullTime(d.created_at) }, relativeTime(d.created_at));
    const answer = d.response_status == null ? '—' : `HTTP ${d.response_status}`;
    const again =
      d.status === 'pending'
        ? null
        : h(
            'button',
            {
              type: 'button',
              class: 'btn btn-small',
              'aria-label': t('adm.wh.redeliver_named', { id: d.id }),
              onclick: async (e) => {
                st.clear();
                try {
                  await busy(e.currentTarget, () => post(`/api/v1/webhooks/${hook.id}/deliveries/${d.id}/redeliver`));
                  st.ok(t('adm.wh.redelivered', { id: d.id }));
                  load();
                } catch (err) {
                  st.error(errorText(err, await ctx.permissionLabels()));
                }
              },
            },
            t('adm.wh.redeliver'),
          );
    return h(
      'tr',
      { 'data-delivery': d.id, 'data-status': d.status },
      h('td', null, when),
      h('td', null, h('code', null, d.event_type)),
      h('td', null, h('span', { class: `badge ${d.status === 'delivered' ? 'badge-ok' : d.status === 'failed' ? 'badge-warn' : 'badge-off'}` }, t(`adm.wh.status.${d.status}`))),
      h('td', null, String(d.attempts)),
      h('td', null, answer, d.error ? h('div', { class: 'small wrap-any', title: d.error }, attemptError(d.error)) : null),
      h('td', null, h('details', null, h('summary', null, t('adm.wh.body')), h('pre', { class: 'delivery-body' }, JSON.stringify(d.payload, null, 2)))),
      h('td', null, again),
    );
  }

  async function load(more = false) {
    if (!more) {
      before = null;
      replace(table, loadingLine());
    }
    try {
      const page = await get(`/api/v1/webhooks/${hook.id}/deliveries${before ? `?before=${before}` : ''}`);
      const rows = page.items.map(row);
      const body = more ? table.querySelector('tbody') : null;
      if (body) rows.forEach((r) => body.append(r));
      else
        replace(
          table,
          page.items.length
            ? h(
                'table',
                { class: 'admin-table' },
                h('caption', { class: 'visually-hidden' }, t('adm.wh.log_title')),
                h('thead', null, h('tr', null, ['when', 'event', 'status', 'attempts', 'answer', 'body', 'actions'].map((c) => h('th', { scope: 'col' }, t(`adm.wh.col.${c}`))))),
                h('tbody', null, rows),
              )
            : h('p', { class: 'muted' }, t('adm.wh.log_empty')),
        );
      before = page.next_before;
      replace(more_, before ? h('button', { type: 'button', class: 'btn btn-small', onclick: () => load(true) }, t('adm.wh.more')) : null);
    } catch (err) {
      replace(table, h('p', { class: 'form-error', role: 'alert' }, errorText(err, await ctx.permissionLabels())));
    }
  }

  const refresh = h('button', { type: 'button', class: 'btn btn-small', onclick: () => load() }, t('adm.wh.refresh'));
  const more_ = h('div');
  replace(el, h('div', { class: 'delivery-log-head' }, h('h4', null, t('adm.wh.log_title')), refresh), st.el, table, more_);
  load();
  return el;
}
