// The files of a message in the pane: pictures and stickers inline (a click opens them in a
// viewer), voice notes, audio and video playable in the page, documents downloadable with their
// name and size; a file still being fetched or that could not be fetched says so.
// Files come from /api/v1/attachments/{id}, with the session: nothing here decides access.

import { h } from './dom.js';
import { lang, t } from './i18n.js';

/** A size in words: 812 B, 14 KB, 3,4 MB (the page's language decides the decimal mark). */
export function sizeText(bytes) {
  if (typeof bytes !== 'number') return '';
  const locale = lang();
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1048576).toLocaleString(locale, { maximumFractionDigits: 1 })} MB`;
}

/** The badge of a document: its extension (PDF, XLSX...), else the MIME subtype. */
function extension(name, mime) {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 6 ? name.slice(dot + 1) : String(mime || '').split('/')[1] || '';
  return ext.replace(/[^a-z0-9]/gi, '').slice(0, 4).toUpperCase() || '?';
}

let viewer = null;

/** Opens a picture in the viewer (a modal dialog: Esc or the button closes it). */
function view(a, label) {
  if (!viewer || !viewer.isConnected) {
    viewer = h('dialog', { class: 'media-viewer', 'aria-label': t('media.viewer') });
    viewer.addEventListener('click', (e) => {
      if (e.target === viewer) viewer.close();
    });
    document.body.append(viewer);
  }
  viewer.replaceChildren(
    h('img', { src: a.url, alt: label }),
    h(
      'p',
      { class: 'media-viewer-actions' },
      h('a', { href: a.url, download: a.file_name || '', class: 'btn' }, t('media.download')),
      h('button', { type: 'button', class: 'btn btn-primary', onclick: () => viewer.close() }, t('media.close')),
    ),
  );
  viewer.showModal();
}

function one(a) {
  const kind = ['image', 'audio', 'video', 'document', 'sticker'].includes(a.kind) ? a.kind : 'document';
  const label = kind === 'audio' && a.voice ? t('media.voice') : t(`media.${kind}`);
  const attrs = { class: `attachment attachment-${kind}`, 'data-attachment-id': a.id, 'data-state': a.state };
  if (a.state === 'pending') {
    return h('div', attrs, h('span', { class: 'attachment-wait' }, `${label} · ${t(a.error ? 'media.retrying' : 'media.pending')}`));
  }
  if (a.state !== 'ready' || !a.url) {
    return h('div', attrs, h('span', { class: 'attachment-failed', role: 'note' }, `⚠ ${t('media.failed', { kind: label })}`, a.error ? `: ${a.error}` : ''));
  }
  if (kind === 'image' || kind === 'sticker') {
    return h(
      'div',
      attrs,
      h(
        'button',
        { type: 'button', class: 'attachment-open', title: t('media.open'), onclick: () => view(a, label) },
        h('img', { src: a.url, alt: label, loading: 'lazy', decoding: 'async' }),
      ),
    );
  }
  if (kind === 'audio') {
    return h(
      'div',
      attrs,
      h('span', { class: 'attachment-label' }, label),
      h('audio', { controls: true, preload: 'metadata', src: a.url, 'aria-label': label }),
    );
  }
  if (kind === 'video') {
    return h('div', attrs, h('video', { controls: true, preload: 'metadata', src: a.url, 'aria-label': label, playsinline: true }));
  }
  const name = a.file_name || t('media.document');
  return h(
    'div',
    attrs,
    h(
      'a',
      { class: 'attachment-file', href: a.url, download: a.file_name || '', title: t('media.download') },
      h('span', { class: 'attachment-icon', 'aria-hidden': 'true' }, extension(name, a.mime_type)),
      h('span', { class: 'attachment-name' }, name),
      h('span', { class: 'attachment-size' }, [sizeText(a.size), a.mime_type].filter(Boolean).join(' · ')),
    ),
  );
}

/** The files of a message (null when it has none). */
export function attachmentsEl(m) {
  const list = Array.isArray(m.attachments) ? m.attachments : [];
  return list.length ? h('div', { class: 'attachments' }, list.map(one)) : null;
}

/** What changes a message's files' look (for the pane's keyed redraw). */
export function attachmentsSig(m) {
  return (m.attachments || []).map((a) => `${a.id}:${a.state}:${a.error || ''}`).join(',');
}
