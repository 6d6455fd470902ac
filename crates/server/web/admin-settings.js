// Configurações (`settings.company`): the seven account settings and routing's
// `reassign_when_away`; Predefinições (`account.manage`): see what a preset will change and who
// will see more or less, apply it, see what changed, and undo it (admin-presets.js).

import { get, post, put } from './api.js';
import { h, replace } from './dom.js';
import { t } from './i18n.js';
import { ACCESS, accessLabel, busy, checkbox, errorText, field, heading, loadingLine, roleName, statusLine, treeOrder } from './admin-common.js';
import { previewView, undoBox } from './admin-presets.js';

const PRESETS = ['helena', 'omnichat', 'oklac', 'opa', 'zenvia'];

export function settingsSection(ctx) {
  const el = h('section', { class: 'admin-section', 'aria-labelledby': 'adm-settings-title' });
  const settingsWrap = h('div');
  const presetWrap = h('div');

  function select(name, options, value) {
    return h('select', { name }, options.map((o) => h('option', { value: o, selected: o === value }, t(`adm.set.${name}.${o}`))));
  }

  async function loadSettings() {
    if (!ctx.may('settings.edit')) return;
    replace(settingsWrap, loadingLine());
    let s;
    let routing;
    try {
      [s, routing] = await Promise.all([get('/api/v1/settings'), get('/api/v1/routing')]);
    } catch (err) {
      replace(settingsWrap, h('p', { class: 'form-error', role: 'alert' }, errorText(err)));
      return;
    }
    const checks = {};
    const toggle = (key, value) => {
      checks[key] = checkbox(t(`adm.set.${key}`), value, { name: key });
      return h('div', { class: 'setting' }, checks[key].el, h('p', { class: 'field-hint' }, t(`adm.set.${key}.hint`)));
    };
    const waiting = select('waiting_queue', ['members', 'admins'], s.waiting_queue);
    const finished = select('finished_queue', ['members', 'admins'], s.finished_queue);
    const assignment = select('assignment', ['manual', 'auto'], s.assignment);
    const st = statusLine();
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('adm.save'));
    const form = h(
      'form',
      {
        class: 'admin-form settings-form',
        onsubmit: async (e) => {
          e.preventDefault();
          const body = {
            my_finished_queue: checks.my_finished_queue.input.checked,
            waiting_queue: waiting.value,
            finished_queue: finished.value,
            hide_details_until_assumed: checks.hide_details_until_assumed.input.checked,
            shared_inbox: checks.shared_inbox.input.checked,
            assignment: assignment.value,
            satisfaction_survey: checks.satisfaction_survey.input.checked,
          };
          const reassign = checks.reassign_when_away.input.checked;
          st.clear();
          try {
            await busy(submit, async () => {
              await put('/api/v1/settings', body);
              if (reassign !== routing.reassign_when_away) {
                routing = await put('/api/v1/routing', { reassign_when_away: reassign });
              }
            });
            st.ok(t('adm.set.saved'));
          } catch (err) {
            st.error(errorText(err, await ctx.permissionLabels()));
          }
        },
      },
      h(
        'fieldset',
        null,
        h('legend', null, t('adm.set.queues')),
        toggle('my_finished_queue', s.my_finished_queue),
        field(t('adm.set.waiting_queue'), waiting),
        field(t('adm.set.finished_queue'), finished),
      ),
      h(
        'fieldset',
        null,
        h('legend', null, t('adm.set.conversations')),
        toggle('hide_details_until_assumed', s.hide_details_until_assumed),
        toggle('shared_inbox', s.shared_inbox),
        toggle('satisfaction_survey', s.satisfaction_survey),
      ),
      h(
        'fieldset',
        null,
        h('legend', null, t('adm.set.routing')),
        field(t('adm.set.assignment'), assignment),
        toggle('reassign_when_away', routing.reassign_when_away),
      ),
      st.el,
      h('div', { class: 'form-actions' }, submit),
    );
    replace(settingsWrap, h('h3', null, t('adm.set.title')), form);
  }

  async function renderPresets() {
    if (!ctx.may('account.edit')) return;
    let departments = [];
    try {
      departments = treeOrder(await ctx.load('departments'));
    } catch {
      // Helena's options list none.
    }
    const preset = h('select', null, PRESETS.map((p) => h('option', { value: p }, t(`adm.preset.${p}`))));
    const options = h('div', { class: 'preset-options' });
    const result = h('div', { class: 'preset-result', 'aria-live': 'polite' });
    let read = () => ({});

    const renderOptions = () => {
      const id = preset.value;
      replace(result);
      if (id === 'helena') {
        const selects = departments.map((d) => {
          const s = h('select', null, h('option', { value: '' }, t('adm.preset.keep', { access: accessLabel(d.access) })), ACCESS.map((a) => h('option', { value: a }, accessLabel(a))));
          return { d, s, el: field(`${'\u2003'.repeat(d.depth)}${d.name}`, s) };
        });
        replace(options, h('fieldset', null, h('legend', null, t('adm.preset.helena.access')), selects.map((x) => x.el)));
        read = () => ({ access: Object.fromEntries(selects.filter((x) => x.s.value).map((x) => [String(x.d.id), x.s.value])) });
      } else if (id === 'omnichat') {
        const keys = ['my_finished_queue', 'waiting_admins_only', 'finished_admins_only', 'hide_details_until_assumed', 'routing'];
        const boxes = keys.map((k) => [k, checkbox(t(`adm.preset.omnichat.${k}`), k === 'my_finished_queue')]);
        replace(options, h('fieldset', null, h('legend', null, t('adm.preset.options')), boxes.map(([, b]) => b.el)));
        read = () => Object.fromEntries(boxes.map(([k, b]) => [k, b.input.checked]));
      } else if (id === 'opa') {
        const nets = h('textarea', { rows: 2, placeholder: '10.0.0.0/8' });
        replace(options, field(t('adm.roles.networks'), nets, t('adm.roles.networks_hint')));
        read = () => ({ allowed_networks: nets.value.split(/[\s,]+/).filter(Boolean) });
      } else if (id === 'zenvia') {
        const shared = checkbox(t('adm.set.shared_inbox'), true);
        const assignment = select('assignment', ['manual', 'auto'], 'manual');
        replace(options, h('fieldset', null, h('legend', null, t('adm.preset.options')), shared.el, field(t('adm.set.assignment'), assignment)));
        read = () => ({ shared_inbox: shared.input.checked, assignment: assignment.value });
      } else {
        replace(options, h('p', { class: 'muted small' }, t('adm.preset.no_options')));
        read = () => ({});
      }
      replace(explain, t(`adm.preset.${id}.explain`));
    };
    const explain = h('p', { class: 'field-hint' });
    preset.addEventListener('change', renderOptions);
    const st = statusLine();
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('adm.preview.show'));
    const undo = undoBox(ctx, () => {
      replace(result);
      loadSettings();
    });
    // First the preview; the preset is applied only from it, with the same options.
    async function apply(id, options, confirm) {
      st.clear();
      try {
        const r = await busy(confirm, () => post(`/api/v1/presets/${id}`, options));
        ctx.invalidate('departments', 'roles', 'users');
        st.ok(t('adm.preset.applied', { name: t(`adm.preset.${id}`) }));
        await showResult(r);
        undo.refresh();
        loadSettings();
      } catch (err) {
        st.error(errorText(err, await ctx.permissionLabels()));
      }
    }
    const form = h(
      'form',
      {
        class: 'admin-form',
        onsubmit: async (e) => {
          e.preventDefault();
          st.clear();
          const [id, options] = [preset.value, read()];
          try {
            const p = await busy(submit, () => post(`/api/v1/presets/${id}/preview`, options));
            const confirm = h('button', { type: 'button', class: 'btn btn-primary', disabled: p.refused.length > 0 }, t('adm.preview.confirm'));
            confirm.addEventListener('click', () => apply(id, options, confirm));
            const cancel = h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => replace(result) }, t('adm.preview.cancel'));
            replace(result, await previewView(ctx, p), h('div', { class: 'form-actions' }, confirm, cancel));
            confirm.focus();
          } catch (err) {
            st.error(errorText(err, await ctx.permissionLabels()));
          }
        },
      },
      field(t('adm.preset.choose'), preset),
      explain,
      options,
      st.el,
      h('div', { class: 'form-actions' }, submit),
    );

    async function showResult(r) {
      const [roles, directory] = await Promise.all([ctx.load('roles').catch(() => []), ctx.load('directory').catch(() => [])]);
      const rname = (id) => roleName(roles.find((x) => x.id === id)) || `#${id}`;
      const uname = (id) => directory.find((x) => x.id === id)?.name ?? `#${id}`;
      const line = (key, items) => h('li', null, h('strong', null, `${t(key)}: `), items.length ? items.join(', ') : t('adm.none'));
      const s = r.settings;
      replace(
        result,
        h('h4', null, t('adm.preset.changes')),
        h(
          'ul',
          { class: 'plain' },
          line('adm.preset.r.settings', [
            `${t('adm.set.waiting_queue')}: ${t(`adm.set.waiting_queue.${s.waiting_queue}`)}`,
            `${t('adm.set.finished_queue')}: ${t(`adm.set.finished_queue.${s.finished_queue}`)}`,
            `${t('adm.set.assignment')}: ${t(`adm.set.assignment.${s.assignment}`)}`,
            ...['my_finished_queue', 'hide_details_until_assumed', 'shared_inbox', 'satisfaction_survey'].map((k) => `${t(`adm.set.${k}`)}: ${t(s[k] ? 'adm.yes' : 'adm.no')}`),
          ]),
          line('adm.preset.r.departments', r.departments.map((d) => `${d.name} → ${accessLabel(d.access)}`)),
          line('adm.preset.r.roles_created', r.roles_created.map(rname)),
          line('adm.preset.r.roles_updated', r.roles_updated.map(rname)),
          line('adm.preset.r.roles_removed', r.roles_removed.map((id) => `#${id}`)),
          line('adm.preset.r.users', r.users_rebound.map(uname)),
        ),
      );
    }

    renderOptions();
    replace(presetWrap, h('h3', null, t('adm.preset.title')), h('p', { class: 'muted' }, t('adm.preset.explain')), undo.el, form, result);
  }

  replace(el, heading(t('adm.section.settings')), settingsWrap, presetWrap);
  el.querySelector('h2').id = 'adm-settings-title';
  loadSettings();
  renderPresets();
  return { el };
}
