//! What a preset would change, said before it is applied (issue 15, point 5): the settings,
//! the departments' access options, the roles created, changed or removed, and **who would see
//! more or less**: for every active user, how many conversations they see now and would see
//! after, each counted by the store from the engine's plan of the user as the account is now
//! and as the preset would leave it. Nothing is written; the preview is what
//! `POST /api/v1/presets/{id}` would do with the same options on the account as it is.
//!
//! A role restricted to networks acts only from inside them; the figures are what each user
//! sees from a permitted place (every binding active), since that is what their work looks
//! like: the preview says separately which roles the preset restricts.

use access::{Account, Permission, PermissionSet, RoleId, Tab};
use axum::extract::State;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::Attempt;
use super::settings::{PRESETS, preset, refusals, settings_view};
use crate::audit_action::AuditAction;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::input::Path;
use crate::json::JsonOrEmpty;
use crate::state::AppState;

/// One setting the preset changes.
#[derive(Serialize, ToSchema)]
pub struct SettingChange {
    /// The setting (as in `GET /api/v1/settings`).
    pub field: String,
    /// Its value now.
    #[schema(value_type = Object)]
    pub before: Value,
    /// Its value after.
    #[schema(value_type = Object)]
    pub after: Value,
}

/// A department whose access option the preset changes.
#[derive(Serialize, ToSchema)]
pub struct DepartmentChange {
    /// Department id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// `all`, `team` or `agent` now.
    pub before: &'static str,
    /// And after.
    pub after: &'static str,
}

/// A role the preset creates, changes or removes.
#[derive(Serialize, ToSchema)]
pub struct RoleChangeView {
    /// Role id (absent for a role to be created).
    pub id: Option<i64>,
    /// Its name (a built-in role's id for built-in roles).
    pub name: String,
    /// Whether it is a built-in role.
    pub builtin: bool,
    /// Permissions it gains (all of a new role's).
    pub added: Vec<&'static str>,
    /// Permissions it loses (all of a removed role's).
    pub removed: Vec<&'static str>,
    /// Networks it becomes restricted to (CIDR), when they change.
    pub allowed_networks: Vec<String>,
}

/// How many conversations a user sees now and would see after.
#[derive(Serialize, ToSchema)]
pub struct PresetUserCounts {
    /// User id.
    pub id: i64,
    /// Their name.
    pub name: String,
    /// Conversations they see now (every tab).
    pub before: u64,
    /// Conversations they would see after.
    pub after: u64,
    /// Whether their roles change.
    pub roles_change: bool,
}

/// What a preset would change.
#[derive(Serialize, ToSchema)]
pub struct PresetPreview {
    /// The preset's id.
    pub preset: &'static str,
    /// The settings it changes.
    pub settings: Vec<SettingChange>,
    /// The departments whose access option it changes.
    pub departments: Vec<DepartmentChange>,
    /// The roles it creates.
    pub roles_created: Vec<RoleChangeView>,
    /// The roles it changes.
    pub roles_updated: Vec<RoleChangeView>,
    /// The roles it removes.
    pub roles_removed: Vec<RoleChangeView>,
    /// Every active user, those whose figure changes first (the largest change first).
    pub users: Vec<PresetUserCounts>,
    /// Why the caller could not apply it (the engine's reason codes); empty: they can.
    pub refused: Vec<String>,
}

fn ids(set: PermissionSet) -> Vec<&'static str> {
    set.iter().map(Permission::id).collect()
}

fn role_view(
    r: &access::Role,
    id: Option<i64>,
    added: PermissionSet,
    removed: PermissionSet,
) -> RoleChangeView {
    RoleChangeView {
        id,
        name: r.name.clone(),
        builtin: r.builtin.is_some(),
        added: ids(added),
        removed: ids(removed),
        allowed_networks: r.allowed_networks.iter().map(ToString::to_string).collect(),
    }
}

/// `a` without the network restrictions of its roles: every binding acts.
fn from_a_permitted_place(a: &Account) -> access::AccountConfig {
    let mut config = a.config.clone();
    for r in config.roles.values_mut() {
        r.allowed_networks.clear();
    }
    config
}

/// Every conversation `user` of `config` sees, counted by the store.
async fn sees(
    state: &AppState,
    config: &access::AccountConfig,
    user: &access::User,
) -> Result<u64, ApiError> {
    let p = access::Principal::resolve_unaddressed(config, user);
    let mut n = 0;
    for tab in [Tab::Mine, Tab::Waiting, Tab::Others, Tab::Finished] {
        n += state.store.conversations().count(&p.plan(tab)).await?;
    }
    Ok(n)
}

