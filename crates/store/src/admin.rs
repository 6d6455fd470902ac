//! Administration: an [`AdminTx`] is one transaction in which the server reads the account as
//! it is, asks the engine, writes the change and its audit row, and commits, so a decision
//! (no escalation, the last `account.manage` holder, a department tree without cycles) still
//! holds when the change lands. Administrative transactions of one account are serialised: on
//! SQLite by the write lock (`BEGIN IMMEDIATE`), on PostgreSQL by locking the account's row
//! (`FOR NO KEY UPDATE`, which does not block conversation writes that only reference it).
//!
//! Also the listings the administration screens need ([`Store::user_profiles`]).

use access::{
    AccessOption, Account, AccountConfig, AccountId, BuiltinRole, Department, DepartmentId, IpNet,
    PermissionSet, Role, RoleId, Scope, Settings, User, UserId,
};
use sqlx::Row;

use crate::codec::{self, flag};
use crate::events::{EventKind, insert_event};
use crate::{AuditEntry, Db, Profile, Result, StoreError, with_pool};

pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs the same body on whichever transaction this is; `$conn` is the transaction's
/// connection (reborrow it with `&mut *$conn` for each query).
macro_rules! with_tx {
    ($self:expr, $conn:ident => $body:expr) => {
        match &mut $self.tx {
            $crate::admin::Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::admin::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}
pub(crate) use with_tx;

/// An administrative transaction on one account. Dropping it without [`AdminTx::commit`] rolls
/// everything back. Every query names the account.
pub struct AdminTx {
    pub(crate) tx: Tx,
    pub(crate) account: AccountId,
}

impl crate::Directory<'_> {
    /// Opens an administrative transaction on `account`, serialised with every other
    /// administrative transaction of the account. Not found when the account does not exist.
    ///
    /// While it is open, use only the transaction: on SQLite another write through the store
    /// would wait for it.
    pub async fn begin_admin(&self, account: AccountId) -> Result<AdminTx> {
        let tx = match &self.db {
            Db::Sqlite(pool) => {
                let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
                let found: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM accounts WHERE id = $1")
                        .bind(account.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                found.ok_or(StoreError::NotFound("account"))?;
                Tx::Sqlite(tx)
            }
            Db::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                let found: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM accounts WHERE id = $1 FOR NO KEY UPDATE")
                        .bind(account.0)
                        .fetch_optional(&mut *tx)
                        .await?;
                found.ok_or(StoreError::NotFound("account"))?;
                Tx::Postgres(tx)
            }
        };
        Ok(AdminTx { tx, account })
    }

    /// Creates an account (its built-in roles and default department) and leaves the
    /// transaction open on it, so that its first owner and the audit row are committed with it
    /// or not at all.
    pub async fn begin_new_account(
        &self,
        name: &str,
        settings: &Settings,
        default_department: &str,
        now: i64,
    ) -> Result<AdminTx> {
        self.new_account(name, settings, default_department, now, false)
            .await
    }

    /// [`Self::begin_new_account`] only when the installation has no account yet (the
    /// first-run setup): `NotFound("account")` otherwise. Two nodes racing both see the same
    /// answer: SQLite's write transaction and, on PostgreSQL, an advisory lock serialise them,
    /// and the second finds the first's account.
    pub async fn begin_first_account(
        &self,
        name: &str,
        settings: &Settings,
        default_department: &str,
        now: i64,
    ) -> Result<AdminTx> {
        self.new_account(name, settings, default_department, now, true)
            .await
    }

    async fn new_account(
        &self,
        name: &str,
        settings: &Settings,
        default_department: &str,
        now: i64,
        first_only: bool,
    ) -> Result<AdminTx> {
        let tx = match &self.db {
            Db::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        };
        let mut tx = AdminTx {
            tx,
            account: AccountId(0),
        };
        if first_only {
            let any: Option<i64> = with_tx!(tx, conn => {
                if matches!(self.db, Db::Postgres(_)) {
                    sqlx::query("SELECT pg_advisory_xact_lock(7242010002)")
                        .execute(&mut *conn)
                        .await?;
                }
                sqlx::query_scalar("SELECT id FROM accounts LIMIT 1")
                    .fetch_optional(&mut *conn)
                    .await?
            });
            if any.is_some() {
                return Err(StoreError::NotFound("account"));
            }
        }
        let id: i64 = with_tx!(tx, conn => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO accounts (name, my_finished_queue, waiting_queue, finished_queue, hide_details_until_assumed, \
                 shared_inbox, assignment, satisfaction_survey, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(name)
            .bind(flag(settings.my_finished_queue))
            .bind(settings.waiting_queue.id())
            .bind(settings.finished_queue.id())
            .bind(flag(settings.hide_details_until_assumed))
            .bind(flag(settings.shared_inbox))
            .bind(settings.assignment.id())
            .bind(flag(settings.satisfaction_survey))
            .bind(now)
            .fetch_one(&mut *conn)
            .await?;
            for b in BuiltinRole::ALL {
                sqlx::query("INSERT INTO roles (account_id, name, builtin, permissions, allowed_networks) VALUES ($1, $2, $3, $4, '')")
                    .bind(id)
                    .bind(b.id())
                    .bind(b.id())
                    .bind(codec::permissions_text(b.permissions()))
                    .execute(&mut *conn)
                    .await?;
            }
            let dept: i64 = sqlx::query_scalar("INSERT INTO departments (account_id, name, parent_id, access) VALUES ($1, $2, NULL, 'team') RETURNING id")
                .bind(id)
                .bind(default_department)
                .fetch_one(&mut *conn)
                .await?;
            sqlx::query("UPDATE accounts SET default_department_id = $1 WHERE id = $2")
                .bind(dept)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            id
        });
        tx.account = AccountId(id);
        Ok(tx)
    }

    /// Every user of the account with email, name and flags, by id (never a password hash).
    pub async fn user_profiles(&self, account: AccountId) -> Result<Vec<Profile>> {
        with_pool!(self, pool => {
            let rows = sqlx::query("SELECT id, email, name, active, must_change_password FROM users WHERE account_id = $1 ORDER BY id")
                .bind(account.0)
                .fetch_all(pool)
                .await?;
            rows.iter().map(|r| profile_from(account, r)).collect()
        })
    }

    /// A user's password hash (`None` when the user has no password or is not of the account).
    pub async fn password_hash(&self, account: AccountId, user: UserId) -> Result<Option<String>> {
        let hash: Option<Option<String>> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT password_hash FROM users WHERE id = $1 AND account_id = $2",
        )
        .bind(user.0)
        .bind(account.0)
        .fetch_optional(pool)
        .await?);
        Ok(hash.flatten())
    }
}

