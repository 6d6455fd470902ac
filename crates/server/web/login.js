// The login screen, the forced password change and the language switch they share with the
// inbox's header.

import { ApiError, api, describe } from './api.js';
import { h, nextId, replace } from './dom.js';
import { LANGUAGES, lang, onLangChange, setLang, t } from './i18n.js';

/** A labelled language select; switching re-renders whoever listens to the language. */
export function langSwitch() {
  const id = nextId('lang');
  const select = h(
    'select',
    { id, class: 'lang-select', onchange: (e) => setLang(e.target.value) },
    LANGUAGES.map((code) =>
      h('option', { value: code, selected: code === lang() }, t(code === 'en' ? 'lang.en' : 'lang.pt')),
    ),
  );
  return h('div', { class: 'lang-switch' }, h('label', { for: id, class: 'visually-hidden' }, t('lang.label')), select);
}

export function field(label, input, hint) {
  const id = input.id || nextId('f');
  input.id = id;
  const hintEl = hint ? h('p', { class: 'field-hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, hintEl);
}

/**
 * A page outside the inbox (login, password change, first-run setup): the language switch
 * (and `top`, such as a logout button) above a card with the brand, `title`, `subtitle` and
 * `content`.
 */
export function authPage(root, { id, title, subtitle, top = null }, ...content) {
  replace(
    root,
    h(
      'main',
      { class: 'auth' },
      h('div', { class: 'auth-top' }, langSwitch(), top),
      h('section', { class: 'auth-card', 'aria-labelledby': id }, brand(), h('h1', { id }, title), h('p', { class: 'auth-subtitle' }, subtitle), ...content),
    ),
  );
}

function brand() {
  return h(
    'div',
    { class: 'auth-brand' },
    h('img', { src: '/assets/icon.svg', alt: '', width: 40, height: 40 }),
    h('span', { class: 'auth-brand-name' }, t('app.name')),
  );
}

/**
 * The login screen. `onLoggedIn(me)` runs after a successful login. `notice` is shown above the
 * form (a session that ended, say). Returns `{destroy}`.
 */
export function loginScreen(root, { onLoggedIn, notice = '' }) {
  let email = '';
  let countdown = null;
  let retryUntil = 0;
  // The message shown: an i18n key (re-translated on a language switch) or a text.
  let message = notice ? { key: notice } : null;
  const messageText = () => (message ? (message.key ? t(message.key) : message.text) : '');

  function render() {
    const emailInput = h('input', {
      type: 'email',
      name: 'email',
      autocomplete: 'username',
      required: true,
      value: email,
      oninput: (e) => {
        email = e.target.value;
      },
    });
    const passwordInput = h('input', {
      type: 'password',
      name: 'password',
      autocomplete: 'current-password',
      required: true,
    });
    const error = h('p', { class: 'form-error', role: 'alert', id: 'login-error' }, messageText());
    const show = (m) => {
      message = m;
      error.textContent = messageText();
    };
    const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('login.submit'));
    const form = h(
      'form',
      { class: 'auth-form', novalidate: true, 'aria-describedby': 'login-error' },
      field(t('login.email'), emailInput),
      field(t('login.password'), passwordInput),
      error,
      submit,
    );

    const tick = () => {
      const left = Math.ceil((retryUntil - Date.now()) / 1000);
      if (left > 0) {
        show({ text: t('login.throttled', { n: left }) });
        submit.disabled = true;
      } else {
        clearInterval(countdown);
        countdown = null;
        submit.disabled = false;
      }
    };
    if (retryUntil > Date.now()) {
      tick();
      if (!countdown) countdown = setInterval(tick, 1000);
    }

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (submit.disabled) return;
      email = emailInput.value.trim();
      if (!email || !passwordInput.value) {
        show({ key: 'login.failed' });
        (email ? passwordInput : emailInput).focus();
        return;
      }
      submit.disabled = true;
      submit.textContent = t('login.busy');
      try {
        const me = await api.login(email, passwordInput.value);
        message = null;
        onLoggedIn(me);
      } catch (err) {
        submit.disabled = false;
        submit.textContent = t('login.submit');
        passwordInput.value = '';
        if (err instanceof ApiError && err.status === 429) {
          retryUntil = Date.now() + (err.retryAfter ?? 1) * 1000;
          tick();
          clearInterval(countdown);
          countdown = setInterval(tick, 1000);
        } else if (err instanceof ApiError && err.status === 401) {
          show({ key: 'login.failed' });
        } else {
          show({ text: describe(err) });
        }
        passwordInput.focus();
      }
    });

    authPage(root, { id: 'login-title', title: t('login.title'), subtitle: t('login.subtitle') }, form);
    (email ? passwordInput : emailInput).focus();
  }

  render();
  const off = onLangChange(render);
  return {
    destroy() {
      off();
      clearInterval(countdown);
    },
  };
}

/**
 * The forced password change (`must_change_password`). `onChanged()` runs once the password is
 * replaced; `onLogout()` after logging out. Returns `{destroy}`.
 */
export function passwordScreen(root, { me, onChanged, onLogout }) {
  let errorText = '';

  function render() {
    const current = h('input', { type: 'password', autocomplete: 'current-password', required: true });
    const next = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: 8 });
    const again = h('input', { type: 'password', autocomplete: 'new-password', required: true, minlength: 8 });
    const error = h('p', { class: 'form-error', role: 'alert' }, errorText);
    const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, t('password.submit'));
    const show = (text, focus) => {
      errorText = text;
      error.textContent = text;
      focus?.focus();
    };
    const form = h(
      'form',
      { class: 'auth-form', novalidate: true },
      // The account's email, for password managers.
      h('input', { type: 'email', autocomplete: 'username', value: me.email, hidden: true, readonly: true }),
      field(t('password.current'), current),
      field(t('password.new'), next, t('password.hint')),
      field(t('password.confirm'), again),
      error,
      submit,
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (new TextEncoder().encode(next.value).length < 8) return show(t('password.short'), next);
      if (next.value !== again.value) return show(t('password.mismatch'), again);
      submit.disabled = true;
      try {
        await api.changePassword(current.value, next.value);
        errorText = '';
        onChanged();
      } catch (err) {
        submit.disabled = false;
        if (err instanceof ApiError && err.status === 401 && err.code === 'unauthorized') {
          onLogout(true);
          return;
        }
        show(describe(err), err.code === 'login_failed' ? current : next);
      }
    });
    const logout = h(
      'button',
      {
        type: 'button',
        class: 'btn btn-link',
        onclick: async () => {
          try {
            await api.logout();
          } catch {
            // Gone already.
          }
          onLogout(false);
        },
      },
      t('header.logout'),
    );
    authPage(root, { id: 'password-title', title: t('password.title'), subtitle: t('password.explain'), top: logout }, form);
    current.focus();
  }

  render();
  const off = onLangChange(() => {
    errorText = '';
    render();
  });
  return { destroy: off };
}
