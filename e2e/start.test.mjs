// "Nova conversa": an agent writes first to a number that is not a contact yet. The dialog asks
// the number (written as people write it), the department and an approved template; the new
// conversation opens in "Meus", in progress, with the contact made from the number.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PHONE, SHOTS, STAMP, apiJson, loggedIn, noProblems } from './helpers.mjs';

test('the owner starts a conversation with a new number, with a template', async () => {
  const { context, page } = await loggedIn('owner@demo.example');
  const digits = String(STAMP).replace(/\D/g, '').slice(-7).padStart(7, '0');
  const written = `(21) 98${digits.slice(0, 3)}-${digits.slice(3)}`;
  await page.getByRole('button', { name: 'Nova conversa' }).click();
  const dialog = page.getByRole('dialog', { name: 'Nova conversa' });
  await dialog.getByLabel('Número do WhatsApp').fill(written);
  await dialog.getByLabel('Nome do cliente (opcional)').fill(`Cliente Novo ${STAMP}`);
  await dialog.getByLabel('Modelo (nome aprovado no WhatsApp)').fill('boas_vindas');
  await dialog.getByLabel('Parâmetros do modelo (um por linha)').fill('Cliente');
  await dialog.getByRole('button', { name: 'Iniciar conversa' }).click();
  await page.waitForURL(/#\/mine\/\d+$/);
  await page.getByRole('heading', { name: `Cliente Novo ${STAMP}` }).waitFor();
  const id = Number(page.url().split('/').pop());
  const c = await apiJson(context, `/api/v1/conversations/${id}`);
  assert.equal(c.status, 'in_progress');
  assert.equal(c.contact.phone, `+552198${digits}`);
  assert.equal(c.contact.phone_display, `+55 21 98${digits.slice(0, 3)}-${digits.slice(3)}`);
  // The template is the conversation's first message.
  const messages = await apiJson(context, `/api/v1/conversations/${id}/messages`);
  assert.ok(messages.some((m) => m.kind === 'out' && m.body.startsWith('[template boas_vindas]')), JSON.stringify(messages));
  // A number that is not a number is refused in words, and nothing starts.
  await page.getByRole('button', { name: 'Nova conversa' }).click();
  const again = page.getByRole('dialog', { name: 'Nova conversa' });
  await again.getByLabel('Número do WhatsApp').fill('abc');
  await again.getByRole('button', { name: 'Iniciar conversa' }).click();
  await again.getByRole('alert').filter({ hasText: 'Telefone inválido' }).waitFor();
  await page.screenshot({ path: `${SHOTS}start-desktop.png` });
  await again.getByRole('button', { name: 'Cancelar' }).click();
  noProblems(page);
  await context.close();

  const phone = await loggedIn('owner@demo.example', { viewport: PHONE });
  await phone.page.getByRole('button', { name: 'Nova conversa' }).click();
  await phone.page.screenshot({ path: `${SHOTS}start-phone.png` });
  await phone.context.close();
});
