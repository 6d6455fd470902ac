// A preset explains itself before it happens (issue 15, point 5): the preview says which
// settings, departments and roles change, and who would see more or less (each active user's
// conversations now → after, counted by the server through the engine's plans), before the
// administrator confirms; the last preset can be undone as one step while nothing else changed
// the same things since.

import { get, post } from './api.js';
import { h, replace } from './dom.js';
import { fullTime, lang, t } from './i18n.js';
import './admin-presets-i18n.js';
import { accessLabel, busy, errorText, statusLine } from './admin-common.js';

/** A setting's value in words. */
function settingValue(field, v) {
  if (typeof v === 'boolean') return t(v ? 'adm.yes' : 'adm.no');
  return t(`adm.set.${field}.${v}`);
}

/** The preview of `p` (`POST /api/v1/presets/{id}/preview`), with the users' figures. */
export async function previewView(ctx, p) {
  const labels = await ctx.permissionLabels();
  const perm = (id) => {
    const l = labels.get(id);
    return l ? (lang() === 'en' ? l.label_en : l.label_pt) : id;
  };
  const roleLabel = (r) => (r.builtin ? t(`adm.builtin.${r.name}`) : r.name);
  const list = (key, items) => (items.length ? h('div', null, h('h5', null, t(key)), h('ul', { class: 'plain preview-list' }, items)) : null);
  const li = (...kids) => h('li', null, ...kids);
  const changed = p.users.filter((u) => u.before !== u.after);
  const same = p.users.length - changed.length;
  const roleLine = (r) =>
    li(
      h('strong', null, roleLabel(r)),
      r.added.length ? ` + ${r.added.map(perm).join(', ')}` : '',
      r.removed.length ? ` − ${r.removed.map(perm).join(', ')}` : '',
      r.allowed_networks.length ? ` (${t('adm.preview.networks', { nets: r.allowed_networks.join(', ') })})` : '',
    );
  const nothing = !p.settings.length && !p.departments.length && !p.roles_created.length && !p.roles_updated.length && !p.roles_removed.length;
  return h(
    'div',
    { class: 'preset-preview', role: 'region', 'aria-label': t('adm.preview.title') },
    h('h4', null, t('adm.preview.title')),
    nothing ? h('p', null, t('adm.preview.nothing')) : null,
    list('adm.preview.settings', p.settings.map((s) => li(`${t(`adm.set.${s.field}`)}: ${settingValue(s.field, s.before)} → ${settingValue(s.field, s.after)}`))),
    list('adm.preview.departments', p.departments.map((d) => li(h('strong', null, d.name), `: ${accessLabel(d.before)} → ${accessLabel(d.after)}`))),
    list('adm.preview.roles_created', p.roles_created.map(roleLine)),
    list('adm.preview.roles_updated', p.roles_updated.map(roleLine)),
    list('adm.preview.roles_removed', p.roles_removed.map((r) => li(h('strong', null, roleLabel(r))))),
    h('h5', null, t('adm.preview.who')),
    changed.length
      ? h(
          'table',
          { class: 'admin-table preview-users' },
          h('caption', { class: 'visually-hidden' }, t('adm.preview.who')),
          h('thead', null, h('tr', null, ['user', 'now', 'after'].map((c) => h('th', { scope: 'col' }, t(`adm.preview.col.${c}`))))),
          h(
            'tbody',
            null,
            changed.map((u) =>
              h(
                'tr',
                { class: u.after < u.before ? 'sees-less' : 'sees-more', 'data-user': u.id },
                h('th', { scope: 'row' }, u.name),
                h('td', null, String(u.before)),
                h('td', null, `${u.after} `, h('span', { class: 'badge' }, t(u.after < u.before ? 'adm.preview.less' : 'adm.preview.more', { n: Math.abs(u.after - u.before) }))),
              ),
            ),
          ),
        )
      : h('p', null, t('adm.preview.nobody')),
    same && changed.length ? h('p', { class: 'muted small' }, t('adm.preview.same', { n: same })) : null,
    h('p', { class: 'muted small' }, t('adm.preview.counted')),
    p.refused.length ? h('p', { class: 'form-error', role: 'alert' }, t('adm.preview.refused')) : null,
  );
}

/** "Desfazer": the last preset, while it can be undone. `onUndone()` after. Returns {el, refresh}. */
export function undoBox(ctx, onUndone) {
  const el = h('div', { class: 'preset-undo' });
  const st = statusLine();
  async function refresh() {
    let u;
    try {
      u = await get('/api/v1/presets/undo');
    } catch {
      replace(el);
      return;
    }
    if (!u.available) {
      replace(el, st.el);
      return;
    }
    const button = h('button', { type: 'button', class: 'btn' }, t('adm.undo.button', { name: t(`adm.preset.${u.preset}`) }));
    button.addEventListener('click', async () => {
      st.clear();
      try {
        await busy(button, () => post('/api/v1/presets/undo', {}));
        ctx.invalidate('departments', 'roles', 'users');
        st.ok(t('adm.undo.done', { name: t(`adm.preset.${u.preset}`) }));
        refresh();
        onUndone();
      } catch (err) {
        st.error(errorText(err, await ctx.permissionLabels()));
      }
    });
    replace(el, h('p', { class: 'muted small' }, t('adm.undo.explain', { name: t(`adm.preset.${u.preset}`), at: fullTime(u.applied_at) })), button, st.el);
  }
  refresh();
  return { el, refresh };
}
