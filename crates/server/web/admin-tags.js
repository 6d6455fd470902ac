// Etiquetas da empresa (ACCESS-MODEL v2, "Tags"): the company's tags, which every agent attaches
// to conversations (`tag.attach`) but only a holder of `tags.company.manage` creates, renames,
// recolours, merges and removes. Each row says how many conversations carry the tag, counted
// only among those whose details the reader sees (the server counts through the engine's
// plan). Everyone who opens the section sees the table; the forms and buttons only show with
// the permission.

import { del, get, patch, post } from './api.js';
import { h, replace } from './dom.js';
import { t } from './i18n.js';
import './admin-tags-i18n.js';
import { errorText, field, heading, loadingLine, statusLine } from './admin-common.js';

/** The palette, as the server knows it (`admin/tags.rs`, COLOURS). */
export const COLOURS = ['gray', 'red', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple', 'pink'];

/** A tag drawn as a chip in its colour. */
export function tagChip(name, colour) {
  return h('span', { class: `tag tag-c-${COLOURS.includes(colour) ? colour : 'gray'}`, title: name }, name);
}

/** The colour picker: one labelled radio per colour, `chosen` checked. Returns {el, value()}. */
function colourPicker(chosen, group) {
  const inputs = COLOURS.map((c) => h('input', { type: 'radio', name: group, value: c, checked: c === chosen }));
  const el = h(
    'fieldset',
    { class: 'colour-picks' },
    h('legend', null, t('adm.tags.colour')),
    COLOURS.map((c, i) => h('label', { class: `colour-pick tag-c-${c}` }, inputs[i], h('span', null, t(`adm.tags.colour.${c}`)))),
  );
  return { el, value: () => inputs.find((i) => i.checked)?.value ?? 'gray' };
}

export function tagsSection(ctx) {
  const el = h('section', { class: 'admin-section', 'aria-labelledby': 'adm-tags-title' });
  const manage = ctx.may('tags.open');
  const tableWrap = h('div', { class: 'table-wrap' });
  const status = statusLine();
  let tags = [];
  let open = null; // {name, mode: 'edit' | 'merge'}

  async function load() {
    replace(tableWrap, loadingLine());
    try {
      tags = await get('/api/v1/tags?counts=true');
      render();
    } catch (err) {
      replace(tableWrap, h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
    }
  }

  const failed = async (err) => status.error(errorText(err, await ctx.permissionLabels()));
  const path = (name) => `/api/v1/tags/${encodeURIComponent(name)}`;

  function count(n) {
    return n === 1 ? t('adm.tags.count_one') : t('adm.tags.count', { n });
  }

  function button(label, aria, onclick, cls = 'btn btn-small') {
    return h('button', { type: 'button', class: cls, 'aria-label': aria, onclick }, label);
  }

  function editRow(tag) {
    const name = h('input', { type: 'text', maxlength: 64, required: true, autocomplete: 'off', value: tag.name });
    const colour = colourPicker(tag.colour, `colour-${tag.name}`);
    const form = h(
      'form',
      {
        class: 'admin-form',
        'aria-label': t('adm.tags.edit_named', { tag: tag.name }),
        onsubmit: async (e) => {
          e.preventDefault();
          status.clear();
          const body = {};
          if (name.value.trim() !== tag.name) body.name = name.value.trim();
          if (colour.value() !== tag.colour) body.colour = colour.value();
          try {
            if (Object.keys(body).length) await patch(path(tag.name), body);
            status.ok(t('adm.tags.saved', { tag: body.name ?? tag.name }));
            open = null;
            load();
          } catch (err) {
            failed(err);
          }
        },
      },
      h('div', { class: 'tag-forms' }, field(t('adm.tags.rename'), name, t('adm.tags.rename_hint')), colour.el),
      h(
        'div',
        { class: 'form-actions' },
        h('button', { type: 'submit', class: 'btn' }, t('adm.save')),
        button(t('adm.tags.cancel'), t('adm.tags.cancel'), () => ((open = null), render()), 'btn btn-ghost'),
      ),
    );
    return form;
  }

  function mergeRow(tag) {
    const others = tags.filter((o) => o.name !== tag.name);
    if (!others.length) return h('p', { class: 'muted' }, t('adm.tags.merge_none'));
    const into = h('select', { required: true }, others.map((o) => h('option', { value: o.name }, o.name)));
    const what = h('p', { class: 'field-hint', 'aria-live': 'polite' });
    const explain = () => {
      what.textContent = t('adm.tags.merge_what', { from: tag.name, into: into.value });
    };
    into.addEventListener('change', explain);
    explain();
    return h(
      'form',
      {
        class: 'admin-form',
        'aria-label': t('adm.tags.merge_named', { tag: tag.name }),
        onsubmit: async (e) => {
          e.preventDefault();
          status.clear();
          try {
            const r = await post(`${path(tag.name)}/merge`, { into: into.value });
            status.ok(t('adm.tags.merged', { from: tag.name, into: into.value, count: count(r.conversations) }));
            open = null;
            load();
          } catch (err) {
            failed(err);
          }
        },
      },
      h('div', { class: 'tag-forms' }, field(t('adm.tags.merge_into'), into)),
      what,
      h(
        'div',
        { class: 'form-actions' },
        h('button', { type: 'submit', class: 'btn' }, t('adm.tags.merge')),
        button(t('adm.tags.cancel'), t('adm.tags.cancel'), () => ((open = null), render()), 'btn btn-ghost'),
      ),
    );
  }

  async function remove(tag) {
    const question = tag.conversations
      ? t('adm.tags.confirm_count', { tag: tag.name, count: count(tag.conversations) })
      : t('adm.tags.confirm', { tag: tag.name });
    if (!window.confirm(question)) return;
    status.clear();
    try {
      await del(path(tag.name));
      status.ok(t('adm.tags.removed', { tag: tag.name }));
      load();
    } catch (err) {
      failed(err);
    }
  }

  function toggle(tag, mode) {
    open = open?.name === tag.name && open.mode === mode ? null : { name: tag.name, mode };
    status.clear();
    render();
    tableWrap.querySelector('.tag-edit-row input, .tag-edit-row select')?.focus();
  }

  function render() {
    if (!tags.length) {
      replace(tableWrap, h('p', { class: 'muted' }, t('adm.tags.empty')));
      return;
    }
    const cols = manage ? ['tag', 'conversations', 'actions'] : ['tag', 'conversations'];
    const rows = [];
    for (const tag of tags) {
      rows.push(
        h(
          'tr',
          { 'data-tag': tag.name },
          h('th', { scope: 'row' }, tagChip(tag.name, tag.colour)),
          h('td', { class: 'num' }, count(tag.conversations ?? 0)),
          manage
            ? h(
                'td',
                null,
                h(
                  'div',
                  { class: 'row-actions' },
                  button(t('adm.edit'), t('adm.tags.edit_named', { tag: tag.name }), () => toggle(tag, 'edit')),
                  button(t('adm.tags.merge'), t('adm.tags.merge_named', { tag: tag.name }), () => toggle(tag, 'merge')),
                  button(t('adm.tags.remove_short'), t('adm.tags.remove', { tag: tag.name }), () => remove(tag), 'btn btn-small btn-ghost'),
                ),
              )
            : null,
        ),
      );
      if (open?.name === tag.name) {
        rows.push(h('tr', { class: 'tag-edit-row' }, h('td', { colspan: cols.length }, open.mode === 'edit' ? editRow(tag) : mergeRow(tag))));
      }
    }
    replace(
      tableWrap,
      h(
        'table',
        { class: 'admin-table tags-table' },
        h('caption', { class: 'visually-hidden' }, t('adm.tags.list')),
        h('thead', null, h('tr', null, cols.map((c) => h('th', { scope: 'col' }, t(`adm.tags.col.${c}`))))),
        h('tbody', null, rows),
      ),
      h('p', { class: 'muted small tags-note' }, t('adm.tags.count_note')),
    );
  }

  let form = null;
  if (manage) {
    const input = h('input', { type: 'text', maxlength: 64, required: true, autocomplete: 'off' });
    const colour = colourPicker('gray', 'colour-new');
    form = h(
      'form',
      {
        class: 'admin-form admin-tag-form',
        'aria-label': t('adm.tags.create'),
        onsubmit: async (e) => {
          e.preventDefault();
          const name = input.value.trim();
          if (!name) return;
          status.clear();
          try {
            await post('/api/v1/tags', { name, colour: colour.value() });
            input.value = '';
            status.ok(t('adm.tags.created', { tag: name }));
            load();
          } catch (err) {
            failed(err);
          }
        },
      },
      h('div', { class: 'tag-forms' }, field(t('adm.tags.name'), input, t('adm.tags.hint')), colour.el),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn' }, t('adm.tags.create'))),
    );
  }

  replace(
    el,
    heading(t('adm.section.tags')),
    h('p', { class: 'muted' }, t(manage ? 'adm.tags.intro' : 'adm.tags.intro_readonly')),
    form,
    status.el,
    tableWrap,
  );
  el.querySelector('h2').id = 'adm-tags-title';
  load();
  return { el };
}
