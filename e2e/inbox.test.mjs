// Browser tests of the web inbox, against a demo server the caller started:
//   ATENDE_E2E_URL=http://127.0.0.1:18080 node --test e2e/
// (scripts/e2e starts `atende serve --demo` on a fresh data directory and runs this.)
// Chromium is Debian's (/usr/bin/chromium, or CHROMIUM_PATH), driven by playwright-core.
// Every wait is for an element, a response or a condition: no fixed sleeps.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BASE, DESKTOP, PHONE, SHOTS, TABS, TIMEOUT, apiJson, changePassword, listLoaded, loggedIn, login, noProblems, openPage, shownIds, unlabelledFields } from './helpers.mjs';

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
  const ana = await loggedIn('ana@demo.example', { hash: '#/waiting' });
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
  // With an address in it: shown as a link (https only, new tab, no opener), the rest as text.
  const mapUrl = `https://www.openstreetmap.org/?mlat=-3.7319&mlon=-38.5267#map=17/-3.7319/-38.5267`;
  const noteText = `Cliente pediu retorno até amanhã (${stamp}). Endereço: ${mapUrl}.`;
  await pane.getByRole('radio', { name: 'Nota interna' }).check();
  await pane.getByRole('textbox', { name: 'Nota interna' }).fill(noteText);
  await pane.getByRole('textbox', { name: 'Nota interna' }).press('Control+Enter');
  const note = pane.locator('.msg-note', { hasText: noteText });
  await note.waitFor();
  assert.ok((await note.textContent()).includes('Nota interna'), 'labelled as an internal note');
  assert.equal(await pane.locator('.msg-out', { hasText: noteText }).count(), 0);
  const link = note.locator('.msg-body a');
  assert.equal(await link.getAttribute('href'), mapUrl);
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(await link.getAttribute('target'), '_blank');

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
  const { context, page } = await loggedIn('ana@demo.example', { hash: '#/waiting' });
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
  const { context, page } = await loggedIn('owner@demo.example', { hash: '#/finished' });
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
  await changePassword(page, 'temporaria-1', 'uma-senha-nova-2');
  await page.getByText('Teresa Temporária').waitFor();
  noProblems(page);
});

