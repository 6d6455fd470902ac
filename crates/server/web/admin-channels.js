// Canais (`settings.integrations`, offered as `channels.open`): the account's channels with
// their department, state, webhook URL and last message received; connecting a WhatsApp number
// with a guided form (then the webhook URL and verify token to paste into Meta's dashboard),
// testing its connection (`POST /api/v1/channels/{id}/test`, what is wrong in words), a generic
// channel whose token is shown once and rotated, disabling and deleting with the server's
// reasons in words. Secrets are written, never read back: a channel says whether each is set.

import { del, get, patch, post } from './api.js';
import { h, replace } from './dom.js';
import { fullTime, relativeTime, t } from './i18n.js';
import { busy, clip, errorText, heading, loadingLine, statusLine, treeOrder } from './admin-common.js';
import { channelError, genericForm, problemText, show, tokenShown, webhookUrl, whatsappDone, whatsappForm } from './admin-channels-forms.js';

export function channelsSection(ctx) {
  const el = h('section', { class: 'admin-section', 'aria-labelledby': 'adm-channels-title' });
  const status = statusLine();
  const formPlace = h('div', { class: 'channel-form-place' });
  const list = h('ul', { class: 'channel-list', 'aria-label': t('adm.channels.list') });
  let departments = [];
  let destroyed = false;
  const labels = () => ctx.permissionLabels();

  const departmentName = (id) => (id == null ? t('adm.channels.default_department') : departments.find((d) => d.id === id)?.name ?? `#${id}`);

  async function load() {
    try {
      departments = await ctx.load('departments').catch(() => []);
      const channels = await get('/api/v1/channels');
      if (destroyed) return;
      replace(list, channels.length ? channels.map(card) : h('li', { class: 'muted' }, t('adm.channels.empty')));
    } catch (err) {
      replace(list, h('li', { class: 'form-error', role: 'alert' }, errorText(err, await labels())));
    }
  }

  function fact(label, ...value) {
    return [h('dt', null, label), h('dd', null, ...value)];
  }

  function card(c) {
    const line = statusLine();
    const reveal = h('div', { class: 'channel-card-reveal' });
    const whatsapp = c.kind === 'whatsapp';
    const secrets = [
      [c.has_verify_token, 'adm.channels.verify_token'],
      [c.has_app_secret, 'adm.channels.app_secret'],
      [c.has_access_token, 'adm.channels.access_token'],
    ];
    const last = c.last_received_at == null
      ? t('adm.channels.never')
      : h('time', { datetime: new Date(c.last_received_at / 1000).toISOString(), title: fullTime(c.last_received_at) }, relativeTime(c.last_received_at));

    const test = async (button) => {
      line.ok(t('adm.channels.testing'));
      try {
        const r = await busy(button, () => post(`/api/v1/channels/${c.id}/test`));
        if (r.ok) line.ok(t('adm.channels.test_ok'));
        else line.error(problemText(r.problem));
      } catch (err) {
        line.error(errorText(err, await labels()));
      }
    };
    const rotate = async (button) => {
      if (!window.confirm(t('adm.channels.rotate_confirm', { name: c.name }))) return;
      line.clear();
      try {
        const changed = await busy(button, () => patch(`/api/v1/channels/${c.id}`, { rotate_token: true }));
        line.ok(t('adm.channels.rotated'));
        replace(reveal, tokenShown(changed));
      } catch (err) {
        line.error(channelError(err, await labels()));
      }
    };
    const toggle = async (button) => {
      line.clear();
      try {
        await busy(button, () => patch(`/api/v1/channels/${c.id}`, { active: !c.active }));
        status.ok(t(c.active ? 'adm.channels.disabled' : 'adm.channels.enabled', { name: c.name }));
        load();
      } catch (err) {
        line.error(channelError(err, await labels()));
      }
    };
    const remove = async (button) => {
      if (!window.confirm(t('adm.channels.delete_confirm', { name: c.name }))) return;
      line.clear();
      try {
        await busy(button, () => del(`/api/v1/channels/${c.id}`));
        status.ok(t('adm.channels.deleted', { name: c.name }));
        load();
      } catch (err) {
        line.error(channelError(err, await labels()));
      }
    };
    const button = (label, aria, fn, cls = 'btn btn-small btn-ghost') =>
      h('button', { type: 'button', class: cls, 'aria-label': aria, onclick: (e) => fn(e.currentTarget) }, label);

    return h(
      'li',
      { class: 'channel-card', 'data-channel': c.id, 'data-kind': c.kind },
      h(
        'div',
        { class: 'channel-head' },
        h('h3', { class: 'channel-name' }, clip(c.name)),
        h('span', { class: `badge ${whatsapp ? 'badge-whatsapp' : 'badge-default'}` }, t(`adm.channels.kind.${c.kind}`)),
        h('span', { class: `badge ${c.active ? 'badge-ok' : 'badge-off'}` }, t(c.active ? 'adm.channels.active' : 'adm.channels.inactive')),
      ),
      h(
        'dl',
        { class: 'channel-facts' },
        fact(t('adm.channels.department'), clip(departmentName(c.department_id))),
        whatsapp ? fact(t('adm.channels.phone_number_id'), h('code', null, c.phone_number_id ?? '—')) : null,
        fact(t(whatsapp ? 'adm.channels.callback_url' : 'adm.channels.post_url'), h('code', { class: 'channel-url' }, webhookUrl(c))),
        whatsapp
          ? fact(
              t('adm.channels.secrets'),
              h('span', { class: 'channel-secrets' }, secrets.map(([set, key]) => h('span', { class: `badge ${set ? 'badge-ok' : 'badge-warn'}` }, `${t(key)}: ${t(set ? 'adm.channels.set' : 'adm.channels.missing')}`))),
            )
          : fact(t('adm.channels.token'), t('adm.channels.token_hidden')),
        whatsapp && c.graph_base_url ? fact(t('adm.channels.graph_base_url'), h('code', { class: 'channel-url' }, c.graph_base_url)) : null,
        fact(t('adm.channels.last_received'), last),
      ),
      h(
        'div',
        { class: 'form-actions channel-actions' },
        whatsapp ? button(t('adm.channels.test'), t('adm.channels.test_named', { name: c.name }), test, 'btn btn-small') : null,
        whatsapp ? null : button(t('adm.channels.rotate'), t('adm.channels.rotate_named', { name: c.name }), rotate, 'btn btn-small'),
        button(t(c.active ? 'adm.channels.disable' : 'adm.channels.enable'), t(c.active ? 'adm.channels.disable_named' : 'adm.channels.enable_named', { name: c.name }), toggle),
        button(t('adm.delete'), t('adm.delete_named', { name: c.name }), remove, 'btn btn-small btn-danger'),
      ),
      line.el,
      reveal,
    );
  }

  const create = (body) => post('/api/v1/channels', body);
  const close = () => replace(formPlace);
  async function open(kind) {
    status.clear();
    departments = await ctx.load('departments').catch(() => []);
    const tree = treeOrder(departments);
    const form = kind === 'whatsapp'
      ? whatsappForm({
          tree,
          create,
          labels,
          cancel: close,
          done: (channel, verifyToken) => {
            show(formPlace, whatsappDone(channel, verifyToken));
            load();
          },
        })
      : genericForm({
          tree,
          create,
          labels,
          cancel: close,
          done: (channel) => {
            show(formPlace, tokenShown(channel));
            load();
          },
        });
    show(formPlace, form);
  }

  replace(
    el,
    heading(t('adm.section.channels')),
    h('p', { class: 'muted' }, t('adm.channels.intro')),
    h(
      'div',
      { class: 'form-actions' },
      h('button', { type: 'button', class: 'btn', onclick: () => open('whatsapp') }, t('adm.channels.new_whatsapp')),
      h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => open('generic') }, t('adm.channels.new_generic')),
    ),
    formPlace,
    status.el,
    list,
  );
  el.querySelector('h2').id = 'adm-channels-title';
  replace(list, h('li', null, loadingLine()));
  load();
  return {
    el,
    destroy() {
      destroyed = true;
    },
  };
}
