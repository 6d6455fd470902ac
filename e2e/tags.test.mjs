// Etiquetas (issue 15, "Tags screen"): the owner creates a tag with a colour, is refused a name
// another tag has (in words), renames and recolours it, sees how many conversations carry each
// tag (the same figure the API gives them, and an agent's figure no larger), merges a tag into
// another and removes one; an agent has no such section, cannot create a tag, and attaches an
// existing one. Then the same screen in English. Screenshots at desktop and phone width, in
// both languages; a long name breaks nothing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BASE, PHONE, SHOTS, STAMP, apiJson, apiPost, loggedIn, noProblems, section, unlabelledFields } from './helpers.mjs';

const row = (page, name) => page.locator(`.tags-table tr[data-tag="${name}"]`);
const counts = async (context) => Object.fromEntries((await apiJson(context, '/api/v1/tags?counts=true')).map((t) => [t.name, t]));

/** The page is not wider than its window. */
async function fits(page, what) {
  const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.equal(over, 0, what);
}

test('tags: the owner creates, renames, recolours, merges and removes tags; an agent only attaches them', async () => {
  const { page, context } = await loggedIn('owner@demo.example', { hash: '#/admin/departments' });
  await section(page, 'Etiquetas');
  const name = `promoção de natal ${STAMP}`;
  const form = page.getByRole('form', { name: 'Criar etiqueta' });
  await form.getByLabel('Nova etiqueta').fill(name);
  await form.getByLabel('Azul').check();
  await form.getByRole('button', { name: 'Criar etiqueta' }).click();
  await page.getByText(`Etiqueta “${name}” criada.`).waitFor();
  await row(page, name).locator('.tag.tag-c-blue').waitFor();
  await row(page, name).getByText('0 atendimentos').waitFor();
  assert.deepEqual(await unlabelledFields(page.locator('.admin-section')), []);

  // The figures are the API's for this reader; an agent's are never larger.
  const mine = await counts(context);
  assert.equal(mine[name].colour, 'blue');
  const vip = mine.vip.conversations;
  assert.ok(vip > 0, 'the demo has vip conversations');
  await row(page, 'vip').getByText(`${vip} atendimentos`).waitFor();

  // ana (an agent) has no Etiquetas section and cannot create tags; she attaches the new one.
  const ana = await loggedIn('ana@demo.example');
  const me = await apiJson(ana.context, '/api/v1/me');
  assert.ok(!me.may.includes('tags.open'));
  const refused = await ana.context.request.post(`${BASE}/api/v1/tags`, { data: { name: `x${STAMP}` }, headers: { Origin: BASE } });
  assert.equal(refused.status(), 403);
  const theirs = await counts(ana.context);
  assert.ok(theirs.vip.conversations <= vip, 'an agent counts only what she sees');
  const inProgress = await apiJson(ana.context, '/api/v1/conversations?tab=mine');
  assert.ok(inProgress.items.length, 'ana has conversations in progress');
  const id = inProgress.items[0].id;
  const unknown = await ana.context.request.post(`${BASE}/api/v1/conversations/${id}/tag`, { data: { tag: `nova ${STAMP}` }, headers: { Origin: BASE } });
  assert.equal((await unknown.json()).error.code, 'unknown_tag');
  const tagged = await apiPost(ana.context, `/api/v1/conversations/${id}/tag`, { tag: name });
  assert.ok(tagged.tags.includes(name));
  // In the pane, the tag is drawn in its colour.
  await ana.page.goto(`/#/mine/${id}`);
  await ana.page.locator(`.tags .tag.tag-c-blue`).filter({ hasText: name }).waitFor();
  await page.reload();
  await row(page, name).getByText('1 atendimento', { exact: true }).waitFor();

  // A name another tag has: refused in words, nothing changed.
  await row(page, name).getByRole('button', { name: `Editar a etiqueta ${name}` }).click();
  const edit = page.getByRole('form', { name: `Editar a etiqueta ${name}` });
  await edit.getByLabel('Nome').fill('vip');
  await edit.getByRole('button', { name: 'Salvar' }).click();
  await page.getByRole('alert').getByText('Essa etiqueta já existe. Para juntar as duas, use “Mesclar”.').waitFor();
  // Renamed and recoloured: the conversation shows the new name.
  const renamed = `retorno agendado ${STAMP}`;
  await edit.getByLabel('Nome').fill(renamed);
  await edit.getByLabel('Verde', { exact: true }).check();
  await edit.getByRole('button', { name: 'Salvar' }).click();
  await page.getByText(`Etiqueta “${renamed}” salva.`).waitFor();
  await row(page, renamed).locator('.tag.tag-c-green').waitFor();
  assert.ok((await apiJson(ana.context, `/api/v1/conversations/${id}`)).tags.includes(renamed));

  // Merged into vip: the conversation carries vip, the tag is gone.
  await row(page, renamed).getByRole('button', { name: `Mesclar a etiqueta ${renamed} com outra` }).click();
  const merge = page.getByRole('form', { name: `Mesclar a etiqueta ${renamed} com outra` });
  await merge.getByLabel('Mesclar com').selectOption('vip');
  await merge.getByText(`Os atendimentos e contatos com “${renamed}” passam a ter “vip”`).waitFor();
  await page.screenshot({ path: `${SHOTS}admin-tags.png` });
  await merge.getByRole('button', { name: 'Mesclar' }).click();
  await page.getByText(`“${renamed}” mesclada com “vip” (1 atendimento).`).waitFor();
  assert.equal(await row(page, renamed).count(), 0);
  const after = await apiJson(ana.context, `/api/v1/conversations/${id}`);
  assert.ok(after.tags.includes('vip') && !after.tags.includes(renamed), JSON.stringify(after.tags));

  // Removed after a question that says how many carry it.
  const gone = `temporária ${STAMP}`;
  await apiPost(context, '/api/v1/tags', { name: gone, colour: 'pink' });
  await page.reload();
  page.once('dialog', (d) => {
    assert.match(d.message(), new RegExp(`Remover a etiqueta “${gone}” da empresa\\?`));
    d.accept();
  });
  await row(page, gone).getByRole('button', { name: `Remover a etiqueta ${gone}` }).click();
  await page.getByText(`Etiqueta “${gone}” removida.`).waitFor();
  await fits(page, 'desktop');
  noProblems(page);
  noProblems(ana.page);

  // At phone width, with a name as long as the API allows: nothing spills out.
  const long = `Etiqueta${STAMP}`.padEnd(64, 'x');
  await apiPost(context, '/api/v1/tags', { name: long, colour: 'purple' });
  const phone = await loggedIn('owner@demo.example', { viewport: PHONE, hash: '#/admin/tags' });
  await row(phone.page, long).waitFor();
  await fits(phone.page, 'phone');
  await row(phone.page, 'vip').getByRole('button', { name: 'Editar a etiqueta vip' }).click();
  await phone.page.getByRole('form', { name: 'Editar a etiqueta vip' }).waitFor();
  await fits(phone.page, 'phone, editing');
  await phone.page.screenshot({ path: `${SHOTS}admin-tags-phone.png`, fullPage: true });
  noProblems(phone.page);
  await apiSendDelete(context, long);
});

