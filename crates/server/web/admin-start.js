// Primeiros passos (first-run, issue 15 point 7): after the setup creates the company and its
// owner, this section walks the administrator through what a team needs before the first
// customer writes, in order, each step on its own screen and ticked once done (read from the
// account as it is: more than one department, more than one user, a channel, a tag, a
// webhook). The platform presets are each explained in a sentence; choosing one is optional.

import { get } from './api.js';
import { h, replace } from './dom.js';
import { t } from './i18n.js';
import './admin-start-i18n.js';
import { heading, loadingLine } from './admin-common.js';

const PRESETS = ['helena', 'omnichat', 'oklac', 'opa', 'zenvia'];

export function startSection(ctx) {
  const el = h('section', { class: 'admin-section', 'aria-labelledby': 'adm-start-title' });
  const list = h('ol', { class: 'start-steps' });

  async function count(path, offer) {
    if (offer && !ctx.may(offer)) return null;
    try {
      return (await get(path)).length;
    } catch {
      return null;
    }
  }

  async function load() {
    replace(list, h('li', null, loadingLine()));
    const [departments, users, channels, tags, webhooks] = await Promise.all([
      count('/api/v1/departments', null),
      count('/api/v1/users', 'users.open'),
      count('/api/v1/channels', 'channels.open'),
      count('/api/v1/tags', null),
      count('/api/v1/webhooks', 'webhooks.open'),
    ]);
    const step = (id, done, href, extra = null) =>
      h(
        'li',
        { class: `start-step ${done ? 'start-done' : ''}`, 'data-step': id },
        h('h3', null, h('span', { class: 'start-mark', 'aria-hidden': 'true' }, done ? '✓' : ''), t(`adm.start.${id}.title`), done ? h('span', { class: 'visually-hidden' }, ` (${t('adm.start.done')})`) : null),
        h('p', null, t(`adm.start.${id}.what`)),
        extra,
        href ? h('a', { class: 'btn btn-small', href }, t(`adm.start.${id}.go`)) : null,
      );
    const presets = h('ul', { class: 'plain start-presets' }, PRESETS.map((p) => h('li', null, h('strong', null, t(`adm.preset.${p}`)), ': ', t(`adm.start.preset.${p}`))));
    const steps = [
      ctx.may('account.edit') ? step('preset', false, '#/admin/settings', presets) : null,
      ctx.may('departments.edit') ? step('departments', departments > 1, '#/admin/departments') : null,
      users === null ? null : step('users', users > 1, '#/admin/users'),
      channels === null ? null : step('channel', channels > 0, '#/admin/channels'),
      ctx.may('tags.open') ? step('tags', tags > 0, '#/admin/tags') : null,
      webhooks === null ? null : step('webhooks', webhooks > 0, '#/admin/webhooks'),
    ].filter(Boolean);
    replace(list, steps);
  }

  replace(el, heading(t('adm.section.start')), h('p', { class: 'muted' }, t('adm.start.intro')), list);
  el.querySelector('h2').id = 'adm-start-title';
  load();
  return { el };
}
