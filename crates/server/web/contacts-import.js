// "Importar CSV" (`contacts.edit`): pick a file, read the server's preview (the first rows as
// they would be stored, and every row's error with its line, in words), then import it all. The
// import is all or nothing: while any row is wrong nothing is imported, and the page says so.

import { ApiError, importContacts } from './api.js';
import { h, replace, toast } from './dom.js';
import { t, tOr } from './i18n.js';
import { busy, detailHead, errorText, statusLine } from './contacts-common.js';

const LIMIT = 32 * 1024 * 1024;

/** A row's error in words: the code's sentence, with the value or line the server names. */
export function rowErrorText(e) {
  const value = /`([^`]*)`/.exec(e.message || '')?.[1] ?? '';
  const line = /line (\d+)/.exec(e.message || '')?.[1] ?? '';
  const text = tOr(`ct.row.${e.code}`, null);
  const what = text ? t(`ct.row.${e.code}`, { value, line }) : e.message;
  const column = e.column ? tOr(`ct.col.${e.column}`, e.column) : null;
  return column
    ? t('ct.row_error_col', { line: e.line, column, what })
    : t('ct.row_error', { line: e.line, what });
}

export function importView(ctx) {
  const el = h('div', { class: 'contact-import' });
  const input = h('input', { type: 'file', id: 'import-file', class: 'visually-hidden', accept: '.csv,text/csv,text/plain' });
  const fileName = h('span', { class: 'file-name', 'aria-live': 'polite' }, t('ct.import_no_file'));
  const result = h('div', { class: 'import-result', 'aria-live': 'polite' });
  const status = statusLine();
  let gone = false;
  let file = null;

  input.addEventListener('change', () => {
    file = input.files?.[0] ?? null;
    fileName.textContent = file ? file.name : t('ct.import_no_file');
    if (file) check();
  });

  async function check() {
    status.clear();
    replace(result, h('p', { class: 'muted' }, t('ct.import_checking', { name: file.name })));
    if (file.size > LIMIT) {
      replace(result);
      status.error(t('ct.error.file_too_large'));
      return;
    }
    try {
      const report = await importContacts(file, false);
      if (gone) return;
      drawPreview(report);
    } catch (err) {
      if (gone) return;
      replace(result);
      status.error(errorText(err));
    }
  }

  function drawPreview(r) {
    const ok = r.error_count === 0;
    const submit = ok
      ? h('button', { type: 'button', class: 'btn btn-primary', onclick: () => commit(submit) }, t(r.valid === 1 ? 'ct.import_do_one' : 'ct.import_do', { n: r.valid }))
      : null;
    replace(
      result,
      h('p', { class: 'import-counts', 'data-testid': 'import-counts' }, t('ct.import_counts', { rows: r.rows, valid: r.valid, errors: r.error_count })),
      ok
        ? null
        : h(
            'div',
            { class: 'import-errors', role: 'alert' },
            h('p', null, h('strong', null, t('ct.import_blocked'))),
            h('ul', { 'data-testid': 'import-errors' }, r.errors.map((e) => h('li', null, rowErrorText(e)))),
            r.error_count > r.errors.length ? h('p', { class: 'muted' }, t('ct.import_more_errors', { n: r.error_count - r.errors.length })) : null,
            h('p', null, t('ct.import_fix')),
          ),
      r.preview.length ? previewTable(r) : null,
      submit ? h('div', { class: 'form-actions' }, submit) : null,
    );
  }

  function previewTable(r) {
    return h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'admin-table import-preview' },
        h('caption', null, t('ct.import_preview', { n: r.preview.length, valid: r.valid })),
        h(
          'thead',
          null,
          h('tr', null, ['line', 'name', 'phone', 'email', 'tags', 'attributes'].map((c) => h('th', { scope: 'col' }, t(`ct.th.${c}`)))),
        ),
        h(
          'tbody',
          null,
          r.preview.map((p) =>
            h(
              'tr',
              null,
              h('td', null, String(p.line)),
              h('th', { scope: 'row' }, p.name),
              h('td', { class: 'nowrap' }, p.phone_display || '—'),
              h('td', null, p.email || '—'),
              h('td', null, p.tags.join(', ') || '—'),
              h('td', null, Object.entries(p.attributes).map(([k, v]) => `${k}: ${v}`).join('; ') || '—'),
            ),
          ),
        ),
      ),
    );
  }

  async function commit(button) {
    status.clear();
    try {
      const r = await busy(button, () => importContacts(file, true));
      if (gone) return;
      if (!r.committed) {
        // The file changed since the preview, or another contact took a phone: nothing was
        // imported, and the report says why.
        drawPreview(r);
        status.error(t('ct.import_refused'));
        return;
      }
      replace(
        result,
        h('p', { class: 'form-ok import-done', 'data-testid': 'import-done' }, t('ct.import_done', { created: r.created, updated: r.updated })),
      );
      input.value = '';
      file = null;
      fileName.textContent = t('ct.import_no_file');
      toast(t('ct.import_done', { created: r.created, updated: r.updated }));
      ctx.reloadList();
    } catch (err) {
      if (err instanceof ApiError) status.error(`${t('ct.import_nothing')} ${errorText(err)}`);
      else status.error(errorText(err));
    }
  }

  replace(
    el,
    detailHead(t('ct.import_title')),
    h(
      'div',
      { class: 'import-help' },
      h('p', null, t('ct.import_help1')),
      h('p', null, t('ct.import_help2')),
      h('p', null, t('ct.import_help3')),
      h('pre', { class: 'import-sample', 'aria-label': t('ct.import_sample') }, 'nome;telefone;email;etiquetas;cidade\nMaria Silva;(85) 98851-1238;maria@exemplo.com;vip;Fortaleza'),
    ),
    h('div', { class: 'file-pick' }, h('label', { for: 'import-file', class: 'btn' }, t('ct.import_choose')), input, fileName),
    status.el,
    result,
  );

  return {
    el,
    focusTarget: () => input,
    destroy() {
      gone = true;
    },
  };
}
