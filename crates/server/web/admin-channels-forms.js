// Canais: the two forms (connect a WhatsApp number, create a generic channel) and what is shown
// once after them (the webhook URL and verify token to paste into Meta's dashboard, a generic
// channel's token), each with a copy button. Errors in the page's language: a number the Graph
// API did not confirm says what is wrong (`params.problem`), every other code its sentence.

import { h, nextId, replace } from './dom.js';
import { t, tOr } from './i18n.js';
import { busy, departmentOptions, errorText, field, statusLine } from './admin-common.js';

/** A random verify token (what Meta sends back on the webhook's handshake). */
export function randomToken() {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return `atende-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** A channel's webhook URL as the platform reaches it: this page's origin and its path. */
export const webhookUrl = (c) => `${location.origin}${c.webhook_path}`;

/** A problem code of a connection test in words. */
export const problemText = (code) => tOr(`adm.channels.problem.${code}`, t('adm.channels.problem.graph_error'));

/** An error of a channel's creation or change in words. */
export function channelError(err, labels) {
  if (err?.code === 'channel_not_verified' && err.params?.problem) return problemText(err.params.problem);
  return errorText(err, labels);
}

/** A value to copy: shown whole (it wraps), with a button that copies it and says so. */
export function copyRow(label, value, { secret = false } = {}) {
  const id = nextId('copy');
  const said = h('span', { class: 'copy-said', role: 'status', 'aria-live': 'polite' });
  const button = h(
    'button',
    {
      type: 'button',
      class: 'btn btn-small',
      'aria-label': t('adm.channels.copy_named', { what: label }),
      'aria-describedby': id,
      onclick: async () => {
        try {
          await navigator.clipboard.writeText(value);
          said.textContent = t('adm.channels.copied');
        } catch {
          // No clipboard (an insecure origin): select the text to copy by hand.
          const range = document.createRange();
          range.selectNodeContents(code);
          getSelection().removeAllRanges();
          getSelection().addRange(range);
          said.textContent = t('adm.channels.copy_by_hand');
        }
      },
    },
    t('adm.channels.copy'),
  );
  const code = h('code', { class: `copy-value${secret ? ' copy-secret' : ''}`, id }, value);
  return h('div', { class: 'copy-row' }, h('span', { class: 'copy-label' }, label), code, h('div', { class: 'copy-actions' }, button, said));
}

/** What to paste into Meta's dashboard for a WhatsApp channel just connected. */
export function whatsappDone(channel, verifyToken) {
  return h(
    'div',
    { class: 'channel-reveal', role: 'region', 'aria-label': t('adm.channels.meta_title') },
    h('h3', null, t('adm.channels.connected', { name: channel.name })),
    h('p', null, t('adm.channels.meta_steps')),
    copyRow(t('adm.channels.callback_url'), webhookUrl(channel)),
    copyRow(t('adm.channels.verify_token'), verifyToken),
    h('p', { class: 'muted small' }, t('adm.channels.meta_field')),
  );
}

/** A generic channel's token, shown once (created or rotated), and where to post. */
export function tokenShown(channel) {
  return h(
    'div',
    { class: 'channel-reveal', role: 'region', 'aria-label': t('adm.channels.token_title') },
    h('h3', null, t('adm.channels.token_title_named', { name: channel.name })),
    h('p', null, t('adm.channels.token_once')),
    copyRow(t('adm.channels.token'), channel.token, { secret: true }),
    copyRow(t('adm.channels.post_url'), webhookUrl(channel)),
  );
}

/** The department select: the account's default first, then the tree. */
function departmentSelect(tree) {
  return h('select', null, h('option', { value: '' }, t('adm.channels.default_department')), departmentOptions(tree, ''));
}

function text(props = {}) {
  return h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', ...props });
}

/**
 * The guided form to connect a WhatsApp number. `create(body)` posts it; `done(channel,
 * verifyToken)` shows what to paste into Meta; `cancel()` closes it.
 */
export function whatsappForm({ tree, create, done, cancel, labels }) {
  const name = text({ maxlength: 200, required: true, value: 'WhatsApp' });
  const department = departmentSelect(tree);
  const number = text({ required: true, inputmode: 'numeric', maxlength: 64 });
  const access = h('input', { type: 'password', autocomplete: 'off', required: true, maxlength: 1024 });
  const secret = h('input', { type: 'password', autocomplete: 'off', required: true, maxlength: 1024 });
  const verify = text({ required: true, maxlength: 1024, value: randomToken() });
  const base = text({ maxlength: 300, placeholder: 'https://graph.facebook.com/v21.0' });
  const status = statusLine();
  const submit = h('button', { type: 'submit', class: 'btn' }, t('adm.channels.connect'));
  const form = h(
    'form',
    {
      class: 'admin-form channel-form',
      'aria-label': t('adm.channels.new_whatsapp'),
      onsubmit: async (e) => {
        e.preventDefault();
        status.ok(t('adm.channels.checking'));
        const body = {
          kind: 'whatsapp',
          name: name.value.trim(),
          phone_number_id: number.value.trim(),
          access_token: access.value.trim(),
          app_secret: secret.value.trim(),
          verify_token: verify.value.trim(),
        };
        if (department.value) body.department_id = Number(department.value);
        if (base.value.trim()) body.graph_base_url = base.value.trim();
        try {
          const channel = await busy(submit, () => create(body));
          done(channel, body.verify_token);
        } catch (err) {
          status.error(channelError(err, await labels()));
        }
      },
    },
    h('h3', null, t('adm.channels.new_whatsapp')),
    h('p', { class: 'muted' }, t('adm.channels.whatsapp_intro')),
    h(
      'fieldset',
      null,
      h('legend', null, t('adm.channels.step_atende')),
      field(t('adm.channels.name'), name),
      field(t('adm.channels.department'), department, t('adm.channels.department_hint')),
    ),
    h(
      'fieldset',
      null,
      h('legend', null, t('adm.channels.step_meta')),
      field(t('adm.channels.phone_number_id'), number, t('adm.channels.phone_number_id_hint')),
      field(t('adm.channels.access_token'), access, t('adm.channels.access_token_hint')),
      field(t('adm.channels.app_secret'), secret, t('adm.channels.app_secret_hint')),
    ),
    h(
      'fieldset',
      null,
      h('legend', null, t('adm.channels.step_webhook')),
      field(t('adm.channels.verify_token'), verify, t('adm.channels.verify_token_hint')),
      h('div', { class: 'form-actions' }, h('button', { type: 'button', class: 'btn btn-small btn-ghost', onclick: () => (verify.value = randomToken()) }, t('adm.channels.generate'))),
    ),
    h('details', { class: 'channel-advanced' }, h('summary', null, t('adm.channels.advanced')), field(t('adm.channels.graph_base_url'), base, t('adm.channels.graph_base_url_hint'))),
    status.el,
    h('div', { class: 'form-actions' }, submit, h('button', { type: 'button', class: 'btn btn-ghost', onclick: cancel }, t('adm.channels.cancel'))),
  );
  return form;
}

/** The form to create a generic channel; `done(channel)` shows its token once. */
export function genericForm({ tree, create, done, cancel, labels }) {
  const name = text({ maxlength: 200, required: true });
  const department = departmentSelect(tree);
  const status = statusLine();
  const submit = h('button', { type: 'submit', class: 'btn' }, t('adm.channels.create_generic'));
  const form = h(
    'form',
    {
      class: 'admin-form channel-form',
      'aria-label': t('adm.channels.new_generic'),
      onsubmit: async (e) => {
        e.preventDefault();
        status.clear();
        const body = { kind: 'generic', name: name.value.trim() };
        if (department.value) body.department_id = Number(department.value);
        try {
          done(await busy(submit, () => create(body)));
        } catch (err) {
          status.error(channelError(err, await labels()));
        }
      },
    },
    h('h3', null, t('adm.channels.new_generic')),
    h('p', { class: 'muted' }, t('adm.channels.generic_intro')),
    field(t('adm.channels.name'), name, t('adm.channels.generic_name_hint')),
    field(t('adm.channels.department'), department, t('adm.channels.department_hint')),
    status.el,
    h('div', { class: 'form-actions' }, submit, h('button', { type: 'button', class: 'btn btn-ghost', onclick: cancel }, t('adm.channels.cancel'))),
  );
  return form;
}

/** Replaces `place`'s content with `el` and brings it into view. */
export function show(place, el) {
  replace(place, el);
  el?.scrollIntoView?.({ block: 'nearest' });
  el?.querySelector?.('input, button')?.focus?.({ preventScroll: true });
}
