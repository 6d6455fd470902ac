//! The outbox: messages agents send to a channel are stored `pending` with the reply (durable
//! before the answer), then claimed by a node's sender, delivered, and marked `sent` (with the
//! channel's id of the message), retried later, or `failed` with the reason. A claim is a lease:
//! a node that dies mid-send leaves the message to be claimed again when the lease ends; on
//! PostgreSQL concurrent nodes skip each other's claimed rows.

use access::{AccountId, ConversationId, UserId};
use sqlx::Row;

use crate::events::{EventKind, insert_event};
use crate::{Backend, Result, StoreError, with_pool};

/// A message to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// The message.
    pub message: i64,
    /// Its account.
    pub account: AccountId,
    /// Its conversation.
    pub conversation: ConversationId,
    /// The channel to send it through.
    pub channel: i64,
    /// The contact's phone (the recipient); `None` when the conversation has no contact.
    pub to: Option<String>,
    /// The text.
    pub body: String,
    /// For a template: its JSON (`{"name", "language", "parameters"}`).
    pub template: Option<String>,
    /// Attempts made before this one.
    pub attempts: i64,
    /// The file it carries (the text is then its caption).
    pub file: Option<OutgoingFile>,
}

/// A file to send with a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingFile {
    /// The attachment.
    pub id: i64,
    /// Its kind (the channel's message type).
    pub kind: crate::AttachmentKind,
    /// A voice note.
    pub voice: bool,
    /// MIME type.
    pub mime_type: String,
    /// File name (documents).
    pub file_name: Option<String>,
    /// Bytes.
    pub size: i64,
    /// Where the file store keeps it.
    pub storage_key: String,
    /// The channel's id of the file once uploaded (a retry sends it without uploading again).
    pub uploaded: Option<String>,
}

