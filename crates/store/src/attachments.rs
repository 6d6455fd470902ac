//! Attachments: the files of messages. A file a channel announces (WhatsApp's media id, a generic
//! channel's URL) is stored `pending` with its message (in the arrival's transaction, see
//! [`crate::Channels::receive_many`]); a node's downloader claims it with a lease, fetches it, and
//! records it `ready` (where the file store keeps it) or, after its last attempt, `failed` with the
//! reason. Every change is a message event, so that open conversations show the file as soon as it
//! is there.
//!
//! Reading a file goes through [`Attachments::file`], which reads its conversation with it: the
//! caller decides access on it (`details_visible`) before serving a byte.

use std::collections::HashMap;

use access::{AccountId, ConversationId};
use sqlx::Row;

use crate::events::{EventKind, insert_event};
use crate::{Backend, Result, StoreError, with_pool};

/// What a file is, as WhatsApp names its message types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AttachmentKind {
    /// A photo or picture (JPEG, PNG).
    Image,
    /// Audio, voice notes included (see [`Attachment::voice`]).
    Audio,
    /// A video (MP4, 3GPP).
    Video,
    /// Any other file, with its name (PDF, spreadsheets...).
    Document,
    /// A WebP sticker.
    Sticker,
}

impl AttachmentKind {
    /// Every kind.
    pub const ALL: [AttachmentKind; 5] = [
        AttachmentKind::Image,
        AttachmentKind::Audio,
        AttachmentKind::Video,
        AttachmentKind::Document,
        AttachmentKind::Sticker,
    ];

    /// Stored and API name (WhatsApp's message type).
    pub fn id(self) -> &'static str {
        match self {
            AttachmentKind::Image => "image",
            AttachmentKind::Audio => "audio",
            AttachmentKind::Video => "video",
            AttachmentKind::Document => "document",
            AttachmentKind::Sticker => "sticker",
        }
    }

    /// From the stored or API name.
    pub fn from_id(s: &str) -> Option<AttachmentKind> {
        AttachmentKind::ALL.into_iter().find(|k| k.id() == s)
    }
}

/// Where an attachment's file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachmentState {
    /// Announced by the channel, not fetched yet (or being retried).
    Pending,
    /// In the file store.
    Ready,
    /// Could not be fetched; [`Attachment::error`] says why.
    Failed,
}

impl AttachmentState {
    /// Stored and API name.
    pub fn id(self) -> &'static str {
        match self {
            AttachmentState::Pending => "pending",
            AttachmentState::Ready => "ready",
            AttachmentState::Failed => "failed",
        }
    }

    fn from_id(s: &str) -> Result<AttachmentState> {
        match s {
            "pending" => Ok(AttachmentState::Pending),
            "ready" => Ok(AttachmentState::Ready),
            "failed" => Ok(AttachmentState::Failed),
            other => Err(StoreError::corrupt(
                "attachments",
                format!("unknown state `{other}`"),
            )),
        }
    }
}

/// An attachment as a message shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    /// Its id (`GET /api/v1/attachments/{id}`).
    pub id: i64,
    /// Its message.
    pub message: i64,
    /// Image, audio, video, document or sticker.
    pub kind: AttachmentKind,
    /// An audio recorded as a voice note (WhatsApp's `voice: true`).
    pub voice: bool,
    /// The MIME type the channel or the sender gave.
    pub mime_type: String,
    /// The file's name (documents; others when the sender gave one).
    pub file_name: Option<String>,
    /// Bytes, once known.
    pub size: Option<i64>,
    /// Length of audio and video, ms, when known.
    pub duration_ms: Option<i64>,
    /// Pending, ready or failed.
    pub state: AttachmentState,
    /// Why the last attempt to fetch it failed.
    pub error: Option<String>,
}

/// A file a channel announced with an arriving message (WhatsApp: the media object).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboundMedia<'a> {
    /// Its kind.
    pub kind: AttachmentKind,
    /// Voice note.
    pub voice: bool,
    /// Where the file is fetched later: the channel's id of it (WhatsApp's media id), or the
    /// URL a generic channel's integration gave.
    pub source: &'a str,
    /// MIME type (`application/octet-stream` when the channel gave none).
    pub mime_type: &'a str,
    /// File name.
    pub file_name: Option<&'a str>,
    /// The SHA-256 the channel announced (base64 or hex), checked on download.
    pub sha256: Option<&'a str>,
}

