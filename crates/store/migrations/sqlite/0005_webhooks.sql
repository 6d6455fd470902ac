-- Outbound webhooks (SQLite): URLs of an account that receive signed JSON deliveries of its
-- conversation and message events, with retries and a delivery log.

-- events: comma list of 'conversation', 'message'. cursor: the last event id considered (a new
-- webhook starts at the newest event, so it receives what happens after it is created; a
-- webhook activated again starts over at the newest event). The secret signs every delivery;
-- the API never shows it again after creation or rotation.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    cursor BIGINT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX webhooks_account ON webhooks(account_id, id);

-- One event for one webhook: its payload (built when the event was moved in), its type
-- (`conversation.updated`, ...), and its state: 'pending' (waiting for its next attempt at
-- next_attempt_at), 'delivered' or 'failed'. response_status and error: of the last attempt.
-- An event is moved into a webhook's deliveries once (UNIQUE).
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL REFERENCES webhooks(id),
    account_id INTEGER NOT NULL,
    event_id BIGINT NOT NULL,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    response_status INTEGER,
    error TEXT,
    created_at INTEGER NOT NULL,
    delivered_at INTEGER,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries(webhook_id, id DESC);