impl crate::Outbox<'_> {
    /// Stores a message for a channel, `pending`, with the conversation's activity moved, in
    /// one transaction; the sender delivers it.
    #[expect(clippy::too_many_arguments, reason = "one row's columns")]
    pub async fn queue_outbound(
        &self,
        account: AccountId,
        conversation: ConversationId,
        channel: i64,
        author: UserId,
        body: &str,
        template: Option<&str>,
        decided_on: Option<i64>,
        at: i64,
    ) -> Result<i64> {
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let touched = sqlx::query(
                "UPDATE conversations SET last_activity = CASE WHEN last_activity > $1 THEN last_activity ELSE $1 END \
                 WHERE id = $2 AND account_id = $3 AND ($4 IS NULL OR version = $4)",
            )
            .bind(at)
            .bind(conversation.0)
            .bind(account.0)
            .bind(decided_on)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if touched == 0 {
                crate::version_miss!(&mut *tx, account, conversation)?;
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO messages (account_id, conversation_id, kind, author_id, body, created_at, channel_id, delivery, next_attempt_at, template) \
                 VALUES ($1, $2, 'out', $3, $4, $5, $6, 'pending', $5, $7) RETURNING id",
            )
            .bind(account.0)
            .bind(conversation.0)
            .bind(author.0)
            .bind(body)
            .bind(at)
            .bind(channel)
            .bind(template)
            .fetch_one(&mut *tx)
            .await?;
            insert_event!(&mut *tx, account, EventKind::Message, Some(conversation), Some(id), None, at)?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Claims up to `limit` pending messages due at `now` for `lease` µs; the earliest due first.
    pub async fn claim_outgoing(&self, now: i64, lease: i64, limit: u32) -> Result<Vec<Outgoing>> {
        let lock = match self.store.backend() {
            Backend::Postgres => " FOR UPDATE OF m SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "SELECT m.id, m.account_id, m.conversation_id, m.channel_id, c.phone, m.body, m.template, m.attempts, \
             a.id, a.kind, a.voice, a.mime_type, a.file_name, a.size, a.storage_key, a.source \
             FROM messages m JOIN conversations v ON v.id = m.conversation_id LEFT JOIN contacts c ON c.id = v.contact_id \
             LEFT JOIN attachments a ON a.message_id = m.id AND a.state = 'ready' \
             WHERE m.delivery = 'pending' AND m.next_attempt_at <= $1 ORDER BY m.next_attempt_at LIMIT $2{lock}"
        );
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(now).bind(i64::from(limit)).fetch_all(&mut *tx).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let o = Outgoing {
                    message: r.try_get(0)?,
                    account: AccountId(r.try_get(1)?),
                    conversation: ConversationId(r.try_get(2)?),
                    channel: r.try_get::<Option<i64>, _>(3)?.ok_or_else(|| StoreError::corrupt("messages", "pending without a channel"))?,
                    to: r.try_get(4)?,
                    body: r.try_get(5)?,
                    template: r.try_get(6)?,
                    attempts: r.try_get(7)?,
                    file: match r.try_get::<Option<i64>, _>(8)? {
                        None => None,
                        Some(id) => {
                            let kind: String = r.try_get(9)?;
                            Some(OutgoingFile {
                                id,
                                kind: crate::AttachmentKind::from_id(&kind)
                                    .ok_or_else(|| StoreError::corrupt("attachments", format!("unknown kind `{kind}`")))?,
                                voice: r.try_get::<i64, _>(10)? != 0,
                                mime_type: r.try_get(11)?,
                                file_name: r.try_get(12)?,
                                size: r.try_get::<Option<i64>, _>(13)?.unwrap_or(0),
                                storage_key: r.try_get::<Option<String>, _>(14)?
                                    .ok_or_else(|| StoreError::corrupt("attachments", "ready without a key"))?,
                                uploaded: r.try_get(15)?,
                            })
                        }
                    },
                };
                sqlx::query("UPDATE messages SET next_attempt_at = $1 WHERE id = $2")
                    .bind(now + lease)
                    .bind(o.message)
                    .execute(&mut *tx)
                    .await?;
                out.push(o);
            }
            tx.commit().await?;
            Ok(out)
        })
    }

    /// The earliest time a pending message is due (`None`: nothing pending).
    pub async fn next_outgoing_due(&self) -> Result<Option<i64>> {
        Ok(
            with_pool!(self, pool => sqlx::query_scalar("SELECT MIN(next_attempt_at) FROM messages WHERE delivery = 'pending'")
            .fetch_one(pool)
            .await?),
        )
    }

    /// Records the outcome of an attempt: `Ok(external id)` marks it sent; `Err((error, Some(t)))`
    /// keeps it pending until `t`; `Err((error, None))` marks it failed.
    pub async fn outgoing_result(
        &self,
        o: &Outgoing,
        result: std::result::Result<&str, (&str, Option<i64>)>,
        at: i64,
    ) -> Result<()> {
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let q = match result {
                Ok(external) => sqlx::query(
                    "UPDATE messages SET delivery = CASE WHEN delivery = 'pending' THEN 'sent' ELSE delivery END, external_id = $1, \
                     delivery_error = NULL, attempts = attempts + 1, next_attempt_at = NULL WHERE id = $2",
                )
                .bind(external)
                .bind(o.message),
                Err((error, Some(next))) => sqlx::query(
                    "UPDATE messages SET delivery_error = $1, attempts = attempts + 1, next_attempt_at = $2 WHERE id = $3 AND delivery = 'pending'",
                )
                .bind(error)
                .bind(next)
                .bind(o.message),
                Err((error, None)) => sqlx::query(
                    "UPDATE messages SET delivery = 'failed', delivery_error = $1, attempts = attempts + 1, next_attempt_at = NULL \
                     WHERE id = $2 AND delivery = 'pending'",
                )
                .bind(error)
                .bind(o.message),
            };
            q.execute(&mut *tx).await?;
            insert_event!(&mut *tx, o.account, EventKind::Message, Some(o.conversation), Some(o.message), None, at)?;
            tx.commit().await?;
            Ok(())
        })
    }
}
