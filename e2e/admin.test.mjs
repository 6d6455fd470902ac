// Browser tests of the administration screen, against a demo server the caller started:
//   ATENDE_E2E_URL=http://127.0.0.1:18080 node --test e2e/
// They use conversations of Geral (the inbox tests use Vendas' queue) and names with a stamp, so
// that they can run again on the same server. Every wait is for an element, a response or a
// condition: no fixed sleeps.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.ATENDE_E2E_URL || 'http://127.0.0.1:18080').replace(/\/$/, '');
const SHOTS = fileURLToPath(new URL('../docs/screenshots/', import.meta.url));
const DESKTOP = { width: 1280, height: 800 };
const TIMEOUT = 10_000;
const STAMP = Date.now().toString(36);

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

async function openPage(viewport = DESKTOP) {
  const context = await browser.newContext({ baseURL: BASE, viewport, locale: 'pt-BR', timezoneId: 'America/Sao_Paulo' });
  context.setDefaultTimeout(TIMEOUT);
  contexts.push(context);
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.problems.push(m.text());
  });
  return { context, page };
}

function noProblems(page) {
  assert.deepEqual(page.problems, [], 'no page errors nor CSP violations');
}

async function loggedIn(email, hash = '') {
  const { context, page } = await openPage();
  await page.goto(`/${hash}`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Senha', { exact: true }).fill('demo');
  await page.getByRole('button', { name: 'Entrar' }).click();
  if (hash.startsWith('#/admin')) await page.locator('.admin-nav').waitFor();
  else await page.getByRole('tablist').waitFor();
  return { context, page };
}

async function apiJson(context, path) {
  const r = await context.request.get(`${BASE}${path}`);
  assert.equal(r.status(), 200, `${path} answers 200`);
  return r.json();
}

async function apiPost(context, path, data) {
  const r = await context.request.post(`${BASE}${path}`, { data, headers: { Origin: BASE } });
  assert.ok(r.status() < 300, `${path} answers ${r.status()}`);
  return r.status() === 204 ? null : r.json();
}

async function listLoaded(page, tab) {
  await page.locator(`[role=tab][data-tab="${tab}"][aria-selected="true"]`).waitFor();
  await page.locator('.conv-list[aria-busy="false"]').waitFor();
}

async function shownIds(page) {
  return page.locator('.conv-list .row-link').evaluateAll((links) => links.map((a) => Number(a.dataset.id)));
}

/** Opens a section from the administration's navigation. */
async function section(page, name) {
  await page.locator('.admin-nav').getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 2, name, exact: true }).waitFor();
}

// What the tests share.
const shared = { departmentId: null, departmentName: null };

