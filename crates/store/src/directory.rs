//! Accounts, departments, roles, users, memberships and bindings: writing them, and reading them
//! back as the engine's [`AccountConfig`], [`User`] and [`Account`].

use access::{
    AccessOption, Account, AccountConfig, AccountId, Department, DepartmentId, IpNet,
    PermissionSet, RoleId, Settings, User, UserId,
};
use sqlx::Row;

use crate::codec::flag;
use crate::{Result, StoreError, with_pool};

/// Reads an account's settings, departments and roles through `$conn`, a connection (or
/// transaction) of either backend: the one reading code behind [`Store::account_config`] and
/// the administrative transaction's view of the account.
macro_rules! read_config {
    ($conn:ident, $account:expr) => {
        $crate::directory::typed::<AccountConfig, _>(async {
            let row = sqlx::query(
                "SELECT my_finished_queue, waiting_queue, finished_queue, hide_details_until_assumed, shared_inbox, assignment, \
                 satisfaction_survey, default_department_id FROM accounts WHERE id = $1",
            )
            .bind($account.0)
            .fetch_optional(&mut *$conn)
            .await?
            .ok_or($crate::StoreError::NotFound("account"))?;
            let settings = access::Settings {
                my_finished_queue: row.try_get::<i64, _>(0)? != 0,
                waiting_queue: $crate::codec::queue_from(&row.try_get::<String, _>(1)?)?,
                finished_queue: $crate::codec::queue_from(&row.try_get::<String, _>(2)?)?,
                hide_details_until_assumed: row.try_get::<i64, _>(3)? != 0,
                shared_inbox: row.try_get::<i64, _>(4)? != 0,
                assignment: $crate::codec::assignment_from(&row.try_get::<String, _>(5)?)?,
                satisfaction_survey: row.try_get::<i64, _>(6)? != 0,
            };
            let default = row.try_get::<Option<i64>, _>(7)?.ok_or_else(|| $crate::StoreError::corrupt("accounts", "no default department"))?;
            let mut departments = Vec::new();
            for r in sqlx::query("SELECT id, name, parent_id, access FROM departments WHERE account_id = $1 ORDER BY id")
                .bind($account.0)
                .fetch_all(&mut *$conn)
                .await?
            {
                departments.push(access::Department {
                    id: access::DepartmentId(r.try_get(0)?),
                    name: r.try_get(1)?,
                    parent: r.try_get::<Option<i64>, _>(2)?.map(DepartmentId),
                    access: $crate::codec::access_from(&r.try_get::<String, _>(3)?)?,
                });
            }
            let departments = access::DepartmentTree::new(departments, access::DepartmentId(default)).map_err(|e| $crate::StoreError::corrupt("departments", e.to_string()))?;
            let mut roles = std::collections::BTreeMap::new();
            for r in sqlx::query("SELECT id, name, builtin, permissions, allowed_networks FROM roles WHERE account_id = $1 ORDER BY id")
                .bind($account.0)
                .fetch_all(&mut *$conn)
                .await?
            {
                let id = access::RoleId(r.try_get(0)?);
                let builtin = $crate::codec::builtin_from(r.try_get::<Option<String>, _>(2)?.as_deref())?;
                roles.insert(id, access::Role {
                    id,
                    name: r.try_get(1)?,
                    builtin,
                    // Built-in roles take their permissions from the code, so an upgrade that adds a
                    // permission to `owner` applies at once.
                    permissions: match builtin {
                        Some(b) => b.permissions(),
                        None => $crate::codec::permissions_from(&r.try_get::<String, _>(3)?)?,
                    },
                    allowed_networks: $crate::codec::networks_from(&r.try_get::<String, _>(4)?)?,
                });
            }
            Ok(access::AccountConfig { account: $account, settings, departments, roles })
        })
    };
}
pub(crate) use read_config;

