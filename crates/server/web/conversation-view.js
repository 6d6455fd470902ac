// The conversation pane's rendering: builds and replaces its DOM from the pane's state (the head,
// the messages log, the composer). It keeps only what drawing needs between renders: the elements
// (the composer is not rebuilt while the user types; a message is rebuilt only when it changed)
// and whether the log follows the newest message. It does not fetch: the callbacks
// (conversation-actions.js) do.

import { acceptFiles, fileRow } from './conversation-file.js';
import { elapsedText, micButton, recordingRow } from './conversation-voice.js';
import { attachmentsEl, attachmentsSig } from './conversation-media.js';
import { h, linkified, nextId, replace, toast } from './dom.js';
import { fullTime, lang, shortTime, t, tOr } from './i18n.js';
import { templateForm } from './conversation-template.js';
import { backLink, headContent } from './conversation-head.js';
import { allowed, composerModes, shownMessages } from './conversation-state.js';

/**
 * Creates the pane's elements. `ctx` is the pane's; `cb`: act(action, body, opts), setForm(form),
 * redrawHead(), loadOlder(), chooseMode(mode), send(mode, text), closeTemplate({focus}).
 * Every drawing function takes the state to draw.
 */
export function createView(ctx, cb) {
  const el = h('section', { class: 'pane', 'aria-labelledby': 'pane-title' });
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

  function render(s) {
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
          backLink(ctx),
          h('h2', { id: 'pane-title', tabindex: '-1' }, t('pane.not_found')),
        ),
      );
      return;
    }
    if (!s.detail) {
      replace(
        el,
        h('div', { class: 'pane-empty' }, backLink(ctx), h('h2', { id: 'pane-title', tabindex: '-1' }, t('pane.loading'))),
      );
      return;
    }
    if (!head.isConnected || !el.contains(messagesWrap)) {
      replace(el, head, messagesWrap, composerEl);
      composerKey = '';
    }
    renderHead(s);
    renderMessages(s);
    renderComposer(s);
  }

  // Header: contact, meta, tags, action buttons (conversation-head.js).
  function renderHead(s) {
    const hadFocus = head.contains(document.activeElement);
    // Removing a focused control makes Chromium lay out the half-built pane, which scrolls
    // the messages to the top: keep their place.
    const keepTop = messagesWrap.scrollTop;
    const focusKey = hadFocus ? document.activeElement.dataset.focusKey : null;
    replace(head, headContent(s, ctx, cb));
    // Focus stays on the same control; when it is gone (the assume button, once assumed), on
    // the conversation's title.
    if (hadFocus) {
      const same = focusKey && head.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
      (same || head.querySelector('#pane-title'))?.focus({ preventScroll: true });
    }
    messagesWrap.scrollTop = stick ? messagesWrap.scrollHeight : keepTop;
  }

  /** After a form opened (its first field) or closed (the button that opened it): focus. */
  function focusForm(form, from) {
    if (form) head.querySelector('.inline-form select, .inline-form input')?.focus();
    else head.querySelector(`[data-focus-key="${from === 'tag' ? 'tag-open' : `action:${from}`}"]`)?.focus();
  }

  /** The transfer's targets came: its choice. */
  function focusSelect() {
    head.querySelector('.inline-form select')?.focus();
  }

  // Messages.
  function renderOlder(s) {
    const show = s.older && s.detail && !s.detail.details_hidden;
    replace(
      olderEl,
      show
        ? h('button', { type: 'button', class: 'btn btn-small btn-ghost', disabled: s.loadingOlder, onclick: cb.loadOlder }, s.loadingOlder ? t('app.loading') : t('pane.older'))
        : null,
    );
  }

  function renderMessages(s) {
    renderOlder(s);
    messagesTitle.textContent = t('pane.messages');
    const d = s.detail;
    const list = shownMessages(s);
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
      const sig = [m.body, m.delivery, m.delivery_error, attachmentsSig(m), m.reaction, m.quoted?.id, lang()].join('|');
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

  /** Draws the messages after older ones came in: the reader keeps their place. */
  function renderOlderMessages(s) {
    const fromBottom = messagesWrap.scrollHeight - messagesWrap.scrollTop;
    stick = false;
    renderMessages(s);
    messagesWrap.scrollTop = messagesWrap.scrollHeight - fromBottom;
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
      m.quoted
        ? h(
            'blockquote',
            { class: 'msg-quote', 'data-quoted-id': m.quoted.id },
            h('span', { class: 'msg-quote-who' }, t(`msg.${['in', 'out', 'note'].includes(m.quoted.kind) ? m.quoted.kind : 'in'}`)),
            h('span', { class: 'msg-quote-text' }, m.quoted.excerpt || t('msg.quote_file')),
          )
        : null,
      attachmentsEl(m),
      m.body ? h('p', { class: 'msg-body' }, linkified(m.body)) : null,
      m.reaction ? h('span', { class: 'msg-reaction', title: t('msg.reaction'), 'aria-label': `${t('msg.reaction')}: ${m.reaction}` }, m.reaction) : null,
      delivery,
    );
  }

  // Composer: reply / note, or the template form outside the customer window.
  function renderComposer(s) {
    const modes = composerModes(s);
    const template = s.template && allowed(s, 'reply');
    // The composer went away (read only, or only a template goes): so does the recording.
    if (s.recording && (!modes.length || template)) {
      cb.stopVoice(false);
      return;
    }
    const fileKey = s.file ? `${s.file.name}:${s.file.size}:${s.uploading ? 'up' : ''}:${s.fileVoice}` : '';
    const recordingKey = s.recording ? `rec:${s.recording.startedAt ? 'on' : 'starting'}` : '';
    const key = `${modes.join(',')}|${template ? 'template' : s.mode}|${t('composer.send')}|${fileKey}|${recordingKey}`;
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
            act: cb.act,
            done: () => cb.closeTemplate({ focus: false }),
            back: () => cb.closeTemplate({ focus: true }),
          })
        : composerForm(s, modes),
    );
    messagesWrap.scrollTop = stick ? messagesWrap.scrollHeight : keepTop;
  }

  function composerForm(s, modes) {
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
        h('input', { type: 'radio', name: group, value: m, checked: s.mode === m, onchange: () => cb.chooseMode(m) }),
        h('span', null, t(`composer.${m}`)),
      ),
    );
    const form = h(
      'form',
      {
        class: `composer mode-${s.mode}`,
        onsubmit: (e) => {
          e.preventDefault();
          const text = textarea.value.trim();
          if (s.recording) {
            if (s.recording.startedAt) cb.stopVoice(true);
            return;
          }
          if (s.file) {
            cb.sendFile(s.mode, text);
            return;
          }
          if (!text) {
            toast(t('error.missing_text'), 'error');
            textarea.focus();
            return;
          }
          cb.send(s.mode, text);
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
      s.recording
        ? h('div', { class: 'composer-foot' }, recordingRow(s, cb))
        : h(
            'div',
            { class: 'composer-foot' },
            h('span', { class: 'composer-tools' }, fileRow(s, cb), s.file ? null : micButton(s, cb)),
            h('span', { class: 'muted small composer-hint' }, t('composer.hint')),
            h('button', { type: 'submit', class: 'btn btn-primary', 'aria-disabled': s.busy ? 'true' : null }, t(s.mode === 'note' ? 'composer.send_note' : 'composer.send')),
          ),
    );
    acceptFiles(form, textarea, cb);
    return form;
  }

  /** The message went: the reply box empties and keeps the focus. */
  function composerSent() {
    const ta = composerEl.querySelector('textarea');
    if (ta) {
      ta.value = '';
      ta.focus();
    }
  }

  return {
    el,
    render,
    head: renderHead,
    messages: renderMessages,
    olderMessages: renderOlderMessages,
    older: renderOlder,
    composer: renderComposer,
    focusForm,
    focusSelect,
    composerSent,
    /** Shows how long the voice note being recorded is. */
    recordingTick: (ms) => {
      const time = composerEl.querySelector('.voice-time');
      if (time) time.textContent = elapsedText(ms);
    },
    focusVoiceStop: () => composerEl.querySelector('.voice-stop')?.focus(),
    focusMic: () => composerEl.querySelector('.composer-mic')?.focus(),
    /** Shows how much of the file went (0 to 1). */
    uploadProgress: (fraction) => {
      const bar = composerEl.querySelector('.file-progress');
      if (bar) bar.value = fraction;
    },
    /** The composer is built again at its next render (its modes or language changed). */
    rebuildComposer: () => (composerKey = ''),
    /** Forgets the messages shown (another conversation, or none); `follow`: from its end. */
    forget({ follow = false } = {}) {
      if (follow) stick = true;
      messageNodes.clear();
      messagesEl.replaceChildren();
      composerKey = '';
    },
    focusTitle: (options) => el.querySelector('#pane-title')?.focus(options),
    focusComposer: () => composerEl.querySelector('textarea')?.focus(),
  };
}
