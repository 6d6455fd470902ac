// Departamentos: the tree with each department's access option; create, edit and delete with
// `departments.manage` (everyone may read).

import { del, patch, post } from './api.js';
import { h, replace, toast } from './dom.js';
import { t } from './i18n.js';
import {
  ACCESS,
  accessLabel,
  busy,
  departmentOptions,
  errorText,
  field,
  heading,
  loadingLine,
  statusLine,
  subtree,
  treeOrder,
} from './admin-common.js';

export function departmentsSection(ctx) {
  const canEdit = ctx.may('departments.edit');
  const el = h('section', { class: 'admin-section', 'aria-labelledby': 'adm-dept-title' });
  const listEl = h('div', { class: 'dept-tree' });
  const formWrap = h('div', { class: 'admin-form-wrap' });
  let departments = [];
  let editing = null; // null: none; 0: new; id: that department
  let confirming = null;
  const status = statusLine();

  async function load() {
    replace(listEl, loadingLine());
    try {
      ctx.invalidate('departments');
      departments = await ctx.load('departments');
      renderList();
      renderForm();
    } catch (err) {
      replace(listEl, h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
    }
  }

  function renderList() {
    const tree = treeOrder(departments);
    replace(
      listEl,
      h(
        'ul',
        { class: 'tree', 'aria-label': t('adm.dept.tree') },
        tree.map((d) =>
          h(
            'li',
            { class: 'tree-item', 'data-department': d.name, style: null, dataset: { depth: Math.min(d.depth, 6) } },
            h(
              'div',
              { class: 'tree-row' },
              h('span', { class: 'tree-name' }, d.name),
              h('span', { class: `badge access-${d.access}`, 'data-testid': 'dept-access' }, accessLabel(d.access)),
              d.is_default ? h('span', { class: 'badge badge-default' }, t('adm.dept.default')) : null,
              canEdit
                ? h(
                    'span',
                    { class: 'row-actions' },
                    h('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('adm.edit_named', { name: d.name }), onclick: () => openForm(d.id) }, t('adm.edit')),
                    confirming === d.id
                      ? [
                          h('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: (e) => remove(d, e.currentTarget) }, t('adm.confirm_delete')),
                          h('button', { type: 'button', class: 'btn btn-small btn-ghost', onclick: () => setConfirm(null) }, t('action.cancel')),
                        ]
                      : h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'aria-label': t('adm.delete_named', { name: d.name }), onclick: () => setConfirm(d.id) }, t('adm.delete')),
                  )
                : null,
            ),
          ),
        ),
      ),
    );
  }

  function setConfirm(id) {
    confirming = id;
    renderList();
    listEl.querySelector('.btn-danger, .tree-row .btn')?.focus();
  }

  async function remove(d, button) {
    status.clear();
    try {
      await busy(button, () => del(`/api/v1/departments/${d.id}`));
      confirming = null;
      if (editing === d.id) editing = null;
      toast(t('adm.dept.deleted', { name: d.name }));
      await load();
    } catch (err) {
      confirming = null;
      renderList();
      status.error(errorText(err, await ctx.permissionLabels()));
    }
  }

  function openForm(id) {
    editing = id;
    status.clear();
    renderForm();
    formWrap.querySelector('input')?.focus();
  }

  function renderForm() {
    if (!canEdit) {
      replace(formWrap, h('p', { class: 'muted' }, t('adm.read_only')));
      return;
    }
    if (editing === null) {
      replace(formWrap, h('button', { type: 'button', class: 'btn btn-primary', onclick: () => openForm(0) }, t('adm.dept.new')));
      return;
    }
    const d = departments.find((x) => x.id === editing) || { name: '', parent_id: null, access: 'team' };
    const tree = treeOrder(departments);
    const name = h('input', { type: 'text', required: true, maxlength: 200, value: d.name, autocomplete: 'off' });
    const parent = h(
      'select',
      null,
      h('option', { value: '' }, t('adm.dept.no_parent')),
      departmentOptions(tree, d.parent_id, { exclude: editing ? subtree(departments, editing) : new Set() }),
    );
    const radios = ACCESS.map((a) =>
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'radio', name: 'dept-access', value: a, checked: d.access === a }),
        h('span', null, accessLabel(a), h('span', { class: 'muted small' }, ` — ${t(`adm.access.${a}.hint`)}`)),
      ),
    );
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, editing ? t('adm.save') : t('adm.create'));
    const form = h(
      'form',
      {
        class: 'admin-form',
        'aria-labelledby': 'adm-dept-form-title',
        onsubmit: async (e) => {
          e.preventDefault();
          const access = form.querySelector('input[name="dept-access"]:checked')?.value;
          const body = { name: name.value.trim(), parent_id: parent.value ? Number(parent.value) : null, access };
          if (!body.name) return name.focus();
          status.clear();
          try {
            const saved = await busy(submit, () => (editing ? patch(`/api/v1/departments/${editing}`, body) : post('/api/v1/departments', body)));
            toast(t(editing ? 'adm.dept.saved' : 'adm.dept.created', { name: saved?.name ?? body.name }));
            editing = null;
            await load();
            listEl.querySelector(`[data-department="${CSS.escape(body.name)}"] button`)?.focus();
          } catch (err) {
            status.error(errorText(err, await ctx.permissionLabels()));
          }
        },
      },
      h('h3', { id: 'adm-dept-form-title' }, editing ? t('adm.dept.edit_title', { name: d.name }) : t('adm.dept.new')),
      field(t('adm.dept.name'), name),
      field(t('adm.dept.parent'), parent),
      h('fieldset', { class: 'radios' }, h('legend', null, t('adm.dept.access')), radios),
      h(
        'div',
        { class: 'form-actions' },
        submit,
        h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => { editing = null; status.clear(); renderForm(); } }, t('action.cancel')),
      ),
    );
    replace(formWrap, form);
  }

  replace(
    el,
    heading(t('adm.section.departments')),
    h('p', { class: 'muted' }, t('adm.dept.explain')),
    status.el,
    h('div', { class: 'admin-split' }, listEl, formWrap),
  );
  el.querySelector('h2').id = 'adm-dept-title';
  load();
  return { el };
}
