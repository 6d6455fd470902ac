// What the administration sections share: labelled fields, the department tree, and refusals
// (403 `reasons`) and other errors in words.

import { ApiError, describe } from './api.js';
import { h, nextId } from './dom.js';
import { lang, t, tOr } from './i18n.js';

export const ACCESS = ['all', 'team', 'agent'];

/** A labelled field: `input` gets an id; `hint` is tied with aria-describedby. */
export function field(label, input, hint, cls = '') {
  const id = input.id || nextId('adm');
  input.id = id;
  const hintEl = hint ? h('p', { class: 'field-hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: `field ${cls}` }, h('label', { for: id }, label), input, hintEl);
}

/** A checkbox with its label after it. */
export function checkbox(label, checked, props = {}) {
  const input = h('input', { type: 'checkbox', checked, ...props });
  return { input, el: h('label', { class: 'check' }, input, h('span', null, label)) };
}

/** A section's heading (focused when the section opens). */
export function heading(text) {
  return h('h2', { class: 'admin-h2', tabindex: '-1' }, text);
}

/** A place for a form's error or success, announced. */
export function statusLine() {
  const el = h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
  return {
    el,
    error(text) {
      el.className = 'form-status form-error';
      el.setAttribute('role', 'alert');
      el.textContent = text;
    },
    ok(text) {
      el.className = 'form-status form-ok';
      el.setAttribute('role', 'status');
      el.textContent = text;
    },
    clear() {
      el.className = 'form-status';
      el.textContent = '';
    },
  };
}

/** One of the engine's reason codes in words; a permission id by its label. */
export function reasonText(code, labels) {
  const key = `adm.reason.${code}`;
  const known = tOr(key, null);
  if (known) return known;
  const p = labels?.get(code);
  if (p || /^[a-z_]+\.[a-z_.]+$/.test(code)) {
    const label = p ? (lang() === 'en' ? p.label_en : p.label_pt) : code;
    return t('adm.reason.missing_permission', { label, id: code });
  }
  return code;
}

/** An error as the user reads it: a refusal lists the engine's reasons in words. */
export function errorText(err, labels) {
  if (err instanceof ApiError && err.status === 403 && err.code === 'forbidden') {
    const reasons = err.reasons.map((r) => reasonText(r, labels));
    return reasons.length ? `${t('adm.refused')} ${reasons.join('; ')}.` : t('adm.refused_plain');
  }
  // Every other code has its own sentence in the page's language (errors-i18n.js), with the
  // values it speaks of (`params`); the server's English message is not shown.
  return describe(err);
}

/** Departments in tree order with their depth. */
export function treeOrder(departments) {
  const children = new Map();
  for (const d of departments) {
    const key = d.parent_id ?? 0;
    if (!children.has(key)) children.set(key, []);
    children.get(key).push(d);
  }
  const out = [];
  const walk = (parent, depth) => {
    for (const d of children.get(parent) || []) {
      out.push({ ...d, depth });
      if (depth < 20) walk(d.id, depth + 1);
    }
  };
  walk(0, 0);
  // A department whose parent is missing still shows.
  for (const d of departments) if (!out.some((o) => o.id === d.id)) out.push({ ...d, depth: 0 });
  return out;
}

/** Options of a department select, indented by depth. */
export function departmentOptions(tree, selected, { exclude = new Set() } = {}) {
  return tree
    .filter((d) => !exclude.has(d.id))
    .map((d) => h('option', { value: d.id, selected: String(d.id) === String(selected ?? '') }, `${'\u2003'.repeat(d.depth)}${d.name}`));
}

/** The ids of a department's subtree (itself included). */
export function subtree(departments, id) {
  const out = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const d of departments) {
      if (d.parent_id !== null && out.has(d.parent_id) && !out.has(d.id)) {
        out.add(d.id);
        grew = true;
      }
    }
  }
  return out;
}

export const accessLabel = (a) => tOr(`adm.access.${a}`, a);

/** A role's name as shown (built-in roles by a translated name). */
export const roleName = (role) => (role ? (role.builtin ? tOr(`adm.builtin.${role.name}`, role.name) : role.name) : '?');

/** Runs `fn` with the button disabled; returns what `fn` returns. */
export async function busy(button, fn) {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** A message while a list loads or fails. */
export function loadingLine() {
  return h('p', { class: 'muted' }, t('app.loading'));
}

/**
 * Why, as the engine says it: the sentence first, the rule lines (with their codes and
 * permission ids) behind "Regras aplicadas", for whoever asks.
 */
export function whyCell(summary, lines) {
  return h(
    'td',
    { 'data-testid': 'reasons' },
    h('p', { class: 'why' }, summary),
    h(
      'details',
      { class: 'why-rules' },
      h('summary', null, t('adm.why.rules')),
      h('ul', { class: 'plain reasons' }, lines.map((line) => h('li', { class: /^\s/.test(line) ? 'reason-sub' : 'reason-head' }, line.trim()))),
    ),
  );
}

/** A name in a table: one line, cut with "…" when too long, the whole text on hover. */
export function clip(text) {
  return h('span', { class: 'clip', title: text }, text);
}
