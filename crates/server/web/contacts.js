// The contacts screen ("Contatos", ACCESS-MODEL v2 "Contacts"): the address book beside the
// inbox. On the left the search and the list (paged by cursor), on the right the chosen part:
// a contact's profile with its conversations, the new or edit form, merging, the CSV import. On
// a phone one of the two at a time. The address says which:
//   #/contacts                  the list
//   #/contacts/new              a new contact            (`contacts.edit`)
//   #/contacts/import           importing a CSV file     (`contacts.edit`)
//   #/contacts/{id}             a profile
//   #/contacts/{id}/edit        its edit form            (`contacts.edit`)
//   #/contacts/{id}/merge       merging another into it  (`contacts.edit`)
// What the screen offers comes from `GET /api/v1/me`'s `may` (`contacts.open`, `contacts.edit`,
// `contacts.delete`), decided by the engine; the server refuses what is not allowed anyway.

import { api, get } from './api.js';
import { h, replace } from './dom.js';
import { onLangChange, t } from './i18n.js';
import './contacts-i18n.js';
import { contactForm } from './contacts-form.js';
import { importView } from './contacts-import.js';
import { createList } from './contacts-list.js';
import { mergeView } from './contacts-merge.js';
import { profileView } from './contacts-profile.js';
import { langSwitch } from './login.js';

/** Whether the address is the contacts screen's. */
export function isContactsHash(hash = location.hash) {
  return /^#\/contacts(\/|$)/.test(hash);
}

/** Whether the server offers this user the contacts screen. */
export const hasContacts = (me) => (me.may || []).includes('contacts.open');

/** The part the address names: {view, id}. */
export function parseContactsHash(hash = location.hash) {
  const parts = hash.replace(/^#\/contacts\/?/, '').split('/');
  if (parts[0] === 'new') return { view: 'new', id: null };
  if (parts[0] === 'import') return { view: 'import', id: null };
  if (/^\d+$/.test(parts[0] || '')) {
    const view = { edit: 'edit', merge: 'merge' }[parts[1]] || 'profile';
    return { view, id: Number(parts[0]) };
  }
  return { view: 'list', id: null };
}

/** The inbox's address to come back to (the tab the user was on). */
function inboxHref() {
  let tab = null;
  try {
    tab = localStorage.getItem('atende.tab');
  } catch {
    tab = null;
  }
  return `#/${/^[a-z_]+$/.test(tab || '') ? tab : 'mine'}`;
}

/** The contacts screen. Returns {destroy}. */
export function contactsScreen(root, { me, onLogout }) {
  let destroyed = false;
  let current = null; // {key, view}
  const may = (id) => (me.may || []).includes(id);
  const stacked = () => window.matchMedia('(max-width: 767px)').matches;
  let departments = null;

  // What the parts share.
  const ctx = {
    me,
    may,
    stacked,
    /** The account's departments (read once). */
    async departments() {
      if (!departments) {
        departments = api.departments().catch((err) => {
          departments = null;
          throw err;
        });
      }
      return departments;
    },
    /** The account's tags (read each time a form opens: an administrator may add one). */
    tags: () => get('/api/v1/tags').then((all) => all.map((tag) => tag.name)),
    /** The list again (after a change), keeping the search. */
    reloadList: () => list.reload(),
    /** Shows contact `id` (or the list) after a change. */
    go(hash) {
      if (location.hash === hash) route({ force: true });
      else location.hash = hash;
    },
  };

  const list = createList(ctx);
  const detail = h('section', { class: 'contacts-detail' });
  const main = h('main', { class: 'contacts-main' }, list.el, detail);
  const shell = h('div', { class: 'contacts' });

  async function logout() {
    try {
      await api.logout();
    } catch {
      // Already gone.
    }
    onLogout();
  }

  function renderShell() {
    const header = h(
      'header',
      { class: 'topbar' },
      h('div', { class: 'brand' }, h('img', { src: '/assets/icon.svg', alt: '', width: 26, height: 26 }), h('span', null, t('app.name'))),
      h('h1', { class: 'topbar-title contacts-title' }, t('ct.title')),
      h(
        'div',
        { class: 'topbar-right' },
        h(
          'a',
          { class: 'btn btn-ghost inbox-link', href: inboxHref(), 'aria-label': t('ct.to_inbox'), title: t('ct.to_inbox') },
          h('span', { class: 'inbox-link-icon', 'aria-hidden': 'true' }, '✉'),
          h('span', { class: 'inbox-link-label' }, `← ${t('ct.to_inbox')}`),
        ),
        h('span', { class: 'user-name', title: t('header.user', { name: me.name }) }, me.name),
        langSwitch(),
        h('button', { type: 'button', class: 'btn btn-ghost', onclick: logout }, t('header.logout')),
      ),
    );
    detail.setAttribute('aria-label', t('ct.detail'));
    replace(shell, header, main);
    list.render();
  }

  function build(view, id) {
    const edit = may('contacts.edit');
    if (view === 'new' && edit) return contactForm(ctx, null);
    if (view === 'import' && edit) return importView(ctx);
    if (view === 'edit' && edit) return contactForm(ctx, id);
    if (view === 'merge' && edit) return mergeView(ctx, id);
    if (id !== null) return profileView(ctx, id);
    return {
      el: h('div', { class: 'contacts-empty-detail' }, h('p', { class: 'muted' }, t('ct.pick'))),
    };
  }

  function route({ force = false } = {}) {
    if (destroyed || !isContactsHash()) return;
    const { view, id } = parseContactsHash();
    const key = `${view}:${id}`;
    list.markCurrent(id);
    shell.classList.toggle('has-detail', view !== 'list');
    if (!force && current && current.key === key) return;
    const hadDetail = current && current.key !== 'list:null';
    current?.view.destroy?.();
    const next = build(view, id);
    current = { key, view: next };
    replace(detail, next.el);
    // On a phone the list gives way to the detail: focus follows it. On a wide screen focus
    // stays in the list, unless a form opened.
    if (view !== 'list' && (stacked() || view !== 'profile')) {
      (next.focusTarget?.() || detail.querySelector('h2'))?.focus({ preventScroll: false });
    } else if (view === 'list' && stacked() && hadDetail) {
      list.focusSearch();
    }
  }

  const onHash = () => route();
  window.addEventListener('hashchange', onHash);
  const offLang = onLangChange(() => {
    renderShell();
    route({ force: true });
  });
  replace(root, shell);
  renderShell();
  route({ force: true });
  list.reload();

  return {
    destroy() {
      destroyed = true;
      current?.view.destroy?.();
      list.destroy();
      window.removeEventListener('hashchange', onHash);
      offLang();
    },
  };
}
