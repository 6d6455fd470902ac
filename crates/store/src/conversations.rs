//! Conversations: creating them, reading them, applying the engine's transitions atomically
//! (with the tab counters in the same transaction), and listing a plan's page through the
//! compiled SQL.

use access::{
    AccountId, Conversation, ConversationId, Cursor, DepartmentId, Plan, Status, Transition, UserId,
};
use sqlx::Row;

use crate::codec::{class_code, status_code, status_from};
use crate::events::{EventKind, insert_event, state_of};
use crate::{Result, StoreError, compile, with_pool};

/// A conversation to create.
#[derive(Clone, Copy, Debug)]
pub struct NewConversation<'a> {
    /// Its account.
    pub account: AccountId,
    /// Its department.
    pub department: DepartmentId,
    /// Its status.
    pub status: Status,
    /// Its assignee.
    pub assignee: Option<UserId>,
    /// Its contact (of the same account).
    pub contact: Option<i64>,
    /// The channel it came from (`whatsapp`, `api`, ...).
    pub channel: &'a str,
    /// Creation and last-activity time, µs since the epoch.
    pub at: i64,
}

/// A conversation as stored: what the engine needs, plus times and the version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConversationRecord {
    /// What the engine decides on.
    pub conversation: Conversation,
    /// Last activity, µs since the epoch.
    pub last_activity: i64,
    /// Incremented by every change, for optimistic concurrency.
    pub version: i64,
}

pub(crate) const BUMP: &str = "INSERT INTO conversation_counts (account_id, class, department_id, assignee_id, n) VALUES ($1, $2, $3, $4, $5) \
                    ON CONFLICT (account_id, class, department_id, assignee_id) DO UPDATE SET n = conversation_counts.n + excluded.n";

