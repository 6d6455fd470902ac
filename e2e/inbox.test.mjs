// Browser tests of the web inbox, against a demo server the caller started:
//   ATENDE_E2E_URL=http://127.0.0.1:18080 node --test e2e/
// (scripts/e2e starts `atende serve --demo` on a fresh data directory and runs this.)
// Chromium is Debian's (/usr/bin/chromium, or CHROMIUM_PATH), driven by playwright-core.
// Every wait is for an element, a response or a condition: no fixed sleeps.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.ATENDE_E2E_URL || 'http://127.0.0.1:18080').replace(/\/$/, '');
const SHOTS = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const TABS = ['mine', 'waiting', 'others', 'finished', 'my_finished'];
const TIMEOUT = 10_000;

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
    ],
  });
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
});

/** A fresh browser context (own cookies and storage) with a page that records page errors. */
async function openPage(viewport = DESKTOP) {
  const context = await browser.newContext({ baseURL: BASE, viewport, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo' });
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

function noProblems(page) {
  assert.deepEqual(page.problems, [], 'no page errors nor CSP violations');
}

/** Logs in through the form and waits for the inbox. */
async function login(page, email, password = 'demo', hash = '') {
  await page.goto(`/${hash}`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Senha', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.getByRole('tablist').waitFor();
}

async function loggedIn(email, viewport = DESKTOP, hash = '') {
  const { context, page } = await openPage(viewport);
  await login(page, email, 'demo', hash);
  return { context, page };
}

/** Waits until the list shows the selected tab, loaded. */
async function listLoaded(page, tab) {
  await page.locator(`[role=tab][data-tab="${tab}"][aria-selected="true"]`).waitFor();
  await page.locator('.conv-list[aria-busy="false"]').waitFor();
}

async function shownIds(page) {
  return page.locator('.conv-list .row-link').evaluateAll((links) => links.map((a) => Number(a.dataset.id)));
}

async function apiJson(context, path) {
  const r = await context.request.get(`${BASE}${path}`);
  assert.equal(r.status(), 200, `${path} answers 200`);
  return r.json();
}

/** Waits until the five tab counts shown equal `expected`. */
async function countsShown(page, expected) {
  await page.waitForFunction(
    (want) => Object.entries(want).every(([tab, n]) => document.querySelector(`[data-count="${tab}"]`)?.textContent === String(n)),
    expected,
    { timeout: TIMEOUT },
  );
}

// What the tests share: the conversation ana assumes.
let conversationId = null;

test('ana: the Aguardando tab shows what the API gives her, and the counts match', async () => {
  const { context, page } = await loggedIn('ana@demo.example');
  await page.getByRole('tab', { name: /Aguardando/ }).click();
  await listLoaded(page, 'waiting');
  const api = await apiJson(context, '/api/v1/conversations?tab=waiting');
  const ids = await shownIds(page);
  assert.ok(api.items.length > 0, 'the demo has waiting conversations for ana');
  assert.deepEqual(ids, api.items.map((c) => c.id), 'same conversations, same order');

  // Each row: contact name, department, status, channel, time.
  const first = page.locator(`.row-link[data-id="${api.items[0].id}"]`);
  const firstText = await first.innerText();
  assert.ok(firstText.includes(api.items[0].contact?.name ?? 'Detalhes ocultos'));
  assert.ok(firstText.includes('Vendas') && firstText.includes('Aguardando') && firstText.includes('WhatsApp'));

  const counts = await apiJson(context, '/api/v1/conversations/counts');
  await countsShown(page, counts);
  for (const tab of TABS) {
    assert.equal(await page.locator(`[data-count="${tab}"]`).textContent(), String(counts[tab]));
  }
  noProblems(page);
});

test('davi does not see a conversation of Vendas, not even by its address', async () => {
  const ana = await openPage();
  await login(ana.page, 'ana@demo.example');
  const waiting = await apiJson(ana.context, '/api/v1/conversations?tab=waiting');
  const hidden = waiting.items[0].id;

  const { context, page } = await loggedIn('davi@demo.example');
  for (const tab of TABS) {
    const list = await apiJson(context, `/api/v1/conversations?tab=${tab}&limit=200`);
    assert.ok(!list.items.some((c) => c.id === hidden), `not in davi's ${tab}`);
  }
  await page.getByRole('tab', { name: /Aguardando/ }).click();
  await listLoaded(page, 'waiting');
  assert.ok(!(await shownIds(page)).includes(hidden), 'not in his Aguardando list');

  // The address of the conversation opens nothing.
  await page.goto(`/#/waiting/${hidden}`);
  await page.getByRole('heading', { name: 'Conversa não encontrada ou sem acesso.' }).waitFor();
  assert.equal(await page.locator('.msg').count(), 0);
  for (const path of [`/api/v1/conversations/${hidden}`, `/api/v1/conversations/${hidden}/messages`]) {
    const r = await context.request.get(`${BASE}${path}`);
    assert.equal(r.status(), 404, `${path} is 404 for davi`);
  }
  noProblems(page);
});

test('ana assumes, replies and notes; bruno sees it live', async () => {
  const ana = await loggedIn('ana@demo.example', DESKTOP, '#/waiting');
  const bruno = await openPage();

  // A waiting conversation both see (Vendas, team access), with its details visible.
  const waiting = await apiJson(ana.context, '/api/v1/conversations?tab=waiting');
  await login(bruno.page, 'bruno@demo.example', 'demo', '#/waiting');
  let target = null;
  for (const c of waiting.items) {
    const detail = await ana.context.request.get(`${BASE}/api/v1/conversations/${c.id}`).then((r) => r.json());
    const seen = await bruno.context.request.get(`${BASE}/api/v1/conversations/${c.id}`);
    if (!c.details_hidden && detail.actions.includes('assume') && seen.status() === 200) {
      target = c;
      break;
    }
  }
  assert.ok(target, 'a waiting conversation ana may assume and bruno sees');
  conversationId = target.id;

  // Bruno has it open in his pane, and in his Aguardando list.
  await bruno.page.goto(`/#/waiting/${target.id}`);
  await listLoaded(bruno.page, 'waiting');
  await bruno.page.locator(`.row-link[data-id="${target.id}"]`).waitFor();
  const brunoStatus = bruno.page.locator('.pane [data-testid="pane-status"]');
  await brunoStatus.filter({ hasText: 'Aguardando' }).waitFor();

  // Ana opens it from the list with the keyboard (Enter on the row).
  await listLoaded(ana.page, 'waiting');
  const row = ana.page.locator(`.row-link[data-id="${target.id}"]`);
  await row.focus();
  await ana.page.keyboard.press('Enter');
  await ana.page.waitForURL(`**/#/waiting/${target.id}`);
  const pane = ana.page.locator('.pane');
  const assume = pane.getByRole('button', { name: 'Assumir', exact: true });
  await assume.waitFor();

  const answer = ana.page.waitForResponse((r) => r.url().endsWith(`/conversations/${target.id}/assume`));
  await assume.click();
  assert.equal((await answer).status(), 200);
  await pane.locator('[data-testid="pane-status"]', { hasText: 'Em atendimento' }).waitFor();
  await assume.waitFor({ state: 'detached' });
  assert.equal(await pane.getByRole('button', { name: 'Assumir', exact: true }).count(), 0, 'no assume button once assumed');
  await pane.getByText('Com você').waitFor();

  // Bruno: the state changes in his pane and the row leaves his Aguardando list, no reload.
  await brunoStatus.filter({ hasText: 'Em atendimento' }).waitFor();
  await bruno.page.locator(`.conv-list .row-link[data-id="${target.id}"]`).waitFor({ state: 'detached' });

  // A reply.
  const stamp = Date.now().toString(36);
  const replyText = `Olá! Já estou verificando seu pedido (${stamp}).`;
  await pane.getByRole('radio', { name: 'Responder' }).check();
  await pane.getByRole('textbox', { name: 'Responder' }).fill(replyText);
  const replied = ana.page.waitForResponse((r) => r.url().endsWith(`/conversations/${target.id}/reply`));
  await pane.getByRole('button', { name: 'Enviar', exact: true }).click();
  assert.equal((await replied).status(), 200);
  await pane.locator('.msg-out', { hasText: replyText }).waitFor();
  assert.equal(await pane.getByRole('textbox', { name: 'Responder' }).inputValue(), '', 'the box is emptied');

  // A note, shown apart from the replies.
  const noteText = `Cliente pediu retorno até amanhã (${stamp}).`;
  await pane.getByRole('radio', { name: 'Nota interna' }).check();
  await pane.getByRole('textbox', { name: 'Nota interna' }).fill(noteText);
  await pane.getByRole('textbox', { name: 'Nota interna' }).press('Control+Enter');
  const note = pane.locator('.msg-note', { hasText: noteText });
  await note.waitFor();
  assert.ok((await note.textContent()).includes('Nota interna'), 'labelled as an internal note');
  assert.equal(await pane.locator('.msg-out', { hasText: noteText }).count(), 0);

  // Bruno sees both messages appear, each in its kind.
  await bruno.page.locator('.pane .msg-out', { hasText: replyText }).waitFor();
  await bruno.page.locator('.pane .msg-note', { hasText: noteText }).waitFor();

  // The counts follow: the API and both pages agree.
  await countsShown(ana.page, await apiJson(ana.context, '/api/v1/conversations/counts'));
  await countsShown(bruno.page, await apiJson(bruno.context, '/api/v1/conversations/counts'));

  noProblems(ana.page);
  noProblems(bruno.page);
});

test('moving a conversation out of her view closes the pane and drops the row', async () => {
  const { context, page } = await loggedIn('ana@demo.example', DESKTOP, '#/waiting');
  const departments = await apiJson(context, '/api/v1/departments');
  const financeiro = departments.find((d) => d.name === 'Financeiro');
  const waiting = await apiJson(context, '/api/v1/conversations?tab=waiting');
  let target = null;
  for (const c of waiting.items) {
    const d = await apiJson(context, `/api/v1/conversations/${c.id}`);
    if (d.actions.includes('change_department')) {
      target = c;
      break;
    }
  }
  assert.ok(target, 'a conversation ana may move');
  await listLoaded(page, 'waiting');
  await page.locator(`.row-link[data-id="${target.id}"]`).click();
  const pane = page.locator('.pane');
  await pane.getByRole('button', { name: 'Mudar departamento' }).click();
  await pane.getByLabel('Novo departamento').selectOption(String(financeiro.id));
  const moved = page.waitForResponse((r) => r.url().endsWith(`/conversations/${target.id}/change_department`));
  await pane.getByRole('button', { name: 'Confirmar' }).click();
  assert.equal((await moved).status(), 204, 'it left her view');
  await page.waitForURL('**/#/waiting');
  await pane.getByRole('heading', { name: 'Escolha uma conversa na lista.' }).waitFor();
  await page.locator(`.row-link[data-id="${target.id}"]`).waitFor({ state: 'detached' });
  await page.getByRole('status').filter({ hasText: 'A conversa saiu da sua visão.' }).waitFor();
  const r = await context.request.get(`${BASE}/api/v1/conversations/${target.id}`);
  assert.equal(r.status(), 404);
  noProblems(page);
});

test('the list loads the next page at its end', async () => {
  const { context, page } = await loggedIn('owner@demo.example', DESKTOP, '#/finished');
  await listLoaded(page, 'finished');
  const api = await apiJson(context, '/api/v1/conversations?tab=finished&limit=100');
  assert.ok(api.items.length > 50, 'the owner has more than one page');
  assert.equal((await shownIds(page)).length, 50);
  await page.locator('.list-scroll').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await page.waitForFunction(() => document.querySelectorAll('.conv-list .row-link').length > 50);
  const ids = await shownIds(page);
  assert.deepEqual(ids.slice(0, 100), api.items.map((c) => c.id).slice(0, ids.length), 'the two pages follow each other');
  noProblems(page);
});

test('a wrong password shows the generic error; logout returns to the login', async () => {
  const { page } = await openPage();
  await page.goto('/');
  await page.getByLabel('E-mail').fill('ana@demo.example');
  await page.getByLabel('Senha', { exact: true }).fill('not-the-password');
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
  await page.getByRole('button', { name: 'Entrar' }).click();
  assert.equal((await answer).status(), 401);
  await page.getByRole('alert').filter({ hasText: 'E-mail ou senha incorretos.' }).waitFor();
  assert.equal(await page.getByRole('tablist').count(), 0, 'still on the login screen');
  // A right password afterwards clears the failure (and keeps the address unthrottled).
  await page.getByLabel('Senha', { exact: true }).fill('demo');
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.getByRole('tablist').waitFor();
  // Logging out ends the session: back to the login, and the API refuses the old cookie.
  await page.getByRole('button', { name: 'Sair' }).click();
  await page.getByRole('button', { name: 'Entrar' }).waitFor();
  assert.equal((await page.context().request.get(`${BASE}/api/v1/me`)).status(), 401);
  noProblems(page);
});

test('the language switch changes the tab labels and is remembered', async () => {
  const { page } = await loggedIn('ana@demo.example');
  const labels = () => page.locator('[role=tab] .tab-label').allTextContents();
  assert.deepEqual(await labels(), ['Meus', 'Aguardando', 'Outros', 'Concluídos', 'Meus finalizados']);
  await page.getByLabel('Idioma').selectOption('en');
  await page.getByRole('tab', { name: /Waiting/ }).waitFor();
  assert.deepEqual(await labels(), ['Mine', 'Waiting', 'Others', 'Finished', 'My finished']);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await page.reload();
  await page.getByRole('tab', { name: /Waiting/ }).waitFor();
  await page.getByLabel('Language').selectOption('pt-BR');
  await page.getByRole('tab', { name: /Aguardando/ }).waitFor();
  noProblems(page);
});

test('a temporary password must be changed first', async () => {
  const owner = await openPage();
  await login(owner.page, 'owner@demo.example');
  const roles = await apiJson(owner.context, '/api/v1/roles');
  const agent = roles.find((r) => r.builtin && r.name === 'agent');
  const email = `temp-${Date.now().toString(36)}@demo.example`;
  const created = await owner.context.request.post(`${BASE}/api/v1/users`, {
    data: { email, name: 'Teresa Temporária', password: 'temporaria-1', roles: [{ role_id: agent.id }], memberships: [{ department_id: 2, kind: 'member' }] },
  });
  assert.equal(created.status(), 201);

  const { page } = await openPage();
  await page.goto('/');
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Senha', { exact: true }).fill('temporaria-1');
  await page.getByRole('button', { name: 'Entrar' }).click();
  await page.getByRole('heading', { name: 'Troque sua senha' }).waitFor();
  await page.getByLabel('Senha atual', { exact: true }).fill('temporaria-1');
  await page.getByLabel('Nova senha', { exact: true }).fill('uma-senha-nova-2');
  await page.getByLabel('Repita a nova senha').fill('uma-senha-nova-2');
  await page.getByRole('button', { name: 'Trocar senha' }).click();
  await page.getByRole('tablist').waitFor();
  await page.getByText('Teresa Temporária').waitFor();
  noProblems(page);
});

test('screenshots: login, inbox, phone', async () => {
  const login = await openPage(DESKTOP);
  await login.page.goto('/');
  await login.page.getByRole('button', { name: 'Entrar' }).waitFor();
  await login.page.screenshot({ path: `${SHOTS}login.png` });

  // The conversation ana assumed (with the reply and the note), or her first one.
  const ana = await loggedIn('ana@demo.example', DESKTOP);
  const id = conversationId ?? (await apiJson(ana.context, '/api/v1/conversations?tab=mine')).items[0].id;
  await ana.page.goto(`/#/mine/${id}`);
  await listLoaded(ana.page, 'mine');
  await ana.page.locator(`.row-link[data-id="${id}"][aria-current="true"]`).waitFor();
  await ana.page.locator('.pane .msg').first().waitFor();
  await ana.page.locator('[data-count="mine"]').filter({ hasNotText: '–' }).waitFor();
  await ana.page.mouse.move(0, 0);
  await ana.page.screenshot({ path: `${SHOTS}inbox.png` });

  const phone = await loggedIn('ana@demo.example', PHONE, '#/waiting');
  await listLoaded(phone.page, 'waiting');
  await phone.page.locator('.row-link').first().waitFor();
  await phone.page.locator('[data-count="waiting"]').filter({ hasNotText: '–' }).waitFor();
  assert.equal(await phone.page.locator('.pane').isVisible(), false, 'on a phone the list shows alone');
  await phone.page.mouse.move(0, 0);
  await phone.page.screenshot({ path: `${SHOTS}phone.png` });

  // Opening a conversation on a phone shows the pane alone, with a way back.
  await phone.page.locator('.row-link').first().click();
  await phone.page.getByRole('link', { name: /Voltar à lista/ }).first().waitFor();
  assert.equal(await phone.page.locator('.list-col').isVisible(), false);
  await phone.page.getByRole('link', { name: /Voltar à lista/ }).first().click();
  await phone.page.locator('.list-col').waitFor({ state: 'visible' });
  noProblems(ana.page);
  noProblems(phone.page);
});
