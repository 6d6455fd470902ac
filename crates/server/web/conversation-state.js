// The conversation pane's state: what one open conversation holds (its detail, its messages, the
// open form, the composer's drafts) and the pure functions that change it or derive from it. No
// DOM and no API here: conversation-actions.js fetches and calls these, conversation-view.js draws.

export const BUTTON_ACTIONS = ['assume', 'finish', 'finish_in_survey', 'reopen'];
export const FORM_ACTIONS = ['transfer', 'change_department', 'link_contact'];
export const OLDER_PAGE = 50;
/** A `before` beyond every message id: the newest page. */
export const NEWEST = 9007199254740991;
/** The actions that write in the conversation (they keep the open form, and say nothing). */
const WRITES = ['reply', 'note', 'template', 'tag', 'untag'];

/** The state of the pane showing conversation `id` (null: none), before anything loaded. */
export function blank(id) {
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
    file: null, // the File the composer will send
    fileVoice: false, // that file is a voice note recorded here
    uploading: false, // the file is being sent
    recording: null, // {startedAt} while a voice note is recorded (0: the microphone is opening)
  };
}

/** An empty template form. */
export function blankTemplate() {
  return { name: '', language: 'pt_BR', parameters: '' };
}

/** Whether the server lists `action` for the conversation as it is. */
export const allowed = (s, action) => !!s.detail && s.detail.actions.includes(action);

/**
 * Takes a conversation detail (an action's answer or a fresh read). Outside the customer's
 * 24-hour window only a template goes: its form opens at once. True when the composer must be
 * built again.
 */
export function applyDetail(s, detail) {
  let rebuild = false;
  s.detail = detail;
  if (detail.customer_window_open === false && !s.windowOffered && detail.actions.includes('reply')) {
    s.windowOffered = true;
    s.template = s.template || blankTemplate();
    rebuild = true;
  } else if (detail.customer_window_open === true) {
    s.windowOffered = false;
  }
  if (detail.details_hidden) s.messages.clear();
  return rebuild;
}

/** After an action went: the forms it closes. True when it is worth a notice. */
export function afterAction(s, action) {
  if (WRITES.includes(action)) {
    if (action === 'tag' || action === 'untag') s.form = s.form === 'tag' ? null : s.form;
    return false;
  }
  s.form = null;
  s.targets = null;
  return true;
}

/** Opens form `form` (null: none), empty. */
export function openForm(s, form) {
  s.form = form;
  s.formValue = '';
  s.contacts = null;
}

/** How far a delivery has gone: it only moves forward. */
const DELIVERY_STEP = { pending: 0, sent: 1, delivered: 2, read: 3, failed: 4 };

/**
 * How far a message has gone: its delivery, then its files fetched. Answers and events can
 * arrive out of order (the send's answer after the event saying it was sent): a copy that has
 * gone less far is an older one.
 */
export function progress(m) {
  const delivery = DELIVERY_STEP[m.delivery] ?? 0;
  const files = (m.attachments || []).filter((a) => a.state !== 'pending').length;
  return delivery * 1000 + files;
}

/** Adds a page of messages (the same id again replaces it, unless the copy shown is newer). */
export function addMessages(s, page) {
  for (const m of page) {
    const known = s.messages.get(m.id);
    if (!known || progress(m) >= progress(known)) s.messages.set(m.id, m);
  }
}

/** The newest message id shown (undefined: none). */
export const newestId = (s) => (s.messages.size ? Math.max(...s.messages.keys()) : undefined);

/** The oldest message id shown. */
export const oldestId = (s) => Math.min(...s.messages.keys());

/** The messages to show, oldest first (none while the details are hidden). */
export function shownMessages(s) {
  return s.detail.details_hidden ? [] : [...s.messages.values()].sort((a, b) => a.at - b.at || a.id - b.id);
}

/**
 * The composer's modes the user may write in (reply, note). A reply by default (when allowed);
 * the user's own choice stays while it is allowed.
 */
export function composerModes(s) {
  const modes = ['reply', 'note'].filter((m) => allowed(s, m) && !s.detail.details_hidden);
  if (!s.modeChosen || !modes.includes(s.mode)) s.mode = modes.includes('reply') ? 'reply' : modes[0];
  return modes;
}

/** The user chose a composer mode. */
export function chooseMode(s, mode) {
  s.mode = mode;
  s.modeChosen = true;
}
