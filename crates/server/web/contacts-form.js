// The new-contact and edit forms (`contacts.edit`): name, phone (any usual format, stored in
// E.164), email, tags picked from the account's, and custom attributes as name/value rows. A
// change replaces every field (`PUT`), so the form sends them all.

import { api } from './api.js';
import { h, replace, toast } from './dom.js';
import { t } from './i18n.js';
import { busy, detailHead, errorText, field, statusLine } from './contacts-common.js';

const MAX_ATTRIBUTES = 50;
const MAX_TAGS = 20;

/** The form for contact `id` (`null`: a new one). Returns {el, focusTarget, destroy}. */
export function contactForm(ctx, id) {
  const el = h('div', { class: 'contact-form-wrap' }, h('p', { class: 'muted contacts-loading' }, t('app.loading')));
  let gone = false;
  let nameInput = null;

  async function load() {
    try {
      const [contact, tags] = await Promise.all([id === null ? null : api.contact(id), ctx.tags().catch(() => [])]);
      if (gone) return;
      draw(contact, tags);
      nameInput?.focus();
    } catch (err) {
      if (gone) return;
      replace(el, detailHead(t('ct.edit')), h('p', { class: 'form-error', role: 'alert' }, err?.status === 404 ? t('ct.not_found') : errorText(err)));
    }
  }

  function draw(c, accountTags) {
    const editing = c !== null;
    const back = editing ? `#/contacts/${c.id}` : '#/contacts';
    const title = editing ? t('ct.edit_title', { name: c.name }) : t('ct.new_title');
    nameInput = h('input', { type: 'text', required: true, maxlength: 200, value: c?.name ?? '', autocomplete: 'off' });
    const phone = h('input', { type: 'tel', maxlength: 40, value: c?.phone_display ?? '', autocomplete: 'off', inputmode: 'tel' });
    const email = h('input', { type: 'email', maxlength: 254, value: c?.email ?? '', autocomplete: 'off' });

    // Tags: the account's, and any the contact has that the account no longer lists.
    const chosen = new Set(c?.tags ?? []);
    const names = [...new Set([...accountTags, ...chosen])];
    const tagBoxes = names.map((name) => {
      const input = h('input', { type: 'checkbox', value: name, checked: chosen.has(name) });
      return { input, el: h('label', { class: 'tag-pick' }, input, h('span', null, name)) };
    });
    const tagsField = h(
      'fieldset',
      { class: 'contact-tags-field' },
      h('legend', null, t('ct.field.tags')),
      names.length ? h('div', { class: 'tag-picks' }, tagBoxes.map((b) => b.el)) : h('p', { class: 'muted small' }, t('ct.no_account_tags')),
      h('p', { class: 'field-hint' }, t('ct.tags_hint', { n: MAX_TAGS })),
    );

    // Attributes: rows of name and value.
    const rows = Object.entries(c?.attributes ?? {}).map(([k, v]) => ({ k, v }));
    const rowsEl = h('div', { class: 'rows' });
    const addBtn = h('button', { type: 'button', class: 'btn btn-small btn-add' }, t('ct.attr_add'));
    const drawRows = () => {
      replace(
        rowsEl,
        rows.length ? null : h('p', { class: 'muted small' }, t('ct.no_attributes')),
        rows.map((r, i) => {
          const k = h('input', { type: 'text', maxlength: 64, value: r.k, autocomplete: 'off', oninput: (e) => (r.k = e.target.value) });
          const v = h('input', { type: 'text', maxlength: 1000, value: r.v, autocomplete: 'off', oninput: (e) => (r.v = e.target.value) });
          return h(
            'div',
            { class: 'rows-item attr-row' },
            field(t('ct.attr_name_n', { n: i + 1 }), k),
            field(t('ct.attr_value_n', { n: i + 1 }), v),
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-small btn-ghost',
                'aria-label': t('ct.attr_remove_n', { n: i + 1, name: r.k || '' }),
                onclick: () => {
                  rows.splice(i, 1);
                  drawRows();
                  addBtn.focus();
                },
              },
              t('ct.attr_remove'),
            ),
          );
        }),
      );
      addBtn.disabled = rows.length >= MAX_ATTRIBUTES;
    };
    addBtn.addEventListener('click', () => {
      rows.push({ k: '', v: '' });
      drawRows();
      rowsEl.lastElementChild?.querySelector('input')?.focus();
    });
    drawRows();

    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, editing ? t('ct.save') : t('ct.create'));
    const status = statusLine();
    const form = h(
      'form',
      {
        class: 'admin-form contact-form',
        'aria-labelledby': 'contact-form-title',
        novalidate: true,
        onsubmit: async (e) => {
          e.preventDefault();
          status.clear();
          const body = {
            name: nameInput.value.trim(),
            // Unchanged, the phone goes back as stored (E.164, or a channel's own id).
            phone: (editing && phone.value.trim() === (c.phone_display ?? '') ? c.phone : phone.value.trim()) || null,
            email: email.value.trim() || null,
            tags: tagBoxes.filter((b) => b.input.checked).map((b) => b.input.value),
            attributes: {},
          };
          if (!body.name) {
            status.error(t('ct.error.bad_contact_name'));
            nameInput.focus();
            return;
          }
          if (body.tags.length > MAX_TAGS) {
            status.error(t('ct.tags_hint', { n: MAX_TAGS }));
            return;
          }
          for (const r of rows) {
            const k = r.k.trim();
            if (!k && !r.v.trim()) continue;
            if (!k) {
              status.error(t('ct.attr_unnamed'));
              return;
            }
            if (k in body.attributes) {
              status.error(t('ct.attr_twice', { name: k }));
              return;
            }
            body.attributes[k] = r.v.trim();
          }
          try {
            const saved = await busy(submit, () => (editing ? api.updateContact(c.id, body) : api.createContact(body)));
            toast(t(editing ? 'ct.saved' : 'ct.created', { name: saved.name }));
            ctx.reloadList();
            ctx.go(`#/contacts/${saved.id}`);
          } catch (err) {
            status.error(errorText(err));
            if (err?.code === 'bad_phone' || err?.code === 'phone_taken') phone.focus();
            else if (err?.code === 'bad_email') email.focus();
          }
        },
      },
      detailHead(title, { back, backLabel: t(editing ? 'ct.back_profile' : 'ct.back'), id: 'contact-form-title' }),
      field(t('ct.field.name'), nameInput),
      field(t('ct.field.phone'), phone, t('ct.phone_hint')),
      field(t('ct.field.email'), email),
      tagsField,
      h('fieldset', { class: 'rows-editor' }, h('legend', null, t('ct.attributes')), h('p', { class: 'field-hint' }, t('ct.attr_hint')), rowsEl, addBtn),
      status.el,
      h('div', { class: 'form-actions' }, submit, h('a', { class: 'btn btn-ghost', href: back }, t('action.cancel'))),
    );
    replace(el, form);
  }

  load();
  return {
    el,
    focusTarget: () => nameInput,
    destroy() {
      gone = true;
    },
  };
}
