//! Routing's administration: the account's routing settings (`reassign_when_away`,
//! `settings.company`) and each agent's limit of open conversations (`users.manage`). What
//! routing does with them is the use case `crate::app::routing`.

use crate::error_codes as codes;
use access::{Permission, UserId};
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{Attempt, to_json};
use crate::audit_action::AuditAction;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::input::Path;
use crate::json::{Json, Validate};
use crate::state::AppState;

/// The account's routing settings.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingSettings {
    /// When an agent goes away, their conversations in progress go back to the queue and are
    /// offered to the others (`assignment = auto` routes them).
    pub reassign_when_away: bool,
}

impl Validate for RoutingSettings {
    /// One boolean: its type is its check.
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        Ok(())
    }
}

/// The account's routing settings (every logged-in user; `assignment` is in `/settings`).
#[utoipa::path(get, path = "/api/v1/routing", tag = "routing",
    responses((status = 200, body = RoutingSettings), (status = 401, body = crate::error::ErrorBody)))]
pub async fn get_routing(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<RoutingSettings>, ApiError> {
    Ok(axum::Json(RoutingSettings {
        reassign_when_away: state
            .store
            .routing()
            .reassign_when_away(caller.owner.account)
            .await?,
    }))
}

/// Replaces the account's routing settings (`settings.company`).
#[utoipa::path(put, path = "/api/v1/routing", tag = "routing", request_body = RoutingSettings,
    responses((status = 200, body = RoutingSettings), (status = 403, body = crate::error::ErrorBody)))]
pub async fn put_routing(
    State(state): State<AppState>,
    caller: Caller,
    Json(mut body): Json<RoutingSettings>,
) -> Result<axum::Json<RoutingSettings>, ApiError> {
    let at = Attempt::new(
        &state,
        &caller,
        AuditAction::RoutingUpdate,
        caller.owner.account.to_string(),
    );
    let granted = at.gate(Permission::SettingsCompany).await?;
    body.validate(state.egress.policy())?;
    let before = json!({ "reassign_when_away": state.store.routing().reassign_when_away(caller.owner.account).await? });
    let after = to_json(&body);
    let open = at.begin(granted).await?;
    let d = open.actor.decide_permission(Permission::SettingsCompany);
    let mut open = at.require_in(open, &d, Some(&before), Some(&after)).await?;
    open.tx
        .set_reassign_when_away(body.reassign_when_away)
        .await?;
    at.done(open.tx, Some(&before), Some(&after)).await?;
    Ok(axum::Json(body))
}

/// An agent's routing limit.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentLimit {
    /// Open conversations routing may give the agent at most (`null`: no limit), 0 to 1000.
    pub max_open: Option<i64>,
}

impl Validate for AgentLimit {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        if self.max_open.is_some_and(|m| !(0..=1000).contains(&m)) {
            return Err(ApiError::bad_request(
                codes::BAD_LIMIT,
                "`max_open` must be 0 to 1000, or null for no limit",
            ));
        }
        Ok(())
    }
}

/// Sets an agent's limit of open conversations (`users.manage`).
#[utoipa::path(put, path = "/api/v1/users/{id}/routing", tag = "routing", request_body = AgentLimit,
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = AgentLimit), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn put_agent_limit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(mut body): Json<AgentLimit>,
) -> Result<axum::Json<AgentLimit>, ApiError> {
    let at = Attempt::new(
        &state,
        &caller,
        AuditAction::UserRouting,
        format!("user#{id}"),
    );
    let granted = at.gate(Permission::UsersManage).await?;
    body.validate(state.egress.policy())?;
    let open = at.begin(granted).await?;
    if !open.account.users.contains_key(&UserId(id)) {
        return Err(at.missing_in(open).await);
    }
    let before = json!({ "max_open": state.store.routing().agent_routing(caller.owner.account, UserId(id)).await?.max_open });
    let after = to_json(&body);
    let d = open.actor.decide_permission(Permission::UsersManage);
    let mut open = at.require_in(open, &d, Some(&before), Some(&after)).await?;
    open.tx.set_max_open(UserId(id), body.max_open).await?;
    at.done(open.tx, Some(&before), Some(&after)).await?;
    Ok(axum::Json(body))
}

/// An agent's routing as an administrator reads it.
#[derive(Serialize, ToSchema)]
pub struct AgentRoutingView {
    /// Open conversations routing may give the agent at most (`null`: no limit).
    pub max_open: Option<i64>,
    /// Conversations the agent has open now (in progress or survey).
    pub open: i64,
    /// `online` or `away`.
    pub availability: &'static str,
}

/// An agent's limit of open conversations, with how many they have open and whether they are
/// online (`users.manage`); 404 for a user of another account like an unknown one.
#[utoipa::path(get, path = "/api/v1/users/{id}/routing", tag = "routing",
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = AgentRoutingView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn get_agent_limit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<axum::Json<AgentRoutingView>, ApiError> {
    // An administrative read: a refusal is recorded in the audit log.
    Attempt::new(
        &state,
        &caller,
        AuditAction::UserRoutingRead,
        format!("user#{id}"),
    )
    .gate(Permission::UsersManage)
    .await?;
    let account = caller.owner.account;
    if !state
        .store
        .directory()
        .account(account)
        .await?
        .users
        .contains_key(&UserId(id))
    {
        return Err(ApiError::not_found());
    }
    let r = state
        .store
        .routing()
        .agent_routing(account, UserId(id))
        .await?;
    Ok(axum::Json(AgentRoutingView {
        max_open: r.max_open,
        open: r.open,
        availability: if r.online { "online" } else { "away" },
    }))
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(get_routing, put_routing))
        .routes(utoipa_axum::routes!(get_agent_limit, put_agent_limit))
}