async function apiSendDelete(context, name) {
  const r = await context.request.delete(`${BASE}/api/v1/tags/${encodeURIComponent(name)}`, { headers: { Origin: BASE } });
  assert.equal(r.status(), 204);
}

test('tags in English: the table, the forms and a refusal in words', async () => {
  const { context, page } = await loggedIn('owner@demo.example', { hash: '#/admin/tags' });
  await page.getByRole('heading', { level: 2, name: 'Etiquetas' }).waitFor();
  await page.getByLabel('Idioma').selectOption('en');
  await page.getByRole('heading', { level: 2, name: 'Tags' }).waitFor();
  const name = `follow-up ${STAMP}`;
  const form = page.getByRole('form', { name: 'Create tag' });
  await form.getByLabel('New tag').fill(name);
  await form.getByLabel('Orange').check();
  await form.getByRole('button', { name: 'Create tag' }).click();
  await page.getByText(`Tag “${name}” created.`).waitFor();
  await row(page, name).getByText('0 conversations').waitFor();
  await row(page, name).getByRole('button', { name: `Merge the tag ${name} into another` }).click();
  const merge = page.getByRole('form', { name: `Merge the tag ${name} into another` });
  await merge.getByLabel('Merge into').selectOption('urgente');
  await merge.getByText(`The conversations and contacts with “${name}” get “urgente” instead`).waitFor();
  await row(page, name).getByRole('button', { name: `Edit the tag ${name}` }).click();
  const edit = page.getByRole('form', { name: `Edit the tag ${name}` });
  await edit.getByLabel('Name').fill('vip');
  await edit.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('alert').getByText('That tag exists already. To join the two, use “Merge”.').waitFor();
  await page.screenshot({ path: `${SHOTS}admin-tags-en.png` });
  const phone = await loggedIn('owner@demo.example', { viewport: PHONE, hash: '#/admin/tags' });
  await phone.page.getByLabel('Idioma').selectOption('en');
  await phone.page.getByRole('heading', { level: 2, name: 'Tags' }).waitFor();
  await row(phone.page, name).waitFor();
  await phone.page.screenshot({ path: `${SHOTS}admin-tags-en-phone.png` });
  await phone.page.getByLabel('Language').selectOption('pt-BR');
  await page.getByLabel('Language').selectOption('pt-BR');
  await page.getByRole('heading', { level: 2, name: 'Etiquetas' }).waitFor();
  await apiSendDelete(context, name);
  noProblems(page);
  noProblems(phone.page);
});
