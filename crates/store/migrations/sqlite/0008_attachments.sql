-- Attachments: the files of messages (images, audio and voice notes, videos, documents,
-- stickers). A file a channel announces arrives `pending` with the message, in the same
-- transaction, and is fetched later by a node's downloader (`source`: the channel's media id),
-- which claims it with a lease (`next_attempt_at` moved forward), stores the bytes in the file
-- store under `storage_key`, and marks it `ready`; a download that keeps failing ends `failed`
-- with the reason. A file an agent sends is stored before its message and is `ready` at once.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    message_id INTEGER NOT NULL REFERENCES messages(id),
    kind TEXT NOT NULL CHECK (kind IN ('image', 'audio', 'video', 'document', 'sticker')),
    voice INTEGER NOT NULL DEFAULT 0,
    mime_type TEXT NOT NULL,
    file_name TEXT,
    size INTEGER,
    sha256 TEXT,
    duration_ms INTEGER,
    state TEXT NOT NULL CHECK (state IN ('pending', 'ready', 'failed')),
    channel_id INTEGER REFERENCES channels(id),
    source TEXT,
    storage_key TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    error TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX attachments_message ON attachments(message_id);
CREATE INDEX attachments_due ON attachments(next_attempt_at) WHERE state = 'pending';
