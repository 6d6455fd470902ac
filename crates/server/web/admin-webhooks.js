// Webhooks (`settings.webhooks`, offered as `webhooks.open`): the URLs that receive the
// account's conversation and message events. Create one (its signing secret shown once, with
// a copy button), change its URL or events, pause and resume it, rotate its secret, send a test
// event, read its delivery log (admin-webhooks-log.js: status, attempts, the answer received,
// the body on demand, "Reenviar") and delete it. A webhook acts for the user who changed it
// last and delivers only what that user sees; when that user no longer can, the card says why.

import { del, get, patch, post } from './api.js';
import { h, replace } from './dom.js';
import { fullTime, t } from './i18n.js';
import './admin-webhooks-i18n.js';
import { busy, checkbox, clip, errorText, field, heading, loadingLine, statusLine } from './admin-common.js';
import { copyRow } from './admin-channels-forms.js';
import { deliveryLog } from './admin-webhooks-log.js';

const EVENTS = ['conversation', 'message'];

/** The signing secret, shown once (created or rotated). */
function secretShown(hook) {
  return h(
    'div',
    { class: 'channel-reveal', role: 'region', 'aria-label': t('adm.wh.secret_title') },
    h('h3', null, t('adm.wh.secret_title')),
    h('p', null, t('adm.wh.secret_once')),
    copyRow(t('adm.wh.secret'), hook.secret, { secret: true }),
    h('p', { class: 'muted small' }, t('adm.wh.secret_how')),
  );
}

/** The form to create a webhook or change one (`hook` null: create). */
function hookForm(hook, { save, cancel, labels }) {
  const url = h('input', { type: 'url', required: true, autocomplete: 'off', spellcheck: 'false', maxlength: 2048, value: hook?.url ?? '', placeholder: 'https://' });
  const boxes = EVENTS.map((e) => [e, checkbox(t(`adm.wh.event.${e}`), hook ? hook.events.includes(e) : true)]);
  const st = statusLine();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t(hook ? 'adm.wh.save' : 'adm.wh.create'));
  const name = t(hook ? 'adm.wh.edit_title' : 'adm.wh.new');
  return h(
    'form',
    {
      class: 'admin-form channel-form',
      'aria-label': name,
      onsubmit: async (e) => {
        e.preventDefault();
        st.clear();
        const events = boxes.filter(([, b]) => b.input.checked).map(([k]) => k);
        try {
          await busy(submit, () => save({ url: url.value.trim(), events }));
        } catch (err) {
          st.error(errorText(err, await labels()));
        }
      },
    },
    h('h3', null, name),
    field(t('adm.wh.url'), url, t('adm.wh.url_hint')),
    h('fieldset', null, h('legend', null, t('adm.wh.events')), boxes.map(([, b]) => b.el)),
    st.el,
    h('div', { class: 'form-actions' }, submit, h('button', { type: 'button', class: 'btn btn-ghost', onclick: cancel }, t('adm.wh.cancel'))),
  );
}

