// What the browser tests share: one Chromium (Debian's, /usr/bin/chromium or CHROMIUM_PATH,
// driven by playwright-core) per test file, fresh contexts that record page errors and CSP
// violations, logging in, the inbox's list, and the API with a context's session. Every wait is
// for an element, a response or a condition: no fixed sleeps.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const BASE = (process.env.ATENDE_E2E_URL || 'http://127.0.0.1:18080').replace(/\/$/, '');
export const SHOTS = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
export const TABS = ['mine', 'waiting', 'others', 'finished', 'my_finished'];
export const TIMEOUT = 10_000;
/** Names created by a run carry it, so that the tests can run again on the same server. */
export const STAMP = Date.now().toString(36);

let browser;
const contexts = [];

before(async () => {
  await mkdir(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // A fake microphone (a beep) that needs no permission prompt: voice.test.mjs records.
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
    ],
  });
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
});

/** A fresh browser context (own cookies and storage) with a page that records page errors;
 * `base`: another server than the demo's (the first-run setup's). */
export async function openPage(viewport = DESKTOP, base = BASE) {
  const context = await browser.newContext({ baseURL: base, viewport, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo' });
  context.setDefaultTimeout(TIMEOUT);
  contexts.push(context);
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Expected answers (401 before login, 404 of a hidden conversation) log "Failed to load
    // resource"; anything else (a CSP violation, an exception) is a problem.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.problems.push(m.text());
  });
  return { context, page };
}

export function noProblems(page) {
  assert.deepEqual(page.problems, [], 'no page errors nor CSP violations');
}

/** Logs in through the form and waits for the inbox (or the administration, for its hash). */
export async function login(page, email, password = 'demo', hash = '') {
  await page.goto(`/${hash}`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Senha', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Entrar' }).click();
  if (hash.startsWith('#/admin')) await page.locator('.admin-nav').waitFor();
  else await page.getByRole('tablist').waitFor();
}

/** A new context logged in as `email` (password `demo`). */
export async function loggedIn(email, { viewport = DESKTOP, hash = '' } = {}) {
  const { context, page } = await openPage(viewport);
  await login(page, email, 'demo', hash);
  return { context, page };
}

/** Changes a temporary password on the page the login left open. */
export async function changePassword(page, current, next) {
  await page.getByRole('heading', { name: 'Troque sua senha' }).waitFor();
  await page.getByLabel('Senha atual', { exact: true }).fill(current);
  await page.getByLabel('Nova senha', { exact: true }).fill(next);
  await page.getByLabel('Repita a nova senha').fill(next);
  await page.getByRole('button', { name: 'Trocar senha' }).click();
  await page.getByRole('tablist').waitFor();
}

/** Waits until the list shows the selected tab, loaded. */
export async function listLoaded(page, tab) {
  await page.locator(`[role=tab][data-tab="${tab}"][aria-selected="true"]`).waitFor();
  await page.locator('.conv-list[aria-busy="false"]').waitFor();
}

export async function shownIds(page) {
  return page.locator('.conv-list .row-link').evaluateAll((links) => links.map((a) => Number(a.dataset.id)));
}

export async function apiJson(context, path) {
  const r = await context.request.get(`${BASE}${path}`);
  assert.equal(r.status(), 200, `${path} answers 200`);
  return r.json();
}

/** A write through the API with the context's session; the answer's JSON (null when empty). */
export async function apiSend(context, method, path, data) {
  const r = await context.request.fetch(`${BASE}${path}`, { method, data, headers: { Origin: BASE } });
  assert.ok(r.status() < 300, `${method} ${path} answers ${r.status()}`);
  const text = await r.text();
  return text ? JSON.parse(text) : null;
}

export const apiPost = (context, path, data) => apiSend(context, 'POST', path, data);

/** Opens a section from the administration's navigation. */
export async function section(page, name) {
  await page.locator('.admin-nav').getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 2, name, exact: true }).waitFor();
}

/** The form fields inside `root` (a locator) without a label: none is expected. */
export async function unlabelledFields(root) {
  return root.evaluate((el) =>
    [...el.querySelectorAll('input:not([type=hidden]), select, textarea')]
      .filter((f) => !f.labels?.length && !f.getAttribute('aria-label') && !f.getAttribute('aria-labelledby'))
      .map((f) => f.outerHTML),
  );
}

/** A fake Graph API: `GET /v21.0/{number}` answers the number for `token` while `graph.ok`, else Meta's 401. */
export async function fakeGraph(number, token) {
  const graph = { ok: true };
  graph.server = createServer((req, res) => {
    const [, version, id] = req.url.split('?')[0].split('/');
    res.setHeader('connection', 'close');
    if (graph.ok && req.headers.authorization === `Bearer ${token}` && version === 'v21.0' && id === number) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ id: number, display_phone_number: '+55 11 4000-0000' }));
    }
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 } }));
  });
  await new Promise((resolve) => graph.server.listen(0, '127.0.0.1', resolve));
  graph.base = `http://127.0.0.1:${graph.server.address().port}/v21.0`;
  return graph;
}
