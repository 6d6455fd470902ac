// Canais (issue 15, "Channels screen"): the owner connects a WhatsApp number against a fake
// Graph API on loopback without a terminal (a refused token said in words first), is shown the
// webhook URL and verify token to paste into Meta (the handshake answers with them), tests the
// connection (working, then a token the Graph API refuses), sees the last message received,
// cannot delete a channel conversations came through (the server's reason in words), creates a
// generic channel whose token is shown once and rotated, disables and deletes it; then the same
// screen in English. Screenshots at desktop and phone width; a long name breaks nothing.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { BASE, PHONE, SHOTS, STAMP, apiJson, apiPost, fakeGraph, loggedIn, noProblems, unlabelledFields } from './helpers.mjs';

const FIXTURES = new URL('../crates/server/tests/fixtures/', import.meta.url);

const card = (page, name) => page.locator('.channel-card').filter({ has: page.getByRole('heading', { level: 3, name }) });

/** The page is not wider than its window, and no channel card spills sideways. */
async function fits(page, what) {
  const r = await page.evaluate(() => ({
    page: document.documentElement.scrollWidth - window.innerWidth,
    cards: [...document.querySelectorAll('.channel-card, .channel-reveal, .channel-form')].filter((el) => el.scrollWidth > el.clientWidth + 1).length,
  }));
  assert.deepEqual(r, { page: 0, cards: 0 }, what);
}

