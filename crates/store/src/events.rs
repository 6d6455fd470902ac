//! Live events: one row per change, written in the change's own transaction, read back in id
//! order by every node (the id is the stream's cursor) and pruned after the replay window.
//!
//! On PostgreSQL the ids grow in commit order across nodes (the `events_order` trigger takes
//! them under a transaction-level lock) and every insert sends `NOTIFY atende_events` at commit;
//! on SQLite there is one writer, so commit order is id order.

use access::{AccountId, ConversationId, DepartmentId, Status, UserId};
use sqlx::Row;

use crate::codec::status_from;
use crate::{Result, StoreError, with_pool};

/// What an event is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A conversation was created or changed (status, department, assignee, contact, tags).
    Conversation,
    /// A message was added to a conversation, or its delivery changed.
    Message,
    /// The account's access configuration changed (settings, departments, roles, users).
    Access,
}

impl EventKind {
    /// The stored name.
    pub fn id(self) -> &'static str {
        match self {
            EventKind::Conversation => "conversation",
            EventKind::Message => "message",
            EventKind::Access => "access",
        }
    }

    fn from_id(s: &str) -> Result<EventKind> {
        match s {
            "conversation" => Ok(EventKind::Conversation),
            "message" => Ok(EventKind::Message),
            "access" => Ok(EventKind::Access),
            other => Err(StoreError::corrupt(
                "events",
                format!("unknown kind `{other}`"),
            )),
        }
    }
}

/// A conversation's state as visibility depends on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConversationState {
    /// Its department.
    pub department: DepartmentId,
    /// Its status.
    pub status: Status,
    /// Its assignee.
    pub assignee: Option<UserId>,
}

/// One stored event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventRecord {
    /// The cursor: events are read in id order.
    pub id: i64,
    /// Its account.
    pub account: AccountId,
    /// What happened.
    pub kind: EventKind,
    /// The conversation, for conversation and message events.
    pub conversation: Option<ConversationId>,
    /// The message, for message events.
    pub message: Option<i64>,
    /// The conversation's state before the change (`None`: it did not exist, or the change did
    /// not move it).
    pub before: Option<ConversationState>,
    /// When, µs since the epoch.
    pub at: i64,
}

/// Inserts an event through `$conn` (a transaction's connection of either backend): the last
/// statement of the change's transaction, so that on PostgreSQL the ordering lock is held only
/// until the commit that follows.
macro_rules! insert_event {
    ($conn:expr, $account:expr, $kind:expr, $conversation:expr, $message:expr, $before:expr, $at:expr) => {{
        let before: Option<$crate::events::ConversationState> = $before;
        sqlx::query(
            "INSERT INTO events (account_id, kind, conversation_id, message_id, before_department, before_status, before_assignee, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind($account.0)
        .bind($kind.id())
        .bind($conversation.map(|c: access::ConversationId| c.0))
        .bind($message)
        .bind(before.map(|b| b.department.0))
        .bind(before.map(|b| $crate::codec::status_code(b.status)))
        .bind(before.and_then(|b| b.assignee.map(|u| u.0)))
        .bind($at)
        .execute($conn)
        .await
    }};
}
pub(crate) use insert_event;

const COLUMNS: &str = "id, account_id, kind, conversation_id, message_id, before_department, before_status, before_assignee, at";

fn record<R: Row>(r: &R) -> Result<EventRecord>
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let before = match (
        r.try_get::<Option<i64>, _>(5)?,
        r.try_get::<Option<i64>, _>(6)?,
    ) {
        (Some(d), Some(s)) => Some(ConversationState {
            department: DepartmentId(d),
            status: status_from(s)?,
            assignee: r.try_get::<Option<i64>, _>(7)?.map(UserId),
        }),
        _ => None,
    };
    Ok(EventRecord {
        id: r.try_get(0)?,
        account: AccountId(r.try_get(1)?),
        kind: EventKind::from_id(&r.try_get::<String, _>(2)?)?,
        conversation: r.try_get::<Option<i64>, _>(3)?.map(ConversationId),
        message: r.try_get(4)?,
        before,
        at: r.try_get(8)?,
    })
}

impl crate::Events<'_> {
    /// Events of every account after `after`, in id order, at most `limit` (what a node's pump
    /// reads).
    pub async fn events_after(&self, after: i64, limit: u32) -> Result<Vec<EventRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM events WHERE id > $1 ORDER BY id LIMIT $2");
        with_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            rows.iter().map(record).collect()
        })
    }

    /// One account's events after `after`, in id order, at most `limit` (a stream's replay).
    pub async fn account_events_after(
        &self,
        account: AccountId,
        after: i64,
        limit: u32,
    ) -> Result<Vec<EventRecord>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM events WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3"
        );
        with_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(account.0)
                .bind(after)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            rows.iter().map(record).collect()
        })
    }

    /// The newest event id (0 when there is none).
    pub async fn last_event_id(&self) -> Result<i64> {
        let id: Option<i64> = with_pool!(self, pool => sqlx::query_scalar("SELECT MAX(id) FROM events").fetch_one(pool).await?);
        Ok(id.unwrap_or(0))
    }

    /// The oldest event id still kept (`None` when there is none): a cursor older than it
    /// cannot be replayed.
    pub async fn first_event_id(&self) -> Result<Option<i64>> {
        Ok(
            with_pool!(self, pool => sqlx::query_scalar("SELECT MIN(id) FROM events").fetch_one(pool).await?),
        )
    }

    /// Deletes the events up to the newest one older than `before` (µs): always a prefix of
    /// the ids, so what is kept is every event after some id (a cursor older than the first
    /// kept one has missed some), and never the newest event, so that ids are never reused;
    /// returns how many went.
    pub async fn prune_events(&self, before: i64) -> Result<u64> {
        Ok(with_pool!(self, pool => sqlx::query(
            "DELETE FROM events WHERE id <= (SELECT MAX(id) FROM events WHERE at < $1) AND id < (SELECT MAX(id) FROM events)",
        )
        .bind(before)
        .execute(pool)
        .await?
        .rows_affected()))
    }

    /// The account's access version (see the `access_version` migration).
    pub async fn access_version(&self, account: AccountId) -> Result<i64> {
        let v: Option<i64> = with_pool!(self, pool => sqlx::query_scalar("SELECT access_version FROM accounts WHERE id = $1")
            .bind(account.0)
            .fetch_optional(pool)
            .await?);
        v.ok_or(StoreError::NotFound("account"))
    }
}

/// The stored state of a conversation (for the `before_*` columns).
pub(crate) fn state_of(c: &access::Conversation) -> ConversationState {
    ConversationState {
        department: c.department,
        status: c.status,
        assignee: c.assignee,
    }
}

/// Wakes a node when any node has written events: PostgreSQL's `LISTEN atende_events` (the
/// `events_notify` trigger sends it at commit).
pub struct EventListener(sqlx::postgres::PgListener);

impl EventListener {
    /// Waits for the next notification. After a lost connection it answers an error once and
    /// reconnects on the next call (the caller then reads what it may have missed).
    pub async fn wait(&mut self) -> Result<()> {
        self.0.recv().await?;
        Ok(())
    }
}

impl crate::Events<'_> {
    /// A listener for other nodes' events: `None` on SQLite, where one process writes.
    pub async fn event_listener(&self) -> Result<Option<EventListener>> {
        match &self.db {
            crate::Db::Postgres(pool) => {
                let mut l = sqlx::postgres::PgListener::connect_with(pool).await?;
                l.listen("atende_events").await?;
                Ok(Some(EventListener(l)))
            }
            crate::Db::Sqlite(_) => Ok(None),
        }
    }
}
