//! Accounts: the caller's own account (read by every user, renamed under `account.manage`),
//! and the installation operator's listing and creation of accounts.
//!
//! The operator is whoever holds the installation's operator token (configuration
//! `operator_token`); it is not a user of any account and sees no conversation. Without a
//! configured token the operator endpoints do not exist (404), so an installation that does not
//! want them exposes nothing.

use access::{BuiltinRole, Permission, Scope, Settings, User};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::{AccountSummary, AuditEntry, Store};
use utoipa::ToSchema;

use super::users::{hash, valid_email, valid_password};
use super::{Attempt, to_json, valid_name};
use crate::audit_action::AuditAction;
use crate::caller::Caller;
use crate::client_address::ClientAddr;
use crate::error::ApiError;
use crate::json::{Json, Validate};
use crate::secret;
use crate::state::AppState;

/// An account.
#[derive(Serialize, ToSchema)]
pub struct AccountView {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// When it was created, µs since the Unix epoch.
    pub created_at: i64,
}

/// An account in the operator's listing.
#[derive(Serialize, ToSchema)]
pub struct AccountSummaryView {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// When it was created, µs since the Unix epoch.
    pub created_at: i64,
    /// How many users it has.
    pub users: i64,
}

fn view(a: &AccountSummary) -> AccountView {
    AccountView {
        id: a.id.0,
        name: a.name.clone(),
        created_at: a.created_at,
    }
}

/// The caller's account.
#[utoipa::path(get, path = "/api/v1/account", tag = "admin",
    responses((status = 200, body = AccountView), (status = 401, body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<AccountView>, ApiError> {
    let a = state
        .store
        .directory()
        .account_summary(caller.owner.account)
        .await?;
    Ok(axum::Json(view(&a)))
}

/// Changes to the caller's account.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountUpdate {
    /// New name, 1 to 200 bytes.
    pub name: String,
}

impl Validate for AccountUpdate {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        self.name = valid_name("name", &self.name)?;
        Ok(())
    }
}

/// Renames the caller's account (`account.manage`).
#[utoipa::path(patch, path = "/api/v1/account", tag = "admin", request_body = AccountUpdate,
    responses((status = 200, body = AccountView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Json(mut body): Json<AccountUpdate>,
) -> Result<axum::Json<AccountView>, ApiError> {
    let at = Attempt::new(
        &state,
        &caller,
        AuditAction::AccountUpdate,
        caller.owner.account.to_string(),
    );
    let granted = at.gate(Permission::AccountManage).await?;
    body.validate(state.egress.policy())?;
    let name = body.name;
    let before_summary = state
        .store
        .directory()
        .account_summary(caller.owner.account)
        .await?;
    let open = at.begin(granted).await?;
    let before = to_json(&serde_json::json!({ "name": before_summary.name }));
    let after = to_json(&serde_json::json!({ "name": name }));
    let d = open.actor.decide_permission(Permission::AccountManage);
    let mut open = at.require_in(open, &d, Some(&before), Some(&after)).await?;
    open.tx.rename_account(&name).await?;
    at.done(open.tx, Some(&before), Some(&after)).await?;
    let a = state
        .store
        .directory()
        .account_summary(caller.owner.account)
        .await?;
    Ok(axum::Json(view(&a)))
}

/// The installation's operator: the request carries `Authorization: Bearer <operator token>`.
pub struct Operator {
    address: Option<std::net::IpAddr>,
}

/// Equal without stopping at the first difference.
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl FromRequestParts<AppState> for Operator {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Operator, ApiError> {
        // No operator token configured: the operator's endpoints do not exist.
        let Some(expected) = state.config.operator_token_hash.as_deref() else {
            return Err(ApiError::not_found());
        };
        let ClientAddr(address) = ClientAddr::from_request_parts(parts, state).await?;
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(ApiError::unauthorized)?;
        if same_bytes(secret::token_hash(given).as_bytes(), expected.as_bytes()) {
            Ok(Operator { address })
        } else {
            Err(ApiError::unauthorized())
        }
    }
}

/// Every account of the installation (the operator).
#[utoipa::path(get, path = "/api/v1/accounts", tag = "operator",
    responses((status = 200, body = Vec<AccountSummaryView>), (status = 401, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody, description = "No operator token is configured")))]
pub async fn list(
    State(state): State<AppState>,
    _operator: Operator,
) -> Result<axum::Json<Vec<AccountSummaryView>>, ApiError> {
    let all = state.store.directory().accounts().await?;
    Ok(axum::Json(
        all.into_iter()
            .map(|a| AccountSummaryView {
                id: a.id.0,
                name: a.name,
                created_at: a.created_at,
                users: a.users,
            })
            .collect(),
    ))
}

/// A new account and its first owner.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountRequest {
    /// The account's name, 1 to 200 bytes.
    pub name: String,
    /// The owner's login email (unique in the installation).
    pub owner_email: String,
    /// The owner's name (the email when left out).
    #[serde(default)]
    pub owner_name: Option<String>,
    /// The owner's temporary password, 8 to 1024 bytes; generated (and returned) when left out.
    #[serde(default)]
    pub owner_password: Option<String>,
    /// The default department's name (`Geral` when left out).
    #[serde(default)]
    pub default_department: Option<String>,
}

