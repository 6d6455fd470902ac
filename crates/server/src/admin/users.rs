//! Users: listing, creating (with a temporary password), editing (name, email, active, roles,
//! memberships), password resets, and one's own password. `manage_user` decides every change:
//! no escalation and the last `account.manage` holder come from the engine.

use crate::error_codes as codes;
use access::{
    AccountConfig, Binding, DepartmentId, Membership, MembershipKind, Permission, RoleId, Scope,
    User, UserChange, UserId,
};
use axum::extract::State;

use crate::audit_action::AuditAction;
use crate::input::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use store::Profile;
use utoipa::ToSchema;

use super::{Attempt, to_json, unknown, valid_name};
use crate::caller::Caller;
use crate::error::ApiError;
use crate::json::{Json, Validate};
use crate::secret;
use crate::state::AppState;

const MIN_PASSWORD: usize = 8;
const MAX_PASSWORD: usize = 1024;

/// A role binding: a role over the whole account or over one department's subtree.
#[derive(Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBindingView {
    /// Role id.
    pub role_id: i64,
    /// The department whose subtree the binding covers; `null` or absent for the whole
    /// account.
    #[serde(default)]
    pub department_id: Option<i64>,
}

/// A membership in a department.
#[derive(Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MembershipView {
    /// Department id.
    pub department_id: i64,
    /// `member` or `supervisor` (a supervisor also oversees the department's subtree).
    pub kind: String,
}

/// A user as administrators see them (never a password or its hash).
#[derive(Serialize, ToSchema)]
pub struct UserView {
    /// User id.
    pub id: i64,
    /// Login email.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Inactive users can do nothing, not even log in.
    pub active: bool,
    /// The user must change their password (after creation or a reset).
    pub must_change_password: bool,
    /// Role bindings.
    pub roles: Vec<RoleBindingView>,
    /// Memberships.
    pub memberships: Vec<MembershipView>,
}

pub(crate) fn bindings_view(user: &User) -> Vec<RoleBindingView> {
    user.bindings
        .iter()
        .map(|b| RoleBindingView {
            role_id: b.role.0,
            department_id: match b.scope {
                Scope::Account => None,
                Scope::Department(d) => Some(d.0),
            },
        })
        .collect()
}

fn view(email: &str, name: &str, must_change_password: bool, user: &User) -> UserView {
    UserView {
        id: user.id.0,
        email: email.to_owned(),
        name: name.to_owned(),
        active: user.active,
        must_change_password,
        roles: bindings_view(user),
        memberships: user
            .memberships
            .iter()
            .map(|m| MembershipView {
                department_id: m.department.0,
                kind: m.kind.id().to_owned(),
            })
            .collect(),
    }
}

fn bindings_from(
    config: &AccountConfig,
    roles: &[RoleBindingView],
) -> Result<Vec<Binding>, ApiError> {
    let mut out = Vec::new();
    for r in roles {
        if !config.roles.contains_key(&RoleId(r.role_id)) {
            return Err(unknown(crate::error_codes::UNKNOWN_ROLE, "role"));
        }
        let scope = match r.department_id {
            None => Scope::Account,
            Some(d) if config.departments.contains(DepartmentId(d)) => {
                Scope::Department(DepartmentId(d))
            }
            Some(_) => {
                return Err(unknown(
                    crate::error_codes::UNKNOWN_DEPARTMENT,
                    "department",
                ));
            }
        };
        out.push(Binding {
            role: RoleId(r.role_id),
            scope,
        });
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn memberships_from(
    config: &AccountConfig,
    memberships: &[MembershipView],
) -> Result<Vec<Membership>, ApiError> {
    let mut out: Vec<Membership> = Vec::new();
    for m in memberships {
        let department = DepartmentId(m.department_id);
        if !config.departments.contains(department) {
            return Err(unknown(
                crate::error_codes::UNKNOWN_DEPARTMENT,
                "department",
            ));
        }
        let kind = MembershipKind::from_id(&m.kind).ok_or_else(|| {
            ApiError::bad_request(
                codes::BAD_MEMBERSHIP_KIND,
                format!(
                    "unknown membership kind `{}`: use member or supervisor",
                    m.kind
                ),
            )
        })?;
        if out.iter().any(|o| o.department == department) {
            return Err(ApiError::bad_request(
                codes::DUPLICATE_MEMBERSHIP,
                format!(
                    "department {} is listed twice: a user has one membership per department",
                    m.department_id
                ),
            ));
        }
        out.push(Membership { department, kind });
    }
    out.sort();
    Ok(out)
}

pub(crate) fn valid_email(email: &str) -> Result<String, ApiError> {
    crate::email::normalised(email, 254).ok_or_else(|| {
        ApiError::bad_request(
            codes::BAD_EMAIL,
            "`email` must be an address such as name@example.com (at most 254 bytes)",
        )
    })
}

pub(crate) fn valid_password(field: &str, p: &str) -> Result<(), ApiError> {
    if (MIN_PASSWORD..=MAX_PASSWORD).contains(&p.len()) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            codes::BAD_PASSWORD,
            format!("`{field}` must be {MIN_PASSWORD} to {MAX_PASSWORD} bytes"),
        ))
    }
}

