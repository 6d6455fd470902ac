// The first page of the inbox on a large account, through the API and in Chromium (not a test:
// scripts/bench-inbox runs it against a server it filled with `atende demo --conversations N`).
//   ATENDE_E2E_URL=http://127.0.0.1:PORT node e2e/bench-first-page.mjs [requests] [page loads]

import { chromium } from 'playwright-core';

const BASE = (process.env.ATENDE_E2E_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const REQUESTS = Number(process.argv[2] || 200);
const LOADS = Number(process.argv[3] || 20);

const pct = (v, q) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const ms = (x) => `${x.toFixed(1)} ms`;

async function session(email) {
  const r = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: BASE },
    body: JSON.stringify({ email, password: 'demo' }),
  });
  if (r.status !== 200) throw new Error(`login ${email}: ${r.status}`);
  return r.headers.get('set-cookie').split(';')[0];
}

async function apiTimes(cookie, path) {
  const times = [];
  let items = 0;
  for (let i = 0; i < REQUESTS + 5; i++) {
    const t0 = performance.now();
    const r = await fetch(`${BASE}${path}`, { headers: { Cookie: cookie } });
    const body = await r.json();
    const dt = performance.now() - t0;
    if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
    items = body.items?.length ?? items;
    if (i >= 5) times.push(dt);
  }
  return { times, items };
}

const who = [
  ['owner@demo.example', 'finished'],
  ['owner@demo.example', 'waiting'],
  ['ana@demo.example', 'finished'],
  ['ana@demo.example', 'waiting'],
];

const counts = await (await fetch(`${BASE}/api/v1/conversations/counts`, { headers: { Cookie: await session('owner@demo.example') } })).json();
const total = Object.entries(counts)
  .filter(([k]) => k !== 'my_finished')
  .reduce((n, [, v]) => n + v, 0);
console.log(`account: ${total} conversations visible to the owner (${JSON.stringify(counts)})`);
console.log(`API, GET /api/v1/conversations?tab=…&limit=50, ${REQUESTS} requests one after another (after 5 warm-up):`);
for (const [email, tab] of who) {
  const cookie = await session(email);
  const { times, items } = await apiTimes(cookie, `/api/v1/conversations?tab=${tab}&limit=50`);
  console.log(`  ${email.padEnd(20)} ${tab.padEnd(9)} ${items} rows  p50 ${ms(pct(times, 0.5))}  p99 ${ms(pct(times, 0.99))}  max ${ms(Math.max(...times))}`);
  const c = await apiTimes(cookie, '/api/v1/conversations/counts');
  if (tab === 'waiting') console.log(`  ${email.padEnd(20)} counts              p50 ${ms(pct(c.times, 0.5))}  p99 ${ms(pct(c.times, 0.99))}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
console.log(`Chromium, a logged-in page opened at #/{tab} until its rows are shown (performance.now() from navigation start), ${LOADS} loads (after 2 warm-up):`);
for (const [email, tab] of who) {
  const context = await browser.newContext({ baseURL: BASE, viewport: { width: 1280, height: 800 } });
  const login = await context.request.post(`${BASE}/api/v1/auth/login`, { data: { email, password: 'demo' }, headers: { Origin: BASE } });
  if (login.status() !== 200) throw new Error(`login ${email}`);
  const page = await context.newPage();
  const times = [];
  for (let i = 0; i < LOADS + 2; i++) {
    await page.goto('about:blank');
    await page.goto(`${BASE}/#/${tab}`);
    await page.waitForFunction(() => document.querySelectorAll('.conv-list .row-link').length > 0 && document.querySelector('.conv-list')?.getAttribute('aria-busy') === 'false');
    const t = await page.evaluate(() => performance.now());
    if (i >= 2) times.push(t);
  }
  const rows = await page.locator('.conv-list .row-link').count();
  console.log(`  ${email.padEnd(20)} ${tab.padEnd(9)} ${rows} rows shown  p50 ${ms(pct(times, 0.5))}  max ${ms(Math.max(...times))}`);
  await context.close();
}
await browser.close();