export function webhooksSection(ctx) {
  const el = h('section', { class: 'admin-section', 'aria-labelledby': 'adm-webhooks-title' });
  const status = statusLine();
  const place = h('div');
  const list = h('ul', { class: 'channel-list', 'aria-label': t('adm.wh.list') });
  let people = [];
  const labels = () => ctx.permissionLabels();

  async function load() {
    try {
      people = await ctx.load('directory').catch(() => []);
      const hooks = await get('/api/v1/webhooks');
      replace(list, hooks.length ? hooks.map(card) : h('li', { class: 'muted' }, t('adm.wh.empty')));
    } catch (err) {
      replace(list, h('li', { class: 'form-error', role: 'alert' }, errorText(err, await labels())));
    }
  }

  const fact = (label, ...value) => [h('dt', null, label), h('dd', null, ...value)];
  const person = (id) => (id == null ? t('adm.wh.nobody') : people.find((p) => p.id === id)?.name ?? `#${id}`);

  function card(w) {
    const line = statusLine();
    const below = h('div');
    const state = w.paused ? 'paused_user' : w.active ? 'active' : 'paused';
    const act = async (button, fn, ok) => {
      line.clear();
      try {
        const r = await busy(button, fn);
        if (ok) line.ok(ok(r));
        return r ?? true;
      } catch (err) {
        line.error(errorText(err, await labels()));
        return null;
      }
    };
    const button = (label, aria, onclick, cls = 'btn btn-small') => h('button', { type: 'button', class: cls, 'aria-label': aria, onclick: (e) => onclick(e.currentTarget) }, label);
    const named = (key) => t(key, { url: w.url });
    let logOpen = false;
    return h(
      'li',
      { class: 'channel-card', 'data-webhook': w.id },
      h(
        'div',
        { class: 'channel-head' },
        h('h3', { class: 'channel-name' }, clip(w.url)),
        h('span', { class: `badge ${state === 'active' ? 'badge-ok' : 'badge-off'}` }, t(`adm.wh.state.${state}`)),
      ),
      h(
        'dl',
        { class: 'channel-facts' },
        fact(t('adm.wh.events'), w.events.map((e) => t(`adm.wh.event.${e}`)).join(', ')),
        fact(t('adm.wh.acts_for'), person(w.acting_user_id)),
        fact(t('adm.wh.created'), fullTime(w.created_at)),
      ),
      w.paused ? h('p', { class: 'form-error' }, t(`adm.wh.paused.${w.paused}`)) : null,
      h(
        'div',
        { class: 'form-actions channel-actions' },
        button(t('adm.wh.test'), named('adm.wh.test_named'), (b) => act(b, () => post(`/api/v1/webhooks/${w.id}/test`), () => t('adm.wh.test_sent'))),
        button(t('adm.wh.log'), named('adm.wh.log_named'), () => {
          logOpen = !logOpen;
          replace(below, logOpen ? deliveryLog(w, ctx) : null);
        }),
        button(t('adm.edit'), named('adm.wh.edit_named'), () =>
          replace(
            below,
            hookForm(w, {
              save: async (body) => {
                await patch(`/api/v1/webhooks/${w.id}`, body);
                status.ok(t('adm.wh.saved'));
                load();
              },
              cancel: () => replace(below),
              labels,
            }),
          ),
        ),
        button(t(w.active ? 'adm.wh.pause' : 'adm.wh.resume'), named(w.active ? 'adm.wh.pause_named' : 'adm.wh.resume_named'), async (b) => {
          if (await act(b, () => patch(`/api/v1/webhooks/${w.id}`, { active: !w.active }))) {
            status.ok(t(w.active ? 'adm.wh.paused_done' : 'adm.wh.resumed_done'));
            load();
          }
        }),
        button(t('adm.wh.rotate'), named('adm.wh.rotate_named'), async (b) => {
          if (!window.confirm(t('adm.wh.rotate_confirm'))) return;
          const r = await act(b, () => patch(`/api/v1/webhooks/${w.id}`, { rotate_secret: true }));
          if (r) replace(below, secretShown(r));
        }),
        button(t('adm.delete'), named('adm.wh.delete_named'), async (b) => {
          if (!window.confirm(t('adm.wh.delete_confirm', { url: w.url }))) return;
          if (await act(b, () => del(`/api/v1/webhooks/${w.id}`))) {
            status.ok(t('adm.wh.deleted'));
            load();
          }
        }, 'btn btn-small btn-ghost'),
      ),
      line.el,
      below,
    );
  }

  const add = h('button', { type: 'button', class: 'btn btn-primary' }, t('adm.wh.new'));
  add.addEventListener('click', () =>
    replace(
      place,
      hookForm(null, {
        save: async (body) => {
          const created = await post('/api/v1/webhooks', body);
          replace(place, secretShown(created));
          status.ok(t('adm.wh.created_ok'));
          load();
        },
        cancel: () => replace(place),
        labels,
      }),
    ),
  );

  replace(el, heading(t('adm.section.webhooks')), h('p', { class: 'muted' }, t('adm.wh.intro')), h('div', { class: 'form-actions' }, add), place, status.el, list);
  el.querySelector('h2').id = 'adm-webhooks-title';
  replace(list, h('li', null, loadingLine()));
  load();
  return { el };
}
