// The contacts list: the search (a name without accents, an email or a phone written any way,
// asked as the user types), the buttons of the screen (new, import, export), and the contacts by
// name, paged by `next_cursor` ("Carregar mais"). How many are shown is announced.

import { api } from './api.js';
import { debounce, h, replace } from './dom.js';
import { t } from './i18n.js';
import { errorText } from './contacts-common.js';

const PAGE = 50;

/** Creates the list for the screen's `ctx`. Returns {el, render, reload, markCurrent, focusSearch, destroy}. */
export function createList(ctx) {
  const state = { q: '', items: [], next: null, loading: false, more: false, error: '', seq: 0, current: null, last: null };
  const el = h('section', { class: 'contacts-list-col' });
  const search = h('input', {
    type: 'search',
    id: 'contacts-search',
    class: 'contacts-search',
    autocomplete: 'off',
    spellcheck: 'false',
    maxlength: 100,
    oninput: () => onSearch(),
    onkeydown: (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        onSearch.cancel();
        reload();
      }
    },
  });
  const summary = h('p', { class: 'contacts-summary', role: 'status', 'aria-live': 'polite' });
  const listEl = h('ul', { class: 'contacts-list', 'aria-busy': 'false' });
  const moreEl = h('div', { class: 'list-more' });
  const scroll = h('div', { class: 'list-scroll contacts-scroll' }, listEl, moreEl);

  const onSearch = debounce(() => {
    if (search.value.trim() !== state.q) reload();
  }, 300);

  function render() {
    search.placeholder = t('ct.search_placeholder');
    listEl.setAttribute('aria-label', t('ct.list'));
    el.setAttribute('aria-label', t('ct.list'));
    const tools = [];
    if (ctx.may('contacts.edit')) {
      tools.push(h('a', { class: 'btn btn-primary btn-small', href: '#/contacts/new' }, t('ct.new')));
      tools.push(h('a', { class: 'btn btn-small', href: '#/contacts/import' }, t('ct.import')));
    }
    tools.push(
      h('a', { class: 'btn btn-small', href: '/api/v1/contacts/export', download: t('ct.export_file'), 'data-testid': 'contacts-export' }, t('ct.export')),
    );
    replace(
      el,
      h(
        'div',
        { class: 'contacts-search-bar' },
        h('label', { for: 'contacts-search' }, t('ct.search')),
        search,
        h('p', { class: 'field-hint' }, t('ct.search_hint')),
        h('div', { class: 'contacts-tools' }, tools),
      ),
      summary,
      scroll,
    );
    draw();
  }

  function draw() {
    listEl.setAttribute('aria-busy', String(state.loading));
    if (state.error) {
      replace(listEl, h('li', { class: 'list-empty form-error', role: 'alert' }, state.error));
    } else if (state.loading && !state.items.length) {
      replace(listEl, h('li', { class: 'list-empty' }, t('ct.loading')));
    } else if (!state.items.length) {
      replace(listEl, h('li', { class: 'list-empty' }, state.q ? t('ct.none_found', { q: state.q }) : t('ct.none')));
    } else {
      replace(listEl, state.items.map(row));
    }
    summary.textContent = state.loading || state.error ? '' : summaryText();
    replace(
      moreEl,
      state.next
        ? h(
            'button',
            { type: 'button', class: 'btn', disabled: state.more, onclick: loadMore },
            state.more ? t('app.loading') : t('ct.more'),
          )
        : null,
    );
  }

  function summaryText() {
    const n = state.items.length;
    if (!n) return state.q ? t('ct.none_found', { q: state.q }) : t('ct.none');
    if (state.next) return t('ct.shown_more', { n });
    return t(n === 1 ? 'ct.shown_one' : 'ct.shown', { n });
  }

  function row(c) {
    const current = c.id === state.current;
    return h(
      'li',
      { 'data-contact': c.id },
      h(
        'a',
        { class: 'contact-row', href: `#/contacts/${c.id}`, 'aria-current': current ? 'true' : null },
        h('span', { class: 'contact-row-name', title: c.name }, c.name || t('ct.no_name')),
        h(
          'span',
          { class: 'contact-row-info' },
          c.phone_display ? h('span', { class: 'contact-row-phone' }, c.phone_display) : null,
          c.email ? h('span', { class: 'contact-row-email', title: c.email }, c.email) : null,
        ),
        c.tags.length ? h('span', { class: 'contact-row-tags' }, c.tags.map((tag) => h('span', { class: 'chip' }, tag))) : null,
      ),
    );
  }

  async function reload() {
    state.q = search.value.trim();
    const seq = ++state.seq;
    state.loading = true;
    state.error = '';
    draw();
    try {
      const page = await api.contacts({ q: state.q, limit: PAGE });
      if (seq !== state.seq) return;
      state.items = page.items;
      state.next = page.next_cursor ?? null;
    } catch (err) {
      if (seq !== state.seq) return;
      state.items = [];
      state.next = null;
      state.error = errorText(err);
    }
    state.loading = false;
    draw();
  }

  async function loadMore() {
    if (!state.next || state.more) return;
    const seq = state.seq;
    state.more = true;
    draw();
    const first = state.items.length;
    try {
      const page = await api.contacts({ q: state.q, cursor: state.next, limit: PAGE });
      if (seq !== state.seq) return;
      state.items = state.items.concat(page.items);
      state.next = page.next_cursor ?? null;
    } catch (err) {
      state.error = errorText(err);
    }
    state.more = false;
    draw();
    // Focus goes to the first new contact, so that the keyboard goes on from there.
    listEl.children[first]?.querySelector('a')?.focus();
  }

  return {
    el,
    render,
    reload,
    markCurrent(id) {
      state.current = id;
      if (id !== null) state.last = id;
      for (const a of listEl.querySelectorAll('.contact-row')) {
        const on = a.closest('li')?.dataset.contact === String(id);
        if (on) a.setAttribute('aria-current', 'true');
        else a.removeAttribute('aria-current');
      }
    },
    focusSearch() {
      const a = state.last ? listEl.querySelector(`[data-contact="${state.last}"] a`) : null;
      (a || search).focus();
    },
    destroy() {
      onSearch.cancel();
      state.seq += 1;
    },
  };
}
