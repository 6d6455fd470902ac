// The inbox: header (user, availability, language, logout), the five tabs with their live counts,
// filters, the selected tab's list (paged by `next_cursor`), the conversation pane, and the live
// events that keep them current. The address is `#/{tab}` or `#/{tab}/{conversation id}`.

import { ApiError, api, describe } from './api.js';
import { channelLabel, createPane, statusLabel } from './conversation.js';
import { debounce, h, nextId, replace, toast } from './dom.js';
import { fullTime, onLangChange, relativeTime, t } from './i18n.js';
import { hasAdmin, isAdminHash } from './admin.js';
import { connect } from './live.js';
import { langSwitch } from './login.js';

export const TABS = ['mine', 'waiting', 'others', 'finished', 'my_finished'];
const PAGE = 50;
const MAX_PAGE = 200;
/** A live refresh waits while the user typed within this many ms (no reordering under them). */
const TYPING_PAUSE = 1200;

function remembered(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const tab = TABS.includes(parts[0]) ? parts[0] : null;
  const id = /^\d+$/.test(parts[1] || '') ? Number(parts[1]) : null;
  return { tab, id };
}

/** The inbox screen. Returns {destroy}. */
export function inboxScreen(root, { me, onLogout, onSessionEnded }) {
  const s = {
    me,
    departments: [],
    deptById: new Map(),
    names: new Map(),
    counts: null,
    availability: null,
    tab: parseHash().tab || remembered('atende.tab') || 'mine',
    filters: { q: '', department: '', tag: '' },
    items: [],
    nextCursor: null,
    loading: false,
    loadingMore: false,
    listError: '',
    seq: 0,
    live: 'ok',
  };
  if (!TABS.includes(s.tab)) s.tab = 'mine';
  let lastTyping = 0;
  let destroyed = false;

  const pane = createPane({
    me,
    departments: () => orderedDepartments(),
    deptName: (id) => s.deptById.get(id)?.name ?? `#${id}`,
    userName: (id) => s.names.get(id) ?? null,
    backHref: () => `#/${s.tab}`,
    // `notFound`: the conversation could not be opened (the pane says so and stays);
    // otherwise it left the user's view: back to the list.
    onGone: (id, notFound) => {
      dropItem(id);
      if (notFound) return;
      if (parseHash().id === id) location.hash = `#/${s.tab}`;
      scheduleRefresh();
    },
    onUpdated: () => scheduleRefresh(),
  });

  // Elements.
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
              onclick: toggleAvailability,
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
        h('span', { class: 'user-name', title: t('header.user', { name: me.name }) }, me.name),
        toggle,
        hasAdmin(me) ? h('a', { class: 'btn btn-ghost', href: '#/admin' }, t('adm.title')) : null,
        langSwitch(),
        h('button', { type: 'button', class: 'btn btn-ghost', onclick: logout }, t('header.logout')),
      ),
    );
  }

  async function toggleAvailability() {
    const next = s.availability === 'online' ? 'away' : 'online';
    try {
      const r = await api.setAvailability(next);
      s.availability = r?.availability ?? next;
    } catch (err) {
      toast(describe(err), 'error');
    }
    const fresh = renderHeader();
    headerEl.replaceWith(fresh);
    headerEl = fresh;
    headerEl.querySelector('.availability')?.focus();
  }

  async function logout() {
    try {
      await api.logout();
    } catch {
      // Already gone.
    }
    onLogout();
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
          onclick: () => selectTab(tab),
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
      selectTab(next);
      tablist.querySelector(`#tab-${next}`)?.focus();
    }
  }

  function selectTab(tab) {
    const { id } = parseHash();
    location.hash = id ? `#/${tab}/${id}` : `#/${tab}`;
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

  // Filters.
  function renderFilters() {
    const ids = { q: nextId('q'), d: nextId('dept'), tag: nextId('tag') };
    const reload = debounce(() => loadList(), 300);
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
          loadList();
        },
      },
      h('option', { value: '' }, t('filters.all_departments')),
      orderedDepartments().map((d) => h('option', { value: d.id, selected: String(d.id) === s.filters.department }, d.label)),
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
          loadList();
        },
      },
      h('div', { class: 'filter filter-q' }, h('label', { for: ids.q }, t('filters.search')), q),
      h('div', { class: 'filter' }, h('label', { for: ids.d }, t('filters.department')), dept),
      h('div', { class: 'filter' }, h('label', { for: ids.tag }, t('filters.tag')), tag),
    );
  }

  /** Departments in tree order, each with a `label` showing its depth. */
  function orderedDepartments() {
    const children = new Map();
    for (const d of s.departments) {
      const key = d.parent_id ?? 0;
      if (!children.has(key)) children.set(key, []);
      children.get(key).push(d);
    }
    const out = [];
    const walk = (parent, depth) => {
      for (const d of children.get(parent) || []) {
        out.push({ ...d, label: `${'\u2003'.repeat(depth)}${d.name}` });
        if (depth < 10) walk(d.id, depth + 1);
      }
    };
    walk(0, 0);
    return out;
  }

  // The list.
  function listParams() {
    return {
      tab: s.tab,
      q: s.filters.q.trim(),
      department: s.filters.department,
      tag: s.filters.tag.trim(),
    };
  }

  function filtered() {
    const f = listParams();
    return !!(f.q || f.department || f.tag);
  }

  function rowContent(item) {
    const name = item.details_hidden ? t('list.hidden') : item.contact?.name || t('list.no_contact');
    const dept = s.deptById.get(item.department_id)?.name ?? `#${item.department_id}`;
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
      const text = s.loading ? t('list.loading') : s.listError || t(filtered() ? 'list.empty_filtered' : 'list.empty');
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
        h('button', { type: 'button', class: 'btn btn-ghost btn-block', disabled: s.loadingMore, onclick: loadMore }, s.loadingMore ? t('list.loading') : t('list.more')),
      );
    } else {
      replace(moreEl, s.items.length > PAGE ? h('p', { class: 'muted small' }, t('list.end')) : null);
    }
  }

  /** Reads the first page again (a tab or a filter changed). */
  async function loadList() {
    const seq = ++s.seq;
    s.loading = true;
    s.listError = '';
    renderList();
    try {
      const page = await api.list({ ...listParams(), limit: PAGE });
      if (seq !== s.seq || destroyed) return;
      s.items = page.items;
      s.nextCursor = page.next_cursor ?? null;
      listScroll.scrollTop = 0;
    } catch (err) {
      if (seq !== s.seq || destroyed) return;
      s.items = [];
      s.nextCursor = null;
      s.listError = describe(err);
    }
    s.loading = false;
    renderList();
  }

  /** The next page, when the end of the list shows. */
  async function loadMore() {
    if (!s.nextCursor || s.loadingMore || s.loading) return;
    const seq = s.seq;
    s.loadingMore = true;
    renderList();
    try {
      const page = await api.list({ ...listParams(), limit: PAGE, cursor: s.nextCursor });
      if (seq !== s.seq || destroyed) return;
      const have = new Set(s.items.map((i) => i.id));
      s.items = s.items.concat(page.items.filter((i) => !have.has(i.id)));
      s.nextCursor = page.next_cursor ?? null;
    } catch (err) {
      if (seq === s.seq) toast(describe(err), 'error');
    } finally {
      if (seq === s.seq) {
        s.loadingMore = false;
        renderList();
      }
    }
  }

  /** Reads again as many conversations as are shown (a live change), in pages of up to 200. */
  async function refreshList() {
    const seq = ++s.seq;
    const want = Math.max(PAGE, s.items.length);
    let items = [];
    let cursor = null;
    try {
      do {
        const page = await api.list({ ...listParams(), limit: Math.min(MAX_PAGE, want - items.length), cursor: cursor ?? undefined });
        if (seq !== s.seq || destroyed) return;
        const have = new Set(items.map((i) => i.id));
        items = items.concat(page.items.filter((i) => !have.has(i.id)));
        cursor = page.next_cursor ?? null;
      } while (cursor && items.length < want);
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 401) console.warn('atende: refresh failed', err);
      return;
    }
    if (seq !== s.seq) return;
    s.items = items;
    s.nextCursor = cursor;
    s.loading = false;
    s.loadingMore = false;
    renderList();
  }

  async function loadCounts() {
    try {
      const counts = await api.counts();
      if (destroyed) return;
      s.counts = counts;
      renderCounts();
    } catch {
      // The next event or reload tries again.
    }
  }

  function dropItem(id) {
    const before = s.items.length;
    s.items = s.items.filter((i) => i.id !== id);
    if (s.items.length !== before) renderList();
  }

  // Live refresh, debounced, and held while the user types.
  let refreshTimer = null;
  let paneRefresh = false;
  function scheduleRefresh({ pane: refreshPane = false } = {}) {
    paneRefresh = paneRefresh || refreshPane;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(runRefresh, 300);
  }
  function runRefresh() {
    const typed = Date.now() - lastTyping;
    if (paneRefresh) {
      // The open conversation refreshes at once: it does not reorder anything.
      paneRefresh = false;
      pane.refresh();
    }
    loadCounts();
    if (typed < TYPING_PAUSE) {
      refreshTimer = setTimeout(runRefresh, TYPING_PAUSE - typed + 50);
      return;
    }
    refreshList();
  }

  // Routing.
  let routed = { tab: null, id: null };
  function route() {
    if (destroyed || isAdminHash()) return;
    const { tab, id } = parseHash();
    const nextTab = tab || s.tab;
    if (!tab) {
      history.replaceState(null, '', id ? `#/${nextTab}/${id}` : `#/${nextTab}`);
    }
    if (nextTab !== routed.tab) {
      s.tab = nextTab;
      try {
        localStorage.setItem('atende.tab', nextTab);
      } catch {
        // Not remembered.
      }
      rows.clear();
      s.items = [];
      s.nextCursor = null;
      renderTabs();
      loadList();
    }
    if (id !== routed.id) {
      // On a phone the list gives way to the pane: focus follows. On a wide screen focus stays
      // in the list, to go on to the next conversation.
      const stacked = window.matchMedia('(max-width: 767px)').matches;
      if (id) pane.open(id, { focus: stacked });
      else pane.close();
      if (!id && stacked && routed.id) listEl.querySelector(`[data-id="${routed.id}"]`)?.focus();
    }
    routed = { tab: nextTab, id };
    for (const a of listEl.querySelectorAll('.row-link')) {
      if (Number(a.dataset.id) === id) a.setAttribute('aria-current', 'true');
      else a.removeAttribute('aria-current');
    }
    updateOpenClass();
  }

  function updateOpenClass() {
    shell.classList.toggle('has-open', !!parseHash().id);
  }

  // Everything again (start, access change, reset).
  async function reloadAll({ initial = false } = {}) {
    try {
      const [departments, availability, directory, tags] = await Promise.all([
        api.departments(),
        api.availability().catch(() => null),
        api.directory().catch(() => []),
        api.tags().catch(() => []),
      ]);
      if (destroyed) return;
      s.names = new Map(directory.map((u) => [u.id, u.name]));
      replace(tagList, tags.map((tag) => h('option', { value: tag })));
      s.departments = departments;
      s.deptById = new Map(departments.map((d) => [d.id, d]));
      s.availability = availability?.availability ?? null;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      toast(describe(err), 'error');
    }
    render();
    loadCounts();
    if (initial) return;
    loadList();
    const { id } = parseHash();
    if (id) pane.open(id);
  }

  // Live events.
  const live = connect({
    conversation: (view) => {
      const open = pane.id() === view.id;
      scheduleRefresh({ pane: open });
    },
    message: ({ conversation_id: id, message }) => {
      if (pane.id() === id) pane.onMessage(message);
    },
    removed: ({ id }) => {
      dropItem(id);
      if (pane.id() === id) {
        toast(t('pane.left_view'));
        location.hash = `#/${s.tab}`;
      }
      loadCounts();
    },
    counts: (counts) => {
      s.counts = counts;
      renderCounts();
    },
    access: () => reloadAll(),
    reset: () => reloadAll(),
    closed: () => onSessionEnded(),
    lost: () => setLive('lost'),
    restored: () => {
      setLive('ok');
      scheduleRefresh({ pane: true });
    },
    failed: async (retry) => {
      setLive('lost');
      try {
        await api.me();
        retry();
      } catch (err) {
        if (err instanceof ApiError && err.status === 401) onSessionEnded();
        else retry();
      }
    },
  });

  function setLive(state) {
    if (s.live === state || !headerEl) return;
    s.live = state;
    const fresh = renderHeader();
    headerEl.replaceWith(fresh);
    headerEl = fresh;
  }

  // Typing holds live reordering; relative times tick; the list loads more at its end.
  const onInput = (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) lastTyping = Date.now();
  };
  document.addEventListener('input', onInput, true);
  const clock = setInterval(() => {
    for (const el of listEl.querySelectorAll('time[data-at]')) el.textContent = relativeTime(Number(el.dataset.at));
  }, 30000);
  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((e) => e.isIntersecting)) loadMore();
    },
    { root: listScroll, rootMargin: '200px' },
  );
  observer.observe(moreEl);
  window.addEventListener('hashchange', route);
  const offLang = onLangChange(() => render());

  replace(root, shell);
  render();
  reloadAll({ initial: true }).then(() => {
    if (!destroyed) route();
  });

  return {
    destroy() {
      destroyed = true;
      live.close();
      observer.disconnect();
      clearInterval(clock);
      clearTimeout(refreshTimer);
      document.removeEventListener('input', onInput, true);
      window.removeEventListener('hashchange', route);
      offLang();
    },
  };
}
