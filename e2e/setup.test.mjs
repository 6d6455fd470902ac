// The first run (issue 15, point 7 and "Done when"): `atende serve` on an empty data directory
// (not the demo) prints a setup code; the browser shows the setup instead of the login; a
// wrong code is refused in words; the right one creates the company and its owner, who lands
// in "Primeiros passos" and, without a terminal, creates a department, an agent, a WhatsApp
// channel (against a fake Graph API), a webhook (against a receiver) and a tag, each step
// ticked as it is done. In Portuguese, then in English. Screenshots at desktop and phone width.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createServer } from 'node:http';
import { PHONE, SHOTS, STAMP, fakeGraph, noProblems, openPage, section, unlabelledFields } from './helpers.mjs';

const BIN = process.env.ATENDE_E2E_BIN || './target/release/atende';

/** `atende serve` on a new empty data directory; resolves once it printed its address and code. */
async function freshServer() {
  const dir = await mkdtemp(join(tmpdir(), 'atende-setup-'));
  // The walk's fake Graph API and webhook receiver listen on 127.0.0.1 (the egress policy's
  // exception, as scripts/e2e gives the demo server).
  const env = { ...process.env, ATENDE_OUTBOUND_ALLOW: '127.0.0.1' };
  const child = spawn(BIN, ['serve', '--data-dir', dir, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  const found = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no setup code within 20 s:\n${out}`)), 20_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const base = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/)?.[1];
      const code = out.match(/setup code ([A-Z0-9-]+)/)?.[1];
      if (base && code) {
        clearTimeout(timer);
        resolve({ base, code });
      }
    });
    child.on('exit', (c) => reject(new Error(`the server stopped (${c}):\n${out}`)));
  });
  return {
    ...found,
    async stop() {
      child.kill();
      await new Promise((r) => child.once('exit', r));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

test('first run: the setup creates the company and its owner, who lands in the administration', async () => {
  const server = await freshServer();
  try {
    const { page } = await openPage(undefined, server.base);
    await page.goto('/');
    await page.getByRole('heading', { level: 1, name: 'Bem-vindo ao Atende' }).waitFor();
    const form = page.getByRole('form', { name: 'Bem-vindo ao Atende' });
    assert.deepEqual(await unlabelledFields(form), []);
    await form.getByLabel('Código de instalação').fill('AAAA-BBBB-CCCC');
    await form.getByLabel('Nome da empresa').fill('Padaria Pão Quente');
    await form.getByLabel('Seu nome').fill('Marta Souza');
    await form.getByLabel('Seu e-mail (para entrar)').fill('marta@padaria.example');
    await form.getByLabel('Sua senha').fill('senha-da-marta-1');
    await form.getByRole('button', { name: 'Criar a empresa' }).click();
    await form.getByRole('alert').getByText('Esse não é o código de instalação.').waitFor();
    await page.screenshot({ path: `${SHOTS}setup.png`, fullPage: true });

    // The code as typed from the console, in lower case: accepted.
    await form.getByLabel('Código de instalação').fill(server.code.toLowerCase());
    await form.getByRole('button', { name: 'Criar a empresa' }).click();
    await page.locator('.admin-nav').waitFor();
    await page.getByRole('heading', { level: 2, name: 'Primeiros passos' }).waitFor();
    const me = await (await page.request.get('/api/v1/me')).json();
    assert.equal(me.email, 'marta@padaria.example');
    assert.equal(me.must_change_password, false);
    const account = await (await page.request.get('/api/v1/account')).json();
    assert.equal(account.name, 'Padaria Pão Quente');
    // The setup is over: a new visitor gets the login, and the owner's password opens it.
    const again = await (await page.request.get('/api/v1/setup')).json();
    assert.equal(again.needed, false);
    const other = await openPage(PHONE, server.base);
    await other.page.goto('/');
    await other.page.getByRole('heading', { level: 1, name: 'Entrar no Atende' }).waitFor();
    await walk(page);
    noProblems(page);
  } finally {
    await server.stop();
  }
});

/** A receiver of webhook deliveries on loopback: counts them. */
async function receiver() {
  const rx = { hits: 0 };
  rx.server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      rx.hits += 1;
      res.writeHead(200, { connection: 'close' });
      res.end();
    });
  });
  await new Promise((resolve) => rx.server.listen(0, '127.0.0.1', resolve));
  rx.url = `http://127.0.0.1:${rx.server.address().port}/crm`;
  return rx;
}

/** "Primeiros passos", each step on its screen, from the owner's first page. */
async function walk(page) {
  const steps = page.locator('.start-steps');
  await steps.locator('[data-step="departments"]').waitFor();
  assert.equal(await steps.locator('.start-done').count(), 0, 'nothing done yet');
  const back = async () => {
    await section(page, 'Primeiros passos');
    await steps.locator('[data-step="departments"]').waitFor();
  };

  // Departamentos.
  await steps.getByRole('link', { name: 'Abrir Departamentos' }).click();
  await page.getByRole('heading', { level: 2, name: 'Departamentos' }).waitFor();
  await page.getByRole('button', { name: 'Novo departamento' }).click();
  await page.getByLabel('Nome', { exact: true }).fill('Vendas');
  await page.getByRole('button', { name: 'Criar' }).click();
  await page.locator('.tree-item[data-department="Vendas"]').waitFor();
  await back();
  await steps.locator('[data-step="departments"].start-done').waitFor();

  // Usuários: an agent of Vendas, with a temporary password.
  await steps.getByRole('link', { name: 'Abrir Usuários' }).click();
  await page.getByRole('heading', { level: 2, name: 'Usuários' }).waitFor();
  await page.getByRole('button', { name: 'Novo usuário' }).click();
  await page.getByLabel('Nome', { exact: true }).fill('Bruna Vendas');
  await page.getByLabel('E-mail').fill('bruna@padaria.example');
  await page.getByLabel('Senha temporária').fill('temporaria-9');
  await page.getByRole('button', { name: 'Adicionar papel' }).click();
  await page.getByLabel('Papel 1').selectOption({ label: 'Atendente (agent)' });
  await page.getByRole('button', { name: 'Adicionar departamento' }).click();
  await page.getByLabel('Departamento 1').selectOption({ label: 'Vendas' });
  await page.getByRole('button', { name: 'Criar' }).click();
  await page.locator('tr[data-user="bruna@padaria.example"]').waitFor();
  await back();
  await steps.locator('[data-step="users"].start-done').waitFor();

  // Canais: a WhatsApp number, against a fake Graph API.
  const number = `9${STAMP}`;
  const graph = await fakeGraph(number, 'EAAG-padaria');
  try {
    await steps.getByRole('link', { name: 'Abrir Canais' }).click();
    await page.getByRole('button', { name: 'Conectar número do WhatsApp' }).click();
    const form = page.getByRole('form', { name: 'Conectar número do WhatsApp' });
    await form.getByLabel('Nome do canal').fill('WhatsApp da padaria');
    await form.getByLabel('ID do número de telefone').fill(number);
    await form.getByLabel('Token de acesso').fill('EAAG-padaria');
    await form.getByLabel('Chave secreta do app').fill('segredo-do-app');
    await form.getByText('Avançado').click();
    await form.getByLabel('Endereço da Graph API').fill(graph.base);
    await form.getByRole('button', { name: 'Conectar' }).click();
    await page.getByRole('region', { name: 'O que colar no painel do Meta' }).waitFor();
  } finally {
    graph.server.close();
  }
  await back();
  await steps.locator('[data-step="channel"].start-done').waitFor();

  // Webhooks: the company's CRM.
  const rx = await receiver();
  try {
    await steps.getByRole('link', { name: 'Abrir Webhooks' }).click();
    await page.getByRole('button', { name: 'Novo webhook' }).click();
    await page.getByLabel('Endereço (URL)').fill(rx.url);
    await page.getByRole('button', { name: 'Criar webhook' }).click();
    await page.getByRole('region', { name: 'Segredo de assinatura' }).waitFor();
    await page.getByRole('button', { name: `Enviar evento de teste para ${rx.url}` }).click();
    for (let i = 0; i < 100 && !rx.hits; i++) await page.waitForTimeout(50);
    assert.equal(rx.hits, 1, 'the test event reached the CRM');
  } finally {
    rx.server.close();
  }
  await back();
  await steps.locator('[data-step="webhooks"].start-done').waitFor();

  // Etiquetas.
  await steps.getByRole('link', { name: 'Abrir Etiquetas' }).click();
  await page.getByLabel('Nova etiqueta').fill('encomenda');
  await page.getByRole('button', { name: 'Criar etiqueta' }).click();
  await page.getByText('Etiqueta “encomenda” criada.').waitFor();
  await back();
  await steps.locator('[data-step="tags"].start-done').waitFor();
  assert.equal(await steps.locator('.start-done').count(), 5, 'every step but the optional preset');
  await page.screenshot({ path: `${SHOTS}first-steps.png`, fullPage: true });

  // The same page in English.
  await page.getByLabel('Idioma').selectOption('en');
  await page.getByRole('heading', { level: 2, name: 'First steps' }).waitFor();
  await page.getByRole('heading', { level: 3, name: /Connect the first channel/ }).waitFor();
  await page.screenshot({ path: `${SHOTS}first-steps-en.png`, fullPage: true });
  await page.getByLabel('Language').selectOption('pt-BR');
}

test('first run in English, at phone width', async () => {
  const server = await freshServer();
  try {
    const { page } = await openPage(PHONE, server.base);
    await page.goto('/');
    await page.getByRole('heading', { level: 1, name: 'Bem-vindo ao Atende' }).waitFor();
    await page.getByLabel('Idioma').selectOption('en');
    await page.getByRole('heading', { level: 1, name: 'Welcome to Atende' }).waitFor();
    const form = page.getByRole('form', { name: 'Welcome to Atende' });
    await form.getByLabel('Setup code').fill('wrong');
    await form.getByLabel('Company name').fill('Bakery');
    await form.getByLabel('Your name').fill('Martha');
    await form.getByLabel('Your e-mail (to sign in)').fill('martha@bakery.example');
    await form.getByLabel('Your password').fill('marthas-password-1');
    await form.getByRole('button', { name: 'Create the company' }).click();
    await form.getByRole('alert').getByText('That is not the setup code.').waitFor();
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.equal(over, 0);
    await page.screenshot({ path: `${SHOTS}setup-en-phone.png`, fullPage: true });
    await page.getByLabel('Language').selectOption('pt-BR');
    noProblems(page);
  } finally {
    await server.stop();
  }
});