fn profile_from<R: Row>(account: AccountId, r: &R) -> Result<Profile>
where
    for<'a> i64: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    usize: sqlx::ColumnIndex<R>,
{
    Ok(Profile {
        user: UserId(r.try_get(0)?),
        account,
        email: r.try_get(1)?,
        name: r.try_get(2)?,
        active: r.try_get::<i64, _>(3)? != 0,
        must_change_password: r.try_get::<i64, _>(4)? != 0,
    })
}

fn scope_department(scope: Scope) -> Option<i64> {
    match scope {
        Scope::Account => None,
        Scope::Department(d) => Some(d.0),
    }
}

impl AdminTx {
    /// The account this transaction works on.
    pub fn account_id(&self) -> AccountId {
        self.account
    }

    /// Makes every change durable.
    pub async fn commit(self) -> Result<()> {
        match self.tx {
            Tx::Sqlite(tx) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// The account as it is now: settings, departments, roles and every user with their
    /// memberships and bindings (the same reading as [`Store::account`], inside the
    /// transaction).
    pub async fn account(&mut self) -> Result<Account> {
        let account = self.account;
        with_tx!(self, conn => {
            let config = crate::directory::read_config!(conn, account).await?;
            let users = crate::directory::read_users!(conn, account, None::<i64>).await?;
            Ok(Account { config, users: users.into_iter().map(|u| (u.id, u)).collect() })
        })
    }

    /// One user's profile (email, name, flags), inside the transaction.
    pub async fn profile(&mut self, user: UserId) -> Result<Option<Profile>> {
        let account = self.account;
        with_tx!(self, conn => {
            let row = sqlx::query("SELECT id, email, name, active, must_change_password FROM users WHERE id = $1 AND account_id = $2")
                .bind(user.0)
                .bind(account.0)
                .fetch_optional(&mut *conn)
                .await?;
            row.map(|r| profile_from(account, &r)).transpose()
        })
    }

    /// Renames the account.
    pub async fn rename_account(&mut self, name: &str) -> Result<()> {
        let account = self.account;
        let done = with_tx!(self, conn => sqlx::query("UPDATE accounts SET name = $1 WHERE id = $2")
            .bind(name)
            .bind(account.0)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        if done == 0 {
            Err(StoreError::NotFound("account"))
        } else {
            Ok(())
        }
    }

    /// Replaces the account's settings.
    pub async fn set_settings(&mut self, s: &Settings) -> Result<()> {
        let account = self.account;
        let done = with_tx!(self, conn => sqlx::query(
            "UPDATE accounts SET my_finished_queue = $1, waiting_queue = $2, finished_queue = $3, hide_details_until_assumed = $4, \
             shared_inbox = $5, assignment = $6, satisfaction_survey = $7 WHERE id = $8",
        )
        .bind(flag(s.my_finished_queue))
        .bind(s.waiting_queue.id())
        .bind(s.finished_queue.id())
        .bind(flag(s.hide_details_until_assumed))
        .bind(flag(s.shared_inbox))
        .bind(s.assignment.id())
        .bind(flag(s.satisfaction_survey))
        .bind(account.0)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        if done == 0 {
            Err(StoreError::NotFound("account"))
        } else {
            Ok(())
        }
    }

    /// Creates a department; its parent must be a department of the account.
    pub async fn create_department(
        &mut self,
        name: &str,
        parent: Option<DepartmentId>,
        access: AccessOption,
    ) -> Result<DepartmentId> {
        let account = self.account;
        let id: Option<i64> = with_tx!(self, conn => sqlx::query_scalar(
            "INSERT INTO departments (account_id, name, parent_id, access) \
             SELECT $1, $2, $3, $4 WHERE $3 IS NULL OR EXISTS (SELECT 1 FROM departments p WHERE p.id = $3 AND p.account_id = $1) \
             RETURNING id",
        )
        .bind(account.0)
        .bind(name)
        .bind(parent.map(|p| p.0))
        .bind(access.id())
        .fetch_optional(&mut *conn)
        .await?);
        id.map(DepartmentId)
            .ok_or(StoreError::NotFound("parent department"))
    }

    /// Changes a department's name, parent and access option (the caller validated the tree).
    pub async fn update_department(&mut self, d: &Department) -> Result<()> {
        let account = self.account;
        let done = with_tx!(self, conn => sqlx::query(
            "UPDATE departments SET name = $1, parent_id = $2, access = $3 WHERE id = $4 AND account_id = $5",
        )
        .bind(&d.name)
        .bind(d.parent.map(|p| p.0))
        .bind(d.access.id())
        .bind(d.id.0)
        .bind(account.0)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        if done == 0 {
            Err(StoreError::NotFound("department"))
        } else {
            Ok(())
        }
    }

    /// Deletes a department and its memberships. Refused with [`StoreError::Conflict`] (saying
    /// why) when it is the default department, has a child department, has a conversation, or
    /// a role binding is scoped to it.
    pub async fn delete_department(&mut self, d: DepartmentId) -> Result<()> {
        let account = self.account;
        with_tx!(self, conn => {
            let default: Option<Option<i64>> = sqlx::query_scalar("SELECT default_department_id FROM accounts WHERE id = $1")
                .bind(account.0)
                .fetch_optional(&mut *conn)
                .await?;
            if default.flatten() == Some(d.0) {
                return Err(StoreError::conflict(
                    "default_department",
                    "this is the account's default department, where new conversations land: it cannot be deleted",
                ));
            }
            let children: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM departments WHERE account_id = $1 AND parent_id = $2")
                .bind(account.0)
                .bind(d.0)
                .fetch_one(&mut *conn)
                .await?;
            if children > 0 {
                return Err(StoreError::conflict_counting(
                    "department_has_children",
                    children,
                    format!("the department has {children} child department(s): move or delete them first"),
                ));
            }
            let conversation: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM conversations WHERE account_id = $1 AND class IN (0, 1, 2) AND department_id = $2 LIMIT 1",
            )
            .bind(account.0)
            .bind(d.0)
            .fetch_optional(&mut *conn)
            .await?;
            if conversation.is_some() {
                return Err(StoreError::conflict(
                    "department_has_conversations",
                    "the department has conversations: move them to another department first",
                ));
            }
            let bindings: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bindings WHERE account_id = $1 AND department_id = $2")
                .bind(account.0)
                .bind(d.0)
                .fetch_one(&mut *conn)
                .await?;
            if bindings > 0 {
                return Err(StoreError::conflict_counting(
                    "department_has_bindings",
                    bindings,
                    format!("{bindings} role binding(s) are scoped to the department: change those users' roles first"),
                ));
            }
            let channels: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM channels WHERE account_id = $1 AND department_id = $2")
                .bind(account.0)
                .bind(d.0)
                .fetch_one(&mut *conn)
                .await?;
            if channels > 0 {
                return Err(StoreError::conflict_counting(
                    "department_has_channels",
                    channels,
                    format!("{channels} channel(s) land in the department: point them to another department first"),
                ));
            }
            sqlx::query("DELETE FROM memberships WHERE account_id = $1 AND department_id = $2")
                .bind(account.0)
                .bind(d.0)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM conversation_counts WHERE account_id = $1 AND department_id = $2")
                .bind(account.0)
                .bind(d.0)
                .execute(&mut *conn)
                .await?;
            let done = sqlx::query("DELETE FROM departments WHERE id = $1 AND account_id = $2")
                .bind(d.0)
                .bind(account.0)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound("department"));
            }
            Ok(())
        })
    }

    /// Creates a custom role.
    pub async fn create_role(
        &mut self,
        name: &str,
        permissions: PermissionSet,
        networks: &[IpNet],
    ) -> Result<RoleId> {
        let account = self.account;
        let id: i64 = with_tx!(self, conn => sqlx::query_scalar(
            "INSERT INTO roles (account_id, name, builtin, permissions, allowed_networks) VALUES ($1, $2, NULL, $3, $4) RETURNING id",
        )
        .bind(account.0)
        .bind(name)
        .bind(codec::permissions_text(permissions))
        .bind(codec::networks_text(networks))
        .fetch_one(&mut *conn)
        .await?);
        Ok(RoleId(id))
    }

    /// Changes a custom role's name, permissions and allowed networks (built-in roles are not
    /// touched: not found).
    pub async fn update_role(&mut self, r: &Role) -> Result<()> {
        let account = self.account;
        let done = with_tx!(self, conn => sqlx::query(
            "UPDATE roles SET name = $1, permissions = $2, allowed_networks = $3 WHERE id = $4 AND account_id = $5 AND builtin IS NULL",
        )
        .bind(&r.name)
        .bind(codec::permissions_text(r.permissions))
        .bind(codec::networks_text(&r.allowed_networks))
        .bind(r.id.0)
        .bind(account.0)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        if done == 0 {
            Err(StoreError::NotFound("role"))
        } else {
            Ok(())
        }
    }

    /// Deletes a custom role with its bindings; returns the users who had one, by id.
    pub async fn delete_role(&mut self, role: RoleId) -> Result<Vec<UserId>> {
        let account = self.account;
        with_tx!(self, conn => {
            let users: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT user_id FROM bindings WHERE account_id = $1 AND role_id = $2 ORDER BY user_id",
            )
            .bind(account.0)
            .bind(role.0)
            .fetch_all(&mut *conn)
            .await?;
            sqlx::query("DELETE FROM bindings WHERE account_id = $1 AND role_id = $2")
                .bind(account.0)
                .bind(role.0)
                .execute(&mut *conn)
                .await?;
            let done = sqlx::query("DELETE FROM roles WHERE id = $1 AND account_id = $2 AND builtin IS NULL")
                .bind(role.0)
                .bind(account.0)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound("role"));
            }
            Ok(users.into_iter().map(UserId).collect())
        })
    }

