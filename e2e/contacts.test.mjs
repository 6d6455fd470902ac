// Browser tests of the contacts screen ("Contatos"), against a demo server the caller started:
//   ATENDE_E2E_URL=http://127.0.0.1:18080 node --test e2e/
// The owner has every permission; ana (an agent) has no `contacts.view`. Contacts created here
// carry the run's stamp and phones of their own, so that the tests can run again on the same
// server. Every wait is for an element, a response or a condition: no fixed sleeps.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { BASE, PHONE, STAMP, apiJson, loggedIn, noProblems } from './helpers.mjs';

/** A Brazilian mobile number of this run (`n` tells them apart), as E.164 and as people write it. */
function phoneOf(n) {
  const digits = `9${String(Date.now() % 10_000_000).padStart(7, '0')}${n}`.slice(0, 9);
  return { e164: `+5521${digits}`, local: `(21) ${digits.slice(0, 5)}-${digits.slice(5)}` };
}

async function contactByQuery(context, q) {
  return (await apiJson(context, `/api/v1/contacts?q=${encodeURIComponent(q)}`)).items;
}

async function openContacts(page) {
  await page.getByRole('link', { name: 'Contatos', exact: true }).click();
  await page.locator('.contacts').waitFor();
  await page.locator('.contacts-list[aria-busy="false"] .contact-row').first().waitFor();
}

async function search(page, q) {
  const answered = page.waitForResponse((r) => {
    const url = new URL(r.url());
    return url.pathname === '/api/v1/contacts' && url.searchParams.get('q') === q.trim();
  });
  await page.getByLabel('Buscar contatos').fill(q);
  await answered;
  await page.locator('.contacts-list[aria-busy="false"]').waitFor();
}

test('owner: list, search by a phone written another way, a profile with its conversations that open in the inbox', async () => {
  const { page, context } = await loggedIn('owner@demo.example');
  await openContacts(page);
  assert.match(await page.locator('.contacts-summary').innerText(), /contatos/);

  // A demo contact with conversations, found by its phone written as people write it.
  const all = (await apiJson(context, '/api/v1/contacts?limit=50')).items.filter((c) => c.phone?.startsWith('+55'));
  const target = all[3];
  const national = target.phone.slice(3); // e.g. 85912345678
  const written = `(${national.slice(0, 2)}) ${national.slice(2, 7)}-${national.slice(7)}`;
  await search(page, written);
  const rows = page.locator('.contact-row');
  assert.equal(await rows.count(), 1, `one contact for ${written}`);
  assert.equal(await page.locator(`[data-contact="${target.id}"] .contact-row-name`).innerText(), target.name);
  assert.equal(await page.locator(`[data-contact="${target.id}"] .contact-row-phone`).innerText(), target.phone_display);
  assert.equal(await page.locator('.contacts-summary').innerText(), '1 contato.');

  // Nothing found says so.
  await search(page, `zzz-nobody-${STAMP}`);
  assert.match(await page.locator('.contacts-list').innerText(), /Nenhum contato encontrado/);

  // The profile: fields and conversations (department names, not ids).
  await search(page, written);
  await rows.first().click();
  await page.locator('.contact-profile[aria-busy="false"]').waitFor();
  assert.equal(await page.getByRole('heading', { level: 2 }).innerText(), target.name);
  assert.equal(await page.locator('[data-field="phone"] dd').innerText(), target.phone_display);
  const history = await apiJson(context, `/api/v1/contacts/${target.id}/conversations`);
  assert.ok(history.length >= 1, 'the demo contact has a conversation');
  const convs = page.locator('.contact-conv');
  assert.equal(await convs.count(), history.length);
  const departments = await apiJson(context, '/api/v1/departments');
  const dept = departments.find((d) => d.id === history[0].department_id).name;
  assert.equal(await convs.first().locator('.contact-conv-dept').innerText(), dept);
  assert.equal(page.url().endsWith(`#/contacts/${target.id}`), true);

  // A conversation opens in the inbox, in the tab that holds it.
  await convs.first().click();
  await page.getByRole('tablist').waitFor();
  await page.waitForURL(new RegExp(`#/[a-z_]+/${history[0].id}$`));
  await page.locator('.pane .msg, .pane [data-testid="pane-status"]').first().waitFor();
  // And back.
  await page.goBack();
  await page.locator('.contact-profile[aria-busy="false"]').waitFor();
  noProblems(page);
});

