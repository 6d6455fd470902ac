// A voice note recorded in the composer: the microphone button asks the browser for the
// microphone and records with MediaRecorder (Chromium records audio/webm with Opus, which the
// server remuxes into OGG/Opus, WhatsApp's voice note; Firefox records OGG/Opus itself); the
// composer shows the time recorded with Cancel and Stop, and Stop sends it like a file
// (conversation-actions.js). A refused or missing microphone is said in words.

import { h } from './dom.js';
import { t } from './i18n.js';

/** What the browser is asked to record, best first: Opus, so that WhatsApp takes a voice note. */
const TYPES = ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm', 'audio/mp4'];
/** Speech needs little: 32 kbit/s keeps a minute near 240 KB (WhatsApp plays up to 512 KB inline). */
const BITS_PER_SECOND = 32000;
/** A recording stops (and goes) after 15 minutes, far within WhatsApp's 16 MB for audio. */
export const MAX_MS = 15 * 60 * 1000;

/** Whether this page may record at all (a secure page in a browser that records). */
export function canRecord() {
  return !!(window.isSecureContext && navigator.mediaDevices?.getUserMedia && window.MediaRecorder);
}

function extension(type) {
  if (type.startsWith('audio/ogg')) return 'ogg';
  if (type.startsWith('audio/mp4')) return 'm4a';
  return 'webm';
}

/**
 * Starts recording from the microphone. Resolves with {stop, cancel}: `stop()` resolves with the
 * recording as a File (null when nothing was recorded), `cancel()` drops it; either one lets go
 * of the microphone. Rejects as getUserMedia does (NotAllowedError, NotFoundError, ...).
 */
export async function record() {
  if (!canRecord()) throw new DOMException('recording is not available here', 'NotSupportedError');
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
  const release = () => stream.getTracks().forEach((track) => track.stop());
  const mimeType = TYPES.find((type) => MediaRecorder.isTypeSupported(type));
  let recorder;
  try {
    recorder = new MediaRecorder(stream, { ...(mimeType ? { mimeType } : {}), audioBitsPerSecond: BITS_PER_SECOND });
    recorder.start(1000);
  } catch (err) {
    release();
    throw err;
  }
  const chunks = [];
  recorder.ondataavailable = (e) => {
    if (e.data?.size) chunks.push(e.data);
  };
  return {
    stop: () =>
      new Promise((resolve) => {
        recorder.onstop = () => {
          release();
          const type = recorder.mimeType || mimeType || 'audio/webm';
          const blob = new Blob(chunks, { type });
          resolve(blob.size ? new File([blob], `voice-note.${extension(type)}`, { type }) : null);
        };
        if (recorder.state === 'inactive') recorder.onstop();
        else recorder.stop();
      }),
    cancel: () => {
      recorder.onstop = null;
      recorder.ondataavailable = null;
      if (recorder.state !== 'inactive') recorder.stop();
      release();
    },
  };
}

/** Why recording could not start, in words (getUserMedia's and MediaRecorder's errors). */
export function recordingProblem(err) {
  switch (err?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return t('voice.denied');
    case 'NotFoundError':
    case 'OverconstrainedError':
      return t('voice.no_mic');
    case 'NotReadableError':
    case 'AbortError':
      return t('voice.mic_busy');
    case 'NotSupportedError':
      return t('voice.unsupported');
    default:
      return t('voice.failed');
  }
}

/** A recording's length as the composer shows it: 0:07, 12:30. */
export function elapsedText(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** The microphone button, beside the attach button. */
export function micButton(s, cb) {
  return h(
    'button',
    {
      type: 'button',
      class: 'btn btn-ghost btn-small composer-mic',
      'aria-label': t('voice.record'),
      title: t('voice.record'),
      'aria-disabled': s.busy ? 'true' : null,
      onclick: () => cb.startVoice(),
    },
    h('span', { class: 'mic-icon', 'aria-hidden': 'true' }),
  );
}

/** The composer's row while recording: the time recorded, Cancel, and Stop (which sends). */
export function recordingRow(s, cb) {
  const starting = !s.recording.startedAt;
  return h(
    'div',
    { class: 'composer-voice', role: 'group', 'aria-label': t('voice.recording') },
    h('span', { class: `voice-dot${starting ? ' voice-dot-starting' : ''}`, 'aria-hidden': 'true' }),
    h('span', { class: 'voice-label' }, starting ? t('voice.starting') : t('voice.recording_short')),
    starting ? null : h('span', { class: 'voice-time', role: 'timer', 'aria-label': t('voice.elapsed') }, elapsedText(Date.now() - s.recording.startedAt)),
    h('button', { type: 'button', class: 'btn btn-ghost btn-small voice-cancel', 'aria-label': t('voice.cancel_label'), onclick: () => cb.stopVoice(false) }, t('voice.cancel')),
    h(
      'button',
      { type: 'button', class: 'btn btn-primary voice-stop', disabled: starting, onclick: () => cb.stopVoice(true) },
      h('span', { class: 'stop-icon', 'aria-hidden': 'true' }),
      t(s.mode === 'note' ? 'voice.stop_note' : 'voice.stop'),
    ),
  );
}
