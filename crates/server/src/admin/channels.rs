//! Channels (`settings.integrations`): WhatsApp numbers and generic channels, and routing's
//! settings (`settings.company` for the account's, `users.manage` for an agent's limit).
//! Secrets are written, never read back: a channel shows whether each is set. A generic
//! channel's token is shown once, when created or rotated.

use access::{DepartmentId, Permission, UserId};
use axum::extract::State;

use crate::input::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::{Channel, ChannelKind, ChannelWrite};
use utoipa::ToSchema;

use super::{Attempt, to_json, unknown, valid_name};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::json::Json;

/// A channel, secrets hidden.
#[derive(Serialize, ToSchema)]
pub struct ChannelView {
    /// Channel id.
    pub id: i64,
    /// `whatsapp` or `generic`.
    pub kind: &'static str,
    /// Name.
    pub name: String,
    /// Where its new conversations start (absent: the account's default department).
    pub department_id: Option<i64>,
    /// WhatsApp: the Cloud API phone number id.
    pub phone_number_id: Option<String>,
    /// WhatsApp: the Graph API base URL (absent: `https://graph.facebook.com/v21.0`).
    pub graph_base_url: Option<String>,
    /// Accepts messages.
    pub active: bool,
    /// The path the platform posts to (WhatsApp: also the verification URL).
    pub webhook_path: String,
    /// WhatsApp: whether the verify token, app secret and access token are set.
    pub has_verify_token: bool,
    /// See `has_verify_token`.
    pub has_app_secret: bool,
    /// See `has_verify_token`.
    pub has_access_token: bool,
    /// Generic: the channel token, shown only when created or rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

fn view(c: &Channel) -> ChannelView {
    ChannelView {
        id: c.id,
        kind: c.kind.id(),
        name: c.name.clone(),
        department_id: c.department.map(|d| d.0),
        phone_number_id: c.phone_number_id.clone(),
        graph_base_url: c.graph_base_url.clone(),
        active: c.active,
        webhook_path: match c.kind {
            ChannelKind::WhatsApp => format!("/webhooks/whatsapp/{}", c.id),
            ChannelKind::Generic => "/webhooks/generic/messages".to_owned(),
        },
        has_verify_token: c.verify_token.is_some(),
        has_app_secret: c.app_secret.is_some(),
        has_access_token: c.access_token.is_some(),
        token: None,
    }
}

/// The account's channels (`settings.integrations`).
#[utoipa::path(get, path = "/api/v1/channels", tag = "channels",
    responses((status = 200, body = Vec<ChannelView>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<Vec<ChannelView>>, ApiError> {
    Attempt::new(&state, &caller, "channel.list", "channels")
        .gate(Permission::SettingsIntegrations)
        .await?;
    let all = state.store.channels(caller.owner.account).await?;
    Ok(axum::Json(all.iter().map(view).collect()))
}

/// A channel to create, or changes to one (absent fields stay as they are; secrets are only
/// replaced when given).
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ChannelRequest {
    /// `whatsapp` or `generic` (creation only).
    pub kind: Option<String>,
    /// Name, 1 to 200 bytes, unique in the account.
    pub name: Option<String>,
    /// Where new conversations start (`null` or absent: the default department).
    pub department_id: Option<i64>,
    /// WhatsApp: the Cloud API phone number id.
    pub phone_number_id: Option<String>,
    /// WhatsApp: the verify token you also give Meta for the webhook.
    pub verify_token: Option<String>,
    /// WhatsApp: the Meta app's secret (signs the webhook deliveries).
    pub app_secret: Option<String>,
    /// WhatsApp: a (system user) access token with `whatsapp_business_messaging`.
    pub access_token: Option<String>,
    /// WhatsApp: the Graph API base URL, `http(s)://...` (tests, proxies, another version).
    pub graph_base_url: Option<String>,
    /// Accepts messages.
    pub active: Option<bool>,
    /// Generic: replace the channel token (the new one is in the answer).
    #[serde(default)]
    pub rotate_token: bool,
}

pub(crate) fn secret(field: &str, v: Option<&String>) -> Result<Option<String>, ApiError> {
    match v.map(|s| s.trim()) {
        None => Ok(None),
        Some(s) if !s.is_empty() && s.len() <= 1024 && !s.contains(char::is_whitespace) => {
            Ok(Some(s.to_owned()))
        }
        Some(_) => Err(ApiError::bad_request(
            "bad_channel",
            format!("`{field}` must be 1 to 1024 bytes without spaces"),
        )),
    }
}

pub(crate) fn base_url(v: Option<&String>) -> Result<Option<String>, ApiError> {
    match v.map(|s| s.trim().trim_end_matches('/')) {
        None => Ok(None),
        Some(u) if (u.starts_with("https://") || u.starts_with("http://")) && u.len() <= 300 => {
            Ok(Some(u.to_owned()))
        }
        Some(_) => Err(ApiError::bad_request(
            "bad_channel",
            "`graph_base_url` must be an http(s) URL such as https://graph.facebook.com/v21.0",
        )),
    }
}

/// The audit view of a channel (never a secret).
fn audit_view(c: &ChannelView) -> serde_json::Value {
    to_json(&json!({
        "kind": c.kind, "name": c.name, "department_id": c.department_id,
        "phone_number_id": c.phone_number_id, "graph_base_url": c.graph_base_url, "active": c.active,
    }))
}

/// Creates a channel (`settings.integrations`). A WhatsApp channel needs its phone number
/// id, verify token, app secret and access token; a generic channel gets a token, shown once.
#[utoipa::path(post, path = "/api/v1/channels", tag = "channels", request_body = ChannelRequest,
    responses((status = 201, body = ChannelView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<ChannelRequest>,
) -> Result<Response, ApiError> {
    let mut at = Attempt::new(&state, &caller, "channel.create", "channel");
    at.gate(Permission::SettingsIntegrations).await?;
    let kind = body
        .kind
        .as_deref()
        .and_then(ChannelKind::from_id)
        .ok_or_else(|| {
            ApiError::bad_request("bad_channel", "`kind` must be whatsapp or generic")
        })?;
    let name = valid_name("name", body.name.as_deref().unwrap_or_default())?;
    let (number, verify, app, access) = (
        secret("phone_number_id", body.phone_number_id.as_ref())?,
        secret("verify_token", body.verify_token.as_ref())?,
        secret("app_secret", body.app_secret.as_ref())?,
        secret("access_token", body.access_token.as_ref())?,
    );
    let graph = base_url(body.graph_base_url.as_ref())?;
    let token = match kind {
        ChannelKind::WhatsApp => {
            if number.is_none() || verify.is_none() || app.is_none() || access.is_none() {
                return Err(ApiError::bad_request(
                    "bad_channel",
                    "a WhatsApp channel needs `phone_number_id`, `verify_token`, `app_secret` and `access_token`",
                ));
            }
            None
        }
        ChannelKind::Generic => {
            if number.is_some()
                || verify.is_some()
                || app.is_some()
                || access.is_some()
                || graph.is_some()
            {
                return Err(ApiError::bad_request(
                    "bad_channel",
                    "a generic channel takes only `name`, `department_id` and `active`",
                ));
            }
            Some(crate::secret::random_token("ch_").map_err(|e| ApiError::internal(&e))?)
        }
    };
    let token_hash = token.as_deref().map(crate::secret::token_hash);
    let open = at.begin().await?;
    let department = department_of(&open.account.config, body.department_id)?;
    let d = open
        .actor
        .decide_permission(Permission::SettingsIntegrations);
    let mut open = at.require_in(open, &d, None, None).await?;
    let write = ChannelWrite {
        name: &name,
        department,
        phone_number_id: number.as_deref(),
        verify_token: verify.as_deref(),
        app_secret: app.as_deref(),
        access_token: access.as_deref(),
        graph_base_url: graph.as_deref(),
        token_hash: token_hash.as_deref(),
        active: body.active.unwrap_or(true),
    };
    let id = open
        .tx
        .create_channel(kind, &write, state.clock.now_micros())
        .await?;
    let created = open.tx.channel(id).await?.ok_or_else(ApiError::not_found)?;
    at.target = format!("channel#{id}");
    let mut shown = view(&created);
    at.done(open.tx, None, Some(&audit_view(&shown))).await?;
    shown.token = token;
    Ok((StatusCode::CREATED, axum::Json(shown)).into_response())
}

fn department_of(
    config: &access::AccountConfig,
    id: Option<i64>,
) -> Result<Option<DepartmentId>, ApiError> {
    match id {
        None => Ok(None),
        Some(d) if config.departments.get(DepartmentId(d)).is_some() => Ok(Some(DepartmentId(d))),
        Some(_) => Err(unknown("unknown_department", "department")),
    }
}

/// Changes a channel (`settings.integrations`).
#[utoipa::path(patch, path = "/api/v1/channels/{id}", tag = "channels", request_body = ChannelRequest,
    params(("id" = i64, Path, description = "Channel id")),
    responses((status = 200, body = ChannelView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<ChannelRequest>,
) -> Result<axum::Json<ChannelView>, ApiError> {
    let at = Attempt::new(&state, &caller, "channel.update", format!("channel#{id}"));
    at.gate(Permission::SettingsIntegrations).await?;
    if body.kind.is_some() {
        return Err(ApiError::bad_request(
            "bad_channel",
            "a channel's `kind` cannot change",
        ));
    }
    let name = body
        .name
        .as_deref()
        .map(|n| valid_name("name", n))
        .transpose()?;
    let (number, verify, app, access) = (
        secret("phone_number_id", body.phone_number_id.as_ref())?,
        secret("verify_token", body.verify_token.as_ref())?,
        secret("app_secret", body.app_secret.as_ref())?,
        secret("access_token", body.access_token.as_ref())?,
    );
    let graph = base_url(body.graph_base_url.as_ref())?;
    let mut open = at.begin().await?;
    let Some(current) = open.tx.channel(id).await? else {
        return Err(at.missing_in(open.tx).await);
    };
    let department = match body.department_id {
        Some(d) => department_of(&open.account.config, Some(d))?,
        None => current.department,
    };
    let generic = current.kind == ChannelKind::Generic;
    if generic
        && (number.is_some()
            || verify.is_some()
            || app.is_some()
            || access.is_some()
            || graph.is_some())
    {
        return Err(ApiError::bad_request(
            "bad_channel",
            "a generic channel takes only `name`, `department_id`, `active` and `rotate_token`",
        ));
    }
    if body.rotate_token && !generic {
        return Err(ApiError::bad_request(
            "bad_channel",
            "only a generic channel has a token to rotate",
        ));
    }
    let token = if body.rotate_token {
        Some(crate::secret::random_token("ch_").map_err(|e| ApiError::internal(&e))?)
    } else {
        None
    };
    let token_hash = token.as_deref().map(crate::secret::token_hash);
    let before = audit_view(&view(&current));
    let d = open
        .actor
        .decide_permission(Permission::SettingsIntegrations);
    let mut open = at.require_in(open, &d, Some(&before), None).await?;
    let write = ChannelWrite {
        name: name.as_deref().unwrap_or(&current.name),
        department,
        phone_number_id: number.as_deref(),
        verify_token: verify.as_deref(),
        app_secret: app.as_deref(),
        access_token: access.as_deref(),
        graph_base_url: graph.as_deref(),
        token_hash: token_hash.as_deref(),
        active: body.active.unwrap_or(current.active),
    };
    open.tx.update_channel(id, &write).await?;
    let changed = open.tx.channel(id).await?.ok_or_else(ApiError::not_found)?;
    let mut shown = view(&changed);
    at.done(open.tx, Some(&before), Some(&audit_view(&shown)))
        .await?;
    shown.token = token;
    Ok(axum::Json(shown))
}

/// Deletes a channel no conversation came through (`settings.integrations`); otherwise 409:
/// deactivate it instead.
#[utoipa::path(delete, path = "/api/v1/channels/{id}", tag = "channels",
    params(("id" = i64, Path, description = "Channel id")),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let at = Attempt::new(&state, &caller, "channel.delete", format!("channel#{id}"));
    at.gate(Permission::SettingsIntegrations).await?;
    let mut open = at.begin().await?;
    let Some(current) = open.tx.channel(id).await? else {
        return Err(at.missing_in(open.tx).await);
    };
    let before = audit_view(&view(&current));
    let d = open
        .actor
        .decide_permission(Permission::SettingsIntegrations);
    let mut open = at.require_in(open, &d, Some(&before), None).await?;
    open.tx.delete_channel(id).await?;
    at.done(open.tx, Some(&before), None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The account's routing settings.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingSettings {
    /// When an agent goes away, their conversations in progress go back to the queue and are
    /// offered to the others (`assignment = auto` routes them).
    pub reassign_when_away: bool,
}

/// The account's routing settings (every logged-in user; `assignment` is in `/settings`).
#[utoipa::path(get, path = "/api/v1/routing", tag = "routing",
    responses((status = 200, body = RoutingSettings), (status = 401, body = crate::error::ErrorBody)))]
pub async fn get_routing(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<RoutingSettings>, ApiError> {
    Ok(axum::Json(RoutingSettings {
        reassign_when_away: state.store.reassign_when_away(caller.owner.account).await?,
    }))
}

/// Replaces the account's routing settings (`settings.company`).
#[utoipa::path(put, path = "/api/v1/routing", tag = "routing", request_body = RoutingSettings,
    responses((status = 200, body = RoutingSettings), (status = 403, body = crate::error::ErrorBody)))]
pub async fn put_routing(
    State(state): State<AppState>,
    caller: Caller,
    Json(body): Json<RoutingSettings>,
) -> Result<axum::Json<RoutingSettings>, ApiError> {
    let at = Attempt::new(
        &state,
        &caller,
        "routing.update",
        caller.owner.account.to_string(),
    );
    at.gate(Permission::SettingsCompany).await?;
    let before = json!({ "reassign_when_away": state.store.reassign_when_away(caller.owner.account).await? });
    let after = to_json(&body);
    let open = at.begin().await?;
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

/// Sets an agent's limit of open conversations (`users.manage`).
#[utoipa::path(put, path = "/api/v1/users/{id}/routing", tag = "routing", request_body = AgentLimit,
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = AgentLimit), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn put_agent_limit(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(body): Json<AgentLimit>,
) -> Result<axum::Json<AgentLimit>, ApiError> {
    let at = Attempt::new(&state, &caller, "user.routing", format!("user#{id}"));
    at.gate(Permission::UsersManage).await?;
    if body.max_open.is_some_and(|m| !(0..=1000).contains(&m)) {
        return Err(ApiError::bad_request(
            "bad_limit",
            "`max_open` must be 0 to 1000, or null for no limit",
        ));
    }
    let open = at.begin().await?;
    if !open.account.users.contains_key(&UserId(id)) {
        return Err(at.missing_in(open.tx).await);
    }
    let before = json!({ "max_open": state.store.agent_routing(caller.owner.account, UserId(id)).await?.max_open });
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
    Attempt::new(&state, &caller, "user.routing.read", format!("user#{id}"))
        .gate(Permission::UsersManage)
        .await?;
    let account = caller.owner.account;
    if !state
        .store
        .account(account)
        .await?
        .users
        .contains_key(&UserId(id))
    {
        return Err(ApiError::not_found());
    }
    let r = state.store.agent_routing(account, UserId(id)).await?;
    Ok(axum::Json(AgentRoutingView {
        max_open: r.max_open,
        open: r.open,
        availability: if r.online { "online" } else { "away" },
    }))
}
