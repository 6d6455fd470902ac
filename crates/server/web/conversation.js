// The conversation pane: the conversation (`GET /conversations/{id}`), its messages, and buttons
// for exactly the actions the server lists in `actions`. After an action the pane shows the
// answer (200: the conversation as it is now; 204: it left the user's view).

import { ApiError, api, describe } from './api.js';
import { h, nextId, replace, toast } from './dom.js';
import { fullTime, lang, shortTime, t, tOr } from './i18n.js';
import { contactForm } from './conversation-contact.js';
import { templateForm } from './conversation-template.js';

const BUTTON_ACTIONS = ['assume', 'finish', 'finish_in_survey', 'reopen'];
const FORM_ACTIONS = ['transfer', 'change_department', 'link_contact'];
const OLDER_PAGE = 50;
/** A `before` beyond every message id: the newest page. */
const NEWEST = 9007199254740991;

export const statusLabel = (status) => tOr(`status.${status}`, status);
export const channelLabel = (channel) => tOr(`channel.${channel}`, channel);

/**
 * Creates the pane. `ctx`:
 *   me                     the logged-in user
 *   departments()          the account's departments
 *   deptName(id)           a department's name
 *   backHref()             where the back link goes (the list)
 *   onGone(id, notFound)   the conversation is not visible (any more): drop it from the list
 *   onUpdated(detail)      an action changed the conversation
 * Returns {el, id(), open(id, {focus}), close(), refresh(), onMessage(m), render()}.
 */
