-- Channels, delivery of messages, routing and live events (SQLite).

-- A channel customers write through: a WhatsApp Business number (Cloud API) or the generic
-- channel (website widgets and other integrations posting with a channel token). Secrets are
-- never returned by the API; the generic channel's token is stored as its SHA-256.
CREATE TABLE channels (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL CHECK (kind IN ('whatsapp', 'generic')),
    name TEXT NOT NULL,
    department_id INTEGER REFERENCES departments(id),
    phone_number_id TEXT,
    verify_token TEXT,
    app_secret TEXT,
    access_token TEXT,
    graph_base_url TEXT,
    token_hash TEXT,
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    UNIQUE (account_id, name)
);
CREATE UNIQUE INDEX channels_phone_number ON channels(phone_number_id) WHERE phone_number_id IS NOT NULL;
CREATE UNIQUE INDEX channels_token ON channels(token_hash) WHERE token_hash IS NOT NULL;

ALTER TABLE conversations ADD COLUMN channel_id INTEGER REFERENCES channels(id);
CREATE INDEX conversations_contact_open ON conversations(contact_id, class);

-- external_id: the channel's id of the message (WhatsApp's wamid), unique per channel, so the
-- same inbound message delivered twice is stored once. delivery: for outbound messages to a
-- channel, 'pending' (waiting for the outbox), 'sent', 'delivered', 'read' or 'failed'.
ALTER TABLE messages ADD COLUMN channel_id INTEGER REFERENCES channels(id);
ALTER TABLE messages ADD COLUMN external_id TEXT;
ALTER TABLE messages ADD COLUMN delivery TEXT;
ALTER TABLE messages ADD COLUMN delivery_error TEXT;
ALTER TABLE messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN next_attempt_at INTEGER;
ALTER TABLE messages ADD COLUMN template TEXT;
CREATE UNIQUE INDEX messages_external ON messages(channel_id, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX messages_outbox ON messages(next_attempt_at) WHERE delivery = 'pending';

-- Routing: an agent's availability (set by the agent), the address they went online from
-- (routing resolves their roles from it, allowed networks included), the administrator's
-- limit of open conversations (NULL: no limit) and when they were last given one (round
-- robin). Kept apart from `users` so that routing never changes the access version.
CREATE TABLE agent_routing (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    availability TEXT NOT NULL DEFAULT 'away' CHECK (availability IN ('online', 'away')),
    availability_from TEXT,
    max_open INTEGER,
    last_assigned_at INTEGER NOT NULL DEFAULT 0
);
-- Reassign an away agent's waiting-for-reply conversations (administrator's choice).
ALTER TABLE accounts ADD COLUMN reassign_when_away INTEGER NOT NULL DEFAULT 0;

-- Live events, written in the transaction of the change they describe; their id is the
-- stream's cursor (ids grow in commit order). kind: 'conversation' (created or changed),
-- 'message' (added or delivery changed), 'access' (the account's access configuration
-- changed). AUTOINCREMENT: an id is never used twice, even after pruning. before_*: the
-- conversation's state before the change (NULL: it did not exist), which tells who must be
-- told it left their view.
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('conversation', 'message', 'access')),
    conversation_id INTEGER,
    message_id INTEGER,
    before_department INTEGER,
    before_status INTEGER,
    before_assignee INTEGER,
    at INTEGER NOT NULL
);
CREATE INDEX events_account ON events(account_id, id);
CREATE INDEX events_at ON events(at);

CREATE TRIGGER accounts_access_event AFTER UPDATE OF access_version ON accounts
WHEN NEW.access_version <> OLD.access_version
BEGIN
    INSERT INTO events (account_id, kind, at) VALUES (NEW.id, 'access', CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
END;