/// What applying a preset with these options would change (`account.manage`), and who would
/// see more or less; nothing is written.
#[utoipa::path(post, path = "/api/v1/presets/{id}/preview", tag = "admin",
    params(("id" = String, Path, description = "helena, omnichat, oklac, opa or zenvia")),
    request_body(content = Object, description = "The preset's options, as `POST /api/v1/presets/{id}` takes them"),
    responses((status = 200, body = PresetPreview), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody, description = "No such preset")))]
pub async fn preview(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonOrEmpty(body): JsonOrEmpty<Value>,
) -> Result<axum::Json<PresetPreview>, ApiError> {
    if !PRESETS.contains(&id.as_str()) {
        return Err(ApiError::not_found());
    }
    let at = Attempt::new(
        &state,
        &caller,
        AuditAction::PresetPreview,
        format!("preset#{id}"),
    );
    at.gate(Permission::AccountManage).await?;
    let preset = preset(&id, body)?;
    let account = caller.owner.account;
    let before = state.store.directory().account(account).await?;
    if let access::preset::Preset::Helena { access } = &preset
        && access
            .keys()
            .any(|d| !before.config.departments.contains(*d))
    {
        return Err(super::unknown(
            crate::error_codes::UNKNOWN_DEPARTMENT,
            "department",
        ));
    }
    let mut after = before.clone();
    let mut next = 0;
    let report = preset.apply(&mut after, &mut || {
        next -= 1;
        RoleId(next)
    });

    let (sb, sa) = (
        super::to_json(&settings_view(&before.config.settings)),
        super::to_json(&settings_view(&after.config.settings)),
    );
    let settings = sb
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, v)| sa.get(k.as_str()) != Some(v))
        .map(|(k, v)| SettingChange {
            field: k.clone(),
            before: v.clone(),
            after: sa.get(k.as_str()).cloned().unwrap_or(Value::Null),
        })
        .collect();
    let departments = report
        .access
        .iter()
        .filter_map(|(d, was, now)| {
            let dept = before.config.departments.get(*d)?;
            (was != now).then(|| DepartmentChange {
                id: d.0,
                name: dept.name.clone(),
                before: was.id(),
                after: now.id(),
            })
        })
        .collect();
    let mut roles_created = Vec::new();
    let mut roles_updated = Vec::new();
    for r in after.config.roles.values() {
        match before.config.roles.get(&r.id) {
            None => roles_created.push(role_view(r, None, r.permissions, PermissionSet::EMPTY)),
            Some(b) if b != r => roles_updated.push(role_view(
                r,
                Some(r.id.0),
                r.permissions.difference(b.permissions),
                b.permissions.difference(r.permissions),
            )),
            Some(_) => {}
        }
    }
    let roles_removed = before
        .config
        .roles
        .values()
        .filter(|r| !after.config.roles.contains_key(&r.id))
        .map(|r| role_view(r, Some(r.id.0), PermissionSet::EMPTY, r.permissions))
        .collect();

    let names: std::collections::HashMap<access::UserId, String> = state
        .store
        .directory()
        .user_profiles(account)
        .await?
        .into_iter()
        .map(|p| (p.user, p.name))
        .collect();
    let (config_before, config_after) = (
        from_a_permitted_place(&before),
        from_a_permitted_place(&after),
    );
    let mut users = Vec::new();
    for (uid, u) in &before.users {
        let Some(ua) = after.users.get(uid) else {
            continue;
        };
        if !u.active {
            continue;
        }
        users.push(PresetUserCounts {
            id: uid.0,
            name: names
                .get(uid)
                .cloned()
                .unwrap_or_else(|| format!("#{}", uid.0)),
            before: sees(&state, &config_before, u).await?,
            after: sees(&state, &config_after, ua).await?,
            roles_change: u.bindings != ua.bindings,
        });
    }
    users.sort_by_key(|u| {
        (
            std::cmp::Reverse(u.before.abs_diff(u.after)),
            u.name.clone(),
        )
    });
    let refused = refusals(&caller.principal, &before, &after)
        .iter()
        .map(|r| r.code().to_owned())
        .collect();
    Ok(axum::Json(PresetPreview {
        preset: preset.id(),
        settings,
        departments,
        roles_created,
        roles_updated,
        roles_removed,
        users,
        refused,
    }))
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(preview))
}
