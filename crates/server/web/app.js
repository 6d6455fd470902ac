// The web inbox's entry point: decides which screen shows (login, forced password change,
// inbox) from `GET /api/v1/me`, and goes back to the login whenever the session ends.

import { adminScreen, isAdminHash } from './admin.js';
import { ApiError, api, get, onAuthProblem } from './api.js';
import { contactsScreen, hasContacts, isContactsHash } from './contacts.js';
import { h, replace } from './dom.js';
import { t } from './i18n.js';
import { inboxScreen } from './inbox.js';
import { loginScreen, passwordScreen } from './login.js';
import { setupScreen } from './setup.js';

const root = document.getElementById('app');
let screen = null;

function show(next) {
  screen?.destroy();
  screen = null;
  screen = next();
}

function showLogin(notice = '') {
  shown = null;
  show(() => loginScreen(root, { notice, onLoggedIn: (me) => enter(me) }));
}

function showPassword(me) {
  shown = null;
  show(() =>
    passwordScreen(root, {
      me,
      onChanged: () => boot(),
      onLogout: (expired) => showLogin(expired ? 'session.ended' : ''),
    }),
  );
}

let shown = null; // 'inbox' | 'admin' | 'contacts' | null
let currentMe = null;

/** The screen the address names: the administration, the contacts (when offered), the inbox. */
function wanted(me) {
  if (isAdminHash()) return 'admin';
  if (isContactsHash() && hasContacts(me)) return 'contacts';
  return 'inbox';
}

function showInbox(me) {
  currentMe = me;
  const want = wanted(me);
  if (want === 'admin') {
    shown = 'admin';
    show(() => adminScreen(root, { me, onLogout: () => showLogin() }));
    return;
  }
  if (want === 'contacts') {
    shown = 'contacts';
    show(() => contactsScreen(root, { me, onLogout: () => showLogin() }));
    return;
  }
  // A contacts address without the offer falls back to the inbox's first tab.
  if (isContactsHash()) history.replaceState(null, '', '#/mine');
  shown = 'inbox';
  show(() =>
    inboxScreen(root, {
      me,
      onLogout: () => showLogin(),
      onSessionEnded: () => showLogin('session.ended'),
    }),
  );
}

function enter(me) {
  if (me.must_change_password) showPassword(me);
  else showInbox(me);
}

async function boot() {
  try {
    enter(await api.me());
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      // A fresh installation (no account yet): the first-run setup instead of the login.
      const setup = await get('/api/v1/setup', { quiet: true }).catch(() => null);
      if (setup?.needed) {
        shown = null;
        show(() =>
          setupScreen(root, {
            onDone: (me) => {
              location.hash = '#/admin/start';
              enter(me);
            },
          }),
        );
      } else {
        showLogin();
      }
    } else {
      show(() => {
        replace(
          root,
          h(
            'main',
            { class: 'auth' },
            h(
              'section',
              { class: 'auth-card' },
              h('p', { class: 'form-error', role: 'alert' }, err.message || t('error.generic')),
              h('button', { type: 'button', class: 'btn btn-primary', onclick: boot }, t('app.retry')),
            ),
          ),
        );
        return { destroy() {} };
      });
    }
  }
}

// Whatever screen is up: a session that ends goes back to the login, a temporary password to
// the password screen.
onAuthProblem({
  unauthorized: () => {
    if (!root.querySelector('.auth')) showLogin('session.ended');
  },
  passwordChange: () => boot(),
});

// The inbox, the administration and the contacts are three screens: moving between their
// addresses switches.
window.addEventListener('hashchange', () => {
  if (!shown || !currentMe) return;
  if (wanted(currentMe) !== shown) showInbox(currentMe);
});

boot();
