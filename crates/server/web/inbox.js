// The inbox: header (user, availability, language, logout), the five tabs with their live counts,
// filters, the selected tab's list (paged by `next_cursor`), the conversation pane, and the live
// events that keep them current. The address is `#/{tab}` or `#/{tab}/{conversation id}`. This
// file wires the screen's parts: its state (inbox-state.js), its rendering (inbox-view.js), its
// actions (inbox-actions.js) and the conversation pane (conversation.js).

import { createPane } from './conversation.js';
import { onLangChange } from './i18n.js';
import { replace } from './dom.js';
import { connect } from './live.js';
import { createActions } from './inbox-actions.js';
import { blank, deptName, orderedDepartments, tagColour, userName } from './inbox-state.js';
import { createView } from './inbox-view.js';

export { TABS } from './inbox-state.js';

/** The inbox screen. Returns {destroy}. */
export function inboxScreen(root, { me, onLogout, onSessionEnded }) {
  const s = blank(me);
  // The pane's and the view's callbacks call the actions, which draw with them: bound once all
  // exist.
  let actions = null;

  const pane = createPane({
    me,
    departments: () => orderedDepartments(s),
    deptName: (id) => deptName(s, id),
    userName: (id) => userName(s, id),
    tagColour: (name) => tagColour(s, name),
    backHref: () => `#/${s.tab}`,
    onGone: (id, notFound) => actions.paneGone(id, notFound),
    onUpdated: () => actions.scheduleRefresh(),
  });
  const view = createView(s, pane, {
    toggleAvailability: () => actions.toggleAvailability(),
    logout: () => actions.logout(),
    selectTab: (tab) => actions.selectTab(tab),
    loadList: () => actions.loadList(),
    loadMore: () => actions.loadMore(),
  });
  actions = createActions(s, view, pane, { onLogout, onSessionEnded });
  const live = connect(actions.events);

  // Typing holds live reordering; relative times tick; the list loads more at its end.
  const onInput = (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) actions.typed();
  };
  document.addEventListener('input', onInput, true);
  const clock = setInterval(() => view.tick(), 30000);
  const observer = new IntersectionObserver(
    (entries) => {
      if (entries.some((e) => e.isIntersecting)) actions.loadMore();
    },
    { root: view.listScroll, rootMargin: '200px' },
  );
  observer.observe(view.moreEl);
  window.addEventListener('hashchange', actions.route);
  const offLang = onLangChange(() => view.render());

  replace(root, view.shell);
  view.render();
  actions.start();

  return {
    destroy() {
      actions.destroy();
      live.close();
      observer.disconnect();
      clearInterval(clock);
      document.removeEventListener('input', onInput, true);
      window.removeEventListener('hashchange', actions.route);
      offLang();
    },
  };
}