impl crate::Conversations<'_> {
    /// Creates a conversation and counts it.
    pub async fn create_conversation(&self, c: &NewConversation<'_>) -> Result<ConversationId> {
        self.create_conversation_through(c, None).await
    }

    /// Creates a conversation that goes through channel `channel` (of the account: replies and
    /// templates are sent through it), and counts it; `NotFound` when the department, the
    /// contact or the channel is not the account's.
    pub async fn create_conversation_through(
        &self,
        c: &NewConversation<'_>,
        channel: Option<i64>,
    ) -> Result<ConversationId> {
        let class = class_code(c.status.class());
        let id: i64 = with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO conversations (account_id, department_id, status, class, assignee_id, contact_id, channel, \
                 last_activity, last_customer_message_at, created_at, version, channel_id) \
                 SELECT $1, d.id, $3, $4, $5, $8, $6, $7, NULL, $7, 1, $9 FROM departments d WHERE d.id = $2 AND d.account_id = $1 \
                 AND ($8 IS NULL OR EXISTS (SELECT 1 FROM contacts c WHERE c.id = $8 AND c.account_id = $1)) \
                 AND ($9 IS NULL OR EXISTS (SELECT 1 FROM channels ch WHERE ch.id = $9 AND ch.account_id = $1)) RETURNING id",
            )
            .bind(c.account.0)
            .bind(c.department.0)
            .bind(status_code(c.status))
            .bind(class)
            .bind(c.assignee.map(|u| u.0))
            .bind(c.channel)
            .bind(c.at)
            .bind(c.contact)
            .bind(channel)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound("department or contact"))?;
            sqlx::query(BUMP)
                .bind(c.account.0)
                .bind(class)
                .bind(c.department.0)
                .bind(c.assignee.map_or(0, |u| u.0))
                .bind(1_i64)
                .execute(&mut *tx)
                .await?;
            insert_event!(&mut *tx, c.account, EventKind::Conversation, Some(ConversationId(id)), None::<i64>, None, c.at)?;
            tx.commit().await?;
            id
        });
        Ok(ConversationId(id))
    }

    /// A conversation of the account; `None` when it does not exist there.
    pub async fn conversation(
        &self,
        account: AccountId,
        id: ConversationId,
    ) -> Result<Option<ConversationRecord>> {
        with_pool!(self, pool => {
            let row = sqlx::query("SELECT department_id, status, assignee_id, last_activity, version FROM conversations WHERE id = $1 AND account_id = $2")
                .bind(id.0)
                .bind(account.0)
                .fetch_optional(pool)
                .await?;
            let Some(r) = row else { return Ok(None) };
            Ok(Some(ConversationRecord {
                conversation: Conversation {
                    id,
                    account,
                    department: DepartmentId(r.try_get(0)?),
                    status: status_from(r.try_get(1)?)?,
                    assignee: r.try_get::<Option<i64>, _>(2)?.map(UserId),
                },
                last_activity: r.try_get(3)?,
                version: r.try_get(4)?,
            }))
        })
    }

    /// Applies a transition the engine allowed on `record` (as read): succeeds only if the
    /// conversation is still at `record.version`, else [`StoreError::Conflict`]. Counters move in
    /// the same transaction; the change is durable when this returns.
    pub async fn apply_transition(
        &self,
        record: &ConversationRecord,
        t: &Transition,
        at: i64,
    ) -> Result<ConversationRecord> {
        let c = &record.conversation;
        let (old_class, new_class) = (class_code(c.status.class()), class_code(t.status.class()));
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let done = sqlx::query(
                "UPDATE conversations SET status = $1, class = $2, assignee_id = $3, department_id = $4, last_activity = $5, version = version + 1 \
                 WHERE id = $6 AND account_id = $7 AND version = $8 \
                 AND EXISTS (SELECT 1 FROM departments d WHERE d.id = $4 AND d.account_id = $7)",
            )
            .bind(status_code(t.status))
            .bind(new_class)
            .bind(t.assignee.map(|u| u.0))
            .bind(t.department.0)
            .bind(at)
            .bind(c.id.0)
            .bind(c.account.0)
            .bind(record.version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Err(StoreError::conflict("conflict", format!("conversation {} changed meanwhile; read it again", c.id.0)));
            }
            for (class, dept, assignee, n) in [
                (old_class, c.department.0, c.assignee.map_or(0, |u| u.0), -1_i64),
                (new_class, t.department.0, t.assignee.map_or(0, |u| u.0), 1),
            ] {
                sqlx::query(BUMP).bind(c.account.0).bind(class).bind(dept).bind(assignee).bind(n).execute(&mut *tx).await?;
            }
            insert_event!(&mut *tx, c.account, EventKind::Conversation, Some(c.id), None::<i64>, Some(state_of(c)), at)?;
            tx.commit().await?;
            Ok(ConversationRecord {
                conversation: Conversation { status: t.status, assignee: t.assignee, department: t.department, ..*c },
                last_activity: at,
                version: record.version + 1,
            })
        })
    }

    /// A page of a plan: up to `limit` conversations older than `after`, newest activity first,
    /// as one indexed query compiled from the plan.
    pub async fn list(
        &self,
        plan: &Plan,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<Cursor>> {
        self.list_with(plan, after, limit, &compile::Filter::default())
            .await
    }

    /// A page of a details plan narrowed by a filter (tag, contact search): a filter looks into
    /// details, so it is given only with a plan limited to where they are visible.
    pub async fn list_filtered(
        &self,
        plan: &access::DetailsPlan,
        after: Option<Cursor>,
        limit: u32,
        filter: &compile::Filter,
    ) -> Result<Vec<Cursor>> {
        self.list_with(plan.plan(), after, limit, filter).await
    }

    async fn list_with(
        &self,
        plan: &Plan,
        after: Option<Cursor>,
        limit: u32,
        filter: &compile::Filter,
    ) -> Result<Vec<Cursor>> {
        let Some(q) = compile::list(plan, after, limit, filter, self.store.backend()) else {
            return Ok(Vec::new());
        };
        with_pool!(self, pool => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(q.sql));
            for v in q.binds {
                query = match v {
                    compile::Value::Int(i) => query.bind(i),
                    compile::Value::Text(t) => query.bind(t),
                };
            }
            let rows = query.fetch_all(pool).await?;
            rows.iter()
                .map(|r| Ok(Cursor { id: ConversationId(r.try_get(0)?), last_activity: r.try_get(1)? }))
                .collect()
        })
    }

    /// How many conversations a plan lists, from the counters.
    pub async fn count(&self, plan: &Plan) -> Result<u64> {
        let Some(q) = compile::count(plan) else {
            return Ok(0);
        };
        let n: i64 = with_pool!(self, pool => {
            let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(q.sql));
            for v in q.binds {
                query = match v {
                    compile::Value::Int(i) => query.bind(i),
                    compile::Value::Text(t) => query.bind(t),
                };
            }
            query.fetch_one(pool).await?
        });
        u64::try_from(n)
            .map_err(|_| StoreError::corrupt("conversation_counts", format!("negative count {n}")))
    }
}

