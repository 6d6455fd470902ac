// The conversation pane's head, built from the pane's state: the title (contact), the meta (status,
// department, channel, assignee), the tags and the buttons for exactly the actions the server lists,
// with the form an action opens. Builds nodes only: conversation-view.js places them and keeps the
// focus; the callbacks (conversation-actions.js) run what the buttons ask.

import { h, nextId } from './dom.js';
import { t, tOr } from './i18n.js';
import { contactForm } from './conversation-contact.js';
import { historyBlock } from './conversation-history.js';
import { BUTTON_ACTIONS, FORM_ACTIONS, allowed } from './conversation-state.js';

export const statusLabel = (status) => tOr(`status.${status}`, status);
export const channelLabel = (channel) => tOr(`channel.${channel}`, channel);

/** The link back to the list (the pane's only way back on a phone). */
export function backLink(ctx) {
  return h('a', { class: 'btn btn-ghost back-link', href: ctx.backHref() }, h('span', { 'aria-hidden': 'true' }, '← '), t('pane.back'));
}

/**
 * The head's nodes for state `s`. `ctx` is the pane's (me, deptName, userName, tagColour,
 * departments, backHref); `cb`: act(action, body, opts), setForm(form), redrawHead().
 */
export function headContent(s, ctx, cb) {
  const d = s.detail;
  const name = d.details_hidden ? t('list.hidden') : d.contact?.name || t('list.no_contact');
  const sub = d.contact ? [d.contact.phone_display || d.contact.phone, d.contact.email].filter(Boolean).join(' · ') : '';
  let assignee = t('pane.unassigned');
  if (d.assignee_id === ctx.me.id) assignee = t('pane.assignee_you');
  else if (d.assignee_id) assignee = ctx.userName(d.assignee_id) ?? t('pane.assignee_other', { id: d.assignee_id });

  const meta = h(
    'dl',
    { class: 'pane-meta' },
    metaItem(t('pane.status'), h('span', { class: `badge status-${d.status}`, 'data-testid': 'pane-status' }, statusLabel(d.status))),
    metaItem(t('pane.department'), ctx.deptName(d.department_id)),
    metaItem(t('pane.channel'), channelLabel(d.channel)),
    metaItem(t('pane.assignee'), assignee, 'pane-assignee'),
  );

  return [
    h(
      'div',
      { class: 'pane-title-row' },
      backLink(ctx),
      h(
        'div',
        { class: 'pane-title-text' },
        h('h2', { id: 'pane-title', tabindex: '-1', 'data-focus-key': 'title', class: d.details_hidden ? 'is-hidden' : '' }, name),
        h('p', { class: 'pane-sub' }, sub || '\u00a0'),
      ),
    ),
    meta,
    historyBlock(s, ctx, cb.redrawHead),
    d.details_hidden ? null : tagsRow(s, ctx, cb),
    actionsRow(s, ctx, cb),
  ];
}

function metaItem(label, value, cls) {
  return h('div', { class: `meta-item ${cls || ''}` }, h('dt', { class: 'visually-hidden' }, label), h('dd', null, value));
}

function tagsRow(s, ctx, { act, setForm }) {
  const d = s.detail;
  const canUntag = allowed(s, 'untag');
  const chips = d.tags.map((tag) =>
    h(
      'li',
      { class: `tag tag-c-${ctx.tagColour?.(tag) ?? 'gray'}` },
      h('span', null, tag),
      canUntag
        ? h(
            'button',
            {
              type: 'button',
              class: 'tag-remove',
              'aria-label': t('tag.remove', { tag }),
              'data-focus-key': `untag:${tag}`,
              'aria-disabled': s.busy ? 'true' : null,
              onclick: () => act('untag', { tag }),
            },
            '×',
          )
        : null,
    ),
  );
  const list = h('ul', { class: 'tags', 'aria-label': t('pane.tags') }, chips.length ? chips : h('li', { class: 'tag-none' }, t('pane.no_tags')));
  let add = null;
  if (allowed(s, 'tag')) {
    if (s.form === 'tag') {
      const id = nextId('tag');
      const input = h('input', {
        id,
        type: 'text',
        maxlength: 64,
        required: true,
        autocomplete: 'off',
        value: s.formValue,
        list: 'tag-suggestions',
        'data-focus-key': 'tag-input',
        oninput: (e) => (s.formValue = e.target.value),
      });
      add = h(
        'form',
        {
          class: 'inline-form',
          onsubmit: (e) => {
            e.preventDefault();
            const tag = input.value.trim();
            if (tag) act('tag', { tag }, { keepForm: false });
          },
        },
        h('label', { for: id, class: 'visually-hidden' }, t('tag.new')),
        input,
        h('button', { type: 'submit', class: 'btn btn-small', 'data-focus-key': 'tag-add', 'aria-disabled': s.busy ? 'true' : null }, t('tag.add')),
        h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'data-focus-key': 'tag-cancel', onclick: () => setForm(null) }, t('action.cancel')),
      );
    } else {
      add = h(
        'button',
        { type: 'button', class: 'btn btn-small btn-ghost', 'data-focus-key': 'tag-open', onclick: () => setForm('tag') },
        '+ ',
        t('tag.new'),
      );
    }
  }
  return h('div', { class: 'tags-row' }, list, add);
}