pub(crate) async fn hash(password: String) -> Result<String, ApiError> {
    tokio::task::spawn_blocking(move || secret::hash_password(&password))
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map_err(|e| ApiError::internal(&e))
}

/// Every user of the account with roles and memberships (`users.manage`).
#[utoipa::path(get, path = "/api/v1/users", tag = "admin",
    responses((status = 200, body = [UserView]), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<Vec<UserView>>, ApiError> {
    let at = Attempt::new(&state, &caller, AuditAction::UserList, "users");
    at.gate(Permission::UsersManage).await?;
    let account = state
        .store
        .directory()
        .account(caller.owner.account)
        .await?;
    let profiles = state
        .store
        .directory()
        .user_profiles(caller.owner.account)
        .await?;
    Ok(axum::Json(
        profiles
            .iter()
            .filter_map(|p: &Profile| {
                account
                    .users
                    .get(&p.user)
                    .map(|u| view(&p.email, &p.name, p.must_change_password, u))
            })
            .collect(),
    ))
}

/// A new user. The password is temporary: the user must change it after logging in.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    /// Login email (unique in the installation).
    pub email: String,
    /// Display name.
    pub name: String,
    /// Temporary password, 8 to 1024 bytes.
    pub password: String,
    /// Role bindings.
    #[serde(default)]
    pub roles: Vec<RoleBindingView>,
    /// Memberships.
    #[serde(default)]
    pub memberships: Vec<MembershipView>,
}

impl Validate for NewUserRequest {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        self.email = valid_email(&self.email)?;
        self.name = valid_name("name", &self.name)?;
        valid_password("password", &self.password)
    }
}

/// Creates a user with a temporary password (`users.manage`, no escalation: the new user's
/// permissions must all be the caller's).
#[utoipa::path(post, path = "/api/v1/users", tag = "admin", request_body = NewUserRequest,
    responses((status = 201, body = UserView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody, description = "The email is taken")))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Json(mut body): Json<NewUserRequest>,
) -> Result<Response, ApiError> {
    let mut at = Attempt::new(&state, &caller, AuditAction::UserCreate, "user");
    let granted = at.gate(Permission::UsersManage).await?;
    body.validate(state.egress.policy())?;
    let (email, name) = (body.email, body.name);
    let hash = state.hasher.hash(body.password).await?;
    let open = at.begin(granted).await?;
    let config = &open.account.config;
    let new_user = User {
        id: UserId(0),
        account: caller.owner.account,
        active: true,
        memberships: memberships_from(config, &body.memberships)?,
        bindings: bindings_from(config, &body.roles)?,
    };
    let after = to_json(&view(&email, &name, true, &new_user));
    let d = open
        .actor
        .decide_manage_user(&open.account, UserChange::Create(&new_user));
    let mut open = at.require_in(open, &d, None, Some(&after)).await?;
    let now = state.clock.now_micros();
    let id = open
        .tx
        .create_user(&email, &name, &hash, true, true, now)
        .await?;
    let user = User { id, ..new_user };
    open.tx.set_user_access(&user).await?;
    at.target = id.to_string();
    let after = to_json(&view(&email, &name, true, &user));
    at.done(open.tx, None, Some(&after)).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(view(&email, &name, true, &user)),
    )
        .into_response())
}