test('channels: the owner connects WhatsApp and a generic channel without a terminal', async () => {
  const number = `7${STAMP}`;
  const token = `EAAG-${STAMP}`;
  const secret = `segredo-${STAMP}`;
  const name = `WhatsApp Vendas ${STAMP}`;
  const graph = await fakeGraph(number, token);
  try {
    const { context, page } = await loggedIn('owner@demo.example', { hash: '#/admin/channels' });
    await page.getByRole('heading', { level: 2, name: 'Canais' }).waitFor();
    const suporte = (await apiJson(context, '/api/v1/departments')).find((d) => d.name === 'Suporte');

    // The guided form; a token the Graph API refuses is said in words, nothing is created.
    await page.getByRole('button', { name: 'Conectar número do WhatsApp' }).click();
    const form = page.getByRole('form', { name: 'Conectar número do WhatsApp' });
    await form.getByLabel('Nome do canal').fill(name);
    await form.getByLabel('Departamento').selectOption(String(suporte.id));
    await form.getByLabel('ID do número de telefone').fill(number);
    await form.getByLabel('Token de acesso').fill('EAAG-errado');
    await form.getByLabel('Chave secreta do app').fill(secret);
    const verify = await form.getByLabel('Token de verificação').inputValue();
    assert.match(verify, /^atende-[0-9a-f]{36}$/, 'a random verify token is offered');
    await form.getByText('Avançado').click();
    await form.getByLabel('Endereço da Graph API').fill(graph.base);
    assert.deepEqual(await unlabelledFields(form), []);
    await form.getByRole('button', { name: 'Conectar' }).click();
    await form.getByRole('alert').getByText('O WhatsApp recusou o token de acesso').waitFor();
    assert.ok(!(await apiJson(context, '/api/v1/channels')).some((c) => c.name === name));

    // The right token: connected, with what to paste into Meta.
    await form.getByLabel('Token de acesso').fill(token);
    await form.getByRole('button', { name: 'Conectar' }).click();
    const reveal = page.getByRole('region', { name: 'O que colar no painel do Meta' });
    await reveal.getByText(`Canal “${name}” conectado.`).waitFor();
    const channel = (await apiJson(context, '/api/v1/channels')).find((c) => c.name === name);
    assert.equal(channel.department_id, suporte.id);
    const values = await reveal.locator('.copy-value').allInnerTexts();
    assert.deepEqual(values, [`${BASE}/webhooks/whatsapp/${channel.id}`, verify]);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE });
    await reveal.getByRole('button', { name: 'Copiar URL de retorno (webhook)' }).click();
    await reveal.getByText('Copiado.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), values[0]);
    // What Meta's dashboard does with them: the handshake answers the challenge.
    const hs = await context.request.get(`${BASE}/webhooks/whatsapp/${channel.id}?hub.mode=subscribe&hub.verify_token=${verify}&hub.challenge=4242`);
    assert.equal(await hs.text(), '4242');
    const wa = card(page, name);
    await wa.getByText('Suporte').waitFor();
    await wa.getByText('nenhuma ainda').waitFor();
    await page.screenshot({ path: `${SHOTS}admin-channels.png` });

    // Testing the connection: working, then a token the Graph API no longer takes.
    await wa.getByRole('button', { name: `Testar a conexão de ${name}` }).click();
    await wa.getByText('Conexão funcionando').waitFor();
    graph.ok = false;
    await wa.getByRole('button', { name: `Testar a conexão de ${name}` }).click();
    await wa.getByRole('alert').getByText('O WhatsApp recusou o token de acesso').waitFor();
    graph.ok = true;

    // A customer writes: the last message received shows; the channel cannot be deleted.
    const payload = JSON.parse(await readFile(new URL('whatsapp/text.json', FIXTURES), 'utf8'));
    const value = payload.entry[0].changes[0].value;
    value.metadata.phone_number_id = number;
    value.messages[0].id = `wamid.canais.${STAMP}`;
    value.contacts[0].wa_id = value.messages[0].from = `55119${String(Date.now()).slice(-8)}`;
    const body = JSON.stringify(payload);
    const delivered = await context.request.post(`${BASE}/webhooks/whatsapp/${channel.id}`, {
      data: body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
    });
    assert.equal(delivered.status(), 200);
    await page.reload();
    await card(page, name).locator('.channel-facts time').waitFor();
    page.once('dialog', (d) => d.accept());
    await card(page, name).getByRole('button', { name: `Excluir ${name}` }).click();
    await card(page, name).getByRole('alert').getByText('Conversas chegaram por esse canal: desative-o em vez de excluí-lo.').waitFor();

    // A generic channel: its token shown once, then rotated.
    const site = `Chat do site ${STAMP}`;
    await page.getByRole('button', { name: 'Novo canal genérico' }).click();
    const gform = page.getByRole('form', { name: 'Novo canal genérico' });
    await gform.getByLabel('Nome do canal').fill(site);
    await gform.getByRole('button', { name: 'Criar canal' }).click();
    const shown = page.getByRole('region', { name: 'Token do canal' });
    await shown.getByText('não será mostrado de novo').waitFor();
    const first = await shown.locator('.copy-secret').innerText();
    assert.match(first, /^ch_/);
    const post = (t) => context.request.post(`${BASE}/webhooks/generic/messages`, {
      data: { from: '+55 11 98888-0000', name: 'Visitante', text: 'Olá', id: `m-${t.slice(-6)}` },
      headers: { authorization: `Bearer ${t}` },
    });
    assert.equal((await post(first)).status(), 200, 'the token shown works');
    await page.reload();
    const gen = card(page, site);
    await gen.getByText('guardado (só é mostrado quando criado ou gerado de novo)').waitFor();
    assert.ok(!(await page.content()).includes(first), 'the token is not shown again');
    page.once('dialog', (d) => d.accept());
    await gen.getByRole('button', { name: `Gerar novo token para ${site}` }).click();
    await gen.getByText('Novo token gerado. O anterior não funciona mais.').waitFor();
    const second = await gen.locator('.copy-secret').innerText();
    assert.notEqual(second, first);
    assert.equal((await post(first)).status(), 401, 'the old token no longer works');

    // Disabled, then deleted (a channel without conversations).
    const bare = `Integração ${STAMP}`;
    await apiPost(context, '/api/v1/channels', { kind: 'generic', name: bare });
    await page.reload();
    await card(page, bare).getByRole('button', { name: `Desativar ${bare}` }).click();
    await page.getByText(`Canal “${bare}” desativado`).waitFor();
    await card(page, bare).getByText('Desativado', { exact: true }).waitFor();
    page.once('dialog', (d) => d.accept());
    await card(page, bare).getByRole('button', { name: `Excluir ${bare}` }).click();
    await page.getByText(`Canal “${bare}” excluído.`).waitFor();
    assert.equal(await card(page, bare).count(), 0);
    await fits(page, 'desktop');
    noProblems(page);

    // At phone width, with a name as long as the API allows: nothing spills out.
    const long = `Canal${STAMP}`.padEnd(200, 'x');
    await apiPost(context, '/api/v1/channels', { kind: 'generic', name: long, department_id: suporte.id });
    const phone = await loggedIn('owner@demo.example', { viewport: PHONE, hash: '#/admin/channels' });
    await card(phone.page, name).waitFor();
    await phone.page.locator(`.channel-card .clip[title="${long}"]`).waitFor();
    await fits(phone.page, 'phone');
    await card(phone.page, name).scrollIntoViewIfNeeded();
    await phone.page.screenshot({ path: `${SHOTS}admin-channels-phone.png` });
    noProblems(phone.page);
  } finally {
    graph.server.close(() => {});
  }
});