test('owner: department, custom role and user; the new user sees what the API says, and a role change takes effect live', async () => {
  const owner = await loggedIn('owner@demo.example', '#/admin/departments');
  const { page } = owner;
  const departments = await apiJson(owner.context, '/api/v1/departments');
  const vendas = departments.find((d) => d.name === 'Vendas');
  const name = departments.some((d) => d.name === 'Atacado') ? `Atacado ${STAMP}` : 'Atacado';

  // Departamentos: Atacado under Vendas, access Atendente.
  await page.getByRole('heading', { level: 2, name: 'Departamentos' }).waitFor();
  await page.getByRole('button', { name: 'Novo departamento' }).click();
  await page.getByLabel('Nome', { exact: true }).fill(name);
  await page.getByLabel('Departamento pai').selectOption(String(vendas.id));
  await page.getByRole('radio', { name: /^Atendente/ }).check();
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/departments') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Criar' }).click();
  assert.equal((await created).status(), 201);
  const item = page.locator(`.tree-item[data-department="${name}"]`);
  await item.waitFor();
  assert.equal(await item.locator('[data-testid="dept-access"]').textContent(), 'Atendente');
  assert.equal(await item.getAttribute('data-depth'), '1', 'indented under Vendas');
  const atacado = (await apiJson(owner.context, '/api/v1/departments')).find((d) => d.name === name);
  assert.equal(atacado.parent_id, vendas.id);
  assert.equal(atacado.access, 'agent');
  shared.departmentId = atacado.id;
  shared.departmentName = name;

  // Papéis: a custom role with two permissions, by their pt-BR labels.
  const catalogue = (await apiJson(owner.context, '/api/v1/permissions')).flatMap((g) => g.permissions);
  const labelOf = (id) => catalogue.find((p) => p.id === id).label_pt;
  const roleName = `Atacado atendente ${STAMP}`;
  await section(page, 'Papéis');
  await page.getByRole('button', { name: 'Novo papel' }).click();
  await page.getByLabel('Nome do papel').fill(roleName);
  await page.getByRole('checkbox', { name: labelOf('conversation.assume'), exact: true }).check();
  const viewDept = page.getByRole('checkbox', { name: labelOf('conversations.in_progress.view_department'), exact: true });
  await viewDept.check();
  const roleSaved = page.waitForResponse((r) => r.url().endsWith('/api/v1/roles') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Criar' }).click();
  assert.equal((await roleSaved).status(), 201);
  await page.locator(`.role-item[data-role="${roleName}"]`).waitFor();
  const role = (await apiJson(owner.context, '/api/v1/roles')).find((r) => r.name === roleName);
  assert.deepEqual(role.permissions.sort(), ['conversation.assume', 'conversations.in_progress.view_department']);

  // Usuários: bound to the role in Atacado, member of Atacado.
  const email = `atacado-${STAMP}@demo.example`;
  await section(page, 'Usuários');
  await page.getByRole('button', { name: 'Novo usuário' }).click();
  await page.getByLabel('Nome', { exact: true }).fill(`Aldo Atacado ${STAMP}`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Senha temporária').fill('temporaria-9');
  await page.getByRole('button', { name: 'Adicionar papel' }).click();
  await page.getByLabel('Papel 1').selectOption(String(role.id));
  await page.getByLabel('Escopo 1').selectOption(String(atacado.id));
  await page.getByRole('button', { name: 'Adicionar departamento' }).click();
  await page.getByLabel('Departamento 1').selectOption(String(atacado.id));
  await page.getByLabel('Vínculo 1').selectOption('member');
  const userSaved = page.waitForResponse((r) => r.url().endsWith('/api/v1/users') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Criar' }).click();
  assert.equal((await userSaved).status(), 201);
  const row = page.locator(`tr[data-user="${email}"]`);
  await row.waitFor();
  const rowText = await row.innerText();
  assert.ok(rowText.includes(`${roleName} (${name})`), 'the role with its scope');
  assert.ok(rowText.includes(`${name} (membro)`), 'the membership');
  assert.ok(rowText.includes('troca de senha pendente'));
  // The screenshot: the list from its top, without the passing notices.
  await page.locator('.toasts').evaluate((el) => el.replaceChildren());
  await page.locator('.admin-content').evaluate((el) => el.scrollTo(0, 0));
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${SHOTS}admin-users.png` });

  // Two conversations of Geral move to Atacado: one waiting, one in progress with the owner.
  const geral = await apiJson(owner.context, '/api/v1/conversations?tab=waiting&department=1&limit=200');
  assert.ok(geral.items.length >= 2, 'Geral has waiting conversations');
  const waitingId = geral.items.at(-1).id;
  const progressId = geral.items.at(-2).id;
  await apiPost(owner.context, `/api/v1/conversations/${waitingId}/change_department`, { department_id: atacado.id });
  await apiPost(owner.context, `/api/v1/conversations/${progressId}/change_department`, { department_id: atacado.id });
  const assumed = await apiPost(owner.context, `/api/v1/conversations/${progressId}/assume`, {});
  assert.equal(assumed.status, 'in_progress');

  // The new user: temporary password, forced change, then the inbox.
  const aldo = await openPage();
  await aldo.page.goto('/');
  await aldo.page.getByLabel('E-mail').fill(email);
  await aldo.page.getByLabel('Senha', { exact: true }).fill('temporaria-9');
  await aldo.page.getByRole('button', { name: 'Entrar' }).click();
  await aldo.page.getByRole('heading', { name: 'Troque sua senha' }).waitFor();
  await aldo.page.getByLabel('Senha atual', { exact: true }).fill('temporaria-9');
  await aldo.page.getByLabel('Nova senha', { exact: true }).fill('senha-do-aldo-1');
  await aldo.page.getByLabel('Repita a nova senha').fill('senha-do-aldo-1');
  await aldo.page.getByRole('button', { name: 'Trocar senha' }).click();
  await aldo.page.getByRole('tablist').waitFor();
  assert.equal(await aldo.page.getByRole('link', { name: 'Administração' }).count(), 0, 'no administration for him');

  // What he sees is what the API gives him: the waiting one in Aguardando, the one in progress
  // (by the role's permission over Atacado) in its tab.
  const tabs = ['waiting', 'mine', 'others'];
  const lists = {};
  for (const tab of tabs) lists[tab] = (await apiJson(aldo.context, `/api/v1/conversations?tab=${tab}`)).items.map((c) => c.id);
  assert.ok(lists.waiting.includes(waitingId), 'the waiting conversation of Atacado is in his queue');
  const progressTab = tabs.find((tab) => lists[tab].includes(progressId));
  assert.ok(progressTab, 'the conversation in progress in Atacado is visible to him');
  for (const tab of ['waiting', progressTab]) {
    await aldo.page.getByRole('tab', { name: new RegExp({ waiting: 'Aguardando', mine: 'Meus', others: 'Outros' }[tab]) }).first().click();
    await listLoaded(aldo.page, tab);
    assert.deepEqual(await shownIds(aldo.page), lists[tab], `his ${tab} list is the API's`);
  }

  // The owner takes the view permission out of the role: the conversation in progress leaves
  // his list live (an access change), and the API agrees.
  await section(page, 'Papéis');
  await page.locator(`.role-item[data-role="${roleName}"] .role-open`).click();
  await viewDept.uncheck();
  const roleChanged = page.waitForResponse((r) => r.url().endsWith(`/api/v1/roles/${role.id}`));
  await page.getByRole('button', { name: 'Salvar', exact: true }).click();
  assert.equal((await roleChanged).status(), 200);
  await aldo.page.locator(`.conv-list .row-link[data-id="${progressId}"]`).waitFor({ state: 'detached' });
  const now = await apiJson(aldo.context, `/api/v1/conversations?tab=${progressTab}`);
  assert.ok(!now.items.some((c) => c.id === progressId), 'the API no longer lists it');
  assert.equal((await aldo.context.request.get(`${BASE}/api/v1/conversations/${progressId}`)).status(), 404);
  await listLoaded(aldo.page, progressTab);
  assert.deepEqual(await shownIds(aldo.page), now.items.map((c) => c.id));

  noProblems(page);
  noProblems(aldo.page);
});