export function createPane(ctx) {
  const el = h('section', { class: 'pane', 'aria-labelledby': 'pane-title' });
  let s = blank(null);
  let openSeq = 0;

  function blank(id) {
    return {
      id,
      detail: null,
      messages: new Map(),
      loading: false,
      notFound: false,
      busy: false,
      form: null, // 'transfer' | 'change_department' | 'link_contact' | 'tag'
      contacts: null, // the link form's search results
      formValue: '', // what the open form holds
      targets: null,
      mode: 'reply',
      drafts: { reply: '', note: '' },
      template: null, // {name, language, parameters} while outside the customer window
      modeChosen: false,
      older: false, // older messages than those shown exist
      loadingOlder: false,
      windowOffered: false, // the template form was opened for a closed customer window
    };
  }

  // Elements kept between renders (the composer is not rebuilt while the user types).
  const head = h('div', { class: 'pane-head' });
  // A log: new messages are announced; the messages already shown stay the same nodes.
  const messagesEl = h('ol', { class: 'messages' });
  const messagesTitle = h('h3', { id: 'messages-title', class: 'visually-hidden' });
  const olderEl = h('div', { class: 'messages-older' });
  const messagesWrap = h(
    'div',
    { class: 'messages-wrap', role: 'log', tabindex: '0', 'aria-labelledby': 'messages-title' },
    messagesTitle,
    olderEl,
    messagesEl,
  );
  const messageNodes = new Map(); // id -> {li, sig}
  // Follow the newest message while the reader is at the end (also when the pane's head or
  // the composer change size); stop following once they scroll up.
  let stick = true;
  messagesWrap.addEventListener('scroll', () => {
    stick = messagesWrap.scrollHeight - messagesWrap.scrollTop - messagesWrap.clientHeight < 40;
  });
  const follow = new ResizeObserver(() => {
    if (stick) messagesWrap.scrollTop = messagesWrap.scrollHeight;
  });
  follow.observe(messagesWrap);
  follow.observe(messagesEl);
  const composerEl = h('div', { class: 'composer-wrap' });
  let composerKey = '';

  const allowed = (a) => !!s.detail && s.detail.actions.includes(a);

  function render() {
    if (!s.id) {
      replace(
        el,
        h(
          'div',
          { class: 'pane-empty' },
          h('img', { src: '/assets/icon.svg', alt: '', width: 48, height: 48 }),
          h('h2', { id: 'pane-title' }, t('pane.empty')),
        ),
      );
      return;
    }
    if (s.notFound || (!s.detail && !s.loading)) {
      replace(
        el,
        h(
          'div',
          { class: 'pane-empty' },
          backLink(),
          h('h2', { id: 'pane-title', tabindex: '-1' }, t('pane.not_found')),
        ),
      );
      return;
    }
    if (!s.detail) {
      replace(
        el,
        h('div', { class: 'pane-empty' }, backLink(), h('h2', { id: 'pane-title', tabindex: '-1' }, t('pane.loading'))),
      );
      return;
    }
    if (!head.isConnected || !el.contains(messagesWrap)) {
      replace(el, head, messagesWrap, composerEl);
      composerKey = '';
    }
    renderHead();
    renderMessages();
    renderComposer();
  }

  function backLink() {
    return h('a', { class: 'btn btn-ghost back-link', href: ctx.backHref() }, h('span', { 'aria-hidden': 'true' }, '← '), t('pane.back'));
  }

  // Header: contact, meta, tags, action buttons.
  function renderHead() {
    const d = s.detail;
    const hadFocus = head.contains(document.activeElement);
    // Removing a focused control makes Chromium lay out the half-built pane, which scrolls
    // the messages to the top: keep their place.
    const keepTop = messagesWrap.scrollTop;
    const focusKey = hadFocus ? document.activeElement.dataset.focusKey : null;
    const name = d.details_hidden ? t('list.hidden') : d.contact?.name || t('list.no_contact');
    const sub = d.contact ? [d.contact.phone, d.contact.email].filter(Boolean).join(' · ') : '';
    let assignee = t('pane.unassigned');
    if (d.assignee_id === ctx.me.id) assignee = t('pane.assignee_you');
    else if (d.assignee_id) assignee = ctx.userName(d.assignee_id) ?? t('pane.assignee_other', { id: d.assignee_id });

    const meta = h(
      'dl',
      { class: 'pane-meta' },
      metaItem(t('pane.status'), h('span', { class: `badge status-${d.status}`, 'data-testid': 'pane-status' }, statusLabel(d.status))),
      metaItem(t('pane.department'), ctx.deptName(d.department_id)),
      metaItem(t('pane.channel'), channelLabel(d.channel)),
      metaItem(t('pane.assignee'), assignee, 'pane-assignee'),
    );

    replace(
      head,
      h(
        'div',
        { class: 'pane-title-row' },
        backLink(),
        h(
          'div',
          { class: 'pane-title-text' },
          h('h2', { id: 'pane-title', tabindex: '-1', 'data-focus-key': 'title', class: d.details_hidden ? 'is-hidden' : '' }, name),
          h('p', { class: 'pane-sub' }, sub || '\u00a0'),
        ),
      ),
      meta,
      d.details_hidden ? null : renderTags(),
      renderActions(),
    );
    // Focus stays on the same control; when it is gone (the assume button, once assumed), on
    // the conversation's title.
    if (hadFocus) {
      const same = focusKey && head.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
      (same || head.querySelector('#pane-title'))?.focus({ preventScroll: true });
    }
    messagesWrap.scrollTop = stick ? messagesWrap.scrollHeight : keepTop;
  }

  function metaItem(label, value, cls) {
    return h('div', { class: `meta-item ${cls || ''}` }, h('dt', { class: 'visually-hidden' }, label), h('dd', null, value));
  }

  function renderTags() {
    const d = s.detail;
    const canUntag = allowed('untag');
    const chips = d.tags.map((tag) =>
      h(
        'li',
        { class: 'tag' },
        h('span', null, tag),
        canUntag
          ? h(
              'button',
              {
                type: 'button',
                class: 'tag-remove',
                'aria-label': t('tag.remove', { tag }),
                'data-focus-key': `untag:${tag}`,
                'aria-disabled': s.busy ? 'true' : null,
                onclick: () => act('untag', { tag }),
              },
              '×',
            )
          : null,
      ),
    );
    const list = h('ul', { class: 'tags', 'aria-label': t('pane.tags') }, chips.length ? chips : h('li', { class: 'tag-none' }, t('pane.no_tags')));
    let add = null;
    if (allowed('tag')) {
      if (s.form === 'tag') {
        const id = nextId('tag');
        const input = h('input', {
          id,
          type: 'text',
          maxlength: 64,
          required: true,
          autocomplete: 'off',
          value: s.formValue,
          list: 'tag-suggestions',
          'data-focus-key': 'tag-input',
          oninput: (e) => (s.formValue = e.target.value),
        });
        add = h(
          'form',
          {
            class: 'inline-form',
            onsubmit: (e) => {
              e.preventDefault();
              const tag = input.value.trim();
              if (tag) act('tag', { tag }, { keepForm: false });
            },
          },
          h('label', { for: id, class: 'visually-hidden' }, t('tag.new')),
          input,
          h('button', { type: 'submit', class: 'btn btn-small', 'data-focus-key': 'tag-add', 'aria-disabled': s.busy ? 'true' : null }, t('tag.add')),
          h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'data-focus-key': 'tag-cancel', onclick: () => setForm(null) }, t('action.cancel')),
        );
      } else {
        add = h(
          'button',
          { type: 'button', class: 'btn btn-small btn-ghost', 'data-focus-key': 'tag-open', onclick: () => setForm('tag') },
          '+ ',
          t('tag.new'),
        );
      }
    }
    return h('div', { class: 'tags-row' }, list, add);
  }

  function renderActions() {
    const buttons = [];
    for (const a of BUTTON_ACTIONS) {
      if (!allowed(a)) continue;
      buttons.push(
        h(
          'button',
          {
            type: 'button',
            class: `btn ${a === 'assume' ? 'btn-primary' : ''}`,
            'data-action': a,
            'data-focus-key': `action:${a}`,
            'aria-disabled': s.busy ? 'true' : null,
            onclick: () => act(a),
          },
          t(`action.${a}`),
        ),
      );
    }
    for (const a of FORM_ACTIONS) {
      if (!allowed(a)) continue;
      buttons.push(
        h(
          'button',
          {
            type: 'button',
            class: 'btn',
            'data-action': a,
            'data-focus-key': `action:${a}`,
            'aria-expanded': String(s.form === a),
            'aria-disabled': s.busy ? 'true' : null,
            onclick: () => setForm(s.form === a ? null : a),
          },
          t(`action.${a}`),
        ),
      );
    }
    if ((ctx.me.permissions || []).includes('users.manage')) {
      buttons.push(h('a', { class: 'btn btn-ghost', href: `#/admin/viewers/${s.id}`, 'data-focus-key': 'viewers' }, t('pane.who_sees')));
    }
    if (!buttons.length) return null;
    return h(
      'div',
      { class: 'actions-wrap' },
      h('div', { class: 'actions', role: 'group', 'aria-label': t('pane.actions') }, buttons),
      s.form === 'transfer' || s.form === 'change_department' ? renderActionForm() : null,
      s.form === 'link_contact' ? contactForm(s, { act, redraw: renderHead, close: () => setForm(null) }) : null,
    );
  }

  function renderActionForm() {
    const id = nextId('target');
    const transfer = s.form === 'transfer';
    let options;
    if (transfer) {
      if (!s.targets) {
        return h('p', { class: 'inline-form muted' }, t('app.loading'));
      }
      const targets = s.targets.filter((u) => u.id !== s.detail.assignee_id);
      if (!targets.length) return h('p', { class: 'inline-form muted' }, t('transfer.none'));
      options = targets.map((u) => h('option', { value: u.id }, u.name));
    } else {
      options = ctx
        .departments()
        .filter((d) => d.id !== s.detail.department_id)
        .map((d) => h('option', { value: d.id }, d.label || d.name));
    }
    const select = h(
      'select',
      { id, required: true, 'data-focus-key': `select:${s.form}`, onchange: (e) => (s.formValue = e.target.value) },
      h('option', { value: '' }, t(transfer ? 'transfer.choose' : 'department.choose')),
      options,
    );
    // A live refresh rebuilds the form: the choice stays.
    select.value = s.formValue;
    if (select.value !== s.formValue) select.value = '';
    return h(
      'form',
      {
        class: 'inline-form',
        onsubmit: (e) => {
          e.preventDefault();
          const v = Number(select.value);
          if (!v) return select.focus();
          act(s.form, transfer ? { user_id: v } : { department_id: v });
        },
      },
      h('label', { for: id }, t(transfer ? 'transfer.label' : 'department.label')),
      select,
      h('button', { type: 'submit', class: 'btn btn-small btn-primary', 'data-focus-key': 'form-confirm', 'aria-disabled': s.busy ? 'true' : null }, t('action.confirm')),
      h('button', { type: 'button', class: 'btn btn-small btn-ghost', 'data-focus-key': 'form-cancel', onclick: () => setForm(null) }, t('action.cancel')),
    );
  }

  async function setForm(form) {
    const from = s.form;
    s.form = form;
    s.formValue = '';
    s.contacts = null;
    renderHead();
    if (form) head.querySelector('.inline-form select, .inline-form input')?.focus();
    else head.querySelector(`[data-focus-key="${from === 'tag' ? 'tag-open' : `action:${from}`}"]`)?.focus();
    if (form === 'transfer') {
      const id = s.id;
      try {
        const targets = await api.transferTargets(id);
        if (s.id !== id) return;
        s.targets = targets;
      } catch (err) {
        if (s.id !== id) return;
        s.targets = [];
        toast(describe(err), 'error');
      }
      if (s.form === 'transfer') {
        renderHead();
        head.querySelector('.inline-form select')?.focus();
      }
    }
  }

  // Messages.
  function renderOlder() {
    const show = s.older && s.detail && !s.detail.details_hidden;
    replace(
      olderEl,
      show
        ? h('button', { type: 'button', class: 'btn btn-small btn-ghost', disabled: s.loadingOlder, onclick: loadOlder }, s.loadingOlder ? t('app.loading') : t('pane.older'))
        : null,
    );
  }

  /** The page before the oldest message shown; the reader keeps their place. */
  async function loadOlder() {
    const id = s.id;
    if (!s.messages.size || s.loadingOlder) return;
    s.loadingOlder = true;
    renderOlder();
    try {
      const page = await api.messagesBefore(id, Math.min(...s.messages.keys()), OLDER_PAGE);
      if (s.id !== id) return;
      const fromBottom = messagesWrap.scrollHeight - messagesWrap.scrollTop;
      for (const m of page) s.messages.set(m.id, m);
      s.older = page.length === OLDER_PAGE;
      stick = false;
      renderMessages();
      messagesWrap.scrollTop = messagesWrap.scrollHeight - fromBottom;
    } catch (err) {
      if (s.id === id) toast(describe(err), 'error');
    } finally {
      if (s.id === id) {
        s.loadingOlder = false;
        renderOlder();
      }
    }
  }

  function renderMessages() {
    renderOlder();
    messagesTitle.textContent = t('pane.messages');
    const d = s.detail;
    const list = d.details_hidden ? [] : [...s.messages.values()].sort((a, b) => a.at - b.at || a.id - b.id);
    if (!list.length) {
      messageNodes.clear();
      const text = d.details_hidden
        ? [h('strong', null, t('pane.hidden_title')), h('br'), t('pane.hidden_explain')]
        : s.loading
          ? t('app.loading')
          : t('pane.no_messages');
      replace(messagesEl, h('li', { class: 'messages-empty' }, text));
      return;
    }
    // Keyed by id: a message is rebuilt only when it changed (its delivery, say).
    for (const child of [...messagesEl.children]) if (!child.dataset.messageId) child.remove();
    const keep = new Set();
    let prev = null;
    for (const m of list) {
      keep.add(m.id);
      const sig = [m.body, m.delivery, m.delivery_error, lang()].join('|');
      let node = messageNodes.get(m.id);
      if (!node || node.sig !== sig) {
        const li = messageEl(m);
        node?.li.replaceWith(li);
        node = { li, sig };
        messageNodes.set(m.id, node);
      }
      const at = prev ? prev.nextSibling : messagesEl.firstChild;
      if (at !== node.li) messagesEl.insertBefore(node.li, at);
      prev = node.li;
    }
    while (prev.nextSibling) prev.nextSibling.remove();
    for (const id of [...messageNodes.keys()]) if (!keep.has(id)) messageNodes.delete(id);
    if (stick) messagesWrap.scrollTop = messagesWrap.scrollHeight;
  }

  function messageEl(m) {
    const who = m.author_id ? (m.author_id === ctx.me.id ? t('msg.you') : ctx.userName(m.author_id) ?? t('msg.agent', { id: m.author_id })) : '';
    const kind = m.kind === 'in' || m.kind === 'out' || m.kind === 'note' ? m.kind : 'in';
    let delivery = null;
    if (kind === 'out' && m.delivery) {
      const icon = { pending: '◷', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '⚠' }[m.delivery] || '';
      delivery = h(
        'p',
        { class: `delivery delivery-${m.delivery}`, 'data-delivery': m.delivery },
        h('span', { 'aria-hidden': 'true' }, `${icon} `),
        m.delivery === 'pending' && m.delivery_error ? t('delivery.retrying') : tOr(`delivery.${m.delivery}`, m.delivery),
        m.delivery_error ? `: ${m.delivery_error}` : '',
      );
    } else if (kind === 'out' && m.delivery_error) {
      delivery = h('p', { class: 'delivery delivery-failed' }, m.delivery_error);
    }
    return h(
      'li',
      { class: `msg msg-${kind}`, 'data-message-id': m.id, 'data-kind': kind },
      h(
        'p',
        { class: 'msg-meta' },
        h('span', { class: 'msg-kind' }, t(`msg.${kind}`)),
        who ? ` · ${who}` : '',
        ' · ',
        h('time', { datetime: new Date(m.at / 1000).toISOString(), title: fullTime(m.at) }, shortTime(m.at)),
      ),
      h('p', { class: 'msg-body' }, m.body),
      delivery,
    );
  }

  async function loadMessages() {
    const id = s.id;
    s.loading = true;
    try {
      if (!s.messages.size) {
        // A conversation opens at its newest messages; older ones load on demand.
        const page = await api.messagesBefore(id, NEWEST, OLDER_PAGE);
        if (s.id !== id) return;
        for (const m of page) s.messages.set(m.id, m);
        s.older = page.length === OLDER_PAGE;
      }
      for (;;) {
        const after = s.messages.size ? Math.max(...s.messages.keys()) : undefined;
        const page = await api.messages(id, after, 200);
        if (s.id !== id) return;
        for (const m of page) s.messages.set(m.id, m);
        if (page.length < 200) break;
      }
    } catch (err) {
      if (s.id !== id) return;
      if (!(err instanceof ApiError && err.status === 403)) toast(describe(err), 'error');
    } finally {
      if (s.id === id) {
        s.loading = false;
        if (s.detail) renderMessages();
      }
    }
  }

  // Composer: reply / note, or the template form outside the customer window.
  function renderComposer() {
    const modes = ['reply', 'note'].filter((m) => allowed(m) && !s.detail.details_hidden);
    // A reply by default (when allowed); the user's own choice stays while it is allowed.
    if (!s.modeChosen || !modes.includes(s.mode)) s.mode = modes.includes('reply') ? 'reply' : modes[0];
    const template = s.template && allowed('reply');
    const key = `${modes.join(',')}|${template ? 'template' : s.mode}|${t('composer.send')}`;
    if (key === composerKey && composerEl.firstChild) {
      for (const b of composerEl.querySelectorAll('button[type=submit]')) b.setAttribute('aria-disabled', String(s.busy));
      return;
    }
    composerKey = key;
    if (!modes.length) {
      replace(composerEl, s.detail.details_hidden ? null : h('p', { class: 'composer-readonly muted' }, t('composer.readonly')));
      return;
    }
    const keepTop = messagesWrap.scrollTop;
    replace(
      composerEl,
      template
        ? templateForm(s, {
            act,
            done: () => {
              s.template = null;
              composerKey = '';
              renderComposer();
            },
            back: () => {
              s.template = null;
              composerKey = '';
              renderComposer();
              composerEl.querySelector('textarea')?.focus();
            },
          })
        : composerForm(modes),
    );
    messagesWrap.scrollTop = stick ? messagesWrap.scrollHeight : keepTop;
  }

  function composerForm(modes) {
    const textId = nextId('composer');
    const textarea = h('textarea', {
      id: textId,
      rows: 3,
      class: `composer-text mode-${s.mode}`,
      placeholder: t(s.mode === 'note' ? 'composer.note_placeholder' : 'composer.reply_placeholder'),
      maxlength: 4096,
      oninput: (e) => {
        s.drafts[s.mode] = e.target.value;
      },
      onkeydown: (e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          form.requestSubmit();
        }
      },
    });
    textarea.value = s.drafts[s.mode];
    const group = nextId('mode');
    const radios = modes.map((m) =>
      h(
        'label',
        { class: `mode mode-${m}` },
        h('input', {
          type: 'radio',
          name: group,
          value: m,
          checked: s.mode === m,
          onchange: () => {
            s.mode = m;
            s.modeChosen = true;
            composerKey = '';
            renderComposer();
            composerEl.querySelector('textarea')?.focus();
          },
        }),
        h('span', null, t(`composer.${m}`)),
      ),
    );
    const form = h(
      'form',
      {
        class: `composer mode-${s.mode}`,
        onsubmit: async (e) => {
          e.preventDefault();
          const text = textarea.value.trim();
          if (!text) {
            toast(t('error.missing_text'), 'error');
            textarea.focus();
            return;
          }
          const mode = s.mode;
          const ok = await act(mode, { text }, { quiet: true });
          if (ok) {
            s.drafts[mode] = '';
            const ta = composerEl.querySelector('textarea');
            if (ta && s.mode === mode) {
              ta.value = '';
              ta.focus();
            }
          }
        },
      },
      h(
        'fieldset',
        { class: 'composer-modes' },
        h('legend', { class: 'visually-hidden' }, t('composer.label')),
        radios,
      ),
      h('label', { for: textId, class: 'visually-hidden' }, t(`composer.${s.mode}`)),
      textarea,
      h(
        'div',
        { class: 'composer-foot' },
        h('span', { class: 'muted small' }, t('composer.hint')),
        h('button', { type: 'submit', class: 'btn btn-primary', 'aria-disabled': s.busy ? 'true' : null }, t(s.mode === 'note' ? 'composer.send_note' : 'composer.send')),
      ),
    );
    return form;
  }

  // Actions.
  async function act(action, body, { quiet = false } = {}) {
    const id = s.id;
    if (!id || s.busy) return false;
    s.busy = true;
    renderHead();
    renderComposer();
    try {
      const answer = action === 'template' ? await api.template(id, body) : await api.act(id, action, body);
      if (s.id !== id) return true;
      s.busy = false;
      if (answer === null) {
        gone(t('pane.left_view'));
        return true;
      }
      if (['reply', 'note', 'template', 'tag', 'untag'].includes(action)) {
        if (action === 'tag' || action === 'untag') s.form = s.form === 'tag' ? null : s.form;
      } else {
        s.form = null;
        s.targets = null;
        if (!quiet) toast(t(`action.done.${action}`));
      }
      apply(answer);
      ctx.onUpdated(answer);
      return true;
    } catch (err) {
      if (s.id !== id) return false;
      s.busy = false;
      if (err instanceof ApiError && err.status === 404) {
        gone(t('pane.not_found'));
      } else if (err instanceof ApiError && err.code === 'outside_customer_window') {
        s.template = { name: '', language: 'pt_BR', parameters: '' };
        s.templateFocus = true;
        composerKey = '';
        renderHead();
        renderComposer();
      } else if (err instanceof ApiError && err.status === 409) {
        toast(t('error.conflict'), 'error');
        await refresh();
      } else {
        toast(describe(err), 'error');
        renderHead();
        renderComposer();
      }
      return false;
    }
  }

  function gone(notice) {
    const id = s.id;
    toast(notice);
    ctx.onGone(id);
  }

  // Shows a conversation detail (an action's answer or a fresh read).
  function apply(detail) {
    s.detail = detail;
    // Outside the customer's 24-hour window only a template goes: its form opens at once.
    if (detail.customer_window_open === false && !s.windowOffered && detail.actions.includes('reply')) {
      s.windowOffered = true;
      s.template = s.template || { name: '', language: 'pt_BR', parameters: '' };
      composerKey = '';
    } else if (detail.customer_window_open === true) {
      s.windowOffered = false;
    }
    if (detail.details_hidden) s.messages.clear();
    render();
    // New messages since the last read (the live stream also brings them).
    if (!detail.details_hidden) loadMessages();
  }

  async function open(id, { focus = false } = {}) {
    if (id === s.id && s.detail) {
      if (focus) el.querySelector('#pane-title')?.focus();
      return refresh();
    }
    const seq = ++openSeq;
    s = blank(id);
    stick = true;
    messageNodes.clear();
    messagesEl.replaceChildren();
    s.loading = true;
    composerKey = '';
    render();
    try {
      const detail = await api.conversation(id);
      if (seq !== openSeq) return;
      s.loading = false;
      apply(detail);
      if (focus) el.querySelector('#pane-title')?.focus({ preventScroll: true });
    } catch (err) {
      if (seq !== openSeq) return;
      s.loading = false;
      if (err instanceof ApiError && err.status === 404) {
        s.notFound = true;
        render();
        ctx.onGone(id, true);
      } else {
        s.notFound = true;
        render();
        toast(describe(err), 'error');
      }
      if (focus) el.querySelector('#pane-title')?.focus();
    }
  }

  async function refresh() {
    const id = s.id;
    if (!id || !s.detail) return;
    try {
      const detail = await api.conversation(id);
      if (s.id !== id) return;
      apply(detail);
    } catch (err) {
      if (s.id !== id) return;
      if (err instanceof ApiError && err.status === 404) gone(t('pane.left_view'));
    }
  }

  function close() {
    openSeq += 1;
    s = blank(null);
    messageNodes.clear();
    messagesEl.replaceChildren();
    composerKey = '';
    render();
  }

  function onMessage(m) {
    if (!s.detail || s.detail.details_hidden) return;
    s.messages.set(m.id, m);
    renderMessages();
  }

  render();
  return {
    el,
    id: () => s.id,
    open,
    close,
    refresh,
    onMessage,
    render: () => {
      composerKey = '';
      render();
    },
  };
}