/// Changes to a user; absent fields stay as they are. `roles` and `memberships` replace the
/// user's whole lists.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// New display name.
    pub name: Option<String>,
    /// New login email.
    pub email: Option<String>,
    /// Activate or deactivate (deactivating ends the user's sessions).
    pub active: Option<bool>,
    /// New role bindings (removing one ends the user's sessions).
    pub roles: Option<Vec<RoleBindingView>>,
    /// New memberships.
    pub memberships: Option<Vec<MembershipView>>,
}

impl Validate for UserPatch {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        self.name = self
            .name
            .as_deref()
            .map(|n| valid_name("name", n))
            .transpose()?;
        self.email = self.email.as_deref().map(valid_email).transpose()?;
        Ok(())
    }
}

/// Edits, deactivates or re-roles a user (`users.manage`; no escalation: every permission the
/// user holds before and after must be the caller's; the account keeps an active
/// `account.manage` holder).
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "admin", request_body = UserPatch,
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = UserView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody, description = "`escalation`, `last_account_manager`, a missing permission"),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody, description = "The email is taken")))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(mut body): Json<UserPatch>,
) -> Result<axum::Json<UserView>, ApiError> {
    let target = UserId(id);
    let at = Attempt::new(&state, &caller, AuditAction::UserUpdate, target.to_string());
    let granted = at.gate(Permission::UsersManage).await?;
    body.validate(state.egress.policy())?;
    let (name, email) = (body.name.take(), body.email.take());
    let mut open = at.begin(granted).await?;
    let Some(before) = open.account.users.get(&target).cloned() else {
        return Err(at.missing_in(open).await);
    };
    let profile = open
        .profile(target)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let config = &open.account.config;
    let mut after = before.clone();
    if let Some(a) = body.active {
        after.active = a;
    }
    if let Some(r) = &body.roles {
        after.bindings = bindings_from(config, r)?;
    }
    if let Some(m) = &body.memberships {
        after.memberships = memberships_from(config, m)?;
    }
    let new_name = name.as_deref().unwrap_or(&profile.name);
    let new_email = email.as_deref().unwrap_or(&profile.email);
    let must_change = profile.must_change_password;
    let before_json = to_json(&view(&profile.email, &profile.name, must_change, &before));
    let after_json = to_json(&view(new_email, new_name, must_change, &after));
    let d = open.actor.decide_manage_user(
        &open.account,
        UserChange::Edit {
            target,
            after: &after,
        },
    );
    let mut open = at
        .require_in(open, &d, Some(&before_json), Some(&after_json))
        .await?;
    if name.is_some() || email.is_some() {
        open.tx
            .update_user_profile(target, name.as_deref(), email.as_deref())
            .await?;
    }
    if after != before {
        open.tx.set_user_access(&after).await?;
    }
    let deactivated = before.active && !after.active;
    let lost_binding = before.bindings.iter().any(|b| !after.bindings.contains(b));
    if deactivated || lost_binding {
        open.tx
            .end_sessions(target, None, state.clock.now_micros())
            .await?;
    }
    at.done(open.tx, Some(&before_json), Some(&after_json))
        .await?;
    Ok(axum::Json(view(new_email, new_name, must_change, &after)))
}

/// A new password for another user.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// Temporary password, 8 to 1024 bytes: the user must change it after logging in.
    pub password: String,
}

impl Validate for PasswordReset {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        valid_password("password", &self.password)
    }
}

