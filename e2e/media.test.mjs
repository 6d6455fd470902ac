// Media in the browser: the recorded Cloud API payloads of every media type (image, voice note,
// video, document, sticker), signed like Meta's, reach a demo server whose WhatsApp channel
// points at a fake Graph API this test starts on loopback (the server may reach it through
// ATENDE_OUTBOUND_ALLOW, set by scripts/e2e). The server fetches each file; in Chromium the
// photo and the sticker are decoded, the voice note and the video load as playable media, and
// the document downloads with its name; a user who may not see the conversation gets 404.

import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { test } from 'node:test';
import { BASE, DESKTOP, PHONE, SHOTS, STAMP, apiJson, apiPost, loggedIn, noProblems } from './helpers.mjs';

const FIXTURES = new URL('../crates/server/tests/fixtures/', import.meta.url);
const KINDS = [
  ['image', 'photo.jpg', 'image/jpeg'],
  ['audio', 'voice.ogg', 'audio/ogg; codecs=opus'],
  ['video', 'clip.mp4', 'video/mp4'],
  ['document', 'invoice.pdf', 'application/pdf'],
  ['sticker', 'sticker.webp', 'image/webp'],
];

/** A fake Graph API: confirms the number for the token, serves the files by media id. */
async function fakeGraph(number, token, files, sent = []) {
  const server = createServer((req, res) => {
    const auth = req.headers.authorization === `Bearer ${token}`;
    const [, version, id, what] = req.url.split('?')[0].split('/');
    if (!auth) return res.writeHead(401).end();
    if (req.method === 'POST' && id === number) {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        sent.push({ what, type: req.headers['content-type'], body });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(what === 'media' ? { id: `up-${sent.length}` } : { messages: [{ id: `wamid.sent.${sent.length}` }] }));
      });
      return;
    }
    if (version === 'v21.0' && id === number) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ id: number, display_phone_number: '+55 11 4000-0000' }));
    }
    const file = files.get(id);
    if (version === 'v21.0' && file) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ url: `http://${req.headers.host}/files/${id}`, mime_type: file.mime, sha256: file.sha, file_size: file.bytes.length, id }));
    }
    if (version === 'files' && file) {
      res.writeHead(200, { 'content-type': file.mime, 'content-length': file.bytes.length });
      return res.end(file.bytes);
    }
    res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${server.address().port}/v21.0` };
}

test('media: every kind a customer sends is viewable, playable or downloadable, and hidden from who may not see it', async () => {
  const number = `9${STAMP}`;
  const token = `token-${STAMP}`;
  const secret = `secret-${STAMP}`;
  const customer = `55119${String(Date.now()).slice(-8)}`;
  const files = new Map();
  for (const [kind, file, mime] of KINDS) {
    const bytes = await readFile(new URL(`media/${file}`, FIXTURES));
    files.set(`${kind}-${STAMP}`, { bytes, mime, sha: createHash('sha256').update(bytes).digest('base64') });
  }
  const sent = [];
  const graph = await fakeGraph(number, token, files, sent);
  try {
    const { context, page } = await loggedIn('owner@demo.example', { viewport: DESKTOP });
    const departments = await apiJson(context, '/api/v1/departments');
    const suporte = departments.find((d) => d.name === 'Suporte');
    const channel = await apiPost(context, '/api/v1/channels', {
      kind: 'whatsapp', name: `WhatsApp mídia ${STAMP}`, department_id: suporte.id, phone_number_id: number,
      verify_token: 'v', app_secret: secret, access_token: token, graph_base_url: graph.base,
    });

    // The five recorded payloads, for this run's number, customer and files, signed.
    for (const [kind] of KINDS) {
      const payload = JSON.parse(await readFile(new URL(`whatsapp/${kind}.json`, FIXTURES), 'utf8'));
      const value = payload.entry[0].changes[0].value;
      value.metadata.phone_number_id = number;
      value.contacts[0].wa_id = customer;
      value.contacts[0].profile.name = `Cliente Mídia ${STAMP}`;
      const m = value.messages[0];
      m.from = customer;
      m.id = `wamid.${kind}.${STAMP}`;
      m[kind].id = `${kind}-${STAMP}`;
      m[kind].sha256 = files.get(`${kind}-${STAMP}`).sha;
      const body = JSON.stringify(payload);
      const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const r = await context.request.post(`${BASE}/webhooks/whatsapp/${channel.id}`, {
        data: body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      });
      assert.equal(r.status(), 200, `${kind} acknowledged`);
    }
    const found = await apiJson(context, `/api/v1/conversations?tab=waiting&q=${customer}`);
    assert.equal(found.items.length, 1, 'one conversation for the customer');
    const id = found.items[0].id;

    await page.goto(`/#/waiting/${id}`);
    const ready = page.locator('.attachment[data-state="ready"]');
    // Five downloads, each flushed to disk twice (file and directory): slow on a busy disk.
    await page.waitForFunction(() => document.querySelectorAll('.attachment[data-state="ready"]').length === 5, null, { timeout: 30_000 });
    assert.equal(await ready.count(), 5);

    // The photo and the sticker are decoded pictures; the voice note and the video have loaded
    // as media with a duration; the document is a download with its name.
    for (const kind of ['image', 'sticker']) {
      const img = page.locator(`.attachment-${kind} img`);
      await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, await img.elementHandle());
    }
    for (const kind of ['audio', 'video']) {
      const media = await page.locator(`.attachment-${kind} ${kind}`).elementHandle();
      await page.waitForFunction((el) => el.readyState >= 1 && el.duration > 1, media);
    }
    assert.equal(await page.locator('.attachment-video video').evaluate((v) => v.videoWidth), 160);
    assert.match(await page.locator('.attachment-audio').innerText(), /Mensagem de voz/);
    const doc = page.locator('.attachment-document a.attachment-file');
    assert.match(await doc.innerText(), /nota-fiscal-1234\.pdf/);
    assert.equal(await doc.getAttribute('download'), 'nota-fiscal-1234.pdf');
    const [download] = await Promise.all([page.waitForEvent('download'), doc.click()]);
    assert.equal(download.suggestedFilename(), 'nota-fiscal-1234.pdf');
    const pdf = await (await context.request.get(`${BASE}${await doc.getAttribute('href')}`)).body();
    assert.ok(pdf.equals(files.get(`document-${STAMP}`).bytes), 'the PDF served is the one sent');

    // The viewer opens the photo large and closes with Esc.
    await page.locator('.attachment-image .attachment-open').click();
    await page.locator('dialog.media-viewer img').waitFor();
    await page.screenshot({ path: `${SHOTS}media-viewer-desktop.png` });
    await page.keyboard.press('Escape');
    await page.locator('dialog.media-viewer').waitFor({ state: 'hidden' });
    await page.locator('.attachment-document').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}media-desktop.png` });
    noProblems(page);

    // ana (Vendas) may not see a Suporte conversation: its files answer 404, like an id that
    // does not exist.
    const photoUrl = await page.locator('.attachment-image img').getAttribute('src');
    const ana = await loggedIn('ana@demo.example');
    const hidden = await ana.context.request.get(`${BASE}${photoUrl}`);
    const missing = await ana.context.request.get(`${BASE}/api/v1/attachments/999999999`);
    assert.equal(hidden.status(), 404);
    assert.equal(await hidden.text(), await missing.text());

    // The agent answers with a photo, picked with the button: uploaded to WhatsApp, then sent
    // as an image with its caption; a file over WhatsApp's limit is refused before any upload.
    await page.getByRole('button', { name: 'Assumir' }).click();
    await page.locator('.composer-attach label').waitFor();
    await page.locator('.composer-attach input[type=file]').setInputFiles({ name: 'enorme.png', mimeType: 'image/png', buffer: Buffer.alloc(5 * 1024 * 1024 + 1, 1) });
    await page.locator('.toast', { hasText: 'passa do limite do WhatsApp' }).waitFor();
    assert.equal(await page.locator('.composer-file').count(), 0, 'a refused file is not kept');
    const photo = files.get(`image-${STAMP}`).bytes;
    await page.locator('.composer-attach input[type=file]').setInputFiles({ name: 'troca.jpg', mimeType: 'image/jpeg', buffer: photo });
    await page.locator('.composer-file', { hasText: 'troca.jpg' }).waitFor();
    await page.screenshot({ path: `${SHOTS}media-composer-desktop.png` });
    await page.locator('.composer textarea').fill('Segue a foto da troca');
    await page.getByRole('button', { name: 'Enviar' }).click();
    const mine = page.locator('.msg-out .attachment-image[data-state="ready"] img');
    await mine.waitFor();
    await page.waitForFunction(() => document.querySelector('.msg-out [data-delivery="sent"]'));
    const upload = sent.find((x) => x.what === 'media');
    assert.ok(upload.type.startsWith('multipart/form-data') && upload.body.includes(photo), 'the photo was uploaded to WhatsApp');
    const message = JSON.parse(sent.find((x) => x.what === 'messages').body);
    assert.equal(message.type, 'image');
    assert.equal(message.image.caption, 'Segue a foto da troca');
    assert.equal(await page.locator('.composer-file').count(), 0, 'the composer is empty again');

    // The customer reacts to that photo and answers quoting it: the reaction shows on the photo,
    // the answer shows what it quotes.
    const wamid = `wamid.sent.${sent.findIndex((x) => x.what === 'messages') + 1}`;
    const deliver = async (message) => {
      const body = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '1', changes: [{ field: 'messages', value: {
        messaging_product: 'whatsapp', metadata: { display_phone_number: '1', phone_number_id: number },
        contacts: [{ profile: { name: `Cliente Mídia ${STAMP}` }, wa_id: customer }],
        messages: [{ from: customer, timestamp: '1749416600', ...message }] } }] }] });
      const signature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
      const r = await context.request.post(`${BASE}/webhooks/whatsapp/${channel.id}`, {
        data: body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
      });
      assert.equal(r.status(), 200);
    };
    await deliver({ id: `wamid.react.${STAMP}`, type: 'reaction', reaction: { message_id: wamid, emoji: '👍' } });
    await page.locator('.msg-out .msg-reaction', { hasText: '👍' }).waitFor();
    await deliver({ id: `wamid.quote.${STAMP}`, type: 'text', text: { body: 'Essa mesmo, obrigada!' }, context: { from: number, id: wamid } });
    const quote = page.locator('.msg-in', { hasText: 'Essa mesmo, obrigada!' }).locator('.msg-quote');
    await quote.waitFor();
    assert.match(await quote.innerText(), /Segue a foto da troca/);
    await quote.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${SHOTS}media-reply-desktop.png` });
    noProblems(page);

    // On a phone.
    const phone = await loggedIn('owner@demo.example', { viewport: PHONE });
    await phone.page.goto(`/#/mine/${id}`);
    await phone.page.waitForFunction(() => document.querySelectorAll('.attachment[data-state="ready"]').length === 6);
    await phone.page.locator('.attachment-audio').scrollIntoViewIfNeeded();
    await phone.page.screenshot({ path: `${SHOTS}media-phone.png` });
    noProblems(phone.page);
  } finally {
    graph.server.close();
  }
});
