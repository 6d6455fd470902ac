//! Roles from the permission catalogue, with allowed networks, and the catalogue itself. Role
//! editing is decided by the engine (`roles.manage`, no permission the caller does not hold,
//! built-in roles unchanged, the last `account.manage` holder kept).

use crate::error_codes as codes;
use access::{
    Decision, IpNet, Permission, PermissionGroup, PermissionScope, PermissionSet, Role, RoleChange,
    RoleId,
};
use axum::extract::State;

use crate::audit_action::AuditAction;
use crate::input::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{Attempt, to_json, valid_name};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::json::{Json, Validate};
use crate::state::AppState;

/// A role.
#[derive(Serialize, ToSchema)]
pub struct RoleView {
    /// Role id.
    pub id: i64,
    /// Name (for a built-in role, its id: `agent`, `admin`, `owner`).
    pub name: String,
    /// Built-in roles cannot be edited nor deleted.
    pub builtin: bool,
    /// Permission ids, in catalogue order.
    pub permissions: Vec<&'static str>,
    /// When not empty, the role's bindings are active only from these networks (CIDR).
    pub allowed_networks: Vec<String>,
}

pub(crate) fn view(r: &Role) -> RoleView {
    RoleView {
        id: r.id.0,
        name: r.name.clone(),
        builtin: r.builtin.is_some(),
        permissions: r.permissions.iter().map(Permission::id).collect(),
        allowed_networks: r.allowed_networks.iter().map(ToString::to_string).collect(),
    }
}

/// One permission of the catalogue.
#[derive(Serialize, ToSchema)]
pub struct PermissionView {
    /// Stable id.
    pub id: &'static str,
    /// `conversation` (a department-scoped binding grants it in its subtree) or `account`
    /// (only an account-scoped binding grants it).
    pub scope: &'static str,
    /// The group it is shown in.
    pub group: &'static str,
    /// Label in Portuguese (pt-BR).
    pub label_pt: &'static str,
    /// Label in English.
    pub label_en: &'static str,
    /// The screen it opens or governs (`inbox`, `contacts`, `users`, `reports`...).
    pub screen: &'static str,
    /// Whether that screen exists in this version (`false`: it governs a feature still to
    /// come, and granting it does nothing yet).
    pub available: bool,
}

/// A group of the catalogue with its permissions.
#[derive(Serialize, ToSchema)]
pub struct PermissionGroupView {
    /// Stable id of the group.
    pub id: &'static str,
    /// Label in Portuguese (pt-BR).
    pub label_pt: &'static str,
    /// Label in English.
    pub label_en: &'static str,
    /// Its permissions, in catalogue order.
    pub permissions: Vec<PermissionView>,
}

/// The permission catalogue, grouped (every logged-in user).
#[utoipa::path(get, path = "/api/v1/permissions", tag = "admin",
    responses((status = 200, body = [PermissionGroupView]), (status = 401, body = crate::error::ErrorBody)))]
pub async fn catalogue(_caller: Caller) -> axum::Json<Vec<PermissionGroupView>> {
    axum::Json(
        PermissionGroup::ALL
            .iter()
            .map(|g| PermissionGroupView {
                id: g.id(),
                label_pt: g.label_pt(),
                label_en: g.label_en(),
                permissions: access::CATALOGUE
                    .iter()
                    .filter(|p| p.group == *g)
                    .map(|p| PermissionView {
                        id: p.id,
                        scope: match p.scope {
                            PermissionScope::Conversation => "conversation",
                            PermissionScope::Account => "account",
                        },
                        group: p.group.id(),
                        label_pt: p.label_pt,
                        label_en: p.label_en,
                        screen: super::permission_screens::screen(p.permission),
                        available: super::permission_screens::available(p.permission),
                    })
                    .collect(),
            })
            .collect(),
    )
}

