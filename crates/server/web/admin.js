// The administration screen (`#/admin/{section}`): a header, the sections the server says the
// user may open (`GET /api/v1/me`'s `may`, decided by the engine: the browser keeps no table of
// permissions), and the chosen section. Each section is its own module
// (`admin-*.js`); what they share (departments, roles, the directory, the permission catalogue,
// refusal reasons in words) is the context built here.

import { ApiError, api, get } from './api.js';
import { h, replace } from './dom.js';
import { onLangChange, t } from './i18n.js';
import './admin-i18n.js';
import { auditSection } from './admin-audit.js';
import { channelsSection } from './admin-channels.js';
import { departmentsSection } from './admin-departments.js';
import { rolesSection } from './admin-roles.js';
import { settingsSection } from './admin-settings.js';
import { startSection } from './admin-start.js';
import { tagsSection } from './admin-tags.js';
import { usersSection } from './admin-users.js';
import { viewersSection } from './admin-viewers.js';
import { webhooksSection } from './admin-webhooks.js';
import { langSwitch } from './login.js';

/** The sections, in order, with the server's offer that opens each (`null`: every user). */
export const SECTIONS = [
  { id: 'start', offer: 'account.edit', build: startSection },
  { id: 'departments', offer: null, build: departmentsSection },
  { id: 'users', offer: 'users.open', build: usersSection },
  { id: 'roles', offer: 'roles.open', build: rolesSection },
  { id: 'tags', offer: 'tags.open', build: tagsSection },
  { id: 'settings', offer: 'settings.open', build: settingsSection },
  { id: 'channels', offer: 'channels.open', build: channelsSection },
  { id: 'webhooks', offer: 'webhooks.open', build: webhooksSection },
  { id: 'audit', offer: 'audit.open', build: auditSection },
  { id: 'viewers', offer: 'viewers.open', build: viewersSection },
];

/** Whether the server offers this user `id` (`GET /api/v1/me`'s `may`). */
export const mayDo = (me, id) => (me.may || []).includes(id);

/** Whether the user has anything to administer (the header shows the way in). */
export function hasAdmin(me) {
  return mayDo(me, 'admin');
}

export function isAdminHash(hash = location.hash) {
  return /^#\/admin(\/|$)/.test(hash);
}

function parse() {
  const parts = location.hash.replace(/^#\/admin\/?/, '').split('/');
  return { section: parts[0] || '', arg: parts[1] || '' };
}

/** The administration screen. Returns {destroy}. */
export function adminScreen(root, { me: initialMe, onLogout }) {
  let me = initialMe;
  let destroyed = false;
  let current = null; // {id, arg, view}
  const cache = {};
  const may = (id) => mayDo(me, id);

  // What the sections share. Lists are read once and again after a change (`invalidate`).
  const ctx = {
    me: () => me,
    may,
    async load(name) {
      if (!cache[name]) {
        const path = {
          departments: '/api/v1/departments',
          roles: '/api/v1/roles',
          directory: '/api/v1/directory',
          catalogue: '/api/v1/permissions',
          auditActions: '/api/v1/audit/actions',
          users: '/api/v1/users',
        }[name];
        cache[name] = get(path).catch((err) => {
          delete cache[name];
          throw err;
        });
      }
      return cache[name];
    },
    invalidate(...names) {
      for (const n of names) delete cache[n];
    },
    /** The account's permission labels by id (empty when the catalogue is not readable). */
    async permissionLabels() {
      const groups = await ctx.load('catalogue').catch(() => []);
      const labels = new Map();
      for (const g of groups) for (const p of g.permissions) labels.set(p.id, p);
      return labels;
    },
  };

  const nav = h('nav', { class: 'admin-nav' });
  const content = h('div', { class: 'admin-content' });
  const shell = h('div', { class: 'admin' });

  function visible() {
    return SECTIONS.filter((sec) => sec.offer === null || may(sec.offer));
  }

  function renderShell() {
    const header = h(
      'header',
      { class: 'topbar' },
      h('div', { class: 'brand' }, h('img', { src: '/assets/icon.svg', alt: '', width: 26, height: 26 }), h('span', null, t('app.name'))),
      h('span', { class: 'topbar-title' }, t('adm.title')),
      h(
        'div',
        { class: 'topbar-right' },
        h('a', { class: 'btn btn-ghost', href: '#/mine' }, t('adm.to_inbox')),
        h('span', { class: 'user-name' }, me.name),
        langSwitch(),
        h('button', { type: 'button', class: 'btn btn-ghost', onclick: logout }, t('header.logout')),
      ),
    );
    renderNav();
    replace(shell, header, h('main', { class: 'admin-main' }, nav, content));
  }

  function renderNav() {
    const { section } = parse();
    nav.setAttribute('aria-label', t('adm.sections'));
    replace(
      nav,
      h(
        'ul',
        null,
        visible().map((sec) =>
          h(
            'li',
            null,
            h('a', { href: `#/admin/${sec.id}`, class: 'admin-nav-link', 'aria-current': sec.id === section ? 'page' : null }, t(`adm.section.${sec.id}`)),
          ),
        ),
      ),
    );
  }

  async function logout() {
    try {
      await api.logout();
    } catch {
      // Already gone.
    }
    onLogout();
  }

  function route({ force = false } = {}) {
    if (destroyed || !isAdminHash()) return;
    const { section, arg } = parse();
    const allowed = visible();
    const sec = allowed.find((x) => x.id === section);
    if (!sec) {
      history.replaceState(null, '', `#/admin/${allowed[0].id}`);
      return route({ force: true });
    }
    renderNav();
    if (!force && current && current.id === sec.id) {
      if (current.arg !== arg) {
        current.arg = arg;
        current.view.onArg?.(arg);
      }
      return;
    }
    current?.view.destroy?.();
    const view = sec.build(ctx, arg);
    current = { id: sec.id, arg, view };
    replace(content, view.el);
    content.querySelector('h2')?.focus({ preventScroll: true });
  }

  // What the server offers may change meanwhile (an administrator edits this user's roles):
  // read it again when the tab comes back.
  async function refreshMe() {
    try {
      const fresh = await api.me();
      if (destroyed) return;
      const changed = (fresh.may || []).join() !== (me.may || []).join() || fresh.permissions.join() !== me.permissions.join();
      me = fresh;
      if (changed) {
        renderShell();
        route({ force: true });
      }
    } catch (err) {
      if (!(err instanceof ApiError)) console.warn(err);
    }
  }
  const onVisible = () => {
    if (document.visibilityState === 'visible') refreshMe();
  };

  const onHash = () => route();
  window.addEventListener('hashchange', onHash);
  document.addEventListener('visibilitychange', onVisible);
  const offLang = onLangChange(() => {
    renderShell();
    route({ force: true });
  });
  replace(root, shell);
  renderShell();
  route({ force: true });

  return {
    destroy() {
      destroyed = true;
      current?.view.destroy?.();
      window.removeEventListener('hashchange', onHash);
      document.removeEventListener('visibilitychange', onVisible);
      offLang();
    },
  };
}