test('channels in English: the forms, a connection test and a generic token in words', async () => {
  const number = `8${STAMP}`;
  const token = `EAAG-en-${STAMP}`;
  const graph = await fakeGraph(number, token);
  try {
    const { context, page } = await loggedIn('owner@demo.example', { hash: '#/admin/channels' });
    await page.getByRole('heading', { level: 2, name: 'Canais' }).waitFor();
    await page.getByLabel('Idioma').selectOption('en');
    await page.getByRole('heading', { level: 2, name: 'Channels' }).waitFor();
    await page.getByRole('button', { name: 'Connect a WhatsApp number' }).click();
    const form = page.getByRole('form', { name: 'Connect a WhatsApp number' });
    const name = `WhatsApp EN ${STAMP}`;
    await form.getByLabel('Channel name').fill(name);
    await form.getByLabel('Phone number ID').fill(number);
    await form.getByLabel('Access token').fill(token);
    await form.getByLabel('App secret').fill('app-secret');
    await form.getByText('Advanced').click();
    await form.getByLabel('Graph API address').fill(graph.base);
    await form.getByRole('button', { name: 'Connect' }).click();
    const reveal = page.getByRole('region', { name: "What to paste into Meta's dashboard" });
    await reveal.getByText(`Channel “${name}” connected.`).waitFor();
    await reveal.getByText('Callback URL (webhook)').waitFor();
    const wa = card(page, name);
    await wa.getByText("The account's default department").waitFor();
    graph.ok = false;
    await wa.getByRole('button', { name: `Test the connection of ${name}` }).click();
    const said = await wa.getByRole('alert').innerText();
    assert.match(said, /^WhatsApp refused the access token/);
    // A port nobody listens on any more: unreachable, in words.
    graph.server.close();
    await wa.getByRole('button', { name: `Test the connection of ${name}` }).click();
    await wa.getByRole('alert').getByText('The Graph API could not be reached').waitFor();

    await page.getByRole('button', { name: 'New generic channel' }).click();
    const gform = page.getByRole('form', { name: 'New generic channel' });
    await gform.getByLabel('Channel name').fill(`Website ${STAMP}`);
    await gform.getByRole('button', { name: 'Create channel' }).click();
    await page.getByRole('region', { name: 'Channel token' }).getByText('it will not be shown again').waitFor();
    // The same name again: the server's refusal in English words, no Portuguese.
    await page.getByRole('button', { name: 'New generic channel' }).click();
    await page.getByRole('form', { name: 'New generic channel' }).getByLabel('Channel name').fill(`Website ${STAMP}`);
    await page.getByRole('form', { name: 'New generic channel' }).getByRole('button', { name: 'Create channel' }).click();
    const refusal = await page.getByRole('form', { name: 'New generic channel' }).getByRole('alert').innerText();
    assert.ok(refusal.length > 0 && !/[ãõçê]|canal/i.test(refusal), refusal);
    await page.getByLabel('Language').selectOption('pt-BR');
    await page.getByRole('heading', { level: 2, name: 'Canais' }).waitFor();
    // Tidy: the number stays connected but inactive.
    const ch = (await apiJson(context, '/api/v1/channels')).find((c) => c.name === name);
    await context.request.patch(`${BASE}/api/v1/channels/${ch.id}`, { data: { active: false }, headers: { Origin: BASE } });
    noProblems(page);
  } finally {
    graph.server.close(() => {});
  }
});