/// Reads the users of an account (or the one user `$only`, an `Option<i64>`) with their
/// memberships and bindings through `$conn`.
macro_rules! read_users {
    ($conn:ident, $account:expr, $only:expr) => {
        $crate::directory::typed::<Vec<User>, _>(async {
            let rows = sqlx::query("SELECT id, active FROM users WHERE account_id = $1 AND ($2 IS NULL OR id = $2) ORDER BY id")
                .bind($account.0)
                .bind($only)
                .fetch_all(&mut *$conn)
                .await?;
            let mut users: std::collections::BTreeMap<i64, User> = std::collections::BTreeMap::new();
            for r in rows {
                let id: i64 = r.try_get(0)?;
                users.insert(id, access::User { id: access::UserId(id), account: $account, active: r.try_get::<i64, _>(1)? != 0, memberships: Vec::new(), bindings: Vec::new() });
            }
            if users.is_empty() {
                return Ok(Vec::new());
            }
            for r in sqlx::query("SELECT user_id, department_id, kind FROM memberships WHERE account_id = $1 AND ($2 IS NULL OR user_id = $2) ORDER BY user_id, department_id")
                .bind($account.0)
                .bind($only)
                .fetch_all(&mut *$conn)
                .await?
            {
                if let Some(u) = users.get_mut(&r.try_get::<i64, _>(0)?) {
                    u.memberships.push(access::Membership { department: access::DepartmentId(r.try_get(1)?), kind: $crate::codec::membership_from(&r.try_get::<String, _>(2)?)? });
                }
            }
            for r in sqlx::query("SELECT user_id, role_id, department_id FROM bindings WHERE account_id = $1 AND ($2 IS NULL OR user_id = $2) ORDER BY id")
                .bind($account.0)
                .bind($only)
                .fetch_all(&mut *$conn)
                .await?
            {
                if let Some(u) = users.get_mut(&r.try_get::<i64, _>(0)?) {
                    let scope = match r.try_get::<Option<i64>, _>(2)? {
                        Some(d) => access::Scope::Department(access::DepartmentId(d)),
                        None => access::Scope::Account,
                    };
                    u.bindings.push(access::Binding { role: access::RoleId(r.try_get(1)?), scope });
                }
            }
            Ok(users.into_values().collect())
        })
    };
}
pub(crate) use read_users;

/// Pins the output type of a reading block (its `?`s convert into [`StoreError`]).
pub(crate) fn typed<T, F: std::future::Future<Output = Result<T>>>(f: F) -> F {
    f
}

/// An account as the installation's operator sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountSummary {
    /// The account.
    pub id: AccountId,
    /// Its name.
    pub name: String,
    /// When it was created, µs since the epoch.
    pub created_at: i64,
    /// How many users it has.
    pub users: i64,
}

/// A user to create.
#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    /// Login email, unique across the installation.
    pub email: &'a str,
    /// Display name.
    pub name: &'a str,
    /// Password hash (PHC string), or none for a user who cannot log in with a password yet.
    pub password_hash: Option<&'a str>,
    /// Active or not.
    pub active: bool,
}