test('an admin without roles.manage reads the roles without save buttons; the API refuses, in words in the page', async () => {
  const { context, page } = await loggedIn('admin@demo.example', '#/admin/roles');
  await page.getByRole('heading', { level: 2, name: 'Papéis' }).waitFor();
  await page.locator('[data-testid="roles-read-only"]').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Novo papel' }).count(), 0);
  await page.locator('.role-item .role-open').last().click();
  await page.locator('.admin-form .perm-group').first().waitFor();
  assert.equal(await page.getByRole('button', { name: 'Salvar' }).count(), 0, 'no save button');
  assert.equal(await page.getByRole('button', { name: 'Excluir papel' }).count(), 0, 'no delete button');
  assert.ok(await page.locator('.admin-form input[type=checkbox]').first().isDisabled());

  // A forced call, from the page itself (same origin, its session): 403 with the reason.
  const forced = await page.evaluate(async () => {
    const r = await fetch('/api/v1/roles', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'forçado', permissions: [] }) });
    return { status: r.status, body: await r.json() };
  });
  assert.equal(forced.status, 403);
  assert.deepEqual(forced.body.error.reasons, ['roles.manage']);
  const roles = await apiJson(context, '/api/v1/roles');
  assert.ok(!roles.some((r) => r.name === 'forçado'));

  // An escalation through the user editor: the refusal shows the engine's reason in words.
  await section(page, 'Usuários');
  await page.getByRole('button', { name: 'Editar Ana Souza' }).click();
  const owner = roles.find((r) => r.builtin && r.name === 'owner');
  await page.getByRole('button', { name: 'Adicionar papel' }).click();
  await page.getByLabel('Papel 2').selectOption(String(owner.id));
  const refused = page.waitForResponse((r) => /\/api\/v1\/users\/\d+$/.test(r.url()));
  await page.getByRole('button', { name: 'Salvar', exact: true }).click();
  assert.equal((await refused).status(), 403);
  await page.getByRole('alert').filter({ hasText: 'escalada de privilégio' }).waitFor();
  noProblems(page);
});

