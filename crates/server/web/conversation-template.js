// The template form of the conversation pane, for a WhatsApp conversation whose customer
// window is closed (only a template may go).

import { h, nextId } from './dom.js';
import { t } from './i18n.js';

/**
 * `s` is the pane's state (`s.template`: {name, language, parameters}; `s.templateFocus`: focus
 * the name when it opens). `act(action, body)` sends; `done()` after it went; `back()` returns
 * to the reply box.
 */
export function templateForm(s, { act, done, back }) {
  const tp = s.template;
  const field = (label, input) => {
    input.id = nextId('tpl');
    return h('div', { class: 'field' }, h('label', { for: input.id }, label), input);
  };
  const name = h('input', { type: 'text', required: true, value: tp.name, oninput: (e) => (tp.name = e.target.value) });
  const language = h('input', { type: 'text', required: true, value: tp.language, oninput: (e) => (tp.language = e.target.value) });
  const params = h('textarea', { rows: 2, oninput: (e) => (tp.parameters = e.target.value) });
  params.value = tp.parameters;
  // Focus moves to it only when the user's reply was refused (not when it opens by itself).
  if (s.templateFocus) queueMicrotask(() => name.focus());
  s.templateFocus = false;
  return h(
    'form',
    {
      class: 'composer composer-template',
      onsubmit: async (e) => {
        e.preventDefault();
        if (!tp.name.trim() || !tp.language.trim()) return (tp.name.trim() ? language : name).focus();
        const parameters = tp.parameters.split('\n').map((p) => p.trim()).filter(Boolean);
        const ok = await act('template', { name: tp.name.trim(), language: tp.language.trim(), parameters });
        if (ok) done();
      },
    },
    h('p', { class: 'template-title' }, t('template.title')),
    h('p', { class: 'muted small' }, t('template.explain')),
    h('div', { class: 'template-grid' }, field(t('template.name'), name), field(t('template.language'), language)),
    field(t('template.parameters'), params),
    h(
      'div',
      { class: 'composer-foot' },
      h('button', { type: 'button', class: 'btn btn-ghost', onclick: back }, t('template.back')),
      h('button', { type: 'submit', class: 'btn btn-primary', 'aria-disabled': s.busy ? 'true' : null }, t('template.send')),
    ),
  );
}
