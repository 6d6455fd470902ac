// The inbox's state: the account's data the screen shows (departments, user names, counts, the
// user's availability), the selected tab, its filters and its list, and the pure functions that
// change it or derive from it. No DOM and no API here: inbox-actions.js fetches and calls these,
// inbox-view.js draws. The address (`#/{tab}` or `#/{tab}/{conversation id}`) is read here too.

export const TABS = ['mine', 'waiting', 'others', 'finished', 'my_finished'];
export const PAGE = 50;
export const MAX_PAGE = 200;
/** A live refresh waits while the user typed within this many ms (no reordering under them). */
export const TYPING_PAUSE = 1200;

/** A value kept in the browser (null: none, or no storage). */
export function remembered(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

/** The tab and the open conversation the address names (null: none). */
export function parseHash() {
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const tab = TABS.includes(parts[0]) ? parts[0] : null;
  const id = /^\d+$/.test(parts[1] || '') ? Number(parts[1]) : null;
  return { tab, id };
}

/** The state of the inbox of user `me`, before anything loaded: the tab the address or the
 * browser remembers. */
export function blank(me) {
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
  return s;
}

/** Takes the account's data read at start (or again after an access change). */
export function setAccount(s, { departments, availability, directory, tags = [] }) {
  s.names = new Map(directory.map((u) => [u.id, u.name]));
  s.tagColours = new Map(tags.map((tag) => [tag.name, tag.colour]));
  s.departments = departments;
  s.deptById = new Map(departments.map((d) => [d.id, d]));
  s.availability = availability?.availability ?? null;
}

/** A department's name (`#id` when unknown). */
export const deptName = (s, id) => s.deptById.get(id)?.name ?? `#${id}`;

/** A company tag's colour (a palette name of tags.css; `gray` when unknown). */
export const tagColour = (s, name) => s.tagColours?.get(name) ?? 'gray';

/** A user's name (null: unknown). */
export const userName = (s, id) => s.names.get(id) ?? null;

/** Departments in tree order, each with a `label` showing its depth. */
export function orderedDepartments(s) {
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

/** The list's query: the tab and its filters. */
export function listParams(s) {
  return {
    tab: s.tab,
    q: s.filters.q.trim(),
    department: s.filters.department,
    tag: s.filters.tag.trim(),
  };
}

/** Whether a filter narrows the list. */
export function filtered(s) {
  const f = listParams(s);
  return !!(f.q || f.department || f.tag);
}

/** `items` followed by those of `more` not among them yet. */
export function mergeItems(items, more) {
  const have = new Set(items.map((i) => i.id));
  return items.concat(more.filter((i) => !have.has(i.id)));
}

/** Drops conversation `id` from the list; true when it was there. */
export function dropItem(s, id) {
  const before = s.items.length;
  s.items = s.items.filter((i) => i.id !== id);
  return s.items.length !== before;
}

/** Another tab is selected: its list is empty until it loads. */
export function selectTab(s, tab) {
  s.tab = tab;
  s.items = [];
  s.nextCursor = null;
}