/// The account's roles (`users.manage` or `roles.manage`).
#[utoipa::path(get, path = "/api/v1/roles", tag = "admin",
    responses((status = 200, body = [RoleView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<Vec<RoleView>>, ApiError> {
    let p = &caller.principal;
    let users = p.decide_permission(Permission::UsersManage);
    if !users.is_allowed() {
        let roles = p.decide_permission(Permission::RolesManage);
        if !roles.is_allowed() {
            let mut reasons = users.reasons().to_vec();
            reasons.extend_from_slice(roles.reasons());
            let d = Decision::deny(reasons);
            let at = Attempt::new(&state, &caller, AuditAction::RoleList, "roles");
            return Err(at.refuse(&d, None).await);
        }
    }
    Ok(axum::Json(caller.config.roles.values().map(view).collect()))
}

pub(crate) fn permission_set(ids: &[String]) -> Result<PermissionSet, ApiError> {
    ids.iter()
        .map(|id| {
            Permission::from_id(id).ok_or_else(|| {
                ApiError::bad_request(
                    codes::UNKNOWN_PERMISSION,
                    format!("unknown permission `{id}`: GET /api/v1/permissions lists them"),
                )
            })
        })
        .collect()
}

pub(crate) fn networks(nets: &[String]) -> Result<Vec<IpNet>, ApiError> {
    nets.iter()
        .map(|n| {
            n.trim().parse::<IpNet>().map_err(|e| {
                ApiError::bad_request(codes::BAD_NETWORK, e.to_string()).with("value", n.trim())
            })
        })
        .collect()
}

/// A new custom role.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    /// Name (1 to 200 bytes, unique in the account).
    pub name: String,
    /// Permission ids (see `GET /api/v1/permissions`).
    pub permissions: Vec<String>,
    /// Allowed networks in CIDR notation (empty: from anywhere).
    #[serde(default)]
    pub allowed_networks: Vec<String>,
}

impl Validate for NewRole {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        self.name = valid_name("name", &self.name)?;
        permission_set(&self.permissions)?;
        networks(&self.allowed_networks)?;
        Ok(())
    }
}

/// Creates a custom role (`roles.manage`; only permissions the caller holds).
#[utoipa::path(post, path = "/api/v1/roles", tag = "admin", request_body = NewRole,
    responses((status = 201, body = RoleView), (status = 400, body = crate::error::ErrorBody, description = "`unknown_permission`, `bad_network`, `bad_name`"),
              (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody, description = "The name is taken")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(mut body): Json<NewRole>,
) -> Result<Response, ApiError> {
    let mut at = Attempt::new(&state, &caller, AuditAction::RoleCreate, "role");
    let granted = at.gate(Permission::RolesManage).await?;
    body.validate(state.egress.policy())?;
    let role = Role {
        id: RoleId(0),
        name: body.name,
        builtin: None,
        permissions: permission_set(&body.permissions)?,
        allowed_networks: networks(&body.allowed_networks)?,
    };
    let open = at.begin(granted).await?;
    let after = to_json(&view(&role));
    let d = open
        .actor
        .decide_role_change(&open.account, RoleChange::Create(&role));
    let mut open = at.require_in(open, &d, None, Some(&after)).await?;
    let id = open
        .tx
        .create_role(&role.name, role.permissions, &role.allowed_networks)
        .await?;
    let role = Role { id, ..role };
    at.target = id.to_string();
    let after = to_json(&view(&role));
    at.done(open.tx, None, Some(&after)).await?;
    Ok((StatusCode::CREATED, axum::Json(view(&role))).into_response())
}

/// Changes to a custom role; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolePatch {
    /// New name.
    pub name: Option<String>,
    /// The new permission ids (the whole list).
    pub permissions: Option<Vec<String>>,
    /// The new allowed networks (the whole list; empty: from anywhere).
    pub allowed_networks: Option<Vec<String>>,
}

impl Validate for RolePatch {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        self.name = self
            .name
            .as_deref()
            .map(|n| valid_name("name", n))
            .transpose()?;
        self.permissions
            .as_deref()
            .map(permission_set)
            .transpose()?;
        self.allowed_networks.as_deref().map(networks).transpose()?;
        Ok(())
    }
}

/// Edits a custom role (`roles.manage`; no permission the caller does not hold, before or
/// after; built-in roles are refused with `builtin_role`).
#[utoipa::path(patch, path = "/api/v1/roles/{id}", tag = "admin", request_body = RolePatch,
    params(("id" = i64, Path, description = "Role id")),
    responses((status = 200, body = RoleView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody, description = "The name is taken")))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(mut body): Json<RolePatch>,
) -> Result<axum::Json<RoleView>, ApiError> {
    let at = Attempt::new(
        &state,
        &caller,
        AuditAction::RoleUpdate,
        RoleId(id).to_string(),
    );
    let granted = at.gate(Permission::RolesManage).await?;
    body.validate(state.egress.policy())?;
    let name = body.name.take();
    let permissions = body
        .permissions
        .as_deref()
        .map(permission_set)
        .transpose()?;
    let nets = body.allowed_networks.as_deref().map(networks).transpose()?;
    let open = at.begin(granted).await?;
    let Some(before) = open.account.config.roles.get(&RoleId(id)).cloned() else {
        return Err(at.missing_in(open).await);
    };
    let mut after = before.clone();
    if let Some(n) = name {
        after.name = n;
    }
    if let Some(p) = permissions {
        after.permissions = p;
    }
    if let Some(n) = nets {
        after.allowed_networks = n;
    }
    let before_json = to_json(&view(&before));
    let after_json = to_json(&view(&after));
    let d = open
        .actor
        .decide_role_change(&open.account, RoleChange::Edit(&after));
    let mut open = at
        .require_in(open, &d, Some(&before_json), Some(&after_json))
        .await?;
    open.tx.update_role(&after).await?;
    at.done(open.tx, Some(&before_json), Some(&after_json))
        .await?;
    Ok(axum::Json(view(&after)))
}

/// Deletes a custom role with its bindings (`roles.manage`, as for editing); the sessions of
/// the users who lose a binding end.
#[utoipa::path(delete, path = "/api/v1/roles/{id}", tag = "admin",
    params(("id" = i64, Path, description = "Role id")),
    responses((status = 204, description = "Deleted"), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    let role = RoleId(id);
    let at = Attempt::new(&state, &caller, AuditAction::RoleDelete, role.to_string());
    let granted = at.gate(Permission::RolesManage).await?;
    let open = at.begin(granted).await?;
    let before_json = open.account.config.roles.get(&role).map(|r| {
        let bound: Vec<i64> = open
            .account
            .users
            .values()
            .filter(|u| u.bindings.iter().any(|b| b.role == role))
            .map(|u| u.id.0)
            .collect();
        let mut v = to_json(&view(r));
        if let Some(o) = v.as_object_mut() {
            o.insert("bound_users".to_owned(), json!(bound));
        }
        v
    });
    let d = open
        .actor
        .decide_role_change(&open.account, RoleChange::Delete(role));
    let mut open = at.require_in(open, &d, before_json.as_ref(), None).await?;
    for user in open.tx.delete_role(role).await? {
        open.tx
            .end_sessions(user, None, state.clock.now_micros())
            .await?;
    }
    at.done(open.tx, before_json.as_ref(), None).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(list, create))
        .routes(utoipa_axum::routes!(update, delete))
        .routes(utoipa_axum::routes!(catalogue))
}
