//! The audit log: append-only rows of who did what, when, from where, before and after.

use access::{AccountId, UserId};
use sqlx::Row;

use crate::{Result, with_pool};

/// One audit entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// Its id (increasing).
    pub id: i64,
    /// The acting user, when known.
    pub actor: Option<UserId>,
    /// What was done (`user.create`, `department.update`, `login.failed`...).
    pub action: String,
    /// What it was done to (`user#12`...).
    pub target: String,
    /// State before, JSON.
    pub before: Option<String>,
    /// State after, JSON.
    pub after: Option<String>,
    /// `ok` or `denied: <codes>`.
    pub result: String,
    /// Client address.
    pub address: String,
    /// When, µs since the epoch (UTC).
    pub at: i64,
}

impl crate::Audit<'_> {
    /// Appends an entry.
    pub async fn write(&self, account: AccountId, e: &AuditEntry) -> Result<i64> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO audit_log (account_id, actor_id, action, target, before_state, after_state, result, address, at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(account.0)
        .bind(e.actor.map(|u| u.0))
        .bind(&e.action)
        .bind(&e.target)
        .bind(&e.before)
        .bind(&e.after)
        .bind(&e.result)
        .bind(&e.address)
        .bind(e.at)
        .fetch_one(pool)
        .await?))
    }

    /// The newest entries of the account, before id `before` (keyset), at most `limit`.
    pub async fn page(
        &self,
        account: AccountId,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT id, actor_id, action, target, before_state, after_state, result, address, at FROM audit_log \
                 WHERE account_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
            )
            .bind(account.0)
            .bind(before.unwrap_or(i64::MAX))
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(AuditEntry {
                        id: r.try_get(0)?,
                        actor: r.try_get::<Option<i64>, _>(1)?.map(UserId),
                        action: r.try_get(2)?,
                        target: r.try_get(3)?,
                        before: r.try_get(4)?,
                        after: r.try_get(5)?,
                        result: r.try_get(6)?,
                        address: r.try_get(7)?,
                        at: r.try_get(8)?,
                    })
                })
                .collect()
        })
    }
}