impl Validate for NewAccountRequest {
    /// The checks `create_account` makes (it makes them again for the command line's
    /// `atende account create`), before anything is hashed or written.
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        valid_name("name", &self.name)?;
        valid_email(&self.owner_email)?;
        self.owner_name
            .as_deref()
            .map(|n| valid_name("owner_name", n))
            .transpose()?;
        self.default_department
            .as_deref()
            .map(|d| valid_name("default_department", d))
            .transpose()?;
        self.owner_password
            .as_deref()
            .map(|p| valid_password("owner_password", p))
            .transpose()?;
        Ok(())
    }
}

/// The created account.
#[derive(Serialize, ToSchema)]
pub struct AccountCreated {
    /// The account.
    pub account: AccountView,
    /// The owner's user id.
    pub owner_id: i64,
    /// The owner's login email.
    pub owner_email: String,
    /// The generated temporary password, when none was given: shown once, to change at the
    /// first login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temporary_password: Option<String>,
}

/// Creates an account with the built-in roles, a default department and its first owner (who
/// must change the temporary password at the first login), in one transaction with its audit
/// row (the operator).
#[utoipa::path(post, path = "/api/v1/accounts", tag = "operator", request_body = NewAccountRequest,
    responses((status = 201, body = AccountCreated), (status = 400, body = crate::error::ErrorBody),
              (status = 401, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody, description = "No operator token is configured"),
              (status = 409, body = crate::error::ErrorBody, description = "The owner's email is taken")))]
pub async fn create(
    State(state): State<AppState>,
    operator: Operator,
    Json(mut body): Json<NewAccountRequest>,
) -> Result<Response, ApiError> {
    body.validate(state.egress.policy())?;
    let created = create_account(
        &state.store,
        state.clock.now_micros(),
        &crate::client_address::shown(operator.address),
        body,
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(created)).into_response())
}

/// Creates an account and its owner in one transaction with the audit row: what
/// `POST /api/v1/accounts` and `atende account create` both do. `address` is where the
/// operator asked from (`local` for the command line).
pub async fn create_account(
    store: &Store,
    now: i64,
    address: &str,
    body: NewAccountRequest,
) -> Result<AccountCreated, ApiError> {
    new_account(store, now, address, body, false).await
}

/// [`create_account`], or with `first_run` the first-run setup's: only while the installation
/// has no account (404 otherwise), and the owner, who chose the password, need not change it.
pub(crate) async fn new_account(
    store: &Store,
    now: i64,
    address: &str,
    body: NewAccountRequest,
    first_run: bool,
) -> Result<AccountCreated, ApiError> {
    let name = valid_name("name", &body.name)?;
    let email = valid_email(&body.owner_email)?;
    let owner_name = match &body.owner_name {
        Some(n) => valid_name("owner_name", n)?,
        None => email.clone(),
    };
    let department = match &body.default_department {
        Some(d) => valid_name("default_department", d)?,
        None => "Geral".to_owned(),
    };
    let (password, generated) = match body.owner_password {
        Some(p) => {
            valid_password("owner_password", &p)?;
            (p, false)
        }
        None => {
            let token = secret::random_token("").map_err(|e| ApiError::internal(&e))?;
            (token.chars().take(20).collect::<String>(), true)
        }
    };
    let hash = hash(password.clone()).await?;
    let mut tx = if first_run {
        store
            .directory()
            .begin_first_account(&name, &Settings::default(), &department, now)
            .await?
    } else {
        store
            .directory()
            .begin_new_account(&name, &Settings::default(), &department, now)
            .await?
    };
    let account = tx.account_id();
    let config = tx.account().await?.config;
    let owner_role = config
        .builtin_role(BuiltinRole::Owner)
        .ok_or_else(|| ApiError::internal(&"a new account has no owner role"))?;
    let id = tx
        .create_user(&email, &owner_name, &hash, true, !first_run, now)
        .await?;
    tx.set_user_access(&User {
        id,
        account,
        active: true,
        memberships: Vec::new(),
        bindings: vec![access::Binding {
            role: owner_role,
            scope: Scope::Account,
        }],
    })
    .await?;
    let mut after = to_json(&serde_json::json!({
        "name": name, "owner_id": id.0, "owner_email": email, "default_department": department,
    }));
    if first_run && let Some(fields) = after.as_object_mut() {
        fields.insert("first_run".into(), serde_json::json!(true));
    }
    tx.audit(&AuditEntry {
        id: 0,
        actor: None,
        action: AuditAction::AccountCreate.id().to_owned(),
        target: account.to_string(),
        before: None,
        after: Some(after.to_string()),
        result: "ok".to_owned(),
        address: address.to_owned(),
        at: now,
    })
    .await?;
    tx.commit().await?;
    let summary = store.directory().account_summary(account).await?;
    Ok(AccountCreated {
        account: view(&summary),
        owner_id: id.0,
        owner_email: email,
        temporary_password: generated.then_some(password),
    })
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(get, update))
        .routes(utoipa_axum::routes!(list, create))
}
