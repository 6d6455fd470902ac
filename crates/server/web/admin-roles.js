// Papéis: built-in roles read-only; custom roles (name, permissions from the catalogue grouped
// as the API groups them, allowed networks) edited with `roles.manage`. Without it the roles
// show read-only, with no save buttons.

import { del, patch, post } from './api.js';
import { h, replace, toast } from './dom.js';
import { lang, t, tOr } from './i18n.js';
import { busy, errorText, field, heading, loadingLine, roleName, statusLine } from './admin-common.js';

export function rolesSection(ctx) {
  const canEdit = ctx.may('roles.edit');
  const el = h('section', { class: 'admin-section', 'aria-labelledby': 'adm-roles-title' });
  const listWrap = h('div', { class: 'roles-list' });
  const formWrap = h('div', { class: 'admin-form-wrap' });
  let roles = [];
  let groups = [];
  let labels = new Map();
  let open = null; // role id, or 0 for a new one

  const label = (p) => (lang() === 'en' ? p.label_en : p.label_pt);

  // The catalogue by the screen each permission opens or governs: the screens of this version
  // first, in the catalogue's order; then those still to come, said plainly.
  function byScreen(catalogue) {
    const screens = new Map();
    for (const p of catalogue.flatMap((g) => g.permissions)) {
      if (!screens.has(p.screen)) screens.set(p.screen, { screen: p.screen, available: p.available, permissions: [] });
      screens.get(p.screen).permissions.push(p);
    }
    const all = [...screens.values()];
    return [...all.filter((s) => s.available), ...all.filter((s) => !s.available)];
  }

  async function load() {
    replace(listWrap, loadingLine());
    try {
      ctx.invalidate('roles');
      [roles, groups, labels] = await Promise.all([ctx.load('roles'), ctx.load('catalogue'), ctx.permissionLabels()]);
      renderList();
      renderForm();
    } catch (err) {
      replace(listWrap, h('p', { class: 'form-error', role: 'alert' }, errorText(err, labels)));
    }
  }

  function renderList() {
    replace(
      listWrap,
      h(
        'ul',
        { class: 'plain roles', 'aria-label': t('adm.section.roles') },
        roles.map((r) =>
          h(
            'li',
            { class: 'role-item', 'data-role': r.name },
            h(
              'button',
              { type: 'button', class: 'btn btn-ghost role-open', 'aria-expanded': String(open === r.id), onclick: () => openForm(open === r.id ? null : r.id) },
              roleName(r),
            ),
            r.builtin ? h('span', { class: 'badge' }, t('adm.roles.builtin')) : null,
            h('span', { class: 'muted small' }, t('adm.roles.count', { n: r.permissions.length })),
            r.allowed_networks.length ? h('span', { class: 'muted small' }, ` · ${r.allowed_networks.join(', ')}`) : null,
          ),
        ),
      ),
      canEdit ? h('button', { type: 'button', class: 'btn btn-primary', onclick: () => openForm(0) }, t('adm.roles.new')) : h('p', { class: 'muted', 'data-testid': 'roles-read-only' }, t('adm.roles.read_only')),
    );
  }

  function openForm(id) {
    open = id;
    renderList();
    renderForm();
    formWrap.querySelector('input:not([disabled]), summary, h3')?.focus();
  }

  function renderForm() {
    if (open === null) {
      replace(formWrap);
      return;
    }
    const role = roles.find((r) => r.id === open) || { name: '', builtin: false, permissions: [], allowed_networks: [] };
    const editable = canEdit && !role.builtin;
    const chosen = new Set(role.permissions);
    const mine = new Set(ctx.me().permissions || []);
    const name = h('input', { type: 'text', required: true, maxlength: 200, value: role.builtin ? roleName(role) : role.name, disabled: !editable, autocomplete: 'off' });
    const networks = h('textarea', { rows: 3, disabled: !editable, placeholder: '192.168.0.0/24' });
    networks.value = role.allowed_networks.join('\n');
    const sets = byScreen(groups).map((g) =>
      h(
        'fieldset',
        { class: `perm-group${g.available ? '' : ' perm-group-later'}`, 'data-screen': g.screen },
        h('legend', null, tOr(`adm.screen.${g.screen}`, g.screen)),
        g.available ? null : h('p', { class: 'muted small' }, t('adm.roles.later')),
        g.permissions.map((p) =>
          h(
            'label',
            { class: 'check', title: p.id },
            h('input', {
              type: 'checkbox',
              value: p.id,
              checked: chosen.has(p.id),
              disabled: !editable,
              onchange: (e) => (e.target.checked ? chosen.add(p.id) : chosen.delete(p.id)),
            }),
            h('span', null, label(p)),
            editable && !mine.has(p.id) ? h('span', { class: 'muted small' }, ` (${t('adm.roles.not_yours')})`) : null,
          ),
        ),
      ),
    );
    const st = statusLine();
    const submit = editable ? h('button', { type: 'submit', class: 'btn btn-primary' }, open ? t('adm.save') : t('adm.create')) : null;
    const remove =
      editable && open
        ? h(
            'button',
            {
              type: 'button',
              class: 'btn btn-danger',
              onclick: async (e) => {
                st.clear();
                try {
                  await busy(e.currentTarget, () => del(`/api/v1/roles/${open}`));
                  toast(t('adm.roles.deleted', { name: role.name }));
                  open = null;
                  await load();
                } catch (err) {
                  st.error(errorText(err, labels));
                }
              },
            },
            t('adm.roles.delete'),
          )
        : null;
    const form = h(
      'form',
      {
        class: 'admin-form',
        'aria-labelledby': 'adm-role-form-title',
        onsubmit: async (e) => {
          e.preventDefault();
          if (!editable) return;
          const body = {
            name: name.value.trim(),
            permissions: [...chosen],
            allowed_networks: networks.value.split(/[\s,]+/).map((n) => n.trim()).filter(Boolean),
          };
          if (!body.name) return name.focus();
          st.clear();
          try {
            const saved = await busy(submit, () => (open ? patch(`/api/v1/roles/${open}`, body) : post('/api/v1/roles', body)));
            toast(t(open ? 'adm.roles.saved' : 'adm.roles.created', { name: body.name }));
            open = saved?.id ?? open;
            ctx.invalidate('users');
            await load();
          } catch (err) {
            st.error(errorText(err, labels));
          }
        },
      },
      h('h3', { id: 'adm-role-form-title', tabindex: '-1' }, open ? roleName(role) : t('adm.roles.new')),
      role.builtin ? h('p', { class: 'muted' }, t('adm.roles.builtin_explain')) : null,
      field(t('adm.roles.name'), name),
      h('div', { class: 'perm-groups' }, sets),
      field(t('adm.roles.networks'), networks, t('adm.roles.networks_hint')),
      st.el,
      submit || remove ? h('div', { class: 'form-actions' }, submit, remove) : null,
    );
    replace(formWrap, form);
  }

  replace(el, heading(t('adm.section.roles')), h('div', { class: 'admin-split' }, listWrap, formWrap));
  el.querySelector('h2').id = 'adm-roles-title';
  load();
  return { el };
}