    /// Creates a user (email stored as given: the caller lowercases it) without memberships
    /// or bindings.
    pub async fn create_user(
        &mut self,
        email: &str,
        name: &str,
        password_hash: &str,
        active: bool,
        must_change_password: bool,
        now: i64,
    ) -> Result<UserId> {
        let account = self.account;
        let id: i64 = with_tx!(self, conn => sqlx::query_scalar(
            "INSERT INTO users (account_id, email, name, password_hash, active, must_change_password, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(account.0)
        .bind(email)
        .bind(name)
        .bind(password_hash)
        .bind(flag(active))
        .bind(flag(must_change_password))
        .bind(now)
        .fetch_one(&mut *conn)
        .await?);
        Ok(UserId(id))
    }

    /// Changes a user's name and/or email (`None` keeps it).
    pub async fn update_user_profile(
        &mut self,
        user: UserId,
        name: Option<&str>,
        email: Option<&str>,
    ) -> Result<()> {
        let account = self.account;
        let done = with_tx!(self, conn => sqlx::query(
            "UPDATE users SET name = COALESCE($1, name), email = COALESCE($2, email) WHERE id = $3 AND account_id = $4",
        )
        .bind(name)
        .bind(email)
        .bind(user.0)
        .bind(account.0)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        if done == 0 {
            Err(StoreError::NotFound("user"))
        } else {
            Ok(())
        }
    }

    /// Replaces a user's active flag, memberships and bindings. Every department and role must
    /// be of the account (else not found, and nothing of the transaction should be committed).
    pub async fn set_user_access(&mut self, user: &User) -> Result<()> {
        let account = self.account;
        with_tx!(self, conn => {
            let done = sqlx::query("UPDATE users SET active = $1 WHERE id = $2 AND account_id = $3")
                .bind(flag(user.active))
                .bind(user.id.0)
                .bind(account.0)
                .execute(&mut *conn)
                .await?
                .rows_affected();
            if done == 0 {
                return Err(StoreError::NotFound("user"));
            }
            sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND account_id = $2")
                .bind(user.id.0)
                .bind(account.0)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM bindings WHERE user_id = $1 AND account_id = $2")
                .bind(user.id.0)
                .bind(account.0)
                .execute(&mut *conn)
                .await?;
            for m in &user.memberships {
                let inserted = sqlx::query(
                    "INSERT INTO memberships (account_id, user_id, department_id, kind) \
                     SELECT $1, $2, id, $4 FROM departments WHERE id = $3 AND account_id = $1",
                )
                .bind(account.0)
                .bind(user.id.0)
                .bind(m.department.0)
                .bind(m.kind.id())
                .execute(&mut *conn)
                .await?
                .rows_affected();
                if inserted == 0 {
                    return Err(StoreError::NotFound("department of a membership"));
                }
            }
            for b in &user.bindings {
                let inserted = sqlx::query(
                    "INSERT INTO bindings (account_id, user_id, role_id, department_id) \
                     SELECT $1, $2, r.id, $4 FROM roles r WHERE r.id = $3 AND r.account_id = $1 \
                     AND ($4 IS NULL OR EXISTS (SELECT 1 FROM departments d WHERE d.id = $4 AND d.account_id = $1))",
                )
                .bind(account.0)
                .bind(user.id.0)
                .bind(b.role.0)
                .bind(scope_department(b.scope))
                .execute(&mut *conn)
                .await?
                .rows_affected();
                if inserted == 0 {
                    return Err(StoreError::NotFound("role or department of a binding"));
                }
            }
            Ok(())
        })
    }

    /// Replaces a user's password hash and the must-change flag.
    pub async fn set_password(
        &mut self,
        user: UserId,
        hash: &str,
        must_change: bool,
    ) -> Result<()> {
        let account = self.account;
        let done = with_tx!(self, conn => sqlx::query(
            "UPDATE users SET password_hash = $1, must_change_password = $2 WHERE id = $3 AND account_id = $4",
        )
        .bind(hash)
        .bind(flag(must_change))
        .bind(user.0)
        .bind(account.0)
        .execute(&mut *conn)
        .await?
        .rows_affected());
        if done == 0 {
            Err(StoreError::NotFound("user"))
        } else {
            Ok(())
        }
    }

    /// Ends every session of a user, except the one whose hash is `keep`; returns how many.
    ///
    /// Sessions ended write an `access` event, so that every node closes their event streams at
    /// once (a stream re-checks its session on each `access` event).
    pub async fn end_sessions(&mut self, user: UserId, keep: Option<&str>, at: i64) -> Result<u64> {
        let account = self.account;
        Ok(with_tx!(self, conn => {
            let ended = sqlx::query(
                "DELETE FROM sessions WHERE user_id = $1 AND account_id = $2 AND ($3 IS NULL OR token_hash <> $3)",
            )
            .bind(user.0)
            .bind(account.0)
            .bind(keep)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if ended > 0 {
                insert_event!(&mut *conn, account, EventKind::Access, None::<access::ConversationId>, None::<i64>, None, at)?;
            }
            ended
        }))
    }

    /// Appends an audit entry (committed with the rest of the transaction).
    pub async fn audit(&mut self, e: &AuditEntry) -> Result<i64> {
        let account = self.account;
        Ok(with_tx!(self, conn => sqlx::query_scalar(
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
        .fetch_one(&mut *conn)
        .await?))
    }
}
