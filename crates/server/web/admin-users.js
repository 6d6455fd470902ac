// Usuários (`users.manage`): the list (roles with their scope, memberships), creating and editing
// a user (roles, memberships, active), resetting a password (`user.password.change_others`) and
// an agent's limit of open conversations. A refused edit shows the engine's reasons in words.

import { get, patch, post, put } from './api.js';
import { h, replace, toast } from './dom.js';
import { t } from './i18n.js';
import { busy, checkbox, clip, departmentOptions, errorText, field, heading, loadingLine, roleName, statusLine, treeOrder } from './admin-common.js';

export function usersSection(ctx) {
  const el = h('section', { class: 'admin-section', 'aria-labelledby': 'adm-users-title' });
  const tableWrap = h('div', { class: 'table-wrap' });
  const formWrap = h('div', { class: 'admin-form-wrap' });
  const status = statusLine();
  let users = [];
  let roles = [];
  let departments = [];
  let labels = new Map();
  let editing = null; // null, 0 (new) or a user id

  async function load() {
    replace(tableWrap, loadingLine());
    try {
      ctx.invalidate('users', 'roles', 'departments');
      [users, roles, departments, labels] = await Promise.all([
        ctx.load('users'),
        ctx.load('roles').catch(() => []),
        ctx.load('departments'),
        ctx.permissionLabels(),
      ]);
      renderTable();
      renderForm();
    } catch (err) {
      replace(tableWrap, h('p', { class: 'form-error', role: 'alert' }, errorText(err, labels)));
    }
  }

  const deptName = (id) => departments.find((d) => d.id === id)?.name ?? `#${id}`;
  const roleById = (id) => roles.find((r) => r.id === id);

  function bindingText(b) {
    return `${roleName(roleById(b.role_id))} (${b.department_id ? deptName(b.department_id) : t('adm.users.whole_account')})`;
  }

  function renderTable() {
    const rows = users.map((u) =>
      h(
        'tr',
        { 'data-user': u.email },
        h('th', { scope: 'row' }, clip(u.name), u.must_change_password ? h('span', { class: 'badge badge-warn' }, t('adm.users.must_change')) : null),
        h('td', null, clip(u.email)),
        h('td', null, h('span', { class: `badge ${u.active ? 'badge-ok' : 'badge-off'}` }, t(u.active ? 'adm.users.active' : 'adm.users.inactive'))),
        h('td', null, u.roles.length ? h('ul', { class: 'plain' }, u.roles.map((b) => h('li', { class: 'wrap-any' }, bindingText(b)))) : '—'),
        h(
          'td',
          null,
          u.memberships.length
            ? h('ul', { class: 'plain' }, u.memberships.map((m) => h('li', { class: 'wrap-any' }, `${deptName(m.department_id)} (${t(`adm.kind.${m.kind}`)})`)))
            : '—',
        ),
        h('td', null, h('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('adm.edit_named', { name: u.name }), onclick: () => openForm(u.id) }, t('adm.edit'))),
      ),
    );
    replace(
      tableWrap,
      h(
        'table',
        { class: 'admin-table' },
        h('caption', { class: 'visually-hidden' }, t('adm.section.users')),
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            ['name', 'email', 'status', 'roles', 'memberships', 'actions'].map((c) => h('th', { scope: 'col' }, t(`adm.users.col.${c}`))),
          ),
        ),
        h('tbody', null, rows),
      ),
    );
  }

  function openForm(id) {
    editing = id;
    status.clear();
    renderForm();
    formWrap.querySelector('input')?.focus();
    formWrap.scrollIntoView?.({ block: 'nearest' });
  }

  // Rows of a list (role bindings, memberships) with add and remove buttons.
  function rowsEditor(legend, items, makeRow, addLabel, blankItem) {
    const list = h('div', { class: 'rows' });
    const fieldset = h('fieldset', { class: 'rows-editor' }, h('legend', null, legend), list);
    const render = () => {
      replace(
        list,
        items.length ? null : h('p', { class: 'muted small' }, t('adm.none')),
        items.map((item, i) =>
          h(
            'div',
            { class: 'rows-item' },
            makeRow(item, i),
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-small btn-ghost',
                'aria-label': t('adm.remove_row', { n: i + 1 }),
                onclick: () => {
                  items.splice(i, 1);
                  render();
                  fieldset.querySelector('.btn-add')?.focus();
                },
              },
              t('adm.remove'),
            ),
          ),
        ),
      );
    };
    fieldset.append(
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-small btn-add',
          onclick: () => {
            items.push(blankItem());
            render();
            list.lastElementChild?.querySelector('select')?.focus();
          },
        },
        addLabel,
      ),
    );
    render();
    return fieldset;
  }

  function renderForm() {
    if (editing === null) {
      replace(formWrap, h('button', { type: 'button', class: 'btn btn-primary', onclick: () => openForm(0) }, t('adm.users.new')));
      return;
    }
    const u = users.find((x) => x.id === editing) || { name: '', email: '', active: true, roles: [], memberships: [] };
    const tree = treeOrder(departments);
    const bindings = u.roles.map((b) => ({ ...b }));
    const memberships = u.memberships.map((m) => ({ ...m }));
    const name = h('input', { type: 'text', required: true, maxlength: 200, value: u.name, autocomplete: 'off' });
    const email = h('input', { type: 'email', required: true, maxlength: 320, value: u.email, autocomplete: 'off' });
    const password = editing ? null : h('input', { type: 'password', required: true, minlength: 8, autocomplete: 'new-password' });
    const active = editing ? checkbox(t('adm.users.active_label'), u.active) : null;

    const roleRow = (b, i) => {
      const role = h(
        'select',
        { onchange: (e) => (b.role_id = Number(e.target.value)) },
        roles.map((r) => h('option', { value: r.id, selected: r.id === b.role_id }, roleName(r))),
      );
      const scope = h(
        'select',
        { onchange: (e) => (b.department_id = e.target.value ? Number(e.target.value) : null) },
        h('option', { value: '' }, t('adm.users.whole_account')),
        departmentOptions(tree, b.department_id),
      );
      return [field(t('adm.users.role_n', { n: i + 1 }), role), field(t('adm.users.scope_n', { n: i + 1 }), scope)];
    };
    const memberRow = (m, i) => {
      const dept = h('select', { onchange: (e) => (m.department_id = Number(e.target.value)) }, departmentOptions(tree, m.department_id));
      const kind = h(
        'select',
        { onchange: (e) => (m.kind = e.target.value) },
        ['member', 'supervisor'].map((k) => h('option', { value: k, selected: m.kind === k }, t(`adm.kind.${k}`))),
      );
      return [field(t('adm.users.department_n', { n: i + 1 }), dept), field(t('adm.users.kind_n', { n: i + 1 }), kind)];
    };
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, editing ? t('adm.save') : t('adm.create'));
    const formStatus = statusLine();
    // Said before saving: a user without a role, or whose roles all hold only on some networks,
    // cannot log in (from anywhere, or from elsewhere).
    const loginWarning = h('p', { class: 'form-warning', role: 'status', 'data-testid': 'login-warning' });
    const checkLogin = () => {
      const bound = bindings.map((b) => roles.find((r) => r.id === b.role_id)).filter(Boolean);
      let text = '';
      if (!bound.length) text = t('adm.users.no_role_no_login');
      else if (bound.every((r) => r.allowed_networks.length)) {
        const nets = [...new Set(bound.flatMap((r) => r.allowed_networks))].join(', ');
        text = t('adm.users.login_only_from', { networks: nets });
      }
      loginWarning.textContent = text;
      loginWarning.hidden = !text;
    };
    const form = h(
      'form',
      {
        class: 'admin-form',
        'aria-labelledby': 'adm-user-form-title',
        onsubmit: async (e) => {
          e.preventDefault();
          if (!form.reportValidity()) return;
          const body = {
            name: name.value.trim(),
            email: email.value.trim(),
            roles: bindings.map((b) => ({ role_id: b.role_id, department_id: b.department_id ?? null })),
            memberships: memberships.map((m) => ({ department_id: m.department_id, kind: m.kind })),
          };
          if (editing) body.active = active.input.checked;
          else body.password = password.value;
          formStatus.clear();
          try {
            await busy(submit, () => (editing ? patch(`/api/v1/users/${editing}`, body) : post('/api/v1/users', body)));
            toast(t(editing ? 'adm.users.saved' : 'adm.users.created', { name: body.name }));
            editing = null;
            await load();
            tableWrap.querySelector(`[data-user="${CSS.escape(body.email.toLowerCase())}"] button`)?.focus();
          } catch (err) {
            formStatus.error(errorText(err, labels));
          }
        },
      },
      h('h3', { id: 'adm-user-form-title' }, editing ? t('adm.users.edit_title', { name: u.name }) : t('adm.users.new')),
      field(t('adm.users.name'), name),
      field(t('adm.users.email'), email),
      password ? field(t('adm.users.password'), password, t('adm.users.password_hint')) : null,
      active?.el,
      rowsEditor(t('adm.users.roles'), bindings, roleRow, t('adm.users.add_role'), () => ({ role_id: roles[0]?.id, department_id: null })),
      loginWarning,
      rowsEditor(t('adm.users.memberships'), memberships, memberRow, t('adm.users.add_membership'), () => ({ department_id: tree[0]?.id, kind: 'member' })),
      formStatus.el,
      h(
        'div',
        { class: 'form-actions' },
        submit,
        h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => { editing = null; renderForm(); } }, t('action.cancel')),
      ),
    );
    // The role rows change by their selects and their add and remove buttons.
    form.addEventListener('change', checkLogin);
    form.addEventListener('click', () => queueMicrotask(checkLogin));
    checkLogin();
    replace(formWrap, form, editing ? passwordForm(u) : null, editing ? limitForm(u) : null);
  }

  function passwordForm(u) {
    if (!ctx.may('users.password_reset')) return null;
    const input = h('input', { type: 'password', required: true, minlength: 8, autocomplete: 'new-password' });
    const submit = h('button', { type: 'submit', class: 'btn' }, t('adm.users.reset'));
    const st = statusLine();
    return h(
      'form',
      {
        class: 'admin-form admin-subform',
        onsubmit: async (e) => {
          e.preventDefault();
          if (!e.currentTarget.reportValidity()) return;
          st.clear();
          try {
            await busy(submit, () => post(`/api/v1/users/${u.id}/password`, { password: input.value }));
            input.value = '';
            st.ok(t('adm.users.reset_done', { name: u.name }));
            ctx.invalidate('users');
            users = await ctx.load('users');
            renderTable();
          } catch (err) {
            st.error(errorText(err, labels));
          }
        },
      },
      h('h3', null, t('adm.users.reset_title')),
      field(t('adm.users.temp_password'), input, t('adm.users.reset_hint')),
      st.el,
      submit,
    );
  }

  function limitForm(u) {
    const input = h('input', { type: 'number', min: 0, max: 1000, step: 1, inputmode: 'numeric', placeholder: t('adm.users.no_limit') });
    const submit = h('button', { type: 'submit', class: 'btn' }, t('adm.users.limit_save'));
    const st = statusLine();
    const now = h('p', { class: 'muted small', 'data-testid': 'limit-now', 'aria-live': 'polite' });
    async function show() {
      try {
        const r = await get(`/api/v1/users/${u.id}/routing`);
        input.value = r.max_open === null ? '' : String(r.max_open);
        now.textContent = t(r.max_open === null ? 'adm.users.limit_now_none' : 'adm.users.limit_now', {
          n: r.max_open,
          open: r.open,
          availability: t(`adm.users.availability.${r.availability}`),
        });
      } catch (err) {
        now.textContent = errorText(err, labels);
      }
    }
    show();
    return h(
      'form',
      {
        class: 'admin-form admin-subform',
        onsubmit: async (e) => {
          e.preventDefault();
          if (!e.currentTarget.reportValidity()) return;
          const max = input.value === '' ? null : Number(input.value);
          st.clear();
          try {
            await busy(submit, () => put(`/api/v1/users/${u.id}/routing`, { max_open: max }));
            st.ok(max === null ? t('adm.users.limit_none_done') : t('adm.users.limit_done', { n: max }));
            await show();
          } catch (err) {
            st.error(errorText(err, labels));
          }
        },
      },
      h('h3', null, t('adm.users.limit_title')),
      now,
      field(t('adm.users.limit'), input, t('adm.users.limit_hint')),
      st.el,
      submit,
    );
  }

  replace(el, heading(t('adm.section.users')), status.el, tableWrap, formWrap);
  el.querySelector('h2').id = 'adm-users-title';
  load();
  return { el };
}