/// A conversation with what a listing shows: channel, times, contact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationRow {
    /// The conversation as the engine sees it, with its activity time and version.
    pub record: ConversationRecord,
    /// The channel it came from.
    pub channel: String,
    /// When it was created, µs since the epoch.
    pub created_at: i64,
    /// The customer's last message, µs since the epoch.
    pub last_customer_message_at: Option<i64>,
    /// The contact, if linked.
    pub contact: Option<crate::Contact>,
}

impl crate::Conversations<'_> {
    /// The rows of these conversations of the account, in the order of `ids` (missing ids are
    /// skipped).
    pub async fn conversation_rows(
        &self,
        account: AccountId,
        ids: &[ConversationId],
    ) -> Result<Vec<ConversationRow>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        // Ids are typed integers: written inline.
        let list = ids
            .iter()
            .map(|c| c.0.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let sql =
            format!("SELECT {ROW_COLUMNS} {ROW_JOIN} WHERE v.account_id = $1 AND v.id IN ({list})");
        let mut rows: Vec<ConversationRow> = with_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.0).fetch_all(pool).await?;
            rows.iter().map(|r| row(r, account)).collect::<Result<Vec<_>>>()?
        });
        rows.sort_by_key(|r| ids.iter().position(|id| *id == r.record.conversation.id));
        Ok(rows)
    }

    /// A page of a plan with everything a listing shows, in one statement: the compiled
    /// listing joined to the conversations and their contacts.
    pub async fn list_rows(
        &self,
        plan: &Plan,
        after: Option<Cursor>,
        limit: u32,
    ) -> Result<Vec<ConversationRow>> {
        self.rows_with(plan, after, limit, &compile::Filter::default())
            .await
    }

    /// [`Store::list_rows`] of a details plan narrowed by a filter (tag, contact search).
    pub async fn search_rows(
        &self,
        plan: &access::DetailsPlan,
        after: Option<Cursor>,
        limit: u32,
        filter: &compile::Filter,
    ) -> Result<Vec<ConversationRow>> {
        self.rows_with(plan.plan(), after, limit, filter).await
    }

    async fn rows_with(
        &self,
        plan: &Plan,
        after: Option<Cursor>,
        limit: u32,
        filter: &compile::Filter,
    ) -> Result<Vec<ConversationRow>> {
        let Some(q) = compile::list(plan, after, limit, filter, self.store.backend()) else {
            return Ok(Vec::new());
        };
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM ({}) AS page JOIN conversations v ON v.id = page.id \
             LEFT JOIN contacts c ON c.id = v.contact_id AND c.account_id = v.account_id \
             ORDER BY page.last_activity DESC, page.id DESC",
            q.sql
        );
        let account = plan.account;
        with_pool!(self, pool => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            for v in q.binds {
                query = match v {
                    compile::Value::Int(i) => query.bind(i),
                    compile::Value::Text(t) => query.bind(t),
                };
            }
            let rows = query.fetch_all(pool).await?;
            rows.iter().map(|r| row(r, account)).collect::<Result<Vec<_>>>()
        })
    }
}

pub(crate) const ROW_COLUMNS: &str = "v.id, v.department_id, v.status, v.assignee_id, v.last_activity, v.version, v.channel, v.created_at, \
                           v.last_customer_message_at, c.id, c.name, c.phone, c.email";
pub(crate) const ROW_JOIN: &str = "FROM conversations v LEFT JOIN contacts c ON c.id = v.contact_id AND c.account_id = v.account_id";

