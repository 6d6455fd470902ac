// The inbox's actions: what talks to the API (the account's data, the list paged by
// `next_cursor`, the counts, the availability, logout), the routing by the address, and the live
// events that keep the screen current. Each one updates the inbox's state (inbox-state.js) and
// then asks the view (inbox-view.js) or the conversation pane to draw.

import { ApiError, api, describe } from './api.js';
import { toast } from './dom.js';
import { t } from './i18n.js';
import { isAdminHash } from './admin.js';
import { isContactsHash } from './contacts.js';
import { MAX_PAGE, PAGE, TYPING_PAUSE, dropItem, listParams, mergeItems, parseHash, selectTab, setAccount } from './inbox-state.js';

/**
 * The actions of the inbox with state `s`, drawn by `view`, with the conversation pane `pane`.
 * `onLogout()` after logging out; `onSessionEnded()` when the session is over.
 */
export function createActions(s, view, pane, { onLogout, onSessionEnded }) {
  let lastTyping = 0;
  let destroyed = false;

  // Header.
  async function toggleAvailability() {
    const next = s.availability === 'online' ? 'away' : 'online';
    try {
      const r = await api.setAvailability(next);
      s.availability = r?.availability ?? next;
    } catch (err) {
      toast(describe(err), 'error');
    }
    view.header();
    view.focusAvailability();
  }

  async function logout() {
    try {
      await api.logout();
    } catch {
      // Already gone.
    }
    onLogout();
  }

  function setLive(state) {
    if (s.live === state || !view.hasHeader()) return;
    s.live = state;
    view.header();
  }

  // The list.
  /** Reads the first page again (a tab or a filter changed). */
  async function loadList() {
    const seq = ++s.seq;
    s.loading = true;
    s.listError = '';
    view.list();
    try {
      const page = await api.list({ ...listParams(s), limit: PAGE });
      if (seq !== s.seq || destroyed) return;
      s.items = page.items;
      s.nextCursor = page.next_cursor ?? null;
      view.listToTop();
    } catch (err) {
      if (seq !== s.seq || destroyed) return;
      s.items = [];
      s.nextCursor = null;
      s.listError = describe(err);
    }
    s.loading = false;
    view.list();
  }

  /** The next page, when the end of the list shows. */
  async function loadMore() {
    if (!s.nextCursor || s.loadingMore || s.loading) return;
    const seq = s.seq;
    s.loadingMore = true;
    view.list();
    try {
      const page = await api.list({ ...listParams(s), limit: PAGE, cursor: s.nextCursor });
      if (seq !== s.seq || destroyed) return;
      s.items = mergeItems(s.items, page.items);
      s.nextCursor = page.next_cursor ?? null;
    } catch (err) {
      if (seq === s.seq) toast(describe(err), 'error');
    } finally {
      if (seq === s.seq) {
        s.loadingMore = false;
        view.list();
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
        const page = await api.list({ ...listParams(s), limit: Math.min(MAX_PAGE, want - items.length), cursor: cursor ?? undefined });
        if (seq !== s.seq || destroyed) return;
        items = mergeItems(items, page.items);
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
    view.list();
  }

  async function loadCounts() {
    try {
      const counts = await api.counts();
      if (destroyed) return;
      s.counts = counts;
      view.counts();
    } catch {
      // The next event or reload tries again.
    }
  }

  function drop(id) {
    if (dropItem(s, id)) view.list();
  }

  /** The pane's conversation is not visible (any more); `notFound`: it could not be opened (the
   * pane says so and stays); otherwise it left the user's view: back to the list. */
  function paneGone(id, notFound) {
    drop(id);
    if (notFound) return;
    if (parseHash().id === id) location.hash = `#/${s.tab}`;
    scheduleRefresh();
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
  function goToTab(tab) {
    const { id } = parseHash();
    location.hash = id ? `#/${tab}/${id}` : `#/${tab}`;
  }

  let routed = { tab: null, id: null };
  function route() {
    if (destroyed || isAdminHash() || isContactsHash()) return;
    const { tab, id } = parseHash();
    const nextTab = tab || s.tab;
    if (!tab) {
      history.replaceState(null, '', id ? `#/${nextTab}/${id}` : `#/${nextTab}`);
    }
    if (nextTab !== routed.tab) {
      selectTab(s, nextTab);
      try {
        localStorage.setItem('atende.tab', nextTab);
      } catch {
        // Not remembered.
      }
      view.forgetRows();
      view.tabs();
      loadList();
    }
    if (id !== routed.id) {
      // On a phone the list gives way to the pane: focus follows. On a wide screen focus stays
      // in the list, to go on to the next conversation.
      const stacked = window.matchMedia('(max-width: 767px)').matches;
      if (id) pane.open(id, { focus: stacked });
      else pane.close();
      if (!id && stacked && routed.id) view.focusRow(routed.id);
    }
    routed = { tab: nextTab, id };
    view.markCurrent(id);
    view.updateOpenClass();
  }

  // Everything again (start, access change, reset).
  async function reloadAll({ initial = false } = {}) {
    try {
      const [departments, availability, directory, tags] = await Promise.all([
        api.departments(),
        api.availability().catch(() => null),
        api.directory().catch(() => []),
        api.tagList().catch(() => []),
      ]);
      if (destroyed) return;
      setAccount(s, { departments, availability, directory, tags });
      view.setTags(tags.map((tag) => tag.name));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      toast(describe(err), 'error');
    }
    view.render();
    loadCounts();
    if (initial) return;
    loadList();
    const { id } = parseHash();
    if (id) pane.open(id);
  }

  /** The first load, then the address is followed. */
  function start() {
    reloadAll({ initial: true }).then(() => {
      if (!destroyed) route();
    });
  }

  // Live events (live.js).
  const events = {
    conversation: (conversation) => {
      const open = pane.id() === conversation.id;
      scheduleRefresh({ pane: open });
    },
    message: ({ conversation_id: id, message }) => {
      if (pane.id() === id) pane.onMessage(message);
    },
    removed: ({ id }) => {
      drop(id);
      if (pane.id() === id) {
        toast(t('pane.left_view'));
        location.hash = `#/${s.tab}`;
      }
      loadCounts();
    },
    counts: (counts) => {
      s.counts = counts;
      view.counts();
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
  };

  return {
    toggleAvailability,
    logout,
    selectTab: goToTab,
    loadList,
    loadMore,
    paneGone,
    scheduleRefresh,
    route,
    start,
    events,
    /** The user typed (live reordering waits). */
    typed: () => (lastTyping = Date.now()),
    destroy() {
      destroyed = true;
      clearTimeout(refreshTimer);
    },
  };
}