test('link contact: offered when the engine lists it, contacts found among what ana sees', async () => {
  const { context, page } = await loggedIn('ana@demo.example');
  const mine = (await apiJson(context, '/api/v1/conversations?tab=mine&limit=200')).items.filter((c) => c.contact);
  const waiting = (await apiJson(context, '/api/v1/conversations?tab=waiting&limit=200')).items.filter((c) => c.contact);
  const target = mine[0];
  const other = [...waiting, ...mine].find((c) => c.contact.id !== target.contact.id);
  assert.ok(target && other, 'the demo gives ana conversations with two different contacts');
  const detail = await apiJson(context, `/api/v1/conversations/${target.id}`);
  assert.ok(detail.actions.includes('link_contact'), 'the engine allows ana to link a contact');
  await page.goto(`/#/mine/${target.id}`);
  await page.locator('.pane [data-testid="pane-status"]').waitFor();
  // Keyboard: the button opens the form with the focus in the search field.
  await page.locator('.pane [data-action="link_contact"]').focus();
  await page.keyboard.press('Enter');
  const search = page.getByLabel('Buscar contato (nome ou telefone)');
  await search.waitFor();
  assert.equal(await search.evaluate((el) => el === document.activeElement), true, 'focus in the search field');
  assert.deepEqual(await unlabelledFields(page.locator('.pane')), [], 'every field of the pane has a label');
  await search.fill(other.contact.name);
  await page.keyboard.press('Enter');
  const choice = page.locator(`.contact-results [data-focus-key="contact:${other.contact.id}"]`);
  await choice.waitFor();
  assert.ok((await choice.innerText()).startsWith(`Vincular ${other.contact.name}`));
  const linked = page.waitForResponse((r) => r.url().endsWith(`/api/v1/conversations/${target.id}/link_contact`));
  await choice.click();
  assert.equal((await linked).status(), 200);
  await page.locator('.pane #pane-title').filter({ hasText: other.contact.name }).waitFor();
  assert.equal((await apiJson(context, `/api/v1/conversations/${target.id}`)).contact.id, other.contact.id);
  // The first contact now has no conversation ana sees: to her it is unknown (ACCESS-MODEL v2,
  // contact_visible), so she cannot link it back; the owner (contacts.view) can.
  const back = await context.request.post(`${BASE}/api/v1/conversations/${target.id}/link_contact`, { data: { contact_id: target.contact.id }, headers: { Origin: BASE } });
  assert.equal(back.status(), 404);
  const owner = await loggedIn('owner@demo.example');
  const restored = await owner.context.request.post(`${BASE}/api/v1/conversations/${target.id}/link_contact`, { data: { contact_id: target.contact.id }, headers: { Origin: BASE } });
  assert.equal(restored.status(), 200);

  // Without `link_contact` in `actions`, no button: a member of Vendas whose role grants nothing
  // (he sees Vendas' queue by membership, and may not link).
  const stamp = Date.now().toString(36);
  const role = await owner.context.request.post(`${BASE}/api/v1/roles`, { data: { name: `Só leitura ${stamp}`, permissions: [] }, headers: { Origin: BASE } });
  assert.equal(role.status(), 201);
  const vendas = (await apiJson(owner.context, '/api/v1/departments')).find((d) => d.name === 'Vendas');
  const email = `leitor-${stamp}@demo.example`;
  const user = await owner.context.request.post(`${BASE}/api/v1/users`, {
    data: { email, name: `Leo Leitor ${stamp}`, password: 'temporaria-1', roles: [{ role_id: (await role.json()).id }], memberships: [{ department_id: vendas.id, kind: 'member' }] },
    headers: { Origin: BASE },
  });
  assert.equal(user.status(), 201);
  const reader = await openPage();
  await reader.page.goto('/');
  await reader.page.getByLabel('E-mail').fill(email);
  await reader.page.getByLabel('Senha', { exact: true }).fill('temporaria-1');
  await reader.page.getByRole('button', { name: 'Entrar' }).click();
  await changePassword(reader.page, 'temporaria-1', 'senha-do-leitor-1');
  const queue = (await apiJson(reader.context, '/api/v1/conversations?tab=waiting&limit=1')).items;
  assert.ok(queue.length, 'he sees the waiting queue of Vendas');
  const seen = await apiJson(reader.context, `/api/v1/conversations/${queue[0].id}`);
  assert.ok(!seen.actions.includes('link_contact'));
  await reader.page.goto(`/#/waiting/${queue[0].id}`);
  await reader.page.locator('.pane [data-testid="pane-status"]').waitFor();
  assert.equal(await reader.page.locator('.pane [data-action="link_contact"]').count(), 0, 'no link button');
  noProblems(reader.page);
  noProblems(page);
});

test('screenshots: login, inbox, phone', async () => {
  const login = await openPage(DESKTOP);
  await login.page.goto('/');
  await login.page.getByRole('button', { name: 'Entrar' }).waitFor();
  await login.page.screenshot({ path: `${SHOTS}login.png` });

  // The conversation ana assumed (with the reply and the note), or her first one.
  const ana = await loggedIn('ana@demo.example');
  const id = conversationId ?? (await apiJson(ana.context, '/api/v1/conversations?tab=mine')).items[0].id;
  await ana.page.goto(`/#/mine/${id}`);
  await listLoaded(ana.page, 'mine');
  await ana.page.locator(`.row-link[data-id="${id}"][aria-current="true"]`).waitFor();
  await ana.page.locator('.pane .msg').first().waitFor();
  await ana.page.locator('[data-count="mine"]').filter({ hasNotText: '–' }).waitFor();
  await ana.page.mouse.move(0, 0);
  await ana.page.screenshot({ path: `${SHOTS}inbox.png` });

  const phone = await loggedIn('ana@demo.example', { viewport: PHONE, hash: '#/waiting' });
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
