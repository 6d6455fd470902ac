//! Reading the audit log (`audit.view`): newest first, keyset-paginated by id.

use access::Permission;
use axum::extract::State;

use crate::audit_action::AuditAction;
use crate::input::Query;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::Attempt;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// Query of the audit log.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Entries older than this id (the previous page's `next_before`).
    pub before: Option<i64>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// One audit entry.
#[derive(Serialize, ToSchema)]
pub struct AuditView {
    /// Entry id (increasing).
    pub id: i64,
    /// The user who acted.
    pub actor_id: Option<i64>,
    /// What was done: `department.create`, `user.update`, `role.delete`, `settings.update`,
    /// `preset.apply`, `user.password.reset`, ...
    pub action: String,
    /// What it was done to: `user#12`, `department#3`, `preset#zenvia`, ...
    pub target: String,
    /// The state before (JSON), when it applies.
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    /// The state after, or what was attempted (JSON), when it applies.
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
    /// `ok`, or `denied: <reason codes>`.
    pub result: String,
    /// The client address.
    pub address: String,
    /// When, µs since the epoch (UTC).
    pub at: i64,
}

/// A page of the audit log.
#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    /// Entries, newest first.
    pub items: Vec<AuditView>,
    /// Pass as `before` for the next page; absent on the last page.
    pub next_before: Option<i64>,
}

fn parse(text: Option<String>) -> Option<Value> {
    text.map(|t| serde_json::from_str(&t).unwrap_or(Value::String(t)))
}

/// The account's audit log, newest first (`audit.view`).
#[utoipa::path(get, path = "/api/v1/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<axum::Json<AuditPage>, ApiError> {
    let at = Attempt::new(&state, &caller, AuditAction::AuditList, "audit");
    at.gate(Permission::AuditView).await?;
    let limit = crate::input::page_limit(q.limit)?;
    let entries = state
        .store
        .audit()
        .page(caller.owner.account, q.before, limit)
        .await?;
    let next_before = (entries.len() == limit as usize)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(axum::Json(AuditPage {
        items: entries
            .into_iter()
            .map(|e| AuditView {
                id: e.id,
                actor_id: e.actor.map(|u| u.0),
                action: e.action,
                target: e.target,
                before: parse(e.before),
                after: parse(e.after),
                result: e.result,
                address: e.address,
                at: e.at,
            })
            .collect(),
        next_before,
    }))
}

/// The catalogue of audit actions with their labels in both languages, in catalogue order
/// (every logged-in user, like the permission catalogue: it says what the log may contain,
/// not what it contains).
#[utoipa::path(get, path = "/api/v1/audit/actions", tag = "admin",
    responses((status = 200, body = [crate::audit_action::AuditActionInfo]), (status = 401, body = crate::error::ErrorBody)))]
pub async fn actions(_caller: Caller) -> axum::Json<Vec<crate::audit_action::AuditActionInfo>> {
    axum::Json(AuditAction::ALL.iter().map(|a| a.info()).collect())
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(list))
        .routes(utoipa_axum::routes!(actions))
}
