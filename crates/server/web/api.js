// The HTTP API: JSON in and out, errors as `ApiError` with the API's code, message and reasons.
// A 401 (the session is gone) and a 403 `password_change_required` call the handlers the app
// registers, so any screen falls back to the login or password screen.

import { t, tOr } from './i18n.js';
import './errors-i18n.js';

export class ApiError extends Error {
  constructor(status, code, message, reasons = [], retryAfter = null, params = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.reasons = reasons;
    this.retryAfter = retryAfter;
    this.params = params;
  }
}

const handlers = { unauthorized: () => {}, passwordChange: () => {} };

/** Registers what to do when the session is gone or the password must be changed. */
export function onAuthProblem({ unauthorized, passwordChange }) {
  if (unauthorized) handlers.unauthorized = unauthorized;
  if (passwordChange) handlers.passwordChange = passwordChange;
}

/**
 * Calls the API. Resolves with the parsed JSON body (null for 204); rejects with an ApiError.
 * `quiet: true` skips the 401 handler (the login form handles its own failures).
 */
export async function request(method, path, body, { quiet = false } = {}) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', t('error.network'));
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const e = (data && data.error) || {};
    const retry = Number.parseInt(res.headers.get('Retry-After') || '', 10);
    const err = new ApiError(
      res.status,
      e.code || `http_${res.status}`,
      e.message || res.statusText,
      e.reasons || [],
      Number.isFinite(retry) ? retry : null,
      e.params || {},
    );
    if (!quiet && res.status === 401) handlers.unauthorized(err);
    if (!quiet && res.status === 403 && err.code === 'password_change_required') {
      handlers.passwordChange(err);
    }
    throw err;
  }
  return data;
}

export const get = (path, opts) => request('GET', path, undefined, opts);
export const post = (path, body, opts) => request('POST', path, body, opts);
export const put = (path, body, opts) => request('PUT', path, body, opts);
export const patch = (path, body, opts) => request('PATCH', path, body, opts);
export const del = (path, opts) => request('DELETE', path, undefined, opts);

/** A query string from an object, skipping empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A message for the user: the translation of the error's code when there is one. */
export function describe(err) {
  if (!(err instanceof ApiError)) return t('error.generic');
  if (err.code === 'too_many_requests') return t('error.too_many_requests', { n: err.retryAfter ?? '?' });
  if (err.code === 'forbidden' && err.reasons.length) {
    return `${t('error.forbidden')} (${err.reasons.join(', ')})`;
  }
  // Every code the server sends has a text (errors-i18n.js); a code it does not know (a newer
  // server) falls back to the server's message rather than to nothing.
  return tOr(`error.${err.code}`, null) === null ? err.message || t('error.generic') : t(`error.${err.code}`, err.params);
}

/**
 * Sends a file as a message (`mode`: reply or note) with its caption; `onProgress(fraction)`
 * follows the upload. Resolves with the message; rejects with an ApiError as `request` does.
 */
export function upload(id, mode, file, caption, onProgress) {
  const path = `/api/v1/conversations/${encodeURIComponent(id)}/files${query({ mode, name: file.name || undefined, caption })}`;
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress?.(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', t('error.network')));
    xhr.onload = () => {
      let data = null;
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        data = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(data);
      const e = (data && data.error) || {};
      const err = new ApiError(xhr.status, e.code || `http_${xhr.status}`, e.message || xhr.statusText, e.reasons || [], null, e.params || {});
      if (xhr.status === 401) handlers.unauthorized(err);
      reject(err);
    };
    xhr.send(file);
  });
}

/**
 * Sends a CSV file of contacts to check (`commit` false: a preview) or to import (true).
 * Resolves with the import's report, also when the server refuses the rows (422 with the
 * report: nothing was imported); rejects with an ApiError otherwise.
 */
export async function importContacts(file, commit) {
  let res;
  try {
    res = await fetch(`/api/v1/contacts/import${query({ commit: commit ? 'true' : 'false' })}`, {
      method: 'POST',
      headers: { Accept: 'application/json', 'Content-Type': 'text/csv' },
      credentials: 'same-origin',
      body: file,
    });
  } catch {
    throw new ApiError(0, 'network', t('error.network'));
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (data && typeof data.rows === 'number' && (res.ok || res.status === 422)) return data;
  const e = (data && data.error) || {};
  const err = new ApiError(res.status, e.code || `http_${res.status}`, e.message || res.statusText, e.reasons || []);
  if (res.status === 401) handlers.unauthorized(err);
  if (res.status === 403 && err.code === 'password_change_required') handlers.passwordChange(err);
  throw err;
}

// The endpoints the page uses.
export const api = {
  login: (email, password) => post('/api/v1/auth/login', { email, password }, { quiet: true }),
  logout: () => post('/api/v1/auth/logout', undefined, { quiet: true }),
  me: () => get('/api/v1/me', { quiet: true }),
  changePassword: (current, next) =>
    post('/api/v1/me/password', { current_password: current, new_password: next }, { quiet: true }),
  availability: () => get('/api/v1/me/availability'),
  setAvailability: (value) => put('/api/v1/me/availability', { availability: value }),
  departments: () => get('/api/v1/departments'),
  counts: () => get('/api/v1/conversations/counts'),
  list: (params) => get(`/api/v1/conversations${query(params)}`),
  conversation: (id) => get(`/api/v1/conversations/${encodeURIComponent(id)}`),
  messages: (id, after, limit = 200) =>
    get(`/api/v1/conversations/${encodeURIComponent(id)}/messages${query({ after, limit })}`),
  messagesBefore: (id, before, limit = 100) =>
    get(`/api/v1/conversations/${encodeURIComponent(id)}/messages${query({ before, limit })}`),
  directory: () => get('/api/v1/directory'),
  /** The company's tags with their colours. */
  tagList: () => get('/api/v1/tags'),
  transferTargets: (id) => get(`/api/v1/conversations/${encodeURIComponent(id)}/transfer_targets`),
  act: (id, action, body) =>
    post(`/api/v1/conversations/${encodeURIComponent(id)}/${action}`, body ?? {}),
  template: (id, body) => post(`/api/v1/conversations/${encodeURIComponent(id)}/template`, body),
  contacts: (params) => get(`/api/v1/contacts${query(params)}`),
  contact: (id) => get(`/api/v1/contacts/${encodeURIComponent(id)}`),
  contactConversations: (id) => get(`/api/v1/contacts/${encodeURIComponent(id)}/conversations`),
  createContact: (body) => post('/api/v1/contacts', body),
  updateContact: (id, body) => put(`/api/v1/contacts/${encodeURIComponent(id)}`, body),
  eraseContact: (id) => del(`/api/v1/contacts/${encodeURIComponent(id)}`),
  mergeContacts: (keep, from) => post(`/api/v1/contacts/${encodeURIComponent(keep)}/merge`, { from }),
};
