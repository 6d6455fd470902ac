// "Nova conversa": the agent writes first, to a contact (from its profile) or to a number (from
// the inbox). A modal dialog asks the department and the first message, an approved WhatsApp
// template (the customer's 24-hour window is closed until they write). The server decides
// everything (ACCESS-MODEL v2: `conversation.assume` in the department, the contact visible, or
// `conversation.start_unregistered` for a number); a refusal is shown in words. On success the
// new conversation opens in "Meus".

import { describe, get, post } from './api.js';
import { h, nextId } from './dom.js';
import { addStrings, t } from './i18n.js';
import './contacts-i18n.js';

// `error.bad_phone` is the contacts screen's (contacts-i18n.js): one wording everywhere.
addStrings(
  {
    'start.open': 'Nova conversa',
    'start.title': 'Nova conversa',
    'start.title_with': 'Nova conversa com {name}',
    'start.intro': 'A conversa começa com você, em andamento. O cliente só pode receber um modelo aprovado do WhatsApp até responder.',
    'start.phone': 'Número do WhatsApp',
    'start.phone_hint': 'Com DDD, como (85) 98851-1238, ou +1 415 555 2671 de outro país.',
    'start.name': 'Nome do cliente (opcional)',
    'start.department': 'Departamento',
    'start.template': 'Modelo (nome aprovado no WhatsApp)',
    'start.language': 'Idioma do modelo',
    'start.parameters': 'Parâmetros do modelo (um por linha)',
    'start.no_template': 'Sem modelo: só abrir a conversa',
    'start.submit': 'Iniciar conversa',
    'start.cancel': 'Cancelar',
    'start.started': 'Conversa iniciada.',
  },
  {
    'start.open': 'New conversation',
    'start.title': 'New conversation',
    'start.title_with': 'New conversation with {name}',
    'start.intro': 'The conversation starts with you, in progress. The customer can only receive an approved WhatsApp template until they reply.',
    'start.phone': 'WhatsApp number',
    'start.phone_hint': 'With the area code, such as (85) 98851-1238, or +1 415 555 2671 from another country.',
    'start.name': 'Customer name (optional)',
    'start.department': 'Department',
    'start.template': 'Template (its approved WhatsApp name)',
    'start.language': 'Template language',
    'start.parameters': 'Template parameters (one per line)',
    'start.no_template': 'No template: just open the conversation',
    'start.submit': 'Start conversation',
    'start.cancel': 'Cancel',
    'start.started': 'Conversation started.',
  },
);

/**
 * Opens the dialog. `contact`: `{id, name}` to start with a contact, or `null` for a number.
 * `departments`: `[{id, name}]` (`GET /api/v1/departments` when omitted).
 */
export async function openStart({ contact = null, departments = null } = {}) {
  const depts = departments || (await get('/api/v1/departments').catch(() => []));
  const ids = { phone: nextId('start-phone'), name: nextId('start-name'), dept: nextId('start-dept'), tpl: nextId('start-tpl'), lang: nextId('start-lang'), params: nextId('start-params') };
  const error = h('p', { class: 'form-error', role: 'alert' });
  const field = (id, label, control, hint) =>
    h('div', { class: 'field' }, h('label', { for: id }, label), control, hint ? h('p', { class: 'muted small' }, hint) : null);
  const phone = contact ? null : h('input', { id: ids.phone, type: 'tel', required: true, maxlength: 32, autocomplete: 'off', inputmode: 'tel' });
  const name = contact ? null : h('input', { id: ids.name, type: 'text', maxlength: 200, autocomplete: 'off' });
  const dept = h(
    'select',
    { id: ids.dept },
    (Array.isArray(depts) ? depts : []).map((d) => h('option', { value: d.id }, d.name)),
  );
  const tpl = h('input', { id: ids.tpl, type: 'text', maxlength: 512, autocomplete: 'off', placeholder: t('start.no_template') });
  const language = h('input', { id: ids.lang, type: 'text', maxlength: 15, value: 'pt_BR', autocomplete: 'off' });
  const params = h('textarea', { id: ids.params, rows: 2 });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('start.submit'));
  const dialog = h('dialog', { class: 'start-dialog', 'aria-labelledby': 'start-title' });
  const close = () => {
    dialog.close();
    dialog.remove();
  };
  const form = h(
    'form',
    {
      class: 'start-form',
      onsubmit: async (e) => {
        e.preventDefault();
        error.textContent = '';
        const body = { department_id: Number(dept.value) || undefined };
        const name = tpl.value.trim();
        if (name) {
          const parameters = params.value.split('\n').map((p) => p.trim()).filter(Boolean);
          body.template = { name, language: language.value.trim() || 'pt_BR', parameters };
        }
        let path = `/api/v1/contacts/${encodeURIComponent(contact?.id)}/conversations`;
        if (!contact) {
          path = '/api/v1/conversations/outbound';
          body.phone = phoneInput().value.trim();
          const n = nameInput().value.trim();
          if (n) body.name = n;
        }
        submit.setAttribute('aria-disabled', 'true');
        try {
          const c = await post(path, body);
          close();
          location.hash = `#/mine/${c.id}`;
        } catch (err) {
          error.textContent = describe(err);
        } finally {
          submit.removeAttribute('aria-disabled');
        }
      },
    },
    h('h2', { id: 'start-title' }, contact ? t('start.title_with', { name: contact.name }) : t('start.title')),
    h('p', { class: 'muted small' }, t('start.intro')),
    phone ? field(ids.phone, t('start.phone'), phone, t('start.phone_hint')) : null,
    name ? field(ids.name, t('start.name'), name) : null,
    field(ids.dept, t('start.department'), dept),
    field(ids.tpl, t('start.template'), tpl),
    h('div', { class: 'field-row' }, field(ids.lang, t('start.language'), language), field(ids.params, t('start.parameters'), params)),
    error,
    h('p', { class: 'form-actions' }, submit, h('button', { type: 'button', class: 'btn btn-ghost', onclick: close }, t('start.cancel'))),
  );
  const phoneInput = () => phone;
  const nameInput = () => name;
  dialog.append(form);
  dialog.addEventListener('cancel', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  (phone || tpl).focus();
}

/** The inbox's button that opens the dialog for a number. */
export function startButton() {
  return h('button', { type: 'button', class: 'btn btn-small start-open', onclick: () => openStart() }, '+ ', t('start.open'));
}
