// Voice notes recorded in the browser: Chromium's fake microphone (helpers.mjs launches it with
// --use-fake-device-for-media-stream and --use-fake-ui-for-media-stream, which also grants the
// permission) records a voice note with the composer's microphone button; Chromium records
// WebM/Opus, the server remuxes it into OGG/Opus, and a fake Graph API on loopback receives an
// OGG/Opus upload and an audio message with `voice: true`. The note shows in the conversation as a
// voice message that plays. A recording cancelled sends nothing; a microphone refused (or
// missing) is said in the page's language.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BASE, DESKTOP, PHONE, STAMP, apiJson, apiPost, loggedIn, login, noProblems, openPage } from './helpers.mjs';

const FIXTURES = new URL('../crates/server/tests/fixtures/', import.meta.url);
/** Screenshots of the recording composer: looked at, not kept in the repository. */
const SHOTS = process.env.ATENDE_VOICE_SHOTS || tmpdir();

/** A fake Graph API: confirms the number for the token, records uploads and sends. */
async function fakeGraph(number, token, sent) {
  const server = createServer((req, res) => {
    const [, version, id, what] = req.url.split('?')[0].split('/');
    if (req.headers.authorization !== `Bearer ${token}` || version !== 'v21.0' || id !== number) return res.writeHead(404).end();
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ id: number, display_phone_number: '+55 11 4000-0000' }));
    }
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      sent.push({ what, type: req.headers['content-type'], body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(what === 'media' ? { id: `up-${sent.length}` } : { messages: [{ id: `wamid.voice.${sent.length}` }] }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${server.address().port}/v21.0` };
}

/** Records for at least `seconds` (the composer's clock says so), then returns. */
async function recordFor(page, seconds) {
  await page.locator('.composer-voice [role=timer]').waitFor();
  await page.waitForFunction((s) => {
    const [m, ss] = (document.querySelector('.voice-time')?.textContent || '0:00').split(':').map(Number);
    return m * 60 + ss >= s;
  }, seconds);
}

test('voice: an agent records a voice note that reaches WhatsApp as OGG/Opus and plays in the conversation', async () => {
  const number = `8${STAMP}`;
  const token = `token-${STAMP}`;
  const secret = `secret-${STAMP}`;
  const customer = `55118${String(Date.now()).slice(-8)}`;
  const sent = [];
  const graph = await fakeGraph(number, token, sent);
  try {
    const { context, page } = await loggedIn('owner@demo.example', { viewport: DESKTOP });
    const suporte = (await apiJson(context, '/api/v1/departments')).find((d) => d.name === 'Suporte');
    const channel = await apiPost(context, '/api/v1/channels', {
      kind: 'whatsapp', name: `WhatsApp voz ${STAMP}`, department_id: suporte.id, phone_number_id: number,
      verify_token: 'v', app_secret: secret, access_token: token, graph_base_url: graph.base,
    });
    // The customer writes (the 24-hour window opens).
    const payload = JSON.parse(await readFile(new URL('whatsapp/text.json', FIXTURES), 'utf8'));
    const value = payload.entry[0].changes[0].value;
    value.metadata.phone_number_id = number;
    value.contacts[0].wa_id = customer;
    value.contacts[0].profile.name = `Cliente Voz ${STAMP}`;
    value.messages[0].from = customer;
    value.messages[0].id = `wamid.text.${STAMP}`;
    const body = JSON.stringify(payload);
    const r = await context.request.post(`${BASE}/webhooks/whatsapp/${channel.id}`, {
      data: body, headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` },
    });
    assert.equal(r.status(), 200);
    const id = (await apiJson(context, `/api/v1/conversations?tab=waiting&q=${customer}`)).items[0].id;

    await page.goto(`/#/waiting/${id}`);
    await page.getByRole('button', { name: 'Assumir' }).click();
    const mic = page.getByRole('button', { name: 'Gravar mensagem de voz' });
    await mic.waitFor();

    // Cancelled: nothing is sent, the microphone button is back.
    await mic.click();
    await recordFor(page, 1);
    await page.getByRole('button', { name: 'Cancelar a gravação' }).click();
    await mic.waitFor();
    assert.equal(await page.locator('.composer-voice').count(), 0);

    // Recorded and sent: the row shows the time and Stop, which has the focus.
    await page.locator('.composer textarea').fill('um rascunho que fica');
    await mic.click();
    await recordFor(page, 2);
    const stop = page.getByRole('button', { name: 'Parar e enviar' });
    assert.ok(await stop.evaluate((el) => el === document.activeElement), 'Stop has the focus');
    await page.screenshot({ path: join(SHOTS, 'voice-recording-desktop.png') });
    await stop.click();
    const audio = page.locator('.msg-out .attachment-audio[data-state="ready"] audio');
    await audio.waitFor();
    // It plays: Chromium reads the OGG/Opus and knows its length.
    await page.waitForFunction((el) => el.readyState >= 1 && Number.isFinite(el.duration) && el.duration >= 1.5, await audio.elementHandle());
    assert.match(await page.locator('.msg-out .attachment-audio').innerText(), /Mensagem de voz/);
    assert.equal(await page.locator('.composer textarea').inputValue(), 'um rascunho que fica', 'the draft stays');
    await mic.waitFor();

    // The attachment: OGG/Opus, a voice note; uploaded to WhatsApp as such, sent with voice: true.
    const messages = await apiJson(context, `/api/v1/conversations/${id}/messages`);
    const mine = messages.find((m) => m.kind === 'out');
    const file = mine.attachments[0];
    assert.deepEqual([file.kind, file.voice, file.mime_type], ['audio', true, 'audio/ogg; codecs=opus']);
    assert.ok(file.duration_ms >= 1500, `${file.duration_ms} ms`);
    assert.equal(mine.body, '', 'no caption on a voice note');
    await page.waitForFunction(() => document.querySelector('.msg-out [data-delivery="sent"]'));
    const upload = sent.find((x) => x.what === 'media');
    assert.ok(upload.body.includes('audio/ogg; codecs=opus') && upload.body.includes('OggS') && upload.body.includes('OpusHead'), 'an OGG/Opus upload');
    const message = JSON.parse(sent.find((x) => x.what === 'messages').body);
    assert.equal(message.type, 'audio');
    assert.equal(message.audio.voice, true);
    const served = await context.request.get(`${BASE}${file.url}`);
    assert.equal((await served.body()).subarray(0, 4).toString(), 'OggS');
    noProblems(page);

    // At phone width, recording a note.
    const phone = await loggedIn('owner@demo.example', { viewport: PHONE });
    await phone.page.goto(`/#/mine/${id}`);
    await phone.page.locator('.composer .mode-note').click();
    await phone.page.getByRole('button', { name: 'Gravar mensagem de voz' }).click();
    await recordFor(phone.page, 1);
    await phone.page.screenshot({ path: join(SHOTS, 'voice-recording-phone.png') });
    await phone.page.getByRole('button', { name: 'Parar e salvar nota' }).click();
    await phone.page.locator('.msg-note .attachment-audio[data-state="ready"] audio').waitFor();
    noProblems(phone.page);
  } finally {
    graph.server.close();
  }
});

test('voice: a refused or missing microphone is said in the page language', async () => {
  const refuse = (name) => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('refused', name));
  };
  for (const [lang, name, text, label] of [
    ['pt', 'NotAllowedError', 'O navegador não deu acesso ao microfone', 'Gravar mensagem de voz'],
    ['en', 'NotFoundError', 'No microphone was found', 'Record a voice message'],
  ]) {
    const { page } = await openPage(DESKTOP);
    await page.addInitScript(refuse, name);
    await login(page, 'owner@demo.example');
    const id = (await apiJson(page.context(), '/api/v1/conversations?tab=waiting')).items[0].id;
    await page.evaluate((l) => localStorage.setItem('atende.lang', l), lang);
    await page.goto(`/#/waiting/${id}`);
    await page.reload();
    const mic = page.getByRole('button', { name: label });
    await mic.click();
    await page.locator('.toast', { hasText: text }).waitFor();
    await mic.waitFor();
    assert.equal(await page.locator('.composer-voice').count(), 0, 'no recording row');
    noProblems(page);
  }
});