/// Sets another user's password (`user.password.change_others` and `manage_user` on the user);
/// the user must change it at next login, and their sessions end.
#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "admin", request_body = PasswordReset,
    params(("id" = i64, Path, description = "User id")),
    responses((status = 204, description = "Set"), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(mut body): Json<PasswordReset>,
) -> Result<StatusCode, ApiError> {
    let target = UserId(id);
    let at = Attempt::new(
        &state,
        &caller,
        AuditAction::UserPasswordReset,
        target.to_string(),
    );
    let granted = at.gate(Permission::UsersManage).await?;
    body.validate(state.egress.policy())?;
    let hash = state.hasher.hash(body.password).await?;
    let open = at.begin(granted).await?;
    let d = open.actor.decide_password_of(&open.account, target);
    let mut open = at.require_in(open, &d, None, None).await?;
    open.tx.set_password(target, &hash, true).await?;
    let ended = open
        .tx
        .end_sessions(target, None, state.clock.now_micros())
        .await?;
    let after = json!({"must_change_password": true, "sessions_ended": ended});
    at.done(open.tx, None, Some(&after)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A change of one's own password.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OwnPassword {
    /// The current password: required unless the caller holds
    /// `user.password.change_without_current`.
    pub current_password: Option<String>,
    /// The new password, 8 to 1024 bytes.
    pub new_password: String,
}

impl Validate for OwnPassword {
    fn validate(&mut self, _: &crate::egress::EgressPolicy) -> Result<(), ApiError> {
        valid_password("new_password", &self.new_password)?;
        if self
            .current_password
            .as_deref()
            .is_some_and(|p| p.len() > MAX_PASSWORD)
        {
            return Err(ApiError::bad_request(
                codes::BAD_PASSWORD,
                format!("`current_password` is limited to {MAX_PASSWORD} bytes"),
            ));
        }
        Ok(())
    }
}

/// Changes the caller's own password (with the current one, or
/// `user.password.change_without_current`); clears `must_change_password` and ends the caller's
/// other sessions. Wrong current passwords count as failed logins for throttling.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", request_body = OwnPassword,
    responses((status = 204, description = "Changed"), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody, description = "`current_password_required`: the current password is missing or wrong"),
              (status = 429, body = crate::error::ErrorBody)))]
pub async fn change_own_password(
    State(state): State<AppState>,
    caller: Caller,
    Json(mut body): Json<OwnPassword>,
) -> Result<StatusCode, ApiError> {
    let me = caller.owner.user;
    let account = caller.owner.account;
    let at = Attempt::new(
        &state,
        &caller,
        AuditAction::UserPasswordChange,
        me.to_string(),
    );
    body.validate(state.egress.policy())?;
    let verified = match body.current_password {
        None => false,
        Some(current) => {
            let profile = state
                .store
                .auth()
                .profile(account, me)
                .await?
                .ok_or_else(ApiError::unauthorized)?;
            let key = format!("email:{}", profile.email);
            // Throttled with the logins of this email, counted before the hash (as a login).
            crate::auth::claim_attempt(&state, &[&key], state.clock.now_micros()).await?;
            let stored = state.store.directory().password_hash(account, me).await?;
            let ok = match stored {
                Some(h) if current.len() <= MAX_PASSWORD => {
                    state.hasher.verify(h, current).await?.0
                }
                _ => false,
            };
            if ok {
                state.store.auth().clear_login_failures(&key).await?;
            }
            ok
        }
    };
    let granted = at
        .granted(&caller.principal.decide_own_password(verified))
        .await?;
    let hash = state.hasher.hash(body.new_password).await?;
    let open = at.begin(granted).await?;
    let d = open.actor.decide_own_password(verified);
    let mut open = at.require_in(open, &d, None, None).await?;
    open.tx.set_password(me, &hash, false).await?;
    let ended = open
        .tx
        .end_sessions(me, caller.session.as_deref(), state.clock.now_micros())
        .await?;
    let after = json!({"must_change_password": false, "other_sessions_ended": ended});
    at.done(open.tx, None, Some(&after)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new()
        .routes(utoipa_axum::routes!(list, create))
        .routes(utoipa_axum::routes!(update))
        .routes(utoipa_axum::routes!(reset_password))
        .routes(utoipa_axum::routes!(change_own_password))
}
