//! Credentials, sessions, API tokens and login failures. Secrets never reach the database: a
//! session or token is stored as the SHA-256 of its random value, computed by the caller.

use access::{AccountId, UserId};
use sqlx::Row;

use crate::events::{EventKind, insert_event};
use crate::{Result, StoreError, with_pool};

/// What login needs of a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The user.
    pub user: UserId,
    /// Their account.
    pub account: AccountId,
    /// PHC password hash, if a password is set.
    pub password_hash: Option<String>,
    /// Active or not.
    pub active: bool,
    /// Must change the password at next login.
    pub must_change_password: bool,
}

/// A user's profile, as shown to themselves and administrators.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// The user.
    pub user: UserId,
    /// Their account.
    pub account: AccountId,
    /// Login email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Active or not.
    pub active: bool,
    /// Must change the password at next login.
    pub must_change_password: bool,
}

/// A session or token with what every request needs to know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionContext {
    /// Who.
    pub owner: SessionOwner,
    /// The account's access version (see the `access_version` migration).
    pub access_version: i64,
    /// The user must change their password before anything else.
    pub must_change_password: bool,
}

/// A session or token, resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionOwner {
    /// The user.
    pub user: UserId,
    /// Their account.
    pub account: AccountId,
}

impl crate::Auth<'_> {
    /// The credentials of the user with this email (case-insensitive), if any.
    pub async fn credentials(&self, email: &str) -> Result<Option<Credentials>> {
        with_pool!(self, pool => {
            let row = sqlx::query("SELECT id, account_id, password_hash, active, must_change_password FROM users WHERE email = $1")
                .bind(email.trim().to_lowercase())
                .fetch_optional(pool)
                .await?;
            row.map(|r| {
                Ok(Credentials {
                    user: UserId(r.try_get(0)?),
                    account: AccountId(r.try_get(1)?),
                    password_hash: r.try_get(2)?,
                    active: r.try_get::<i64, _>(3)? != 0,
                    must_change_password: r.try_get::<i64, _>(4)? != 0,
                })
            })
            .transpose()
        })
    }

    /// A user's profile.
    pub async fn profile(&self, account: AccountId, user: UserId) -> Result<Option<Profile>> {
        with_pool!(self, pool => {
            let row = sqlx::query("SELECT email, name, active, must_change_password FROM users WHERE id = $1 AND account_id = $2")
                .bind(user.0)
                .bind(account.0)
                .fetch_optional(pool)
                .await?;
            row.map(|r| {
                Ok(Profile {
                    user,
                    account,
                    email: r.try_get(0)?,
                    name: r.try_get(1)?,
                    active: r.try_get::<i64, _>(2)? != 0,
                    must_change_password: r.try_get::<i64, _>(3)? != 0,
                })
            })
            .transpose()
        })
    }

    /// Replaces a user's password hash (an upgrade of parameters, or a new password).
    pub async fn set_password_hash(
        &self,
        account: AccountId,
        user: UserId,
        hash: &str,
        must_change: bool,
    ) -> Result<()> {
        let done = with_pool!(self, pool => sqlx::query("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3 AND account_id = $4")
            .bind(hash)
            .bind(i64::from(must_change))
            .bind(user.0)
            .bind(account.0)
            .execute(pool)
            .await?
            .rows_affected());
        if done == 0 {
            Err(StoreError::NotFound("user"))
        } else {
            Ok(())
        }
    }

    /// Stores a new session.
    pub async fn create_session(
        &self,
        token_hash: &str,
        owner: SessionOwner,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        with_pool!(self, pool => {
            sqlx::query("INSERT INTO sessions (token_hash, account_id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash)
            .bind(owner.account.0)
            .bind(owner.user.0)
            .bind(now)
            .bind(expires_at)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The owner of a live session of an active user.
    pub async fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionOwner>> {
        with_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT s.user_id, s.account_id FROM sessions s JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = 1",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?;
            row.map(|r| Ok(SessionOwner { user: UserId(r.try_get(0)?), account: AccountId(r.try_get(1)?) })).transpose()
        })
    }

    /// Ends one session.
    ///
    /// Writes an `access` event for the session's account, so that its event streams on every
    /// node close at once.
    pub async fn delete_session(&self, token_hash: &str, at: i64) -> Result<()> {
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let account: Option<i64> = sqlx::query_scalar("DELETE FROM sessions WHERE token_hash = $1 RETURNING account_id")
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(account) = account {
                insert_event!(&mut *tx, AccountId(account), EventKind::Access, None::<access::ConversationId>, None::<i64>, None, at)?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Ends every session of a user (deactivation, password change, role removal).
    pub async fn delete_sessions_of(&self, user: UserId) -> Result<u64> {
        Ok(
            with_pool!(self, pool => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.0).execute(pool).await?.rows_affected()),
        )
    }

    /// Stores a new API token; returns its id.
    pub async fn create_api_token(
        &self,
        owner: SessionOwner,
        name: &str,
        token_hash: &str,
        now: i64,
    ) -> Result<i64> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO api_tokens (account_id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(owner.account.0)
        .bind(owner.user.0)
        .bind(name)
        .bind(token_hash)
        .bind(now)
        .fetch_one(pool)
        .await?))
    }

    /// The owner of a live API token of an active user.
    pub async fn api_token(&self, token_hash: &str) -> Result<Option<SessionOwner>> {
        with_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT t.user_id, t.account_id FROM api_tokens t JOIN users u ON u.id = t.user_id \
                 WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active = 1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
            row.map(|r| Ok(SessionOwner { user: UserId(r.try_get(0)?), account: AccountId(r.try_get(1)?) })).transpose()
        })
    }

    /// Revokes a token of the user.
    pub async fn revoke_api_token(&self, owner: SessionOwner, id: i64, now: i64) -> Result<()> {
        // Like a session's end: an `access` event closes the token's event streams at once.
        let done = with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let done = sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND account_id = $4 AND revoked_at IS NULL")
                .bind(now)
                .bind(id)
                .bind(owner.user.0)
                .bind(owner.account.0)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if done > 0 {
                insert_event!(&mut *tx, owner.account, EventKind::Access, None::<access::ConversationId>, None::<i64>, None, now)?;
            }
            tx.commit().await?;
            done
        });
        if done == 0 {
            Err(StoreError::NotFound("token"))
        } else {
            Ok(())
        }
    }

    /// Records a failed login for `key`; failures older than `window` (µs, since the last one)
    /// are forgotten first. Returns the failures counted now.
    pub async fn record_login_failure(&self, key: &str, now: i64, window: i64) -> Result<i64> {
        Ok(with_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO login_failures (key, failures, last_at) VALUES ($1, 1, $2) \
             ON CONFLICT (key) DO UPDATE SET failures = CASE WHEN login_failures.last_at < $3 THEN 1 ELSE login_failures.failures + 1 END, \
             last_at = $2 RETURNING failures",
        )
        .bind(key)
        .bind(now)
        .bind(now - window)
        .fetch_one(pool)
        .await?))
    }

    /// Counts one attempt for each of `keys` (login: the email and the client address), unless
    /// one of them must still wait: then nothing is counted and the longest wait is returned
    /// (seconds). `wait(failures, last_at)` is the throttling rule; failures older than `window`
    /// (µs, since the last one) are forgotten.
    ///
    /// Check and count are one transaction, taken before the password is hashed: on PostgreSQL
    /// every key's row is locked (in the order of the keys, sorted, so two attempts never wait
    /// for each other's locks), on SQLite the write lock is held. Concurrent attempts, on one
    /// node or on several sharing the database, are therefore counted one after the other and
    /// the sixth of thirty simultaneous ones already sees five. The attempt counts as a failure
    /// until a success clears it ([`Store::clear_login_failures`]).
    pub async fn claim_login_attempt(
        &self,
        keys: &[&str],
        now: i64,
        window: i64,
        wait: impl Fn(i64, i64) -> Option<u64>,
    ) -> Result<Option<u64>> {
        let mut keys = keys.to_vec();
        keys.sort_unstable();
        keys.dedup();
        with_pool!(self, pool, begin => {
            let mut tx = pool.begin_with(begin).await?;
            let mut longest: Option<u64> = None;
            for key in &keys {
                // Creates the row if needed and locks it; returns what it holds now.
                let row = sqlx::query(
                    "INSERT INTO login_failures (key, failures, last_at) VALUES ($1, 0, 0) \
                     ON CONFLICT (key) DO UPDATE SET failures = login_failures.failures RETURNING failures, last_at",
                )
                .bind(*key)
                .fetch_one(&mut *tx)
                .await?;
                if let Some(w) = wait(row.try_get(0)?, row.try_get(1)?) {
                    longest = Some(longest.map_or(w, |l| l.max(w)));
                }
            }
            if longest.is_some() {
                tx.rollback().await?;
                return Ok(longest);
            }
            for key in &keys {
                sqlx::query(
                    "UPDATE login_failures SET failures = CASE WHEN last_at < $3 THEN 1 ELSE failures + 1 END, \
                     last_at = $2 WHERE key = $1",
                )
                .bind(*key)
                .bind(now)
                .bind(now - window)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(None)
        })
    }

    /// Failures recorded for `key` and when the last happened.
    pub async fn login_failures(&self, key: &str) -> Result<(i64, i64)> {
        with_pool!(self, pool => {
            let row = sqlx::query("SELECT failures, last_at FROM login_failures WHERE key = $1").bind(key).fetch_optional(pool).await?;
            Ok(match row {
                Some(r) => (r.try_get(0)?, r.try_get(1)?),
                None => (0, 0),
            })
        })
    }

    /// Forgets the failures of `key` (after a successful login).
    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        with_pool!(self, pool => {
            sqlx::query("DELETE FROM login_failures WHERE key = $1").bind(key).execute(pool).await?;
        });
        Ok(())
    }

    /// The owner of a live session of an active user, with their account's access version and
    /// whether they must change their password first.
    pub async fn session_context(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<SessionContext>> {
        with_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT s.user_id, s.account_id, a.access_version, u.must_change_password FROM sessions s JOIN users u ON u.id = s.user_id \
                 JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active = 1",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?;
            row.map(|r| Ok(SessionContext { owner: SessionOwner { user: UserId(r.try_get(0)?), account: AccountId(r.try_get(1)?) }, access_version: r.try_get(2)?, must_change_password: r.try_get::<i64, _>(3)? != 0 })).transpose()
        })
    }

    /// The owner of a live API token of an active user, with their account's access version and
    /// whether they must change their password first.
    pub async fn api_token_context(&self, token_hash: &str) -> Result<Option<SessionContext>> {
        with_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT t.user_id, t.account_id, a.access_version, u.must_change_password FROM api_tokens t JOIN users u ON u.id = t.user_id \
                 JOIN accounts a ON a.id = t.account_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active = 1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?;
            row.map(|r| Ok(SessionContext { owner: SessionOwner { user: UserId(r.try_get(0)?), account: AccountId(r.try_get(1)?) }, access_version: r.try_get(2)?, must_change_password: r.try_get::<i64, _>(3)? != 0 })).transpose()
        })
    }
}