function actionsRow(s, ctx, cb) {
  const { act, setForm, redrawHead } = cb;
  const buttons = [];
  for (const a of BUTTON_ACTIONS) {
    if (!allowed(s, a)) continue;
    buttons.push(
      h(
        'button',
        {
          type: 'button',
          class: `btn ${a === 'assume' ? 'btn-primary' : ''}`,
          'data-action': a,
          'data-focus-key': `action:${a}`,
          'aria-disabled': s.busy ? 'true' : null,
          onclick: () => act(a),
        },
        t(`action.${a}`),
      ),
    );
  }
  for (const a of FORM_ACTIONS) {
    if (!allowed(s, a)) continue;
    buttons.push(
      h(
        'button',
        {
          type: 'button',
          class: 'btn',
          'data-action': a,
          'data-focus-key': `action:${a}`,
          'aria-expanded': String(s.form === a),
          'aria-disabled': s.busy ? 'true' : null,
          onclick: () => setForm(s.form === a ? null : a),
        },
        t(`action.${a}`),
      ),
    );
  }
  // "Quem vê?" when the server offers the administration's viewers tool (`me.may`).
  if ((ctx.me.may || []).includes('viewers.open')) {
    buttons.push(h('a', { class: 'btn btn-ghost', href: `#/admin/viewers/${s.id}`, 'data-focus-key': 'viewers' }, t('pane.who_sees')));
  }
  if (!buttons.length) return null;
  return h(
    'div',
    { class: 'actions-wrap' },
    h('div', { class: 'actions', role: 'group', 'aria-label': t('pane.actions') }, buttons),
    s.form === 'transfer' || s.form === 'change_department' ? actionForm(s, ctx, cb) : null,
    s.form === 'link_contact' ? contactForm(s, { act, redraw: redrawHead, close: () => setForm(null) }) : null,
  );
}

/** The form of a transfer (to a user) or a department change. */
function actionForm(s, ctx, { act, setForm }) {
  const id = nextId('target');
  const transfer = s.form === 'transfer';
  let options;
  if (transfer) {
    if (!s.targets) {
      return h('p', { class: 'inline-form muted' }, t('app.loading'));
    }
    const targets = s.targets.filter((u) => u.id !== s.detail.assignee_id);
    if (!targets.length) return h('p', { class: 'inline-form muted' }, t('transfer.none'));
    options = targets.map((u) => h('option', { value: u.id }, u.name));
  } else {
    options = ctx
      .departments()
      .filter((d) => d.id !== s.detail.department_id)
      .map((d) => h('option', { value: d.id }, d.label || d.name));
  }
  const select = h(
    'select',
    { id, required: true, 'data-focus-key': `select:${s.form}`, onchange: (e) => (s.formValue = e.target.value) },
    h('option', { value: '' }, t(transfer ? 'transfer.choose' : 'department.choose')),
    options,
  );
  // A live refresh rebuilds the form: the choice stays.
  select.value = s.formValue;
  if (select.value !== s.formValue) select.value = '';
  return h(
    'form',
    {
      class: 'inline-form',
      onsubmit: (e) => {
        e.preventDefault();
        const v = Number(select.value);
        if (!v) return select.focus();
        act(s.form, transfer ? { user_id: v } : { department_id: v });
      },
    },
    h('label', { for: id }, t(transfer ? 'transfer.label' : 'department.label')),
    select,
    h('button', { type: 'submit', class: 'btn btn-small btn-primary', 'data-focus-key': 'form-confirm', 'aria-disabled': s.busy ? 'true' : null }, t('action.confirm')),
    h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'data-focus-key': 'form-cancel', onclick: () => setForm(null) }, t('action.cancel')),
  );
}