impl crate::Directory<'_> {
    /// Creates an account with its built-in roles and default department.
    pub async fn create_account(
        &self,
        name: &str,
        settings: &Settings,
        default_department: &str,
        now: i64,
    ) -> Result<AccountId> {
        let tx = self
            .begin_new_account(name, settings, default_department, now)
            .await?;
        let id = tx.account_id();
        tx.commit().await?;
        Ok(id)
    }

    /// Every account of the installation, by id, with its number of users (the operator's
    /// listing).
    pub async fn accounts(&self) -> Result<Vec<AccountSummary>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(
                "SELECT a.id, a.name, a.created_at, (SELECT COUNT(*) FROM users u WHERE u.account_id = a.id) FROM accounts a ORDER BY a.id",
            )
            .fetch_all(pool)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(AccountSummary {
                        id: AccountId(r.try_get(0)?),
                        name: r.try_get(1)?,
                        created_at: r.try_get(2)?,
                        users: r.try_get(3)?,
                    })
                })
                .collect()
        })
    }

    /// One account's summary; not found when there is no such account.
    pub async fn account_summary(&self, account: AccountId) -> Result<AccountSummary> {
        with_pool!(self, pool => {
            let r = sqlx::query(
                "SELECT a.id, a.name, a.created_at, (SELECT COUNT(*) FROM users u WHERE u.account_id = a.id) FROM accounts a WHERE a.id = $1",
            )
            .bind(account.0)
            .fetch_optional(pool)
            .await?
            .ok_or(StoreError::NotFound("account"))?;
            Ok(AccountSummary {
                id: AccountId(r.try_get(0)?),
                name: r.try_get(1)?,
                created_at: r.try_get(2)?,
                users: r.try_get(3)?,
            })
        })
    }

    /// Replaces an account's settings.
    pub async fn set_settings(&self, account: AccountId, s: &Settings) -> Result<()> {
        let mut tx = self.begin_admin(account).await?;
        tx.set_settings(s).await?;
        tx.commit().await
    }

    /// The account's default department.
    pub async fn default_department(&self, account: AccountId) -> Result<DepartmentId> {
        let id: Option<Option<i64>> = with_pool!(self, pool => sqlx::query_scalar("SELECT default_department_id FROM accounts WHERE id = $1")
            .bind(account.0)
            .fetch_optional(pool)
            .await?);
        id.flatten()
            .map(DepartmentId)
            .ok_or(StoreError::NotFound("account"))
    }

    /// Creates a department.
    pub async fn create_department(
        &self,
        account: AccountId,
        name: &str,
        parent: Option<DepartmentId>,
        access: AccessOption,
    ) -> Result<DepartmentId> {
        let mut tx = self.begin_admin(account).await?;
        let id = tx.create_department(name, parent, access).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Changes a department's name, parent and access option.
    pub async fn update_department(&self, account: AccountId, d: &Department) -> Result<()> {
        let mut tx = self.begin_admin(account).await?;
        tx.update_department(d).await?;
        tx.commit().await
    }

    /// Creates a custom role.
    pub async fn create_role(
        &self,
        account: AccountId,
        name: &str,
        permissions: PermissionSet,
        networks: &[IpNet],
    ) -> Result<RoleId> {
        let mut tx = self.begin_admin(account).await?;
        let id = tx.create_role(name, permissions, networks).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Creates a user without memberships or bindings.
    pub async fn create_user(
        &self,
        account: AccountId,
        u: &NewUser<'_>,
        now: i64,
    ) -> Result<UserId> {
        let id: i64 = with_pool!(self, pool => sqlx::query_scalar(
            "INSERT INTO users (account_id, email, name, password_hash, active, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(account.0)
        .bind(u.email)
        .bind(u.name)
        .bind(u.password_hash)
        .bind(flag(u.active))
        .bind(now)
        .fetch_one(pool)
        .await?);
        Ok(UserId(id))
    }

    /// Replaces a user's memberships and bindings (and active flag) in one transaction.
    pub async fn set_user_access(&self, account: AccountId, user: &User) -> Result<()> {
        let mut tx = self.begin_admin(account).await?;
        tx.set_user_access(user).await?;
        tx.commit().await
    }

    /// The account's settings, departments and roles.
    pub async fn account_config(&self, account: AccountId) -> Result<AccountConfig> {
        with_pool!(self, pool => {
            let mut conn = pool.acquire().await?;
            crate::directory::read_config!(conn, account).await
        })
    }

    /// One user of the account, as the engine sees them; `None` when the id is not a user of
    /// this account.
    pub async fn user(&self, account: AccountId, user: UserId) -> Result<Option<User>> {
        Ok(self
            .users_where(account, Some(user))
            .await?
            .into_iter()
            .next())
    }

    /// Every user of the account with their configuration: what administrative decisions need.
    pub async fn account(&self, account: AccountId) -> Result<Account> {
        let config = self.account_config(account).await?;
        let users = self
            .users_where(account, None)
            .await?
            .into_iter()
            .map(|u| (u.id, u))
            .collect();
        Ok(Account { config, users })
    }

    async fn users_where(&self, account: AccountId, only: Option<UserId>) -> Result<Vec<User>> {
        let only = only.map(|u| u.0);
        with_pool!(self, pool => {
            let mut conn = pool.acquire().await?;
            crate::directory::read_users!(conn, account, only).await
        })
    }
}

impl crate::Directory<'_> {
    /// The first account, if the database has any (the demo fills only an empty database; the
    /// first-run setup is offered only before there is one).
    pub async fn first_account(&self) -> Result<Option<AccountId>> {
        let id: Option<i64> = with_pool!(self, pool => sqlx::query_scalar("SELECT MIN(id) FROM accounts").fetch_one(pool).await?);
        Ok(id.map(AccountId))
    }
}