pub(crate) fn row<R: Row>(r: &R, account: AccountId) -> Result<ConversationRow>
where
    usize: sqlx::ColumnIndex<R>,
    i64: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    String: for<'a> sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    let contact = match r.try_get::<Option<i64>, _>(9)? {
        Some(id) => Some(crate::Contact {
            id,
            name: r.try_get(10)?,
            phone: r.try_get(11)?,
            email: r.try_get(12)?,
        }),
        None => None,
    };
    Ok(ConversationRow {
        record: ConversationRecord {
            conversation: Conversation {
                id: ConversationId(r.try_get(0)?),
                account,
                department: DepartmentId(r.try_get(1)?),
                status: status_from(r.try_get(2)?)?,
                assignee: r.try_get::<Option<i64>, _>(3)?.map(UserId),
            },
            last_activity: r.try_get(4)?,
            version: r.try_get(5)?,
        },
        channel: r.try_get(6)?,
        created_at: r.try_get(7)?,
        last_customer_message_at: r.try_get(8)?,
        contact,
    })
}

/// Bulk generation and raw reads for the listing benchmark (`benches/listing.rs`); not used by
/// the application.
impl crate::Conversations<'_> {
    /// Generates `rows` conversations inside the database, activity ascending with the id;
    /// statuses 10% waiting, 25% in progress, 5% survey, 60% finished; departments and assignees
    /// spread by a multiplicative hash of the row number. Counters are rebuilt at the end.
    #[doc(hidden)]
    pub async fn bench_fill(
        &self,
        account: AccountId,
        departments: &[DepartmentId],
        users: &[UserId],
        rows: i64,
    ) -> Result<()> {
        let (d0, dn) = (
            departments.first().map_or(0, |d| d.0),
            i64::try_from(departments.len()).unwrap_or(1),
        );
        let (u0, un) = (
            users.first().map_or(0, |u| u.0),
            i64::try_from(users.len()).unwrap_or(1),
        );
        // status by n % 20: 0-1 waiting, 2-6 in_progress, 7 survey, 8-19 finished.
        let status =
            "CASE WHEN n % 20 < 2 THEN 0 WHEN n % 20 < 7 THEN 1 WHEN n % 20 < 8 THEN 2 ELSE 3 END";
        let class = "CASE WHEN n % 20 < 2 THEN 0 WHEN n % 20 < 8 THEN 1 ELSE 2 END";
        let select = format!(
            "SELECT {a}, {d0} + ((n * 2654435761) % {dn}), {status}, {class}, \
             CASE WHEN n % 20 < 2 THEN NULL ELSE {u0} + ((n * 40503) % {un}) END, NULL, 'whatsapp', 1000000 * n, NULL, 1000000 * n, 1",
            a = account.0
        );
        let insert = "INSERT INTO conversations (account_id, department_id, status, class, assignee_id, contact_id, channel, last_activity, \
                      last_customer_message_at, created_at, version)";
        let counters = format!(
            "INSERT INTO conversation_counts (account_id, class, department_id, assignee_id, n) \
             SELECT account_id, class, department_id, COALESCE(assignee_id, 0), COUNT(*) FROM conversations WHERE account_id = {a} \
             GROUP BY account_id, class, department_id, COALESCE(assignee_id, 0)",
            a = account.0
        );
        match &self.db {
            crate::Db::Sqlite(pool) => {
                // Detached from the pool: should the fill fail half-way, the connection (with
                // `synchronous = OFF`) is closed, never handed to a writer that acknowledges.
                let mut conn = pool.acquire().await?.detach();
                sqlx::query("PRAGMA synchronous = OFF")
                    .execute(&mut conn)
                    .await?;
                let mut start = 1i64;
                while start <= rows {
                    let end = (start + 500_000 - 1).min(rows);
                    let sql = format!(
                        "WITH RECURSIVE g(n) AS (SELECT {start} UNION ALL SELECT n + 1 FROM g WHERE n < {end}) {insert} {select} FROM g"
                    );
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await?;
                    start = end + 1;
                }
                sqlx::query(sqlx::AssertSqlSafe(counters))
                    .execute(&mut conn)
                    .await?;
                sqlx::query("PRAGMA synchronous = FULL")
                    .execute(&mut conn)
                    .await?;
                sqlx::query("ANALYZE").execute(&mut conn).await?;
            }
            crate::Db::Postgres(pool) => {
                let sql =
                    format!("{insert} {select} FROM generate_series(1::bigint, {rows}) AS g(n)");
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
                sqlx::query(sqlx::AssertSqlSafe(counters))
                    .execute(pool)
                    .await?;
                sqlx::query("ANALYZE").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Copies the account's conversations (department, status, assignee, contact; not their
    /// messages nor tags), each round `shift` µs older than the last, until the account has
    /// `total`; counters rebuilt. For measuring the inbox on a large demo account
    /// (`atende demo --conversations N`). Returns how many conversations the account has.
    #[doc(hidden)]
    pub async fn bench_replicate(&self, account: AccountId, total: i64, shift: i64) -> Result<i64> {
        let a = account.0;
        let have: i64 = with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM conversations WHERE account_id = $1")
            .bind(a)
            .fetch_one(pool)
            .await?);
        if have == 0 || have >= total {
            return Ok(have);
        }
        let need = total - have;
        let rounds = need / have + 1;
        let cols = "account_id, department_id, status, class, assignee_id, contact_id, channel, last_activity, last_customer_message_at, created_at, version";
        let copy = format!(
            "INSERT INTO conversations ({cols}) SELECT account_id, department_id, status, class, assignee_id, contact_id, channel, \
             last_activity - k * {shift}, last_customer_message_at - k * {shift}, created_at - k * {shift}, 1 \
             FROM conversations, g WHERE account_id = {a} ORDER BY k, id LIMIT {need}"
        );
        let counters = [
            format!("DELETE FROM conversation_counts WHERE account_id = {a}"),
            format!(
                "INSERT INTO conversation_counts (account_id, class, department_id, assignee_id, n) \
                 SELECT account_id, class, department_id, COALESCE(assignee_id, 0), COUNT(*) FROM conversations WHERE account_id = {a} \
                 GROUP BY account_id, class, department_id, COALESCE(assignee_id, 0)"
            ),
        ];
        match &self.db {
            crate::Db::Sqlite(pool) => {
                let mut tx = pool.begin().await?;
                let sql = format!(
                    "WITH RECURSIVE g(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM g WHERE k < {rounds}) {copy}"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut *tx)
                    .await?;
                for c in counters {
                    sqlx::query(sqlx::AssertSqlSafe(c))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                sqlx::query("ANALYZE").execute(pool).await?;
            }
            crate::Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let sql =
                    format!("WITH g(k) AS (SELECT generate_series(1::bigint, {rounds})) {copy}");
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .execute(&mut *tx)
                    .await?;
                for c in counters {
                    sqlx::query(sqlx::AssertSqlSafe(c))
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                sqlx::query("ANALYZE").execute(pool).await?;
            }
        }
        Ok(have + need)
    }

    /// How many messages the account has.
    #[doc(hidden)]
    pub async fn bench_messages(&self, account: AccountId) -> Result<i64> {
        Ok(
            with_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE account_id = $1")
            .bind(account.0)
            .fetch_one(pool)
            .await?),
        )
    }

    /// Every conversation of the account with its activity (the naive way's load).
    #[doc(hidden)]
    pub async fn bench_all(&self, account: AccountId) -> Result<Vec<(Conversation, i64)>> {
        with_pool!(self, pool => {
            let rows = sqlx::query("SELECT id, department_id, status, assignee_id, last_activity FROM conversations WHERE account_id = $1")
                .bind(account.0)
                .fetch_all(pool)
                .await?;
            rows.iter()
                .map(|r| {
                    Ok((
                        Conversation {
                            id: ConversationId(r.try_get(0)?),
                            account,
                            department: DepartmentId(r.try_get(1)?),
                            status: status_from(r.try_get(2)?)?,
                            assignee: r.try_get::<Option<i64>, _>(3)?.map(UserId),
                        },
                        r.try_get(4)?,
                    ))
                })
                .collect()
        })
    }

    /// Size of the database in bytes, where it can be asked.
    #[doc(hidden)]
    pub async fn bench_size(&self) -> Result<Option<i64>> {
        Ok(Some(match &self.db {
            crate::Db::Sqlite(pool) => {
                let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
                    .fetch_one(pool)
                    .await?;
                let size: i64 = sqlx::query_scalar("PRAGMA page_size")
                    .fetch_one(pool)
                    .await?;
                pages * size
            }
            crate::Db::Postgres(pool) => {
                sqlx::query_scalar("SELECT pg_database_size(current_database())")
                    .fetch_one(pool)
                    .await?
            }
        }))
    }
}
