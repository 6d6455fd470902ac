// "Mesclar com…" (`contacts.edit`): from a contact's profile, search another contact, choose
// which of the two stays, read in words what moves, and merge (`POST /contacts/{kept}/merge`).
// The one that does not stay is gone afterwards; its conversations and tags move to the other,
// which takes the phone, email and attributes it lacks.

import { api } from './api.js';
import { debounce, h, replace, toast } from './dom.js';
import { t } from './i18n.js';
import { busy, detailHead, errorText, statusLine } from './contacts-common.js';

export function mergeView(ctx, id) {
  const el = h('div', { class: 'contact-merge' }, h('p', { class: 'muted contacts-loading' }, t('app.loading')));
  let gone = false;
  let search = null;

  async function load() {
    try {
      const contact = await api.contact(id);
      if (gone) return;
      draw(contact);
      search?.focus();
    } catch (err) {
      if (gone) return;
      replace(el, detailHead(t('ct.merge')), h('p', { class: 'form-error', role: 'alert' }, err?.status === 404 ? t('ct.not_found') : errorText(err)));
    }
  }

  function draw(me) {
    let other = null;
    let keepId = me.id;
    let seq = 0;
    search = h('input', { type: 'search', id: 'merge-search', autocomplete: 'off', maxlength: 100, placeholder: t('ct.search_placeholder') });
    const results = h('ul', { class: 'merge-results', 'aria-labelledby': 'merge-results-title' });
    const resultsStatus = h('p', { class: 'muted small', role: 'status', 'aria-live': 'polite', id: 'merge-results-title' });
    const confirmEl = h('div', { class: 'merge-confirm', 'aria-live': 'polite' });
    const status = statusLine();

    const find = debounce(async () => {
      const q = search.value.trim();
      const mine = ++seq;
      if (!q) {
        replace(results);
        resultsStatus.textContent = '';
        return;
      }
      resultsStatus.textContent = t('ct.searching');
      try {
        const page = await api.contacts({ q, limit: 10 });
        if (mine !== seq || gone) return;
        const items = page.items.filter((c) => c.id !== me.id);
        resultsStatus.textContent = items.length ? t('ct.merge_found', { n: items.length }) : t('ct.none_found', { q });
        replace(
          results,
          items.map((c) =>
            h(
              'li',
              null,
              h(
                'button',
                {
                  type: 'button',
                  class: 'merge-pick',
                  'aria-pressed': String(other?.id === c.id),
                  'data-contact': c.id,
                  onclick: () => choose(c),
                },
                h('span', { class: 'contact-row-name' }, c.name || t('ct.no_name')),
                h('span', { class: 'contact-row-info' }, [c.phone_display, c.email].filter(Boolean).join(' · ')),
              ),
            ),
          ),
        );
      } catch (err) {
        if (mine === seq) resultsStatus.textContent = errorText(err);
      }
    }, 300);
    search.addEventListener('input', find);

    function choose(c) {
      other = c;
      keepId = me.id;
      for (const b of results.querySelectorAll('.merge-pick')) b.setAttribute('aria-pressed', String(b.dataset.contact === String(c.id)));
      drawConfirm();
      confirmEl.querySelector('input[type=radio]:checked')?.focus();
    }

    const label = (c) => `“${c.name || t('ct.no_name')}”${c.phone_display ? ` (${c.phone_display})` : ''}`;

    function drawConfirm() {
      if (!other) {
        replace(confirmEl);
        return;
      }
      const both = [me, other];
      const keep = both.find((c) => c.id === keepId);
      const from = both.find((c) => c.id !== keepId);
      const radios = both.map((c) =>
        h(
          'label',
          { class: 'check' },
          h('input', {
            type: 'radio',
            name: 'merge-keep',
            value: c.id,
            checked: c.id === keepId,
            onchange: () => {
              keepId = c.id;
              drawConfirm();
              confirmEl.querySelector('input[type=radio]:checked')?.focus();
            },
          }),
          h('span', null, label(c)),
        ),
      );
      const short = (keep.name || t('ct.no_name')).length > 40 ? `${(keep.name || '').slice(0, 38)}…` : keep.name || t('ct.no_name');
      const submit = h('button', { type: 'button', class: 'btn btn-primary btn-wrap', onclick: () => merge(keep, from, submit) }, t('ct.merge_do', { name: short }));
      replace(
        confirmEl,
        h('fieldset', { class: 'merge-keep' }, h('legend', null, t('ct.merge_which')), radios),
        h(
          'div',
          { class: 'merge-summary', 'data-testid': 'merge-summary' },
          h('p', null, t('ct.merge_stays', { keep: label(keep) })),
          h(
            'ul',
            null,
            h('li', null, t('ct.merge_moves', { from: label(from), keep: label(keep) })),
            h('li', null, t('ct.merge_fields', { from: label(from) })),
            h('li', null, t('ct.merge_gone', { from: label(from) })),
          ),
          h('p', null, h('strong', null, t('ct.merge_final'))),
        ),
        status.el,
        h('div', { class: 'form-actions' }, submit, h('a', { class: 'btn btn-ghost', href: `#/contacts/${me.id}` }, t('action.cancel'))),
      );
    }

    async function merge(keep, from, button) {
      status.clear();
      try {
        const kept = await busy(button, () => api.mergeContacts(keep.id, from.id));
        toast(t('ct.merged', { keep: kept.name, from: from.name || t('ct.no_name') }));
        ctx.reloadList();
        ctx.go(`#/contacts/${kept.id}`);
      } catch (err) {
        status.error(errorText(err));
      }
    }

    replace(
      el,
      detailHead(t('ct.merge_title', { name: me.name || t('ct.no_name') }), { back: `#/contacts/${me.id}`, backLabel: t('ct.back_profile') }),
      h('p', { class: 'muted' }, t('ct.merge_intro')),
      h('div', { class: 'field' }, h('label', { for: 'merge-search' }, t('ct.merge_search')), search),
      resultsStatus,
      results,
      confirmEl,
    );
  }

  load();
  return {
    el,
    focusTarget: () => search,
    destroy() {
      gone = true;
    },
  };
}
