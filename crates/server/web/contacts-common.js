// What the parts of the contacts screen share: errors in words, the detail's heading with its
// way back (on a phone), a modal confirmation, and the administration's field helpers.

import { ApiError, describe } from './api.js';
import { h } from './dom.js';
import { t, tOr } from './i18n.js';

export { busy, field, statusLine } from './admin-common.js';

/**
 * An error as the user reads it. The contacts' own words come first (`ct.error.<code>`: an
 * import's "file too large" is not a WhatsApp attachment's), then the page's (`error.<code>`).
 */
export function errorText(err) {
  if (!(err instanceof ApiError)) return t('error.generic');
  if (err.status === 403 && err.code === 'forbidden') return t('ct.error.forbidden');
  const own = tOr(`ct.error.${err.code}`, null);
  return own ?? describe(err);
}

/** The detail's heading (focused when the part opens) and, on a phone, the way back. */
export function detailHead(title, { back = '#/contacts', backLabel = t('ct.back'), id } = {}) {
  return h(
    'div',
    { class: 'contacts-detail-head' },
    h('a', { class: 'btn btn-ghost btn-small contacts-back', href: back }, h('span', { 'aria-hidden': 'true' }, '← '), backLabel),
    h('h2', { class: 'contacts-h2', tabindex: '-1', id, title }, title),
  );
}

/**
 * Asks for a confirmation in a modal dialog: `title`, `body` (nodes), the confirming button's
 * label and kind. Resolves true when confirmed; Esc or "Cancelar" resolve false.
 */
export function confirmDialog({ title, body, confirm, danger = false }) {
  return new Promise((resolve) => {
    const titleId = `dlg-${Math.random().toString(36).slice(2)}`;
    const ok = h('button', { type: 'button', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}` }, confirm);
    const cancel = h('button', { type: 'button', class: 'btn' }, t('action.cancel'));
    const dialog = h(
      'dialog',
      { class: 'contacts-dialog', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title),
      h('div', { class: 'contacts-dialog-body' }, body),
      h('div', { class: 'form-actions contacts-dialog-actions' }, cancel, ok),
    );
    let answer = false;
    ok.addEventListener('click', () => {
      answer = true;
      dialog.close();
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/** A label for a list of tags shown as chips (a dash when none). */
export function chips(tags) {
  return tags.length
    ? h('ul', { class: 'chips' }, tags.map((tag) => h('li', { class: 'chip' }, tag)))
    : h('span', { class: 'muted' }, t('ct.none_short'));
}