/// A file to fetch, as the downloader claims it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Download {
    /// The attachment.
    pub id: i64,
    /// Its account.
    pub account: AccountId,
    /// Its conversation.
    pub conversation: ConversationId,
    /// Its message.
    pub message: i64,
    /// The channel that announced it.
    pub channel: i64,
    /// Where to fetch it: the channel's id of the file (WhatsApp's media id), or a URL (the
    /// generic channel).
    pub source: String,
    /// Its kind (the size limit depends on it).
    pub kind: AttachmentKind,
    /// The announced SHA-256 (base64 or hex).
    pub sha256: Option<String>,
    /// Attempts made before this one.
    pub attempts: i64,
}

/// A stored file, for serving it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    /// The attachment.
    pub id: i64,
    /// The conversation whose details decide who reads it.
    pub conversation: ConversationId,
    /// Its kind.
    pub kind: AttachmentKind,
    /// MIME type as given (the server decides what it answers with).
    pub mime_type: String,
    /// File name.
    pub file_name: Option<String>,
    /// Bytes.
    pub size: i64,
    /// Where the file store keeps it.
    pub storage_key: String,
}

/// The outcome of one download attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DownloadOutcome<'a> {
    /// Stored under `key`: `size` bytes with this SHA-256 (hex), MIME type as fetched.
    Stored {
        /// The file store's key.
        key: &'a str,
        /// Bytes.
        size: i64,
        /// Hex SHA-256 of what was stored.
        sha256: &'a str,
        /// The MIME type the channel answered with, when it gave one.
        mime_type: Option<&'a str>,
    },
    /// Failed; tried again at `retry_at`, or never (`None`: the attachment is `failed`).
    Failed {
        /// Why, in words an agent reads.
        error: &'a str,
        /// When to try again.
        retry_at: Option<i64>,
    },
}

/// A file already in the file store, attached to a message (an agent's upload, the demo).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFile<'a> {
    /// Its kind.
    pub kind: AttachmentKind,
    /// Voice note.
    pub voice: bool,
    /// MIME type.
    pub mime_type: &'a str,
    /// File name.
    pub file_name: Option<&'a str>,
    /// Bytes.
    pub size: i64,
    /// Hex SHA-256.
    pub sha256: &'a str,
    /// Length of audio and video, ms.
    pub duration_ms: Option<i64>,
    /// The file store's key.
    pub storage_key: &'a str,
}

/// A message with a file, for [`Attachments::add_with_file`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageWithFile<'a> {
    /// The account.
    pub account: AccountId,
    /// The conversation.
    pub conversation: ConversationId,
    /// In (the demo's customers), out or note.
    pub kind: crate::MessageKind,
    /// Who wrote it (out and note).
    pub author: Option<access::UserId>,
    /// The caption.
    pub body: &'a str,
    /// The channel to send it through (`None`: stored only).
    pub channel: Option<i64>,
    /// The conversation's version the decision was made on.
    pub decided_on: Option<i64>,
    /// When, µs.
    pub at: i64,
    /// The file.
    pub file: NewFile<'a>,
}

/// The insert of an announced file, inside the arrival's transaction.
pub(crate) const INSERT_PENDING: &str = "INSERT INTO attachments (account_id, conversation_id, message_id, kind, voice, mime_type, file_name, sha256, state, \
     channel_id, source, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $11, $11)";

const COLUMNS: &str =
    "id, message_id, kind, voice, mime_type, file_name, size, duration_ms, state, error";

fn attachment_from<R: Row>(r: &R) -> Result<Attachment>
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let kind: String = r.try_get(2)?;
    Ok(Attachment {
        id: r.try_get(0)?,
        message: r.try_get(1)?,
        kind: AttachmentKind::from_id(&kind)
            .ok_or_else(|| StoreError::corrupt("attachments", format!("unknown kind `{kind}`")))?,
        voice: r.try_get::<i64, _>(3)? != 0,
        mime_type: r.try_get(4)?,
        file_name: r.try_get(5)?,
        size: r.try_get(6)?,
        duration_ms: r.try_get(7)?,
        state: AttachmentState::from_id(&r.try_get::<String, _>(8)?)?,
        error: r.try_get(9)?,
    })
}

