//! Undoing the last preset as one audited step (issue 15, point 5). The audit row of
//! `preset.apply` keeps what the preset touched as it was (the settings, the departments'
//! access options, the roles it changed or removed, the users it rebound) and what it created;
//! undoing puts those back, removes the roles it created and records `preset.undo`.
//!
//! Offered only while nothing else changed the same things since (settings, departments,
//! roles, users' access, another preset): undoing over a later change would silently revert
//! that change too. The restored account is decided change by change like the preset was
//! ([`super::settings::refusals`]).

use crate::error_codes as codes;
use std::collections::BTreeMap;

use access::{
    AccessOption, Account, Binding, DepartmentId, IpNet, Permission, PermissionSet, RoleId, Scope,
    UserId,
};
use axum::extract::State;
use serde::Serialize;
use serde_json::{Value, json};
use store::AuditEntry;
use utoipa::ToSchema;

use super::Attempt;
use super::settings::{SettingsView, refusals, settings_from};
use crate::audit_action::AuditAction;
use crate::caller::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// The actions after which a preset is no longer undone: they change what it changed.
const CHANGES_THE_SAME: &[&str] = &[
    "settings.update",
    "department.create",
    "department.update",
    "department.delete",
    "user.create",
    "user.update",
    "role.create",
    "role.update",
    "role.delete",
    "preset.apply",
    "preset.undo",
];

/// Audit rows read back at most to find the preset to undo.
const LOOK_BACK: u32 = 500;

/// The preset that can be undone now.
#[derive(Serialize, ToSchema)]
pub struct Undoable {
    /// Whether the last preset can be undone now.
    pub available: bool,
    /// The preset's id (`helena`, `omnichat`...), when available.
    pub preset: Option<String>,
    /// When it was applied, µs since the epoch.
    pub applied_at: Option<i64>,
    /// Who applied it (user id).
    pub applied_by: Option<i64>,
}

/// The last `preset.apply` of the account when nothing changed the same things after it.
async fn last_preset(state: &AppState, caller: &Caller) -> Result<Option<AuditEntry>, ApiError> {
    let rows = state
        .store
        .audit()
        .page(caller.owner.account, None, LOOK_BACK)
        .await?;
    for e in rows {
        if e.result != "ok" || !CHANGES_THE_SAME.contains(&e.action.as_str()) {
            continue;
        }
        return Ok((e.action == "preset.apply").then_some(e));
    }
    Ok(None)
}

/// Whether the last preset can be undone (`account.manage`).
#[utoipa::path(get, path = "/api/v1/presets/undo", tag = "admin",
    responses((status = 200, body = Undoable), (status = 403, body = crate::error::ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<Undoable>, ApiError> {
    Attempt::new(&state, &caller, AuditAction::PresetUndo, "preset")
        .gate(Permission::AccountManage)
        .await?;
    let last = last_preset(&state, &caller).await?;
    Ok(axum::Json(Undoable {
        available: last.is_some(),
        preset: last
            .as_ref()
            .map(|e| e.target.trim_start_matches("preset#").to_owned()),
        applied_at: last.as_ref().map(|e| e.at),
        applied_by: last.and_then(|e| e.actor.map(|u| u.0)),
    }))
}

fn corrupt(what: &str) -> ApiError {
    ApiError::internal(&format!(
        "the preset's audit row cannot be read back: {what}"
    ))
}

fn permissions(v: &Value) -> Result<PermissionSet, ApiError> {
    v.as_array()
        .ok_or_else(|| corrupt("permissions"))?
        .iter()
        .map(|p| {
            p.as_str()
                .and_then(Permission::from_id)
                .ok_or_else(|| corrupt("a permission"))
        })
        .collect()
}

fn networks(v: &Value) -> Result<Vec<IpNet>, ApiError> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|n| {
                    n.as_str()
                        .and_then(|n| n.parse().ok())
                        .ok_or_else(|| corrupt("a network"))
                })
                .collect()
        })
        .unwrap_or(Ok(Vec::new()))
}

