//! Routing's data: agents' availability and limits, the candidates of a department in round
//! robin order, and the assignment itself, made under the database's locks so that concurrent
//! nodes never assign a conversation twice nor put an agent over their limit: on PostgreSQL the
//! agent's routing row is locked (`FOR UPDATE`) while their open conversations are counted and
//! the conversation is taken at the version it was read; on SQLite the write lock serialises
//! it all.

use std::net::IpAddr;

use access::{AccountId, ConversationId, DepartmentId, Transition, UserId};
use sqlx::Row;

use crate::codec::{class_code, status_code};
use crate::conversations::BUMP;
use crate::events::{EventKind, insert_event, state_of};
use crate::{Backend, ConversationRecord, Result, StoreError, with_pool};

/// An agent routing may give a conversation to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// The agent.
    pub user: UserId,
    /// Where they went online from (their roles are resolved from it).
    pub address: Option<IpAddr>,
    /// Their limit of open conversations (`None`: no limit).
    pub max_open: Option<i64>,
    /// Their open (in progress) conversations now.
    pub open: i64,
}

/// An agent's routing settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct AgentRouting {
    /// Online (`true`) or away.
    pub online: bool,
    /// Limit of open conversations.
    pub max_open: Option<i64>,
    /// Open (in progress) conversations now.
    pub open: i64,
}

/// What an attempt to assign did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Assigned {
    /// The conversation is the agent's.
    Yes,
    /// The agent went away or reached their limit meanwhile: try the next.
    AgentUnavailable,
    /// The conversation changed meanwhile (someone assumed it): stop.
    ConversationChanged,
}

const OPEN: &str = "(SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM conversation_counts cc WHERE cc.account_id = $1 AND cc.assignee_id = r.user_id AND cc.class = 1)";

/// [`OPEN`] for user `$2`, without their routing row.
const OPEN_OF: &str = "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM conversation_counts cc WHERE cc.account_id = $1 AND cc.assignee_id = $2 AND cc.class = 1";

