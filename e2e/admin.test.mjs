// Browser tests of the administration screen, against a demo server the caller started:
//   ATENDE_E2E_URL=http://127.0.0.1:18080 node --test e2e/
// They use conversations of Geral (the inbox tests use Vendas' queue) and names with a stamp, so
// that they can run again on the same server. Every wait is for an element, a response or a
// condition: no fixed sleeps.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BASE, PHONE, SHOTS, STAMP, apiJson, apiPost, apiSend, changePassword, listLoaded, loggedIn, noProblems, openPage, section, shownIds, unlabelledFields } from './helpers.mjs';

// What the tests share.
const shared = { departmentId: null, departmentName: null };

test('owner: department, custom role and user; the new user sees what the API says, and a role change takes effect live', async () => {
  const owner = await loggedIn('owner@demo.example', { hash: '#/admin/departments' });
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
  // Permissions grouped by the screen they open; those of screens still to come said plainly.
  const reports = page.locator('fieldset[data-screen="reports"]');
  assert.equal(await reports.locator('legend').innerText(), 'Relatórios e painéis (em breve)');
  assert.match(await reports.innerText(), /Ainda não existe nesta versão/);
  const legends = await page.locator('fieldset[data-screen] legend').allInnerTexts();
  assert.equal(legends[0], 'Caixa de entrada');
  assert.ok(legends.indexOf('Contatos') < legends.indexOf('Relatórios e painéis (em breve)'), 'the screens of this version first');
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
  // Without a role the form says, before saving, that the user could not log in.
  const warning = page.locator('[data-testid="login-warning"]');
  assert.match(await warning.innerText(), /^Sem nenhum papel, este usuário não consegue entrar/);
  await page.getByRole('button', { name: 'Adicionar papel' }).click();
  await warning.waitFor({ state: 'hidden' });
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
  await changePassword(aldo.page, 'temporaria-9', 'senha-do-aldo-1');
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
  const { context, page } = await loggedIn('admin@demo.example', { hash: '#/admin/roles' });
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
  const { context, page } = await loggedIn('owner@demo.example', { hash: '#/waiting' });
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
  // A sentence first, without rule codes nor permission ids; the rules behind "Regras aplicadas".
  const anaWhy = await ana.locator('.why').innerText();
  assert.match(anaWhy, /^Ana Souza vê porque /);
  assert.doesNotMatch(anaWhy, /V\d|\.view_|conversations\./, anaWhy);
  assert.match(await davi.locator('.why').innerText(), /^Davi Martins não vê: /);
  for (const row of [ana, davi]) {
    await row.getByText('Regras aplicadas').click();
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
  const { context, page } = await loggedIn('owner@demo.example', { hash: '#/admin/audit' });
  // A change, said in words: the field, before → after.
  const renamed = `${shared.departmentName} Norte`;
  await apiSend(context, 'PATCH', `/api/v1/departments/${shared.departmentId}`, { name: renamed });
  await page.reload();
  await page.getByRole('heading', { level: 2, name: 'Auditoria' }).waitFor();
  const update = page.locator(`tr[data-action="department.update"][data-target="department#${shared.departmentId}"]`).first();
  assert.equal(await update.locator('.audit-changes').innerText(), `Nome: ${shared.departmentName} → ${renamed}`);
  await apiSend(context, 'PATCH', `/api/v1/departments/${shared.departmentId}`, { name: shared.departmentName });
  await page.reload();
  const row = page.locator(`tr[data-action="department.create"][data-target="department#${shared.departmentId}"]`);
  await row.waitFor();
  const text = await row.innerText();
  assert.ok(text.includes('Olívia Ramos'), 'the actor by name');
  assert.ok(text.includes('ok'));
  // The action in words, from the server's catalogue (GET /api/v1/audit/actions).
  assert.ok(text.includes('departamento criado'), text);
  await page.screenshot({ path: `${SHOTS}admin-audit.png` });
  await row.locator('summary').click();
  assert.ok((await row.locator('pre').last().innerText()).includes(shared.departmentName), 'what was created');
  noProblems(page);
  const phone = await loggedIn('owner@demo.example', { viewport: PHONE, hash: '#/admin/audit' });
  await phone.page.locator('tr[data-action="department.create"]').first().waitFor();
  await phone.page.screenshot({ path: `${SHOTS}admin-audit-phone.png` });
  noProblems(phone.page);
});

test('Quem vê o quê? from a user: the rows are what the API lists for ana within the owner\'s view', async () => {
  const { context, page } = await loggedIn('owner@demo.example', { hash: '#/admin/viewers' });
  await page.getByRole('heading', { level: 2, name: 'Quem vê o quê?' }).waitFor();
  const users = await apiJson(context, '/api/v1/users');
  const ana = users.find((u) => u.email === 'ana@demo.example');
  // Keyboard only: the user's field, the tab, the button.
  await page.getByLabel('Usuário', { exact: true }).focus();
  await page.getByLabel('Usuário', { exact: true }).selectOption(String(ana.id));
  await page.keyboard.press('Tab');
  await page.getByLabel('Aba', { exact: true }).selectOption('waiting');
  await page.getByRole('button', { name: 'Ver conversas' }).focus();
  const answered = page.waitForResponse((r) => r.url().includes(`/api/v1/access/users/${ana.id}/conversations`));
  await page.keyboard.press('Enter');
  assert.equal((await answered).status(), 200);
  await page.waitForURL(`**/#/admin/viewers/u${ana.id}`);
  const table = page.locator('.sees-table');
  await table.waitFor();
  const api = await apiJson(context, `/api/v1/access/users/${ana.id}/conversations?tab=waiting&lang=pt`);
  const own = await apiJson((await loggedIn('ana@demo.example')).context, '/api/v1/conversations?tab=waiting');
  assert.deepEqual(api.items.map((i) => i.conversation.id), own.items.map((c) => c.id), 'the explorer lists what ana lists (the owner sees it all)');
  const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.id)));
  assert.deepEqual(rows, api.items.map((i) => i.conversation.id));
  assert.ok(rows.length > 0);
  const first = table.locator('tbody tr').first();
  assert.equal(await first.locator('[data-testid="tab"]').innerText(), 'Aguardando');
  assert.match(await first.locator('.why').innerText(), /^Ana Souza vê porque /);
  await first.getByText('Regras aplicadas').click();
  assert.ok((await first.locator('[data-testid="reasons"] li').allInnerTexts()).some((x) => x.trim()), 'reasons in words');
  assert.ok((await page.locator('[data-testid="sees-summary"]').innerText()).includes('Ana Souza'));
  assert.deepEqual(await unlabelledFields(page.locator('.admin-content')), [], 'every field has a label');
  // From a row, the other direction: who else sees that conversation.
  await first.getByRole('link').click();
  await page.locator('.viewers-table tr[data-email="ana@demo.example"]').waitFor();
  await page.goto(`/#/admin/viewers/u${ana.id}`);
  await table.waitFor();
  await page.locator('.admin-content').evaluate((box) => {
    box.scrollTop += document.querySelector('#adm-sees-title').getBoundingClientRect().top - box.getBoundingClientRect().top - 16;
  });
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${SHOTS}explorer-user.png` });
  noProblems(page);
});

test('a per-agent limit is set and read back in the users screen', async () => {
  const { context, page } = await loggedIn('owner@demo.example', { hash: '#/admin/users' });
  await page.getByRole('heading', { level: 2, name: 'Usuários' }).waitFor();
  const bruno = (await apiJson(context, '/api/v1/users')).find((u) => u.email === 'bruno@demo.example');
  const before = await apiJson(context, `/api/v1/users/${bruno.id}/routing`);
  const limit = before.max_open === 7 ? 8 : 7;
  await page.getByRole('button', { name: `Editar ${bruno.name}` }).click();
  const now = page.locator('[data-testid="limit-now"]');
  await now.filter({ hasText: 'Agora' }).waitFor();
  await page.getByLabel('Máximo de conversas abertas').fill(String(limit));
  const saved = page.waitForResponse((r) => r.url().endsWith(`/api/v1/users/${bruno.id}/routing`) && r.request().method() === 'PUT');
  await page.getByRole('button', { name: 'Salvar limite' }).click();
  assert.equal((await saved).status(), 200);
  await now.filter({ hasText: `no máximo ${limit} conversas` }).waitFor();
  assert.equal((await apiJson(context, `/api/v1/users/${bruno.id}/routing`)).max_open, limit);
  // Opened again after a reload, the form shows the stored limit.
  await page.reload();
  await page.getByRole('button', { name: `Editar ${bruno.name}` }).click();
  await now.filter({ hasText: `no máximo ${limit} conversas` }).waitFor();
  assert.equal(await page.getByLabel('Máximo de conversas abertas').inputValue(), String(limit));
  noProblems(page);
});

test('an administrator resets a password; the user must change it at the next login', async () => {
  const owner = await loggedIn('owner@demo.example', { hash: '#/admin/users' });
  const roles = await apiJson(owner.context, '/api/v1/roles');
  const agent = roles.find((r) => r.builtin && r.name === 'agent');
  const email = `reset-${STAMP}@demo.example`;
  const name = `Rita Reset ${STAMP}`;
  await apiPost(owner.context, '/api/v1/users', { email, name, password: 'temporaria-1', roles: [{ role_id: agent.id }], memberships: [{ department_id: 2, kind: 'member' }] });
  const rita = await openPage();
  await rita.page.goto('/');
  await rita.page.getByLabel('E-mail').fill(email);
  await rita.page.getByLabel('Senha', { exact: true }).fill('temporaria-1');
  await rita.page.getByRole('button', { name: 'Entrar' }).click();
  await changePassword(rita.page, 'temporaria-1', 'a-senha-da-rita-1');

  const { page } = owner;
  await page.reload();
  await page.getByRole('button', { name: `Editar ${name}` }).click();
  await page.getByLabel('Nova senha temporária').fill('reinicio-temporario-2');
  const reset = page.waitForResponse((r) => r.url().endsWith('/password') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Redefinir senha' }).click();
  assert.equal((await reset).status(), 204);
  await page.getByText(`Senha de ${name} redefinida`).waitFor();
  await page.locator(`tr[data-user="${email}"]`).filter({ hasText: 'troca de senha pendente' }).waitFor();
  // Her session ended; the new temporary password leads to the forced change.
  assert.equal((await rita.context.request.get(`${BASE}/api/v1/me`)).status(), 401);
  const again = await openPage();
  await again.page.goto('/');
  await again.page.getByLabel('E-mail').fill(email);
  await again.page.getByLabel('Senha', { exact: true }).fill('reinicio-temporario-2');
  await again.page.getByRole('button', { name: 'Entrar' }).click();
  await changePassword(again.page, 'reinicio-temporario-2', 'outra-senha-da-rita-3');
  await again.page.getByText(name).waitFor();
  noProblems(page);
  noProblems(again.page);
});

test('a setting toggled and saved; a preset applied shows what changed', async () => {
  assert.ok(shared.departmentId, 'the first test created a department');
  const { context, page } = await loggedIn('owner@demo.example', { hash: '#/admin/settings' });
  await page.getByRole('heading', { level: 2, name: 'Configurações' }).waitFor();
  const before = await apiJson(context, '/api/v1/settings');
  const survey = page.getByRole('checkbox', { name: 'Pesquisa de satisfação' });
  assert.equal(await survey.isChecked(), before.satisfaction_survey);
  await survey.setChecked(!before.satisfaction_survey);
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/settings') && r.request().method() === 'PUT');
  await page.getByRole('button', { name: 'Salvar', exact: true }).click();
  assert.equal((await saved).status(), 200);
  await page.getByText('Configurações salvas.').waitFor();
  assert.equal((await apiJson(context, '/api/v1/settings')).satisfaction_survey, !before.satisfaction_survey);

  // Helena, with the test's department given access Equipe: first what it will change, nothing
  // written; then applied, the result lists the change; then undone as one step.
  await page.getByLabel('Predefinição').selectOption('helena');
  const access = page.getByLabel(new RegExp(`^\\s*${shared.departmentName}$`));
  await access.selectOption('team');
  await page.getByRole('button', { name: 'Ver o que muda' }).click();
  const preview = page.getByRole('region', { name: 'O que esta predefinição vai mudar' });
  await preview.getByText(`${shared.departmentName}: Atendente → Equipe`).waitFor();
  await preview.getByRole('heading', { name: 'Quem passa a ver mais ou menos' }).waitFor();
  const unchanged = (await apiJson(context, '/api/v1/departments')).find((d) => d.id === shared.departmentId);
  assert.equal(unchanged.access, 'agent', 'a preview writes nothing');
  await page.screenshot({ path: `${SHOTS}admin-preset-preview.png`, fullPage: true });
  const applied = page.waitForResponse((r) => r.url().endsWith('/api/v1/presets/helena'));
  await page.getByRole('button', { name: 'Aplicar predefinição' }).click();
  assert.equal((await applied).status(), 200);
  const result = page.locator('.preset-result');
  await result.getByRole('heading', { name: 'O que mudou' }).waitFor();
  assert.ok((await result.innerText()).includes(`${shared.departmentName} → Equipe`), 'the department whose access changed');
  const dept = (await apiJson(context, '/api/v1/departments')).find((d) => d.id === shared.departmentId);
  assert.equal(dept.access, 'team');
  await page.getByRole('button', { name: 'Desfazer a predefinição Helena' }).click();
  await page.getByText('Predefinição Helena desfeita').waitFor();
  const back = (await apiJson(context, '/api/v1/departments')).find((d) => d.id === shared.departmentId);
  assert.equal(back.access, 'agent', 'undone');
  // The demo back as it was, for the other tests.
  await context.request.put(`${BASE}/api/v1/settings`, { data: before, headers: { Origin: BASE } });
  assert.deepEqual(await apiJson(context, '/api/v1/settings'), before);
  noProblems(page);
});

test('the administration in English', async () => {
  const { page } = await loggedIn('owner@demo.example', { hash: '#/admin/users' });
  await page.getByRole('heading', { level: 2, name: 'Usuários' }).waitFor();
  await page.getByLabel('Idioma').selectOption('en');
  await page.getByRole('heading', { level: 2, name: 'Users' }).waitFor();
  const nav = await page.locator('.admin-nav').getByRole('link').allInnerTexts();
  for (const name of ['Departments', 'Users', 'Roles', 'Settings', 'Audit log', 'Who sees what?']) assert.ok(nav.some((x) => x.trim() === name), `${name} in ${nav}`);
  await page.locator('.admin-nav').getByRole('link', { name: 'Settings', exact: true }).click();
  await page.getByRole('heading', { level: 2, name: 'Settings' }).waitFor();
  await page.getByRole('checkbox', { name: 'Satisfaction survey' }).waitFor();
  await page.getByRole('button', { name: 'See what changes' }).waitFor();
  await page.locator('.admin-nav').getByRole('link', { name: 'Who sees what?', exact: true }).click();
  await page.getByRole('heading', { level: 3, name: 'One user: what they see' }).waitFor();
  await page.getByLabel('Language').selectOption('pt-BR');
  await page.getByRole('heading', { level: 2, name: 'Quem vê o quê?' }).waitFor();
  noProblems(page);
});
