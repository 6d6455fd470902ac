// Webhooks (issue 15, "Webhooks screen"): the owner creates a webhook to a receiver this test
// starts on loopback, copies its secret (shown once), sends a test event that arrives signed
// with it and shows as delivered in the log; the receiver then refuses (HTTP 500), the log says
// so, pausing cancels what was pending, and once resumed and fixed "Reenviar" delivers it.
// Then the screen in English. Screenshots at desktop and phone width; a long URL breaks nothing.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { PHONE, SHOTS, STAMP, loggedIn, noProblems, unlabelledFields } from './helpers.mjs';

/** A receiver: records each request; answers `rx.status`. */
async function receiver() {
  const rx = { status: 200, hits: [] };
  rx.server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      rx.hits.push({ headers: req.headers, body });
      res.writeHead(rx.status, { connection: 'close' });
      res.end();
    });
  });
  await new Promise((resolve) => rx.server.listen(0, '127.0.0.1', resolve));
  rx.url = `http://127.0.0.1:${rx.server.address().port}/atende/${STAMP}`;
  return rx;
}

const card = (page, url) => page.locator(`.channel-card[data-webhook]`).filter({ has: page.locator(`.clip[title="${url}"]`) });

/** Waits (clicking "Atualizar"/"Refresh") until the log has a row in this state (showing `text`). */
async function logShows(page, hookCard, refresh, status, text = '') {
  for (let i = 0; i < 100; i++) {
    const rows = hookCard.locator(`tr[data-status="${status}"]`).filter({ hasText: text });
    if (await rows.count()) return rows.first();
    await hookCard.getByRole('button', { name: refresh }).click();
    await page.waitForTimeout(100);
  }
  throw new Error(`no ${status} delivery in the log`);
}

test('webhooks: the owner creates one, tests it, reads the log and sends a failed delivery again', async () => {
  const rx = await receiver();
  try {
    const { page } = await loggedIn('owner@demo.example', { hash: '#/admin/webhooks' });
    await page.getByRole('heading', { level: 2, name: 'Webhooks' }).waitFor();
    await page.getByRole('button', { name: 'Novo webhook' }).click();
    const form = page.getByRole('form', { name: 'Novo webhook' });
    assert.deepEqual(await unlabelledFields(form), []);
    await form.getByLabel('Endereço (URL)').fill(rx.url);
    await form.getByRole('button', { name: 'Criar webhook' }).click();
    const reveal = page.getByRole('region', { name: 'Segredo de assinatura' });
    await reveal.getByText('não será mostrado de novo').waitFor();
    const secret = (await reveal.locator('.copy-value').innerText()).trim();
    assert.match(secret, /^whsec_[0-9a-f]{64}$/);

    // A test event: signed with the secret, delivered, in the log.
    const hook = card(page, rx.url);
    await hook.getByRole('button', { name: `Enviar evento de teste para ${rx.url}` }).click();
    await hook.getByText('Evento de teste enviado').waitFor();
    for (let i = 0; i < 100 && !rx.hits.length; i++) await page.waitForTimeout(50);
    const hit = rx.hits[0];
    assert.ok(hit, 'the receiver got the test event');
    const signature = `sha256=${createHmac('sha256', secret).update(hit.body).digest('hex')}`;
    assert.equal(hit.headers['x-atende-signature-256'], signature);
    assert.equal(JSON.parse(hit.body).type, 'webhook.test');
    await hook.getByRole('button', { name: `Entregas de ${rx.url}` }).click();
    const delivered = await logShows(page, hook, 'Atualizar', 'delivered');
    await delivered.getByText('Entregue').waitFor();
    await delivered.getByText('HTTP 200').waitFor();

    // Refused: the answer in the log; paused, the pending one is cancelled; resumed and fixed,
    // sent again.
    rx.status = 500;
    await hook.getByRole('button', { name: `Enviar evento de teste para ${rx.url}` }).click();
    const trying = await logShows(page, hook, 'Atualizar', 'pending', 'HTTP 500');
    await trying.getByText('HTTP 500').waitFor();
    await trying.getByText('O seu sistema respondeu 500.').waitFor();
    await page.screenshot({ path: `${SHOTS}admin-webhooks.png`, fullPage: true });
    await hook.getByRole('button', { name: `Pausar ${rx.url}` }).click();
    await page.getByText('Webhook pausado').waitFor();
    const paused = card(page, rx.url);
    await paused.getByText('Pausado', { exact: true }).waitFor();
    await paused.getByRole('button', { name: `Retomar ${rx.url}` }).click();
    await page.getByText('Webhook retomado').waitFor();
    rx.status = 200;
    const again = card(page, rx.url);
    await again.getByRole('button', { name: `Entregas de ${rx.url}` }).click();
    const failed = await logShows(page, again, 'Atualizar', 'failed', 'Cancelada: o webhook foi pausado.');
    const id = await failed.getAttribute('data-delivery');
    const before = rx.hits.length;
    await failed.getByRole('button', { name: `Reenviar a entrega ${id}` }).click();
    await again.getByText(`Entrega ${id} reenviada.`).waitFor();
    for (let i = 0; i < 100 && rx.hits.length === before; i++) await page.waitForTimeout(50);
    assert.ok(rx.hits.length > before, 'sent again');
    const row = again.locator(`tr[data-delivery="${id}"]`);
    for (let i = 0; i < 100 && (await row.getAttribute('data-status')) !== 'delivered'; i++) {
      await again.getByRole('button', { name: 'Atualizar' }).click();
      await page.waitForTimeout(100);
    }
    assert.equal(await again.locator(`tr[data-delivery="${id}"]`).getAttribute('data-status'), 'delivered');
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.equal(over, 0);
    noProblems(page);

    // At phone width: nothing spills out.
    const phone = await loggedIn('owner@demo.example', { viewport: PHONE, hash: '#/admin/webhooks' });
    await card(phone.page, rx.url).waitFor();
    const phoneOver = await phone.page.evaluate(() => ({
      page: document.documentElement.scrollWidth - window.innerWidth,
      cards: [...document.querySelectorAll('.channel-card')].filter((el) => el.scrollWidth > el.clientWidth + 1).length,
    }));
    assert.deepEqual(phoneOver, { page: 0, cards: 0 });
    await phone.page.screenshot({ path: `${SHOTS}admin-webhooks-phone.png` });
    noProblems(phone.page);

    // In English; then tidy: the webhook is deleted.
    await page.getByLabel('Idioma').selectOption('en');
    await page.getByRole('heading', { level: 2, name: 'Webhooks' }).waitFor();
    const en = card(page, rx.url);
    await en.getByRole('button', { name: `Send a test event to ${rx.url}` }).waitFor();
    await en.getByRole('button', { name: `Deliveries of ${rx.url}` }).click();
    await en.getByRole('columnheader', { name: 'Attempts' }).waitFor();
    await page.screenshot({ path: `${SHOTS}admin-webhooks-en.png` });
    page.once('dialog', (d) => d.accept());
    await en.getByRole('button', { name: `Delete ${rx.url}` }).click();
    await page.getByText('Webhook deleted.').waitFor();
    await page.getByLabel('Language').selectOption('pt-BR');
    noProblems(page);
  } finally {
    rx.server.close();
  }
});
