// Small DOM helpers: build elements without innerHTML (no markup injection, CSP-friendly).

/**
 * Creates an element.
 *   h('button', {class: 'btn', type: 'button', onclick: fn, dataset: {id: 3}}, 'Text', child)
 * Props: `class`, `text`, `dataset`, `on<event>` (listeners), booleans (set when true), other
 * attributes as strings. Children: nodes, strings, numbers, arrays, null/false (skipped).
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Calls `fn` once `ms` passed without another call. */
export function debounce(fn, ms) {
  let timer = null;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      fn(...args);
    }, ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

let toastRegion = null;

/** Shows a short message in a live region that overlays the page (no layout shift). */
export function toast(message, kind = 'info') {
  if (!toastRegion || !toastRegion.isConnected) {
    toastRegion = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.append(toastRegion);
  }
  const item = h('div', { class: `toast toast-${kind}` }, message);
  toastRegion.append(item);
  setTimeout(() => item.remove(), kind === 'error' ? 7000 : 4000);
}

let uid = 0;
/** A unique id for label/aria wiring. */
export function nextId(prefix = 'id') {
  uid += 1;
  return `${prefix}-${uid}`;
}

/**
 * A text with its `https://` addresses as links (a shared location's map, a link a customer
 * sent): the rest stays text. Only https, opened in a new tab without the opener or a referrer;
 * trailing punctuation stays outside the link.
 */
export function linkified(text) {
  const parts = [];
  let last = 0;
  for (const m of String(text).matchAll(/https:\/\/[^\s<>"']+/g)) {
    const url = m[0].replace(/[.,;:!?)\]]+$/, '');
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push(h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, url));
    last = m.index + url.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}
