// Long and odd input never breaks a screen (issue 15, "Long and odd input"): a user, a
// department, a company tag and a contact named with one unbroken word as long as the API
// allows. At desktop width no table needs sideways scrolling and the page is never wider than
// the window; at phone width the page is never wider than the window (tables scroll inside their
// frame, as designed). A name cut short keeps its full text on hover (`title`).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BASE, DESKTOP, PHONE, STAMP, apiJson, apiPost, loggedIn, noProblems } from './helpers.mjs';

/** One unbroken word of `n` characters that starts with `what`. */
const long = (what, n) => `${what}${STAMP}`.padEnd(n, 'x');

/**
 * The page fits its window, and no element of the screen sticks out of its box (a scrolling
 * frame aside, at phone width); at desktop width, no table needs to scroll sideways either.
 */
async function fits(page, what, { tables }) {
  const r = await page.evaluate(() => {
    // The frames designed to scroll sideways: a table's, the section strip on a phone.
    const inScroller = (el) => !!el.parentElement.closest('.table-wrap, nav');
    const out = [];
    for (const el of document.querySelectorAll('main *')) {
      let parent = el.parentElement;
      while (parent && getComputedStyle(parent).display === 'contents') parent = parent.parentElement;
      if (!parent || inScroller(el) || !el.getClientRects().length) continue;
      const [a, b] = [el.getBoundingClientRect(), parent.getBoundingClientRect()];
      // Text wider than its own box spills out of it (the box may fit its parent).
      if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible') {
        out.push(`${el.tagName.toLowerCase()}.${el.className} spills its text by ${el.scrollWidth - el.clientWidth}px`);
      }
      if (a.right > b.right + 1) out.push(`${el.tagName.toLowerCase()}.${el.className} sticks out by ${Math.round(a.right - b.right)}px`);
    }
    return {
      doc: document.documentElement.scrollWidth,
      win: window.innerWidth,
      out: out.slice(0, 3),
      wraps: [...document.querySelectorAll('.table-wrap')].map((w) => w.scrollWidth - w.clientWidth),
    };
  });
  assert.ok(r.doc <= r.win, `${what}: the page is ${r.doc}px wide in a ${r.win}px window`);
  assert.deepEqual(r.out, [], `${what}: nothing sticks out`);
  if (tables) assert.ok(r.wraps.every((d) => d <= 1), `${what}: a table scrolls sideways (${r.wraps})`);
}

/** The element showing `text` on screen (whole, or cut short with the whole text in `title`). */
async function shows(page, text) {
  const el = page.locator(`[title="${text}"]`).or(page.getByText(text)).filter({ visible: true }).first();
  await el.waitFor();
  return el;
}

test('long names: users, departments, tags and contacts fit at desktop and phone width', async () => {
  const owner = await loggedIn('owner@demo.example', { hash: '#/admin/departments' });
  const userName = long('Usuaria', 200);
  const deptName = long('Departamento', 200);
  const tagName = long('etiqueta', 64);
  const contactName = long('Aacliente', 200); // first in the list, sorted by name
  const dept = await apiPost(owner.context, '/api/v1/departments', { name: deptName, access: 'agent' });
  await apiPost(owner.context, '/api/v1/users', {
    email: `longo-${STAMP}@demo.example`, name: userName, password: 'temporaria-1',
    memberships: [{ department_id: dept.id, kind: 'member' }],
  });
  const tag = await owner.context.request.post(`${BASE}/api/v1/tags`, { data: { name: tagName }, headers: { Origin: BASE } });
  assert.ok(tag.status() < 300, `the tag: ${tag.status()}`);
  const contact = await apiPost(owner.context, '/api/v1/contacts', { name: contactName, phone: `+55 11 9${String(Date.now()).slice(-8)}` });
  assert.ok((await apiJson(owner.context, '/api/v1/users')).some((u) => u.name === userName));

  for (const viewport of [DESKTOP, PHONE]) {
    const tables = viewport === DESKTOP;
    const size = tables ? 'desktop' : 'phone';
    const { page } = viewport === DESKTOP ? owner : await loggedIn('owner@demo.example', { viewport, hash: '#/admin/departments' });
    for (const [hash, text] of [
      ['#/admin/departments', deptName],
      ['#/admin/users', userName],
      ['#/admin/tags', tagName],
      ['#/contacts', contactName],
      [`#/contacts/${contact.id}`, contactName],
    ]) {
      await page.goto(`/${hash}`);
      await page.reload(); // the lists as they are now, with the names just created
      await shows(page, text);
      await fits(page, `${hash} (${size})`, { tables });
    }
    noProblems(page);
  }
});
