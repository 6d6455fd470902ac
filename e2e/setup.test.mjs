// The first-run setup (issue 15, point 7): `atende serve` on an empty data directory (not the
// demo) prints a setup code; the browser shows the setup instead of the login; a wrong code is
// refused in words; the right one creates the company and its owner, who lands logged in in
// the administration and creates a department there. In Portuguese, then the form in English.
// Screenshots at desktop and phone width.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PHONE, SHOTS, noProblems, openPage, unlabelledFields } from './helpers.mjs';

const BIN = process.env.ATENDE_E2E_BIN || './target/release/atende';

/** `atende serve` on a new empty data directory; resolves once it printed its address and code. */
async function freshServer() {
  const dir = await mkdtemp(join(tmpdir(), 'atende-setup-'));
  const child = spawn(BIN, ['serve', '--data-dir', dir, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
    await page.getByRole('heading', { level: 2, name: 'Configurações' }).waitFor();
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
    noProblems(page);
  } finally {
    await server.stop();
  }
});

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