test('owner: create, edit, import (a bad row blocks it all, then fixed), export, merge and erase', async () => {
  const { page, context } = await loggedIn('owner@demo.example');
  await openContacts(page);

  // Create.
  const p1 = phoneOf(1);
  const name = `Zélia Teste ${STAMP}`;
  await page.getByRole('link', { name: 'Novo contato' }).click();
  await page.getByRole('heading', { level: 2, name: 'Novo contato' }).waitFor();
  await page.getByLabel('Nome', { exact: true }).fill(name);
  await page.getByLabel('Telefone').fill('12345');
  await page.getByLabel('E-mail').fill(`zelia-${STAMP}@exemplo.com`);
  await page.getByRole('checkbox', { name: 'urgente' }).check();
  await page.getByRole('button', { name: 'Adicionar atributo' }).click();
  await page.getByLabel('Nome do atributo 1').fill('cidade');
  await page.getByLabel('Valor do atributo 1').fill('Fortaleza');
  await page.getByRole('button', { name: 'Criar contato' }).click();
  // A wrong phone is refused in words.
  await page.locator('.form-status.form-error').filter({ hasText: 'Telefone inválido' }).waitFor();
  await page.getByLabel('Telefone').fill(p1.local);
  const created = page.waitForResponse((r) => r.url().endsWith('/api/v1/contacts') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Criar contato' }).click();
  assert.equal((await created).status(), 201);
  await page.locator('.contact-profile[aria-busy="false"]').waitFor();
  assert.equal(await page.getByRole('heading', { level: 2 }).innerText(), name);
  const [zelia] = await contactByQuery(context, p1.e164);
  assert.equal(zelia.phone, p1.e164);
  assert.deepEqual(zelia.tags, ['urgente']);
  assert.deepEqual(zelia.attributes, { cidade: 'Fortaleza' });
  assert.deepEqual(await page.locator('.contact-attributes dt, .contact-attributes dd').allInnerTexts(), ['cidade', 'Fortaleza']);

  // Edit: another name, a second attribute, the tag removed.
  await page.getByRole('link', { name: 'Editar' }).click();
  await page.getByLabel('Nome', { exact: true }).waitFor();
  assert.equal(await page.getByLabel('Valor do atributo 1').inputValue(), 'Fortaleza');
  await page.getByLabel('Nome', { exact: true }).fill(`${name} Editada`);
  await page.getByRole('checkbox', { name: 'urgente' }).uncheck();
  await page.getByRole('button', { name: 'Adicionar atributo' }).click();
  await page.getByLabel('Nome do atributo 2').fill('cpf');
  await page.getByLabel('Valor do atributo 2').fill('123.456.789-00');
  const saved = page.waitForResponse((r) => r.url().endsWith(`/api/v1/contacts/${zelia.id}`) && r.request().method() === 'PUT');
  await page.getByRole('button', { name: 'Salvar' }).click();
  assert.equal((await saved).status(), 200);
  await page.getByRole('heading', { level: 2, name: `${name} Editada` }).waitFor();
  const edited = await apiJson(context, `/api/v1/contacts/${zelia.id}`);
  assert.deepEqual(edited.attributes, { cidade: 'Fortaleza', cpf: '123.456.789-00' });
  assert.deepEqual(edited.tags, []);
  assert.ok(edited.updated_at, 'changed');

  // Import: one bad row, nothing imported.
  const p2 = phoneOf(2);
  const p3 = phoneOf(3);
  const ivo = `Ivo Importado ${STAMP}`;
  const iara = `Iara Importada ${STAMP}`;
  const bad = `nome;telefone;email;etiquetas;cidade\n${ivo};${p2.local};ivo-${STAMP}@exemplo.com;vip;Recife\n${iara};não sei;;;Natal\n`;
  await page.getByRole('link', { name: 'Importar CSV' }).click();
  await page.getByLabel('Escolher arquivo CSV').setInputFiles({ name: 'contatos.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  const errors = page.getByTestId('import-errors');
  await errors.waitFor();
  assert.match(await errors.innerText(), /Linha 3, coluna telefone: o telefone “não sei” não é um número válido/);
  assert.match(await page.locator('.import-errors').innerText(), /Nada será importado/);
  assert.equal(await page.getByRole('button', { name: /^Importar \d/ }).count(), 0, 'no import while a row is wrong');
  assert.equal((await contactByQuery(context, p2.e164)).length, 0, 'nothing imported');

  // Fixed: the preview, then the import.
  const good = bad.replace('não sei', p3.local);
  await page.getByLabel('Escolher arquivo CSV').setInputFiles({ name: 'contatos.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
  await page.locator('.import-preview').waitFor();
  assert.match(await page.getByTestId('import-counts').innerText(), /2 linhas lidas: 2 certas, 0 erros/);
  assert.match(await page.locator('.import-preview tbody').innerText(), new RegExp(ivo));
  await page.getByRole('button', { name: 'Importar 2 contatos' }).click();
  assert.match(await page.getByTestId('import-done').innerText(), /2 contatos novos, 0 atualizados/);
  const [ivoC] = await contactByQuery(context, p2.e164);
  const [iaraC] = await contactByQuery(context, p3.e164);
  assert.equal(ivoC.name, ivo);
  assert.deepEqual(ivoC.tags, ['vip']);
  assert.deepEqual(iaraC.attributes, { cidade: 'Natal' });

  // Export: the download holds the contacts.
  const download = page.waitForEvent('download');
  await page.getByTestId('contacts-export').click();
  const file = await (await download).path();
  const csv = await readFile(file, 'utf8');
  assert.ok(csv.startsWith('name,phone,email,tags,attributes,created_at'), csv.slice(0, 80));
  assert.ok(csv.includes(ivo) && csv.includes(p3.e164), 'the imported contacts are exported');

  // Merge: Iara into Ivo; Ivo stays, with Iara's conversations and tags, and Iara is gone.
  await page.goto(`/#/contacts/${ivoC.id}`);
  await page.locator('.contact-profile[aria-busy="false"]').waitFor();
  await page.getByRole('link', { name: 'Mesclar com…' }).click();
  await page.getByLabel('Buscar o outro contato').fill(iara);
  await page.locator(`.merge-pick[data-contact="${iaraC.id}"]`).click();
  const summary = await page.getByTestId('merge-summary').innerText();
  assert.match(summary, new RegExp(`Fica “${ivo}”`));
  assert.match(summary, new RegExp(`As conversas e as etiquetas de “${iara}” \\(.*\\) passam para “${ivo}”`));
  assert.match(summary, new RegExp(`“${iara}” \\(.*\\) deixa de existir`));
  const merged = page.waitForResponse((r) => r.url().endsWith(`/api/v1/contacts/${ivoC.id}/merge`));
  await page.getByRole('button', { name: `Mesclar e manter “${ivo}”` }).click();
  assert.equal((await merged).status(), 200);
  await page.waitForURL(new RegExp(`#/contacts/${ivoC.id}$`));
  const gone = await context.request.get(`${BASE}/api/v1/contacts/${iaraC.id}`);
  assert.equal(gone.status(), 404, 'the merged contact is gone');
  const kept = await apiJson(context, `/api/v1/contacts/${ivoC.id}`);
  assert.equal(kept.attributes.cidade, 'Recife', 'the kept contact keeps its own values');

  // Erase Zélia's personal data, after a confirmation that says what goes and what stays.
  await page.goto(`/#/contacts/${zelia.id}`);
  await page.locator('.contact-profile[aria-busy="false"]').waitFor();
  await page.getByRole('button', { name: 'Apagar dados pessoais' }).click();
  const dialog = page.getByRole('dialog');
  const text = await dialog.innerText();
  assert.match(text, /LGPD/);
  assert.match(text, /o nome, o telefone, o e-mail, os atributos/);
  assert.match(text, /As conversas continuam existindo/);
  // Cancelling keeps everything.
  await dialog.getByRole('button', { name: 'Cancelar' }).click();
  assert.equal((await context.request.get(`${BASE}/api/v1/contacts/${zelia.id}`)).status(), 200);
  await page.getByRole('button', { name: 'Apagar dados pessoais' }).click();
  const erased = page.waitForResponse((r) => r.url().endsWith(`/api/v1/contacts/${zelia.id}`) && r.request().method() === 'DELETE');
  await page.getByRole('dialog').getByRole('button', { name: 'Apagar dados pessoais' }).click();
  assert.equal((await erased).status(), 204);
  await page.waitForURL(/#\/contacts$/);
  assert.equal((await context.request.get(`${BASE}/api/v1/contacts/${zelia.id}`)).status(), 404);
  assert.equal((await contactByQuery(context, p1.e164)).length, 0, 'no longer found by its phone');
  noProblems(page);
});

test('on a phone: the list, then a profile alone with a way back; in English too', async () => {
  const { page } = await loggedIn('owner@demo.example', { viewport: PHONE });
  await page.getByRole('link', { name: 'Contatos', exact: true }).click();
  await page.locator('.contacts-list[aria-busy="false"] .contact-row').first().waitFor();
  assert.equal(await page.locator('.contacts-detail').isVisible(), false, 'the list alone');
  await page.locator('.contact-row').first().click();
  await page.locator('.contact-profile[aria-busy="false"]').waitFor();
  assert.equal(await page.locator('.contacts-list-col').isVisible(), false, 'the profile alone');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `nothing wider than the phone (${width})`);
  await page.locator('.contacts-back').click();
  await page.locator('.contacts-list-col').waitFor({ state: 'visible' });

  await page.locator('.lang-select').selectOption('en');
  await page.getByLabel('Search contacts').waitFor();
  assert.match(await page.locator('.contacts-summary').innerText(), /contacts/);
  await page.locator('.lang-select').selectOption('pt-BR');
  noProblems(page);
});

test('an agent without contacts.view has no way to the contacts screen', async () => {
  const { page, context } = await loggedIn('ana@demo.example');
  const me = await apiJson(context, '/api/v1/me');
  assert.ok(!me.permissions.includes('contacts.view'));
  assert.ok(!me.may.includes('contacts.open'));
  await page.locator('.topbar').waitFor();
  assert.equal(await page.getByRole('link', { name: 'Contatos', exact: true }).count(), 0, 'no header link');
  // The address alone does not open it either: the inbox shows.
  await page.goto('/#/contacts');
  await page.getByRole('tablist').waitFor();
  assert.equal(await page.locator('.contacts').count(), 0);
  noProblems(page);
});