/// `current` with what the preset's audit row says it touched put back as it was.
fn restored(current: &Account, before: &Value, after: &Value) -> Result<Account, ApiError> {
    let mut out = current.clone();
    let settings: SettingsView =
        serde_json::from_value(before["settings"].clone()).map_err(|_| corrupt("settings"))?;
    out.config.settings = settings_from(&settings)?;
    for d in before["departments"].as_array().into_iter().flatten() {
        let id = DepartmentId(d["id"].as_i64().ok_or_else(|| corrupt("a department"))?);
        let access = d["access"]
            .as_str()
            .and_then(AccessOption::from_id)
            .ok_or_else(|| corrupt("an access option"))?;
        out.config.departments.set_access(id, access);
    }
    // Roles it changed or removed, as they were; a removed one comes back under a new id.
    let mut back: BTreeMap<RoleId, RoleId> = BTreeMap::new();
    let mut next = 0;
    for r in before["roles"].as_array().into_iter().flatten() {
        let id = RoleId(r["id"].as_i64().ok_or_else(|| corrupt("a role"))?);
        let (perms, nets) = (
            permissions(&r["permissions"])?,
            networks(&r["allowed_networks"])?,
        );
        let name = r["name"].as_str().ok_or_else(|| corrupt("a role's name"))?;
        match out.config.roles.get_mut(&id) {
            Some(role) => {
                role.permissions = perms;
                role.allowed_networks = nets;
                name.clone_into(&mut role.name);
            }
            None => {
                next -= 1;
                let role = access::Role {
                    id: RoleId(next),
                    name: name.to_owned(),
                    builtin: None,
                    permissions: perms,
                    allowed_networks: nets,
                };
                out.config.roles.insert(role.id, role);
                back.insert(id, RoleId(next));
            }
        }
    }
    for r in after["roles_created"].as_array().into_iter().flatten() {
        let id = RoleId(r["id"].as_i64().ok_or_else(|| corrupt("a created role"))?);
        out.config.roles.remove(&id);
    }
    for u in before["users"].as_array().into_iter().flatten() {
        let id = UserId(u["id"].as_i64().ok_or_else(|| corrupt("a user"))?);
        let Some(user) = out.users.get_mut(&id) else {
            continue;
        };
        let mut bindings = Vec::new();
        for b in u["roles"].as_array().into_iter().flatten() {
            let role = RoleId(b["role_id"].as_i64().ok_or_else(|| corrupt("a binding"))?);
            let scope = match b["department_id"].as_i64() {
                Some(d) => Scope::Department(DepartmentId(d)),
                None => Scope::Account,
            };
            bindings.push(Binding {
                role: back.get(&role).copied().unwrap_or(role),
                scope,
            });
        }
        user.bindings = bindings;
    }
    Ok(out)
}

/// Undoes the last preset (`account.manage`, and each change as an administrator's change):
/// what it changed is put back, the roles it created are removed; 409 `nothing_to_undo` when
/// no preset can be undone (none applied, already undone, or changed since).
#[utoipa::path(post, path = "/api/v1/presets/undo", tag = "admin",
    responses((status = 200, body = Undoable, description = "Undone; nothing more to undo"),
              (status = 403, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody, description = "`nothing_to_undo`")))]
pub async fn undo(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<axum::Json<Undoable>, ApiError> {
    let at = Attempt::new(&state, &caller, AuditAction::PresetUndo, "preset");
    let granted = at.gate(Permission::AccountManage).await?;
    let open = at.begin(granted).await?;
    // Read inside the transaction: a concurrent change either committed before (and is seen)
    // or waits for this one.
    let Some(entry) = last_preset(&state, &caller).await? else {
        return Err(ApiError::conflict_because(
            codes::NOTHING_TO_UNDO,
            "no preset can be undone: none was applied, it was undone, or settings, departments, roles or users changed since",
        ));
    };
    let parse = |s: &Option<String>| -> Result<Value, ApiError> {
        serde_json::from_str(s.as_deref().unwrap_or("null")).map_err(|_| corrupt("JSON"))
    };
    let (before_json, after_json) = (parse(&entry.before)?, parse(&entry.after)?);
    let current = open.account.clone();
    let target = restored(&current, &before_json, &after_json)?;
    let d = {
        let missing = refusals(&open.actor, &current, &target);
        if missing.is_empty() {
            access::Decision::allow(vec![])
        } else {
            access::Decision::deny(missing)
        }
    };
    let undone = json!({"preset": entry.target, "applied": entry.id, "applied_at": entry.at});
    let mut open = at.require_in(open, &d, Some(&undone), None).await?;
    super::account_change::write(&mut open.tx, &current, &target, state.clock.now_micros()).await?;
    at.done(
        open.tx,
        Some(&undone),
        Some(&json!({"restored": before_json})),
    )
    .await?;
    Ok(axum::Json(Undoable {
        available: false,
        preset: None,
        applied_at: None,
        applied_by: None,
    }))
}

/// This module's routes with their OpenAPI documentation, registered once in
/// [`crate::router`].
pub(crate) fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(status, undo))
}
