// A contact's profile: its fields, custom attributes, tags, when it was created and changed, and
// its conversations that the user sees (status, department, last activity), each opening in the
// inbox. The buttons follow what the server offers: a new conversation with the contact
// (conversation-start.js), edit and merge (`contacts.edit`), erasing the
// personal data (`contacts.delete`, LGPD art. 18) after a confirmation in words.

import { api } from './api.js';
import { h, replace, toast } from './dom.js';
import { fullTime, relativeTime, t } from './i18n.js';
import { channelLabel, statusLabel } from './conversation.js';
import { chips, confirmDialog, detailHead, errorText } from './contacts-common.js';
import { openStart } from './conversation-start.js';

/** The inbox's tab that holds a conversation of the history, for its address. */
export function tabOf(conversation, me) {
  if (conversation.status === 'waiting') return 'waiting';
  if (conversation.status === 'finished') return 'finished';
  return conversation.assignee_id === me.id ? 'mine' : 'others';
}

/** A time in µs as a full local date and time, machine-readable too. */
function when(micros) {
  return h('time', { datetime: new Date(micros / 1000).toISOString(), title: fullTime(micros) }, fullTime(micros));
}

export function profileView(ctx, id) {
  const el = h('article', { class: 'contact-profile', 'aria-busy': 'true' }, h('p', { class: 'muted contacts-loading' }, t('ct.loading_one')));
  let gone = false;

  async function load() {
    try {
      const [contact, conversations, departments] = await Promise.all([
        api.contact(id),
        api.contactConversations(id),
        ctx.departments().catch(() => []),
      ]);
      if (gone) return;
      draw(contact, conversations, new Map(departments.map((d) => [d.id, d.name])));
      // On a phone the profile replaced the list: the reader starts at its name.
      if (ctx.stacked()) el.querySelector('h2')?.focus();
    } catch (err) {
      if (gone) return;
      el.setAttribute('aria-busy', 'false');
      replace(el, detailHead(t('ct.profile')), h('p', { class: 'form-error', role: 'alert' }, err?.status === 404 ? t('ct.not_found') : errorText(err)));
    }
  }

  function draw(c, conversations, deptNames) {
    el.setAttribute('aria-busy', 'false');
    el.setAttribute('aria-labelledby', 'contact-name');
    const actions = [];
    // Writing first (the server decides: the contact seen, `conversation.assume` in the department).
    if (c.phone) {
      actions.push(
        h('button', { type: 'button', class: 'btn btn-small btn-primary', onclick: () => openStart({ contact: { id: c.id, name: c.name } }) }, t('start.open')),
      );
    }
    if (ctx.may('contacts.edit')) {
      actions.push(h('a', { class: 'btn btn-small', href: `#/contacts/${c.id}/edit` }, t('ct.edit')));
      actions.push(h('a', { class: 'btn btn-small', href: `#/contacts/${c.id}/merge` }, t('ct.merge')));
    }
    if (ctx.may('contacts.delete')) {
      actions.push(h('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: () => erase(c) }, t('ct.erase')));
    }
    const attributes = Object.entries(c.attributes);
    replace(
      el,
      detailHead(c.name || t('ct.no_name'), { id: 'contact-name' }),
      actions.length ? h('div', { class: 'contact-actions' }, actions) : null,
      h(
        'dl',
        { class: 'contact-fields' },
        item(t('ct.field.phone'), c.phone_display || h('span', { class: 'muted' }, t('ct.none_short')), 'phone'),
        item(t('ct.field.email'), c.email || h('span', { class: 'muted' }, t('ct.none_short')), 'email'),
        item(t('ct.field.tags'), chips(c.tags), 'tags'),
        item(t('ct.field.created'), when(c.created_at), 'created'),
        item(t('ct.field.updated'), c.updated_at ? when(c.updated_at) : h('span', { class: 'muted' }, t('ct.never')), 'updated'),
      ),
      h('h3', { class: 'contacts-h3' }, t('ct.attributes')),
      attributes.length
        ? h('dl', { class: 'contact-fields contact-attributes' }, attributes.map(([k, v]) => item(k, v)))
        : h('p', { class: 'muted' }, t('ct.no_attributes')),
      h('h3', { class: 'contacts-h3', id: 'contact-history' }, t('ct.conversations', { n: conversations.length })),
      conversations.length
        ? h('ul', { class: 'contact-history', 'aria-labelledby': 'contact-history' }, conversations.map((v) => historyRow(v, deptNames)))
        : h('p', { class: 'muted' }, t('ct.no_conversations')),
    );
  }

  function item(label, value, key) {
    return h('div', { class: 'contact-field', 'data-field': key || null }, h('dt', null, label), h('dd', null, value));
  }

  function historyRow(v, deptNames) {
    const dept = deptNames.get(v.department_id) ?? `#${v.department_id}`;
    return h(
      'li',
      null,
      h(
        'a',
        {
          class: 'contact-conv',
          href: `#/${tabOf(v, ctx.me)}/${v.id}`,
          'data-conversation': v.id,
          'aria-label': t('ct.open_conversation', { status: statusLabel(v.status), dept, when: fullTime(v.last_activity) }),
        },
        h('span', { class: `badge status-${v.status}` }, statusLabel(v.status)),
        h('span', { class: 'contact-conv-dept', title: dept }, dept),
        h('span', { class: 'contact-conv-channel' }, channelLabel(v.channel)),
        h('time', { class: 'contact-conv-time', datetime: new Date(v.last_activity / 1000).toISOString(), title: fullTime(v.last_activity) }, relativeTime(v.last_activity)),
      ),
    );
  }

  async function erase(c) {
    const name = c.name || t('ct.no_name');
    const yes = await confirmDialog({
      title: t('ct.erase_title', { name }),
      body: [
        h('p', null, t('ct.erase_intro')),
        h('ul', null, ['ct.erase_what1', 'ct.erase_what2', 'ct.erase_what3'].map((k) => h('li', null, t(k)))),
        h('p', null, t('ct.erase_stays')),
        h('p', null, h('strong', null, t('ct.erase_final'))),
      ],
      confirm: t('ct.erase_confirm'),
      danger: true,
    });
    if (!yes || gone) return;
    try {
      await api.eraseContact(c.id);
      toast(t('ct.erased', { name }));
      ctx.reloadList();
      ctx.go('#/contacts');
    } catch (err) {
      toast(errorText(err), 'error');
    }
  }

  load();
  return {
    el,
    destroy() {
      gone = true;
    },
  };
}
