// Etiquetas da empresa (ACCESS-MODEL v2, "Tags"): the company's tags, which every agent attaches
// to conversations (`tag.attach`) but only a holder of `tags.company.manage` creates and removes.
// Everyone who opens the section sees the list; the form and the remove buttons only show with
// the permission.

import { del, get, post } from './api.js';
import { h, replace } from './dom.js';
import { t } from './i18n.js';
import { errorText, field, heading, loadingLine, statusLine } from './admin-common.js';

export function tagsSection(ctx) {
  const el = h('section', { class: 'admin-section', 'aria-labelledby': 'adm-tags-title' });
  const manage = ctx.may('tags.open');
  const list = h('ul', { class: 'admin-tag-list', 'aria-label': t('adm.tags.list') });
  const status = statusLine();

  async function load() {
    replace(list, h('li', null, loadingLine()));
    try {
      const tags = await get('/api/v1/tags');
      replace(
        list,
        tags.length
          ? tags.map((name) =>
              h(
                'li',
                { class: 'admin-tag', 'data-tag': name },
                h('span', { class: 'tag' }, name),
                manage
                  ? h(
                      'button',
                      {
                        type: 'button',
                        class: 'btn btn-small btn-ghost',
                        'aria-label': t('adm.tags.remove', { tag: name }),
                        onclick: () => remove(name),
                      },
                      t('adm.tags.remove_short'),
                    )
                  : null,
              ),
            )
          : h('li', { class: 'muted' }, t('adm.tags.empty')),
      );
    } catch (err) {
      replace(list, h('li', { class: 'form-error', role: 'alert' }, errorText(err)));
    }
  }

  async function remove(name) {
    if (!window.confirm(t('adm.tags.confirm', { tag: name }))) return;
    status.clear();
    try {
      await del(`/api/v1/tags/${encodeURIComponent(name)}`);
      status.ok(t('adm.tags.removed', { tag: name }));
      load();
    } catch (err) {
      status.error(errorText(err, await ctx.permissionLabels()));
    }
  }

  let form = null;
  if (manage) {
    const input = h('input', { type: 'text', maxlength: 64, required: true, autocomplete: 'off' });
    form = h(
      'form',
      {
        class: 'admin-form admin-tag-form',
        onsubmit: async (e) => {
          e.preventDefault();
          const name = input.value.trim();
          if (!name) return;
          status.clear();
          try {
            await post('/api/v1/tags', { name });
            input.value = '';
            status.ok(t('adm.tags.created', { tag: name }));
            load();
          } catch (err) {
            status.error(errorText(err, await ctx.permissionLabels()));
          }
        },
      },
      field(t('adm.tags.name'), input, t('adm.tags.hint')),
      h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn' }, t('adm.tags.create'))),
    );
  }

  replace(
    el,
    heading(t('adm.section.tags')),
    h('p', { class: 'muted' }, t(manage ? 'adm.tags.intro' : 'adm.tags.intro_readonly')),
    form,
    status.el,
    list,
  );
  el.querySelector('h2').id = 'adm-tags-title';
  load();
  return { el };
}