/// Placeholders `$from, $from+1, ...` for `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl crate::Attachments<'_> {
    /// The attachments of these messages of the account, by message id (oldest first).
    pub async fn of_messages(
        &self,
        account: AccountId,
        messages: &[i64],
    ) -> Result<HashMap<i64, Vec<Attachment>>> {
        let mut out: HashMap<i64, Vec<Attachment>> = HashMap::new();
        for chunk in messages.chunks(500) {
            let sql = format!(
                "SELECT {COLUMNS} FROM attachments WHERE account_id = $1 AND message_id IN ({}) ORDER BY id",
                placeholders(2, chunk.len())
            );
            let rows = with_pool!(self, pool => {
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.0);
                for m in chunk {
                    q = q.bind(*m);
                }
                q.fetch_all(pool).await?.iter().map(attachment_from).collect::<Result<Vec<_>>>()?
            });
            for a in rows {
                out.entry(a.message).or_default().push(a);
            }
        }
        Ok(out)
    }

    /// A ready attachment's file and the conversation that decides who reads it, in one
    /// statement (serving a file is one query after the session's); `None` when the account has
    /// no such attachment or its file is not stored (yet, or any more).
    pub async fn file(
        &self,
        account: AccountId,
        id: i64,
    ) -> Result<Option<(StoredFile, crate::ConversationRow)>> {
        use crate::conversations::{ROW_COLUMNS, ROW_JOIN, row};
        // The conversation's columns first (0..13, as `row` reads them), then the file's.
        let sql = format!(
            "SELECT {ROW_COLUMNS}, a.id, a.kind, a.mime_type, a.file_name, a.size, a.storage_key \
             {ROW_JOIN} JOIN attachments a ON a.conversation_id = v.id AND a.account_id = v.account_id \
             WHERE a.id = $1 AND a.account_id = $2 AND a.state = 'ready' AND a.storage_key IS NOT NULL"
        );
        with_pool!(self, pool => {
            let found = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id)
                .bind(account.0)
                .fetch_optional(pool)
                .await?;
            found
                .map(|r| {
                    let conversation = row(&r, account)?;
                    let kind: String = r.try_get(14)?;
                    let file = StoredFile {
                        id: r.try_get(13)?,
                        conversation: conversation.record.conversation.id,
                        kind: AttachmentKind::from_id(&kind).ok_or_else(|| {
                            StoreError::corrupt("attachments", format!("unknown kind `{kind}`"))
                        })?,
                        mime_type: r.try_get(15)?,
                        file_name: r.try_get(16)?,
                        size: r.try_get::<Option<i64>, _>(17)?.unwrap_or(0),
                        storage_key: r.try_get(18)?,
                    };
                    Ok((file, conversation))
                })
                .transpose()
        })
    }

    /// Adds a message with a file already in the file store (`ready` at once), in one
    /// transaction with the conversation's activity (guarded by `decided_on`, the version the
    /// decision was made on) and the message event. With `channel`, the message is queued for
    /// the sender (`delivery: pending`), which uploads the file to the channel and sends it.
    /// Returns the message and the attachment.
    pub async fn add_with_file(&self, m: &MessageWithFile<'_>) -> Result<(i64, i64)> {
        let (account, conversation, file) = (m.account, m.conversation, &m.file);
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let touched = sqlx::query(
                "UPDATE conversations SET last_activity = CASE WHEN last_activity > $1 THEN last_activity ELSE $1 END, \
                 last_customer_message_at = CASE WHEN $2 THEN $1 ELSE last_customer_message_at END \
                 WHERE id = $3 AND account_id = $4 AND ($5 IS NULL OR version = $5)",
            )
            .bind(m.at)
            .bind(m.kind == crate::MessageKind::In)
            .bind(conversation.0)
            .bind(account.0)
            .bind(m.decided_on)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if touched == 0 {
                crate::version_miss!(&mut *tx, account, conversation)?;
            }
            let message: i64 = sqlx::query_scalar(
                "INSERT INTO messages (account_id, conversation_id, kind, author_id, body, created_at, channel_id, delivery, next_attempt_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $7 IS NULL THEN NULL ELSE 'pending' END, CASE WHEN $7 IS NULL THEN NULL ELSE $6 END) \
                 RETURNING id",
            )
            .bind(account.0)
            .bind(conversation.0)
            .bind(m.kind.id())
            .bind(m.author.map(|u| u.0))
            .bind(m.body)
            .bind(m.at)
            .bind(m.channel)
            .fetch_one(&mut *tx)
            .await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO attachments (account_id, conversation_id, message_id, kind, voice, mime_type, file_name, size, sha256, \
                 duration_ms, state, storage_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'ready', $11, $12) RETURNING id",
            )
            .bind(account.0)
            .bind(conversation.0)
            .bind(message)
            .bind(file.kind.id())
            .bind(i64::from(file.voice))
            .bind(file.mime_type)
            .bind(file.file_name)
            .bind(file.size)
            .bind(file.sha256)
            .bind(file.duration_ms)
            .bind(file.storage_key)
            .bind(m.at)
            .fetch_one(&mut *tx)
            .await?;
            insert_event!(&mut *tx, account, EventKind::Message, Some(conversation), Some(message), None, m.at)?;
            tx.commit().await?;
            Ok((message, id))
        })
    }

    /// Records the channel's id of a file uploaded to it (so that a retry does not upload it
    /// again).
    pub async fn set_uploaded(&self, id: i64, channel_media_id: &str) -> Result<()> {
        with_pool!(self, pool => {
            sqlx::query("UPDATE attachments SET source = $1 WHERE id = $2")
                .bind(channel_media_id)
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// Claims up to `limit` pending downloads due at `now` for `lease` µs, the earliest due
    /// first; on PostgreSQL concurrent nodes skip each other's claimed rows. A node that dies
    /// mid-download leaves the file to be claimed again when the lease ends.
    pub async fn claim_downloads(&self, now: i64, lease: i64, limit: u32) -> Result<Vec<Download>> {
        let lock = match self.store.backend() {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "SELECT id, account_id, conversation_id, message_id, channel_id, source, kind, sha256, attempts FROM attachments \
             WHERE state = 'pending' AND next_attempt_at <= $1 AND source IS NOT NULL AND channel_id IS NOT NULL \
             ORDER BY next_attempt_at LIMIT $2{lock}"
        );
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).bind(i64::from(limit)).fetch_all(&mut *tx).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let kind: String = r.try_get(6)?;
                let d = Download {
                    id: r.try_get(0)?,
                    account: AccountId(r.try_get(1)?),
                    conversation: ConversationId(r.try_get(2)?),
                    message: r.try_get(3)?,
                    channel: r.try_get(4)?,
                    source: r.try_get(5)?,
                    kind: AttachmentKind::from_id(&kind)
                        .ok_or_else(|| StoreError::corrupt("attachments", format!("unknown kind `{kind}`")))?,
                    sha256: r.try_get(7)?,
                    attempts: r.try_get(8)?,
                };
                sqlx::query("UPDATE attachments SET next_attempt_at = $1 WHERE id = $2")
                    .bind(now + lease)
                    .bind(d.id)
                    .execute(&mut *tx)
                    .await?;
                out.push(d);
            }
            tx.commit().await?;
            Ok(out)
        })
    }

    /// The earliest time a pending download is due (`None`: nothing pending).
    pub async fn next_download_due(&self) -> Result<Option<i64>> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "SELECT MIN(next_attempt_at) FROM attachments WHERE state = 'pending' AND source IS NOT NULL",
        )
        .fetch_one(pool)
        .await?))
    }

    /// Records a download attempt's outcome (only while the attachment is still pending: a
    /// second node finishing the same download late changes nothing) with a message event.
    /// Whether this call recorded it.
    pub async fn download_result(
        &self,
        d: &Download,
        outcome: DownloadOutcome<'_>,
        at: i64,
    ) -> Result<bool> {
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let q = match outcome {
                DownloadOutcome::Stored { key, size, sha256, mime_type } => sqlx::query(
                    "UPDATE attachments SET state = 'ready', storage_key = $1, size = $2, sha256 = $3, \
                     mime_type = COALESCE($4, mime_type), error = NULL, attempts = attempts + 1, next_attempt_at = NULL \
                     WHERE id = $5 AND state = 'pending'",
                )
                .bind(key)
                .bind(size)
                .bind(sha256)
                .bind(mime_type)
                .bind(d.id),
                DownloadOutcome::Failed { error, retry_at: Some(next) } => sqlx::query(
                    "UPDATE attachments SET error = $1, attempts = attempts + 1, next_attempt_at = $2 WHERE id = $3 AND state = 'pending'",
                )
                .bind(error)
                .bind(next)
                .bind(d.id),
                DownloadOutcome::Failed { error, retry_at: None } => sqlx::query(
                    "UPDATE attachments SET state = 'failed', error = $1, attempts = attempts + 1, next_attempt_at = NULL \
                     WHERE id = $2 AND state = 'pending'",
                )
                .bind(error)
                .bind(d.id),
            };
            let done = q.execute(&mut *tx).await?.rows_affected() == 1;
            if done {
                insert_event!(&mut *tx, d.account, EventKind::Message, Some(d.conversation), Some(d.message), None, at)?;
            }
            tx.commit().await?;
            Ok(done)
        })
    }
}
