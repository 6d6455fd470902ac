// The first-run setup (an installation with no account yet, not the demo): instead of the
// login, a form creates the company and its owner, asking for the setup code the server
// printed on its console when it started (so that whoever reaches a fresh server first cannot
// make it theirs). The owner is then logged in and taken to the administration's first steps:
// a preset, the departments, the agents and the first channel, each on its own screen.

import { ApiError, describe, post } from './api.js';
import { h } from './dom.js';
import { addStrings, onLangChange, t } from './i18n.js';
import { authPage, field } from './login.js';

addStrings(
  {
    'setup.title': 'Bem-vindo ao Atende',
    'setup.subtitle': 'Este servidor ainda não tem nenhuma empresa. Crie a sua e a conta de quem vai administrá-la.',
    'setup.code': 'Código de instalação',
    'setup.code_hint': 'O servidor mostrou este código no terminal ao iniciar (“setup code”).',
    'setup.account': 'Nome da empresa',
    'setup.name': 'Seu nome',
    'setup.email': 'Seu e-mail (para entrar)',
    'setup.password': 'Sua senha',
    'setup.password_hint': 'Pelo menos 8 caracteres.',
    'setup.submit': 'Criar a empresa',
    'setup.busy': 'Criando…',
    'setup.missing': 'Preencha todos os campos.',
  },
  {
    'setup.title': 'Welcome to Atende',
    'setup.subtitle': 'This server has no company yet. Create yours and the account of whoever will run it.',
    'setup.code': 'Setup code',
    'setup.code_hint': 'The server showed this code on its console when it started (“setup code”).',
    'setup.account': 'Company name',
    'setup.name': 'Your name',
    'setup.email': 'Your e-mail (to sign in)',
    'setup.password': 'Your password',
    'setup.password_hint': 'At least 8 characters.',
    'setup.submit': 'Create the company',
    'setup.busy': 'Creating…',
    'setup.missing': 'Fill in every field.',
  },
);

/** The setup form. `onDone(me)` runs once the company exists and its owner is logged in. */
export function setupScreen(root, { onDone }) {
  const values = { code: '', account_name: '', owner_name: '', owner_email: '', owner_password: '' };
  let message = null; // {key} or {text}

  function render() {
    const input = (key, props) =>
      h('input', {
        required: true,
        value: values[key],
        oninput: (e) => {
          values[key] = e.target.value;
        },
        ...props,
      });
    const fields = {
      code: input('code', { type: 'text', autocomplete: 'off', spellcheck: 'false' }),
      account_name: input('account_name', { type: 'text', autocomplete: 'organization', maxlength: 200 }),
      owner_name: input('owner_name', { type: 'text', autocomplete: 'name', maxlength: 200 }),
      owner_email: input('owner_email', { type: 'email', autocomplete: 'username' }),
      owner_password: input('owner_password', { type: 'password', autocomplete: 'new-password', minlength: 8 }),
    };
    const error = h('p', { class: 'form-error', role: 'alert', id: 'setup-error' }, message ? (message.key ? t(message.key) : message.text) : '');
    const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('setup.submit'));
    const form = h(
      'form',
      { class: 'auth-form', novalidate: true, 'aria-describedby': 'setup-error', 'aria-label': t('setup.title') },
      field(t('setup.code'), fields.code, t('setup.code_hint')),
      field(t('setup.account'), fields.account_name),
      field(t('setup.name'), fields.owner_name),
      field(t('setup.email'), fields.owner_email),
      field(t('setup.password'), fields.owner_password, t('setup.password_hint')),
      error,
      submit,
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const empty = Object.keys(fields).find((k) => !values[k].trim());
      if (empty) {
        message = { key: 'setup.missing' };
        error.textContent = t('setup.missing');
        fields[empty].focus();
        return;
      }
      submit.disabled = true;
      submit.textContent = t('setup.busy');
      try {
        const me = await post('/api/v1/setup', values);
        onDone(me);
      } catch (err) {
        submit.disabled = false;
        submit.textContent = t('setup.submit');
        message = { text: err instanceof ApiError ? describe(err) : String(err) };
        error.textContent = message.text;
        const wrong = err instanceof ApiError && err.code === 'bad_setup_code' ? 'code' : null;
        if (wrong) fields.code.focus();
      }
    });
    authPage(root, { id: 'setup-title', title: t('setup.title'), subtitle: t('setup.subtitle') }, form);
    fields.code.focus();
  }

  render();
  const off = onLangChange(render);
  return { destroy: off };
}
