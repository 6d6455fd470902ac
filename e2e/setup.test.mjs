// The first run (issue 15, point 7 and "Done when"): `atende serve` on an empty data directory
// (not the demo) prints a setup code; the browser shows the setup instead of the login; a
// wrong code is refused in words; the right one creates the company and its owner, who lands
// in "Primeiros passos" and, without a terminal, creates a department, an agent, a WhatsApp
// channel (against a fake Graph API), a webhook (against a receiver) and a tag, each step
// ticked as it is done. In Portuguese at desktop width, then all of it again in English at
// phone width. Screenshots of both.

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
    await walk(page, WORDS.pt, 'first-steps.png');
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

/** The walk's words, in each language. */
const WORDS = {
  pt: {
    start: 'Primeiros passos', depts: 'Abrir Departamentos', deptsH: 'Departamentos', newDept: 'Novo departamento', name: 'Nome', create: 'Criar',
    users: 'Abrir Usuários', usersH: 'Usuários', newUser: 'Novo usuário', email: 'E-mail', password: 'Senha temporária', addRole: 'Adicionar papel',
    role1: 'Papel 1', agent: 'Atendente (agent)', addDept: 'Adicionar departamento', dept1: 'Departamento 1', dept: 'Vendas',
    channels: 'Abrir Canais', connectWa: 'Conectar número do WhatsApp', channelName: 'Nome do canal', number: 'ID do número de telefone',
    token: 'Token de acesso', appSecret: 'Chave secreta do app', advanced: 'Avançado', graph: 'Endereço da Graph API', connect: 'Conectar',
    meta: 'O que colar no painel do Meta', webhooks: 'Abrir Webhooks', newHook: 'Novo webhook', url: 'Endereço (URL)', createHook: 'Criar webhook',
    secret: 'Segredo de assinatura', test: 'Enviar evento de teste para', tags: 'Abrir Etiquetas', newTag: 'Nova etiqueta', createTag: 'Criar etiqueta',
    tag: 'encomenda', tagCreated: 'Etiqueta “encomenda” criada.',
  },
  en: {
    start: 'First steps', depts: 'Open Departments', deptsH: 'Departments', newDept: 'New department', name: 'Name', create: 'Create',
    users: 'Open Users', usersH: 'Users', newUser: 'New user', email: 'Email', password: 'Temporary password', addRole: 'Add a role',
    role1: 'Role 1', agent: 'Agent', addDept: 'Add a department', dept1: 'Department 1', dept: 'Sales',
    channels: 'Open Channels', connectWa: 'Connect a WhatsApp number', channelName: 'Channel name', number: 'Phone number ID',
    token: 'Access token', appSecret: 'App secret', advanced: 'Advanced', graph: 'Graph API address', connect: 'Connect',
    meta: "What to paste into Meta's dashboard", webhooks: 'Open Webhooks', newHook: 'New webhook', url: 'Address (URL)', createHook: 'Create webhook',
    secret: 'Signing secret', test: 'Send a test event to', tags: 'Open Tags', newTag: 'New tag', createTag: 'Create tag',
    tag: 'order', tagCreated: 'Tag “order” created.',
  },
};

