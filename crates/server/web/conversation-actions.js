// The conversation pane's actions: what talks to the API (`GET /conversations/{id}`, its messages,
// the actions the server lists). Each one updates the pane's state (conversation-state.js) and
// then asks the view (conversation-view.js) to draw. After an action the pane shows the answer
// (200: the conversation as it is now; 204: it left the user's view). A late answer for a
// conversation no longer open is dropped.

import { ApiError, api, describe, upload } from './api.js';
import { refusal } from './conversation-file.js';
import { MAX_MS, record, recordingProblem } from './conversation-voice.js';
import { toast } from './dom.js';
import { t } from './i18n.js';
import {
  NEWEST,
  OLDER_PAGE,
  addMessages,
  afterAction,
  applyDetail,
  blank,
  blankTemplate,
  chooseMode,
  newestId,
  oldestId,
  openForm,
} from './conversation-state.js';

/** The actions of a pane drawn by `view`; `ctx` is the pane's. The state lives here. */
export function createActions(ctx, view) {
  let s = blank(null);
  let openSeq = 0;
  let recorder = null; // the voice note being recorded
  let ticking = null; // its clock

  async function act(action, body, { quiet = false } = {}) {
    const id = s.id;
    if (!id || s.busy) return false;
    s.busy = true;
    view.head(s);
    view.composer(s);
    try {
      const answer = action === 'template' ? await api.template(id, body) : await api.act(id, action, body);
      if (s.id !== id) return true;
      s.busy = false;
      if (answer === null) {
        gone(t('pane.left_view'));
        return true;
      }
      if (afterAction(s, action) && !quiet) toast(t(`action.done.${action}`));
      apply(answer);
      ctx.onUpdated(answer);
      return true;
    } catch (err) {
      if (s.id !== id) return false;
      s.busy = false;
      if (err instanceof ApiError && err.status === 404) {
        gone(t('pane.not_found'));
      } else if (err instanceof ApiError && err.code === 'outside_customer_window') {
        s.template = blankTemplate();
        s.templateFocus = true;
        view.rebuildComposer();
        view.head(s);
        view.composer(s);
      } else if (err instanceof ApiError && err.status === 409) {
        toast(t('error.conflict'), 'error');
        await refresh();
      } else {
        toast(describe(err), 'error');
        view.head(s);
        view.composer(s);
      }
      return false;
    }
  }

  /** A reply or a note; once it went, its draft empties. */
  async function send(mode, text) {
    const ok = await act(mode, { text }, { quiet: true });
    if (ok) {
      s.drafts[mode] = '';
      if (s.mode === mode) view.composerSent();
    }
  }

  /** A file for the composer (null: none); refused at once when WhatsApp would refuse it. */
  function pickFile(file) {
    if (s.uploading || s.recording) return;
    const why = file ? refusal(file) : null;
    if (why) {
      toast(why, 'error');
      return;
    }
    s.file = file;
    s.fileVoice = false;
    view.composer(s);
  }

  /**
   * Sends the composer's file with its caption; once it went, the file and the draft empty. A
   * voice note goes without a caption (WhatsApp shows none on audio) and leaves the draft.
   */
  async function sendFile(mode, caption) {
    const id = s.id;
    const file = s.file;
    if (!id || !file || s.busy) return;
    const voice = s.fileVoice;
    s.busy = true;
    s.uploading = true;
    view.composer(s);
    try {
      const m = await upload(id, mode, file, voice ? '' : caption, (f) => view.uploadProgress(f));
      if (s.id !== id) return;
      s.busy = false;
      s.uploading = false;
      s.file = null;
      s.fileVoice = false;
      if (!voice) s.drafts[mode] = '';
      onMessage(m);
      view.composer(s);
      if (voice) view.focusComposer();
      else view.composerSent();
    } catch (err) {
      if (s.id !== id) return;
      s.busy = false;
      s.uploading = false;
      view.composer(s);
      if (err instanceof ApiError && err.status === 404) gone(t('pane.not_found'));
      else if (err instanceof ApiError && err.code === 'outside_customer_window') {
        s.template = blankTemplate();
        s.templateFocus = true;
        view.rebuildComposer();
        view.composer(s);
      } else toast(describe(err), 'error');
    }
  }

  /** The microphone button: records a voice note (the browser asks for the microphone). */
  async function startVoice() {
    const id = s.id;
    if (!id || s.busy || s.uploading || s.recording || s.file) return;
    s.recording = { startedAt: 0 };
    view.composer(s);
    let started;
    try {
      started = await record();
    } catch (err) {
      if (s.id === id) {
        s.recording = null;
        view.composer(s);
        view.focusMic();
      }
      toast(recordingProblem(err), 'error');
      return;
    }
    if (s.id !== id || !s.recording) {
      started.cancel();
      return;
    }
    recorder = started;
    s.recording = { startedAt: Date.now() };
    view.composer(s);
    view.focusVoiceStop();
    ticking = setInterval(() => {
      if (!s.recording?.startedAt) return;
      const ms = Date.now() - s.recording.startedAt;
      view.recordingTick(ms);
      if (ms >= MAX_MS) {
        toast(t('voice.too_long'));
        stopVoice(true);
      }
    }, 250);
  }

  /** Stops the recording: `send` sends it (as the composer's mode says), else it is dropped. */
  async function stopVoice(send) {
    clearInterval(ticking);
    ticking = null;
    const r = recorder;
    recorder = null;
    const wasRecording = !!s.recording;
    s.recording = null;
    if (!r) {
      if (wasRecording) view.composer(s);
      return;
    }
    if (!send) {
      r.cancel();
      view.composer(s);
      view.focusMic();
      return;
    }
    const id = s.id;
    s.busy = true;
    view.composer(s);
    const file = await r.stop();
    if (s.id !== id) return;
    s.busy = false;
    if (!file) {
      toast(t('voice.empty'), 'error');
      view.composer(s);
      return;
    }
    s.file = file;
    s.fileVoice = true;
    await sendFile(s.mode, '');
  }

  function gone(notice) {
    const id = s.id;
    toast(notice);
    ctx.onGone(id);
  }

  // Shows a conversation detail (an action's answer or a fresh read).
  function apply(detail) {
    if (applyDetail(s, detail)) view.rebuildComposer();
    view.render(s);
    // New messages since the last read (the live stream also brings them).
    if (!detail.details_hidden) loadMessages();
  }

  async function setForm(form) {
    const from = s.form;
    openForm(s, form);
    view.head(s);
    view.focusForm(form, from);
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
        view.head(s);
        view.focusSelect();
      }
    }
  }

  function chooseComposerMode(mode) {
    chooseMode(s, mode);
    view.rebuildComposer();
    view.composer(s);
    view.focusComposer();
  }

  /** The template form closes: after it went, or back to the reply box (`focus`: into it). */
  function closeTemplate({ focus }) {
    s.template = null;
    view.rebuildComposer();
    view.composer(s);
    if (focus) view.focusComposer();
  }

  // Messages.
  async function loadMessages() {
    const id = s.id;
    s.loading = true;
    try {
      if (!s.messages.size) {
        // A conversation opens at its newest messages; older ones load on demand.
        const page = await api.messagesBefore(id, NEWEST, OLDER_PAGE);
        if (s.id !== id) return;
        addMessages(s, page);
        s.older = page.length === OLDER_PAGE;
      }
      for (;;) {
        const page = await api.messages(id, newestId(s), 200);
        if (s.id !== id) return;
        addMessages(s, page);
        if (page.length < 200) break;
      }
    } catch (err) {
      if (s.id !== id) return;
      if (!(err instanceof ApiError && err.status === 403)) toast(describe(err), 'error');
    } finally {
      if (s.id === id) {
        s.loading = false;
        if (s.detail) view.messages(s);
      }
    }
  }

  /** The page before the oldest message shown; the reader keeps their place. */
  async function loadOlder() {
    const id = s.id;
    if (!s.messages.size || s.loadingOlder) return;
    s.loadingOlder = true;
    view.older(s);
    try {
      const page = await api.messagesBefore(id, oldestId(s), OLDER_PAGE);
      if (s.id !== id) return;
      addMessages(s, page);
      s.older = page.length === OLDER_PAGE;
      view.olderMessages(s);
    } catch (err) {
      if (s.id === id) toast(describe(err), 'error');
    } finally {
      if (s.id === id) {
        s.loadingOlder = false;
        view.older(s);
      }
    }
  }

  function onMessage(m) {
    if (!s.detail || s.detail.details_hidden) return;
    addMessages(s, [m]);
    view.messages(s);
  }

  // Opening and closing.
  async function open(id, { focus = false } = {}) {
    if (id === s.id && s.detail) {
      if (focus) view.focusTitle();
      return refresh();
    }
    const seq = ++openSeq;
    stopVoice(false);
    s = blank(id);
    view.forget({ follow: true });
    s.loading = true;
    view.render(s);
    try {
      const detail = await api.conversation(id);
      if (seq !== openSeq) return;
      s.loading = false;
      apply(detail);
      if (focus) view.focusTitle({ preventScroll: true });
    } catch (err) {
      if (seq !== openSeq) return;
      s.loading = false;
      if (err instanceof ApiError && err.status === 404) {
        s.notFound = true;
        view.render(s);
        ctx.onGone(id, true);
      } else {
        s.notFound = true;
        view.render(s);
        toast(describe(err), 'error');
      }
      if (focus) view.focusTitle();
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
    stopVoice(false);
    s = blank(null);
    view.forget();
    view.render(s);
  }

  return {
    state: () => s,
    act,
    send,
    sendFile,
    pickFile,
    startVoice,
    stopVoice,
    setForm,
    redrawHead: () => view.head(s),
    chooseMode: chooseComposerMode,
    closeTemplate,
    loadOlder,
    onMessage,
    open,
    refresh,
    close,
  };
}
