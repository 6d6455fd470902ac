// The inbox's rendering: builds and replaces its DOM from the inbox's state: the header (user,
// availability, language, logout), the five tabs with their counts, the filters, the selected
// tab's list (a row is kept per conversation) and the place of the conversation pane. It keeps
// the focus where it was across a rebuild. It does not fetch: the callbacks (inbox-actions.js) do.

import { channelLabel, statusLabel } from './conversation.js';
import { debounce, h, nextId, replace } from './dom.js';
import { fullTime, relativeTime, t } from './i18n.js';
import { hasAdmin } from './admin.js';
import { startButton } from './conversation-start.js';
import { hasContacts } from './contacts.js';
import { langSwitch } from './login.js';
import { PAGE, TABS, deptName, filtered, orderedDepartments, parseHash } from './inbox-state.js';

/**
 * Creates the inbox's elements for state `s` (the inbox's state object, drawn at each call) and
 * the conversation pane `pane`. `cb`: toggleAvailability(), logout(), selectTab(tab),
 * loadList(), loadMore().
 */
export function createView(s, pane, cb) {
  const shell = h('div', { class: 'inbox' });
  const tablist = h('div', { class: 'tabs', role: 'tablist' });
  const listEl = h('ul', { class: 'conv-list', 'aria-busy': 'false', onkeydown: listKeys });
  const moreEl = h('div', { class: 'list-more' });
  const listScroll = h('div', { class: 'list-scroll' }, listEl, moreEl);
  const panel = h('div', { class: 'tab-panel', role: 'tabpanel', id: 'conv-panel' }, listScroll);
  const progress = h('div', { class: 'progress', 'aria-hidden': 'true' });
  const liveDot = h('span', { class: 'live-dot', role: 'status' });
  // The account's tags, suggested by the tag filter and the pane's "Nova etiqueta".
  const tagList = h('datalist', { id: 'tag-suggestions' });
  let filtersEl = null;
  let headerEl = null;
  const rows = new Map();

  function render() {
    // The controls are rebuilt (a language switch): focus returns to the one that had it.
    const active = document.activeElement;
    const refocus = active?.classList.contains('lang-select') ? '.lang-select' : active?.id?.startsWith('tab-') ? `#${active.id}` : null;
    headerEl = renderHeader();
    filtersEl = renderFilters();
    tablist.setAttribute('aria-label', t('tabs.label'));
    listEl.setAttribute('aria-label', t('list.label'));
    renderTabs();
    rows.clear();
    renderList();
    replace(
      shell,
      tagList,
      headerEl,
      h(
        'main',
        { class: 'inbox-main' },
        h(
          'section',
          { class: 'list-col', 'aria-label': t('list.label') },
          tablist,
          filtersEl,
          h('div', { class: 'list-area' }, progress, panel),
        ),
        pane.el,
      ),
    );
    pane.render();
    updateOpenClass();
    if (refocus) shell.querySelector(refocus)?.focus();
  }

  // Header.
  function renderHeader() {
    const online = s.availability === 'online';
    const toggle =
      s.availability === null
        ? null
        : h(
            'button',
            {
              type: 'button',
              class: `availability ${online ? 'is-online' : 'is-away'}`,
              role: 'switch',
              'aria-checked': String(online),
              'aria-label': `${t('header.availability')}: ${t(online ? 'header.online' : 'header.away')}`,
              onclick: cb.toggleAvailability,
            },
            h('span', { class: 'dot', 'aria-hidden': 'true' }),
            t(online ? 'header.online' : 'header.away'),
          );
    liveDot.title = s.live === 'ok' ? '' : t('live.lost');
    liveDot.className = `live-dot ${s.live === 'ok' ? '' : 'is-lost'}`;
    liveDot.textContent = s.live === 'ok' ? '' : t('live.lost');
    return h(
      'header',
      { class: 'topbar' },
      h('div', { class: 'brand' }, h('img', { src: '/assets/icon.svg', alt: '', width: 26, height: 26 }), h('span', null, t('app.name'))),
      liveDot,
      h(
        'div',
        { class: 'topbar-right' },
        h('span', { class: 'user-name', title: t('header.user', { name: s.me.name }) }, s.me.name),
        toggle,
        // On a phone the ways in are icons (their names stay "Contatos" and "Administração" for
        // assistive technology).
        hasContacts(s.me)
          ? h(
              'a',
              { class: 'btn btn-ghost admin-link contacts-link', href: '#/contacts', 'aria-label': t('ct.title'), title: t('ct.title') },
              h('span', { class: 'admin-link-icon', 'aria-hidden': 'true' }, '☎'),
              h('span', { class: 'admin-link-label' }, t('ct.title')),
            )
          : null,
        hasAdmin(s.me)
          ? h(
              'a',
              { class: 'btn btn-ghost admin-link', href: '#/admin', 'aria-label': t('adm.title'), title: t('adm.title') },
              h('span', { class: 'admin-link-icon', 'aria-hidden': 'true' }, '⚙'),
              h('span', { class: 'admin-link-label' }, t('adm.title')),
            )
          : null,
        langSwitch(),
        h('button', { type: 'button', class: 'btn btn-ghost', onclick: cb.logout }, t('header.logout')),
      ),
    );
  }

  /** Draws the header again alone (availability, live state). */
  function redrawHeader() {
    const fresh = renderHeader();
    headerEl.replaceWith(fresh);
    headerEl = fresh;
  }

  // Tabs.
  function renderTabs() {
    const buttons = TABS.map((tab) => {
      const selected = tab === s.tab;
      const count = s.counts ? s.counts[tab] : null;
      return h(
        'button',
        {
          type: 'button',
          role: 'tab',
          id: `tab-${tab}`,
          class: 'tab',
          'aria-selected': String(selected),
          'aria-controls': 'conv-panel',
          tabindex: selected ? '0' : '-1',
          'data-tab': tab,
          onclick: () => cb.selectTab(tab),
          onkeydown: tabKeys,
        },
        h('span', { class: 'tab-label' }, t(`tab.${tab}`)),
        h('span', { class: 'tab-count', 'data-count': tab, title: count === null ? '' : t('tab.count', { n: count }) }, count === null ? '–' : String(count)),
      );
    });
    const hadFocus = tablist.contains(document.activeElement);
    replace(tablist, buttons);
    panel.setAttribute('aria-labelledby', `tab-${s.tab}`);
    if (hadFocus) tablist.querySelector(`#tab-${s.tab}`)?.focus();
  }

  function renderCounts() {
    for (const tab of TABS) {
      const el = tablist.querySelector(`[data-count="${tab}"]`);
      if (el && s.counts) {
        el.textContent = String(s.counts[tab]);
        el.title = t('tab.count', { n: s.counts[tab] });
      }
    }
  }

  function tabKeys(e) {
    const i = TABS.indexOf(e.currentTarget.dataset.tab);
    let next = null;
    if (e.key === 'ArrowRight') next = TABS[(i + 1) % TABS.length];
    else if (e.key === 'ArrowLeft') next = TABS[(i - 1 + TABS.length) % TABS.length];
    else if (e.key === 'Home') next = TABS[0];
    else if (e.key === 'End') next = TABS[TABS.length - 1];
    if (next) {
      e.preventDefault();
      cb.selectTab(next);
      tablist.querySelector(`#tab-${next}`)?.focus();
    }
  }

  // Up and down move between the rows (Tab works too; Enter opens).
  function listKeys(e) {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const links = [...listEl.querySelectorAll('.row-link')];
    const i = links.indexOf(document.activeElement);
    if (i < 0) return;
    const next = links[e.key === 'ArrowDown' ? i + 1 : i - 1];
    if (next) {
      e.preventDefault();
      next.focus();
    }
  }

  // Filters: what is typed goes into the state; the list loads again.
  function renderFilters() {
    const ids = { q: nextId('q'), d: nextId('dept'), tag: nextId('tag') };
    const reload = debounce(() => cb.loadList(), 300);
    const q = h('input', {
      id: ids.q,
      type: 'search',
      value: s.filters.q,
      maxlength: 100,
      placeholder: t('filters.search_placeholder'),
      autocomplete: 'off',
      oninput: (e) => {
        s.filters.q = e.target.value;
        reload();
      },
    });
    const dept = h(
      'select',
      {
        id: ids.d,
        onchange: (e) => {
          s.filters.department = e.target.value;
          cb.loadList();
        },
      },
      h('option', { value: '' }, t('filters.all_departments')),
      orderedDepartments(s).map((d) => h('option', { value: d.id, selected: String(d.id) === s.filters.department }, d.label)),
    );
    const tag = h('input', {
      id: ids.tag,
      type: 'text',
      value: s.filters.tag,
      maxlength: 64,
      placeholder: t('filters.tag_placeholder'),
      autocomplete: 'off',
      list: 'tag-suggestions',
      oninput: (e) => {
        s.filters.tag = e.target.value;
        reload();
      },
    });
    return h(
      'form',
      {
        class: 'filters',
        role: 'search',
        'aria-label': t('filters.label'),
        onsubmit: (e) => {
          e.preventDefault();
          reload.cancel();
          cb.loadList();
        },
      },
      h('div', { class: 'filter filter-q' }, h('label', { for: ids.q }, t('filters.search')), q),
      h('div', { class: 'filter' }, h('label', { for: ids.d }, t('filters.department')), dept),
      h('div', { class: 'filter' }, h('label', { for: ids.tag }, t('filters.tag')), tag),
      // Writing first to a number: offered with `conversation.start_unregistered` (`me.may`).
      (s.me.may || []).includes('conversations.start') ? h('div', { class: 'filter filter-start' }, startButton()) : null,
    );
  }

  // The list.
  function rowContent(item) {
    const name = item.details_hidden ? t('list.hidden') : item.contact?.name || t('list.no_contact');
    const dept = deptName(s, item.department_id);
    return [
      h(
        'span',
        { class: 'row-top' },
        h('span', { class: `row-name ${item.details_hidden ? 'is-hidden' : ''}` }, name),
        h(
          'time',
          { class: 'row-time', datetime: new Date(item.last_activity / 1000).toISOString(), title: fullTime(item.last_activity), 'data-at': item.last_activity },
          relativeTime(item.last_activity),
        ),
      ),
      h(
        'span',
        { class: 'row-bottom' },
        h('span', { class: 'row-dept' }, dept),
        h('span', { class: `badge status-${item.status}` }, statusLabel(item.status)),
        h('span', { class: 'row-channel' }, channelLabel(item.channel)),
      ),
    ];
  }

  function renderList() {
    const openId = parseHash().id;
    const focused = listEl.contains(document.activeElement) ? document.activeElement.dataset.id : null;
    const keepTop = listScroll.scrollTop;
    const seen = new Set();
    const lis = s.items.map((item) => {
      seen.add(item.id);
      let li = rows.get(item.id);
      if (!li) {
        li = h('li', { class: 'row' }, h('a', { class: 'row-link', 'data-id': item.id }));
        rows.set(item.id, li);
      }
      const a = li.firstChild;
      a.href = `#/${s.tab}/${item.id}`;
      if (item.id === openId) a.setAttribute('aria-current', 'true');
      else a.removeAttribute('aria-current');
      replace(a, rowContent(item));
      return li;
    });
    for (const id of [...rows.keys()]) if (!seen.has(id)) rows.delete(id);
    if (!lis.length) {
      const text = s.loading ? t('list.loading') : s.listError || t(filtered(s) ? 'list.empty_filtered' : 'list.empty');
      replace(listEl, h('li', { class: 'list-empty' }, text));
    } else {
      replace(listEl, lis);
    }
    if (focused) listEl.querySelector(`[data-id="${focused}"]`)?.focus({ preventScroll: true });
    // Rebuilding the rows must not move the list under the reader.
    listScroll.scrollTop = keepTop;
    listEl.setAttribute('aria-busy', String(s.loading));
    progress.classList.toggle('is-active', s.loading || s.loadingMore);
    if (s.nextCursor) {
      replace(
        moreEl,
        h('button', { type: 'button', class: 'btn btn-ghost btn-block', disabled: s.loadingMore, onclick: cb.loadMore }, s.loadingMore ? t('list.loading') : t('list.more')),
      );
    } else {
      replace(moreEl, s.items.length > PAGE ? h('p', { class: 'muted small' }, t('list.end')) : null);
    }
  }

  /** The open conversation's row is the current one. */
  function markCurrent(id) {
    for (const a of listEl.querySelectorAll('.row-link')) {
      if (Number(a.dataset.id) === id) a.setAttribute('aria-current', 'true');
      else a.removeAttribute('aria-current');
    }
  }

  function updateOpenClass() {
    shell.classList.toggle('has-open', !!parseHash().id);
  }

  return {
    shell,
    listScroll,
    moreEl,
    render,
    header: redrawHeader,
    hasHeader: () => !!headerEl,
    focusAvailability: () => headerEl.querySelector('.availability')?.focus(),
    tabs: renderTabs,
    counts: renderCounts,
    list: renderList,
    /** The rows are built anew at the next draw (another tab). */
    forgetRows: () => rows.clear(),
    /** A new first page: from the top. */
    listToTop: () => (listScroll.scrollTop = 0),
    focusRow: (id) => listEl.querySelector(`[data-id="${id}"]`)?.focus(),
    markCurrent,
    updateOpenClass,
    /** The account's tags, for the suggestions. */
    setTags: (tags) => replace(tagList, tags.map((tag) => h('option', { value: tag }))),
    /** Relative times move on. */
    tick() {
      for (const el of listEl.querySelectorAll('time[data-at]')) el.textContent = relativeTime(Number(el.dataset.at));
    },
  };
}
