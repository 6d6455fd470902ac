// A file in the composer: picked with the button, dropped on the composer or pasted into it
// (a screenshot, say), checked against WhatsApp's limits before anything is sent, shown with its
// name and size until it goes, and the upload's progress while it goes. The server decides and
// checks again (POST /api/v1/conversations/{id}/files); this only spares a useless upload.

import { h, nextId } from './dom.js';
import { t } from './i18n.js';
import { sizeText } from './conversation-media.js';

const MB = 1024 * 1024;
/** WhatsApp's limits, as the server applies them (limits::media_bytes). */
const LIMITS = { image: 5 * MB, audio: 16 * MB, video: 16 * MB, document: 100 * MB };

/** The kind a file is sent as (the server's app::files::kind_of). */
export function kindOf(mime) {
  const m = String(mime || '').split(';')[0].trim().toLowerCase();
  if (m === 'image/jpeg' || m === 'image/png') return 'image';
  // WebM audio (a browser's recording) is remuxed into OGG/Opus by the server: audio too.
  if (['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg', 'audio/opus', 'audio/webm'].includes(m)) return 'audio';
  if (m === 'video/mp4' || m === 'video/3gpp') return 'video';
  return 'document';
}

/** Why a file cannot be sent, in words (null: it can). */
export function refusal(file) {
  if (!file.size) return t('file.empty', { name: file.name });
  const kind = kindOf(file.type);
  if (file.size > LIMITS[kind]) {
    return t('file.too_large', { name: file.name, kind: t(`media.${kind}`).toLowerCase(), limit: LIMITS[kind] / MB });
  }
  return null;
}

/** The composer's file row: the button that picks one, or the file picked (and its progress). */
export function fileRow(s, cb) {
  if (s.file) {
    const progress = s.uploading
      ? h('progress', { class: 'file-progress', max: 1, value: 0, 'aria-label': t('composer.uploading') })
      : null;
    return h(
      'div',
      { class: 'composer-file', 'data-kind': kindOf(s.file.type) },
      h('span', { class: 'composer-file-name' }, s.fileVoice ? t('media.voice') : s.file.name || t('media.document')),
      h('span', { class: 'muted composer-file-size' }, sizeText(s.file.size)),
      progress,
      s.uploading
        ? null
        : h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => cb.pickFile(null) }, t('composer.remove_file')),
    );
  }
  const id = nextId('file');
  return h(
    'span',
    { class: 'composer-attach' },
    h('input', {
      id,
      type: 'file',
      class: 'visually-hidden',
      onchange: (e) => {
        const f = e.target.files?.[0];
        if (f) cb.pickFile(f);
      },
    }),
    h('label', { for: id, class: 'btn btn-ghost btn-small', role: 'button', tabindex: 0,
      onkeydown: (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          document.getElementById(id)?.click();
        }
      } }, t('composer.attach')),
  );
}

/** Lets files be dropped on `el` and pasted into `textarea`. */
export function acceptFiles(el, textarea, cb) {
  const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes('Files');
  el.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    el.classList.add('dropping');
  });
  el.addEventListener('dragleave', () => el.classList.remove('dropping'));
  el.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    el.classList.remove('dropping');
    const f = e.dataTransfer.files?.[0];
    if (f) cb.pickFile(f);
  });
  textarea.addEventListener('paste', (e) => {
    const f = e.clipboardData?.files?.[0];
    if (f) {
      e.preventDefault();
      cb.pickFile(f);
    }
  });
}
