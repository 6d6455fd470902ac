// Refusals in words (issue 15, "Words for people"): every error code has a text in both
// languages (crates/server/web/errors-i18n.js; a Rust test walks the OpenAPI document's codes),
// the values a refusal speaks of come in its `params`, and the server's English message never
// shows inside a Portuguese sentence.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loggedIn, noProblems } from './helpers.mjs';

test('refusals are said in the page language, with the values they speak of and no English', async () => {
  const { page } = await loggedIn('owner@demo.example', { hash: '#/admin/departments' });
  // Financeiro has conversations (and no child department, unlike Vendas after admin.test.mjs): it cannot be deleted.
  await page.getByRole('button', { name: 'Excluir Financeiro' }).click();
  await page.getByRole('button', { name: 'Confirmar exclusão' }).click();
  const alert = page.locator('.admin-section [role=alert]').filter({ hasText: /\S/ }).first();
  await alert.waitFor();
  assert.equal(await alert.innerText(), 'O departamento tem conversas: mova-as para outro departamento antes.');
  // Suporte has two child departments: the count comes from the server's `params`.
  await page.getByRole('button', { name: 'Excluir Suporte', exact: true }).click();
  await page.getByRole('button', { name: 'Confirmar exclusão' }).click();
  await page.getByText('O departamento tem 2 departamento(s) filho(s): mova-os ou exclua-os antes.').waitFor();
  // In English, the same refusal in English only.
  await page.getByLabel('Idioma').selectOption('en');
  await page.getByRole('button', { name: 'Delete Financeiro' }).click();
  await page.getByRole('button', { name: 'Confirm deletion' }).click();
  await page.getByText('The department has conversations: move them to another department first.').waitFor();
  noProblems(page);
});