test('Quem vê o quê? from the pane: ana sees a waiting conversation of Vendas, davi does not', async () => {
  const { context, page } = await loggedIn('owner@demo.example', '#/waiting');
  const vendas = (await apiJson(context, '/api/v1/departments')).find((d) => d.name === 'Vendas');
  const waiting = await apiJson(context, `/api/v1/conversations?tab=waiting&department=${vendas.id}&limit=200`);
  const target = waiting.items.at(-1);
  await page.goto(`/#/waiting/${target.id}`);
  await page.locator('.pane [data-testid="pane-status"]').waitFor();
  await page.locator('.pane').getByRole('link', { name: 'Quem vê?' }).click();
  await page.waitForURL(`**/#/admin/viewers/${target.id}`);
  await page.getByRole('heading', { level: 2, name: 'Quem vê o quê?' }).waitFor();
  const ana = page.locator('tr[data-email="ana@demo.example"]');
  const davi = page.locator('tr[data-email="davi@demo.example"]');
  await ana.waitFor();
  assert.equal(await ana.locator('[data-testid="sees"]').innerText(), 'Vê');
  assert.equal(await davi.locator('[data-testid="sees"]').innerText(), 'Não vê');
  for (const row of [ana, davi]) {
    const reasons = (await row.locator('[data-testid="reasons"] li').allInnerTexts()).filter((x) => x.trim());
    assert.ok(reasons.length > 0, 'reasons in words');
  }
  // The same as the API.
  const api = await apiJson(context, `/api/v1/access/conversations/${target.id}/viewers?lang=pt`);
  assert.equal(api.users.find((u) => u.email === 'ana@demo.example').sees, true);
  assert.equal(api.users.find((u) => u.email === 'davi@demo.example').sees, false);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${SHOTS}explorer.png` });
  noProblems(page);
});

test('the audit log shows the department creation', async () => {
  assert.ok(shared.departmentId, 'the first test created a department');
  const { page } = await loggedIn('owner@demo.example', '#/admin/audit');
  await page.getByRole('heading', { level: 2, name: 'Auditoria' }).waitFor();
  const row = page.locator(`tr[data-action="department.create"][data-target="department#${shared.departmentId}"]`);
  await row.waitFor();
  const text = await row.innerText();
  assert.ok(text.includes('Olívia Ramos'), 'the actor by name');
  assert.ok(text.includes('ok'));
  await row.locator('summary').click();
  assert.ok((await row.locator('pre').last().innerText()).includes(shared.departmentName), 'what was created');
  noProblems(page);
});
