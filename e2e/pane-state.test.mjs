// The conversation pane's pure state (crates/server/web/conversation-state.js), without a browser:
// answers and live events that arrive out of order never take a message back.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addMessages, blank } from '../crates/server/web/conversation-state.js';

const sent = { id: 7, kind: 'out', body: '', at: 1, delivery: 'sent', attachments: [{ id: 1, state: 'ready' }] };
const pending = { ...sent, delivery: 'pending' };

test('pane state: the send answer arriving after the event that it was sent keeps "sent"', () => {
  const s = blank(1);
  addMessages(s, [sent]);
  addMessages(s, [pending]);
  assert.equal(s.messages.get(7).delivery, 'sent');
  addMessages(s, [{ ...sent, delivery: 'read' }]);
  assert.equal(s.messages.get(7).delivery, 'read');
  addMessages(s, [{ ...sent, delivery: 'failed', delivery_error: 'refused' }]);
  assert.equal(s.messages.get(7).delivery, 'failed');
});

test('pane state: a file fetched is not taken back to "pending" by an older page', () => {
  const s = blank(1);
  const arrived = { id: 9, kind: 'in', body: '', at: 1, attachments: [{ id: 2, state: 'ready' }] };
  addMessages(s, [arrived]);
  addMessages(s, [{ ...arrived, attachments: [{ id: 2, state: 'pending' }] }]);
  assert.equal(s.messages.get(9).attachments[0].state, 'ready');
  // Anything else that changes (a reaction) replaces the copy shown.
  addMessages(s, [{ ...arrived, reaction: '👍' }]);
  assert.equal(s.messages.get(9).reaction, '👍');
});