impl crate::Routing<'_> {
    /// Sets an agent online (from `address`; `None`: an unknown address) or away.
    pub async fn set_availability(
        &self,
        account: AccountId,
        user: UserId,
        online: bool,
        address: Option<IpAddr>,
    ) -> Result<()> {
        with_pool!(self, pool => sqlx::query(
            "INSERT INTO agent_routing (user_id, account_id, availability, availability_from) \
             SELECT id, account_id, $3, $4 FROM users WHERE id = $1 AND account_id = $2 \
             ON CONFLICT (user_id) DO UPDATE SET availability = excluded.availability, availability_from = excluded.availability_from",
        )
        .bind(user.0)
        .bind(account.0)
        .bind(if online { "online" } else { "away" })
        .bind(address.map(|a| a.to_string()))
        .execute(pool)
        .await
        .map(|_| ())?);
        Ok(())
    }

    /// An agent's routing settings and open conversations.
    pub async fn agent_routing(&self, account: AccountId, user: UserId) -> Result<AgentRouting> {
        let sql = format!(
            "SELECT r.availability, r.max_open, {OPEN} FROM agent_routing r WHERE r.user_id = $2 AND r.account_id = $1"
        );
        with_pool!(self, pool => {
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.0).bind(user.0).fetch_optional(pool).await?;
            Ok(match row {
                Some(r) => AgentRouting {
                    online: r.try_get::<String, _>(0)? == "online",
                    max_open: r.try_get(1)?,
                    open: r.try_get(2)?,
                },
                // Never set online nor given a limit: away, no limit, but maybe assigned by hand.
                None => AgentRouting {
                    open: sqlx::query_scalar(sqlx::AssertSqlSafe(OPEN_OF.to_owned()))
                        .bind(account.0)
                        .bind(user.0)
                        .fetch_one(pool)
                        .await?,
                    ..AgentRouting::default()
                },
            })
        })
    }

    /// The online, active members of a department, least recently given a conversation first.
    pub async fn routing_candidates(
        &self,
        account: AccountId,
        department: DepartmentId,
    ) -> Result<Vec<Candidate>> {
        let sql = format!(
            "SELECT r.user_id, r.availability_from, r.max_open, {OPEN} FROM agent_routing r \
             JOIN users u ON u.id = r.user_id AND u.active = 1 \
             JOIN memberships m ON m.user_id = r.user_id AND m.department_id = $2 \
             WHERE r.account_id = $1 AND r.availability = 'online' ORDER BY r.last_assigned_at, r.user_id"
        );
        with_pool!(self, pool => {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(account.0).bind(department.0).fetch_all(pool).await?;
            rows.iter()
                .map(|r| {
                    Ok(Candidate {
                        user: UserId(r.try_get(0)?),
                        address: r.try_get::<Option<String>, _>(1)?.and_then(|a| a.parse().ok()),
                        max_open: r.try_get(2)?,
                        open: r.try_get(3)?,
                    })
                })
                .collect()
        })
    }

    /// Waiting, unassigned conversations of these departments, the longest waiting first.
    pub async fn waiting_unassigned(
        &self,
        account: AccountId,
        departments: &[DepartmentId],
        limit: u32,
    ) -> Result<Vec<ConversationId>> {
        if departments.is_empty() {
            return Ok(Vec::new());
        }
        // Ids are typed integers: written inline.
        let list = departments
            .iter()
            .map(|d| d.0.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT id FROM conversations WHERE account_id = $1 AND class = 0 AND assignee_id IS NULL AND department_id IN ({list}) \
             ORDER BY last_activity, id LIMIT $2"
        );
        let ids: Vec<i64> = with_pool!(self, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(account.0)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?);
        Ok(ids.into_iter().map(ConversationId).collect())
    }

    /// Gives the conversation (as read in `record`) to `agent` with the engine's transition:
    /// only if the agent is still online and under their limit, and the conversation unchanged.
    pub async fn assign(
        &self,
        record: &ConversationRecord,
        agent: UserId,
        t: &Transition,
        at: i64,
    ) -> Result<Assigned> {
        let c = &record.conversation;
        let lock = match self.store.backend() {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let sql = format!(
            "SELECT availability, max_open FROM agent_routing WHERE user_id = $1 AND account_id = $2{lock}"
        );
        let (old_class, new_class) = (class_code(c.status.class()), class_code(t.status.class()));
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let row = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(agent.0).bind(c.account.0).fetch_optional(&mut *tx).await?;
            let Some(row) = row else { return Ok(Assigned::AgentUnavailable) };
            let (availability, max_open): (String, Option<i64>) = (row.try_get(0)?, row.try_get(1)?);
            let open: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM conversation_counts WHERE account_id = $1 AND assignee_id = $2 AND class = 1",
            )
            .bind(c.account.0)
            .bind(agent.0)
            .fetch_one(&mut *tx)
            .await?;
            if availability != "online" || max_open.is_some_and(|m| open >= m) {
                return Ok(Assigned::AgentUnavailable);
            }
            let done = sqlx::query(
                "UPDATE conversations SET status = $1, class = $2, assignee_id = $3, department_id = $4, last_activity = $5, version = version + 1 \
                 WHERE id = $6 AND account_id = $7 AND version = $8",
            )
            .bind(status_code(t.status))
            .bind(new_class)
            .bind(t.assignee.map(|u| u.0))
            .bind(t.department.0)
            .bind(at.max(record.last_activity))
            .bind(c.id.0)
            .bind(c.account.0)
            .bind(record.version)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done == 0 {
                return Ok(Assigned::ConversationChanged);
            }
            for (class, dept, assignee, n) in [
                (old_class, c.department.0, c.assignee.map_or(0, |u| u.0), -1_i64),
                (new_class, t.department.0, t.assignee.map_or(0, |u| u.0), 1),
            ] {
                sqlx::query(BUMP).bind(c.account.0).bind(class).bind(dept).bind(assignee).bind(n).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE agent_routing SET last_assigned_at = $1 WHERE user_id = $2")
                .bind(at)
                .bind(agent.0)
                .execute(&mut *tx)
                .await?;
            insert_event!(&mut *tx, c.account, EventKind::Conversation, Some(c.id), None::<i64>, Some(state_of(c)), at)?;
            tx.commit().await?;
            Ok(Assigned::Yes)
        })
    }

    /// Whether the account reassigns an agent's conversations when they go away.
    pub async fn reassign_when_away(&self, account: AccountId) -> Result<bool> {
        let v: Option<i64> = with_pool!(self, pool => sqlx::query_scalar("SELECT reassign_when_away FROM accounts WHERE id = $1")
            .bind(account.0)
            .fetch_optional(pool)
            .await?);
        v.map(|v| v != 0).ok_or(StoreError::NotFound("account"))
    }

    /// An agent's conversations in progress (what goes back to the queue when they go away and
    /// the account reassigns).
    pub async fn in_progress_of(
        &self,
        account: AccountId,
        agent: UserId,
    ) -> Result<Vec<ConversationId>> {
        let ids: Vec<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM conversations WHERE account_id = $1 AND class = 1 AND assignee_id = $2 AND status = $3 ORDER BY last_activity",
        )
        .bind(account.0)
        .bind(agent.0)
        .bind(status_code(access::Status::InProgress))
        .fetch_all(pool)
        .await?);
        Ok(ids.into_iter().map(ConversationId).collect())
    }
}

impl crate::AdminTx {
    /// Sets a user's limit of open conversations (`None`: no limit), inside the transaction.
    pub async fn set_max_open(&mut self, user: UserId, max_open: Option<i64>) -> Result<()> {
        let account = self.account;
        let done = crate::admin::with_tx!(self, conn => sqlx::query(
            "INSERT INTO agent_routing (user_id, account_id, max_open) SELECT id, account_id, $3 FROM users WHERE id = $1 AND account_id = $2 \
             ON CONFLICT (user_id) DO UPDATE SET max_open = excluded.max_open",
        )
        .bind(user.0)
        .bind(account.0)
        .bind(max_open)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        if done == 0 {
            Err(StoreError::NotFound("user"))
        } else {
            Ok(())
        }
    }

    /// Sets whether the account reassigns an agent's conversations when they go away.
    pub async fn set_reassign_when_away(&mut self, on: bool) -> Result<()> {
        let account = self.account;
        crate::admin::with_tx!(self, conn => sqlx::query("UPDATE accounts SET reassign_when_away = $1 WHERE id = $2")
            .bind(crate::codec::flag(on))
            .bind(account.0)
            .execute(&mut *conn)
            .await
            .map(|_| ())?);
        Ok(())
    }
}