/** "Primeiros passos", each step on its screen, from the owner's first page, in language `w`. */
async function walk(page, w, shot) {
  const steps = page.locator('.start-steps');
  await steps.locator('[data-step="departments"]').waitFor();
  assert.equal(await steps.locator('.start-done').count(), 0, 'nothing done yet');
  const back = async () => {
    await section(page, w.start);
    await steps.locator('[data-step="departments"]').waitFor();
  };

  // Departamentos.
  await steps.getByRole('link', { name: w.depts }).click();
  await page.getByRole('heading', { level: 2, name: w.deptsH }).waitFor();
  await page.getByRole('button', { name: w.newDept }).click();
  await page.getByLabel(w.name, { exact: true }).fill(w.dept);
  await page.getByRole('button', { name: w.create, exact: true }).click();
  await page.locator(`.tree-item[data-department="${w.dept}"]`).waitFor();
  await back();
  await steps.locator('[data-step="departments"].start-done').waitFor();

  // Usuários: an agent of the department, with a temporary password.
  const email = `agente-${STAMP}@padaria.example`;
  await steps.getByRole('link', { name: w.users }).click();
  await page.getByRole('heading', { level: 2, name: w.usersH }).waitFor();
  await page.getByRole('button', { name: w.newUser }).click();
  await page.getByLabel(w.name, { exact: true }).fill('Bruna Vendas');
  await page.getByLabel(w.email, { exact: true }).fill(email);
  await page.getByLabel(w.password, { exact: true }).fill('temporaria-9');
  await page.getByRole('button', { name: w.addRole }).click();
  await page.getByLabel(w.role1).selectOption({ label: w.agent });
  await page.getByRole('button', { name: w.addDept }).click();
  await page.getByLabel(w.dept1).selectOption({ label: w.dept });
  await page.getByRole('button', { name: w.create, exact: true }).click();
  await page.locator(`tr[data-user="${email}"]`).waitFor();
  await back();
  await steps.locator('[data-step="users"].start-done').waitFor();

  // Canais: a WhatsApp number, against a fake Graph API.
  const number = `9${STAMP}`;
  const graph = await fakeGraph(number, 'EAAG-padaria');
  try {
    await steps.getByRole('link', { name: w.channels }).click();
    await page.getByRole('button', { name: w.connectWa }).click();
    const form = page.getByRole('form', { name: w.connectWa });
    await form.getByLabel(w.channelName).fill('WhatsApp da padaria');
    await form.getByLabel(w.number).fill(number);
    await form.getByLabel(w.token).fill('EAAG-padaria');
    await form.getByLabel(w.appSecret).fill('segredo-do-app');
    await form.getByText(w.advanced).click();
    await form.getByLabel(w.graph).fill(graph.base);
    await form.getByRole('button', { name: w.connect, exact: true }).click();
    await page.getByRole('region', { name: w.meta }).waitFor();
  } finally {
    graph.server.close();
  }
  await back();
  await steps.locator('[data-step="channel"].start-done').waitFor();

  // Webhooks: the company's CRM.
  const rx = await receiver();
  try {
    await steps.getByRole('link', { name: w.webhooks }).click();
    await page.getByRole('button', { name: w.newHook }).click();
    await page.getByLabel(w.url).fill(rx.url);
    await page.getByRole('button', { name: w.createHook }).click();
    await page.getByRole('region', { name: w.secret }).waitFor();
    await page.getByRole('button', { name: `${w.test} ${rx.url}` }).click();
    for (let i = 0; i < 100 && !rx.hits; i++) await page.waitForTimeout(50);
    assert.equal(rx.hits, 1, 'the test event reached the CRM');
  } finally {
    rx.server.close();
  }
  await back();
  await steps.locator('[data-step="webhooks"].start-done').waitFor();

  // Etiquetas.
  await steps.getByRole('link', { name: w.tags }).click();
  await page.getByLabel(w.newTag).fill(w.tag);
  await page.getByRole('button', { name: w.createTag }).click();
  await page.getByText(w.tagCreated).waitFor();
  await back();
  await steps.locator('[data-step="tags"].start-done').waitFor();
  assert.equal(await steps.locator('.start-done').count(), 5, 'every step but the optional preset');
  await page.screenshot({ path: `${SHOTS}${shot}`, fullPage: true });
}

test('first run in English, at phone width: the setup and every first step', async () => {
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
    await form.getByLabel('Setup code').fill(server.code);
    await form.getByRole('button', { name: 'Create the company' }).click();
    await page.getByRole('heading', { level: 2, name: 'First steps' }).waitFor();
    await walk(page, WORDS.en, 'first-steps-en-phone.png');
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.equal(wide, 0);
    await page.getByLabel('Language').selectOption('pt-BR');
    noProblems(page);
  } finally {
    await server.stop();
  }
});
